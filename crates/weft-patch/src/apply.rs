//! Applying planned changes to disk, and the success summary the model reads.
//!
//! Changes are written in patch order with no rollback: a failure leaves the earlier changes
//! on disk, exactly as the reference does, and the error says which change failed and what
//! was applied before it. A move writes the destination and then removes the source.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{ApplyStep, PatchError};
use crate::plan::{ChangeKind, PlannedChange};

/// Which files a patch added, modified and deleted, with paths as written in the patch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplySummary {
    /// Added files (including overwritten ones), in patch order.
    pub added: Vec<PathBuf>,
    /// Updated files (the destination for moves), in patch order.
    pub modified: Vec<PathBuf>,
    /// Deleted files, in patch order.
    pub deleted: Vec<PathBuf>,
}

impl ApplySummary {
    /// The tool output the model gets on success, byte for byte the reference's:
    /// `Success. Updated the following files:\n` then `A `, `M `, `D ` lines, grouped in that
    /// order, each ending with `\n`.
    #[must_use]
    pub fn to_model_text(&self) -> String {
        let mut text = String::from("Success. Updated the following files:\n");
        for (letter, paths) in [
            ('A', &self.added),
            ('M', &self.modified),
            ('D', &self.deleted),
        ] {
            for path in paths {
                let _ = writeln!(text, "{letter} {}", path.display());
            }
        }
        text
    }
}

/// Writes `changes` (from [`crate::plan`]) to disk in order, creating parent directories as
/// needed.
///
/// # Errors
/// [`PatchError::NothingToApply`] for an empty list; [`PatchError::Apply`] for the first
/// change that could not be written, carrying the summary of those applied before it.
pub fn apply(changes: &[PlannedChange]) -> Result<ApplySummary, PatchError> {
    if changes.is_empty() {
        return Err(PatchError::NothingToApply);
    }
    let mut summary = ApplySummary::default();
    for (change_index, change) in changes.iter().enumerate() {
        if let Err((step, path, source)) = apply_one(change) {
            return Err(PatchError::Apply {
                step,
                path,
                change_index,
                applied: summary,
                source,
            });
        }
        let list = match change.kind {
            ChangeKind::Add => &mut summary.added,
            ChangeKind::Delete => &mut summary.deleted,
            ChangeKind::Update { .. } => &mut summary.modified,
        };
        list.push(change.written_path.clone());
    }
    Ok(summary)
}

type StepError = (ApplyStep, PathBuf, std::io::Error);

fn apply_one(change: &PlannedChange) -> Result<(), StepError> {
    let new_content = change.new_content.as_deref().unwrap_or_default();
    match &change.kind {
        ChangeKind::Add | ChangeKind::Update { move_path: None } => {
            write_creating_parents(&change.path, new_content)
        }
        ChangeKind::Delete => step(
            ApplyStep::Delete,
            &change.path,
            fs::remove_file(&change.path),
        ),
        ChangeKind::Update {
            move_path: Some(dest),
        } => {
            write_creating_parents(dest, new_content)?;
            if dest == &change.path {
                return Ok(());
            }
            step(
                ApplyStep::RemoveOriginal,
                &change.path,
                fs::remove_file(&change.path),
            )
        }
    }
}

fn write_creating_parents(path: &Path, content: &str) -> Result<(), StepError> {
    if let Some(parent) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        step(ApplyStep::CreateParents, path, fs::create_dir_all(parent))?;
    }
    step(ApplyStep::Write, path, fs::write(path, content))
}

fn step(step: ApplyStep, path: &Path, result: std::io::Result<()>) -> Result<(), StepError> {
    result.map_err(|source| (step, path.to_path_buf(), source))
}
