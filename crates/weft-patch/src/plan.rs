//! Planning a patch: resolve paths, read files, locate every chunk, compute new contents.
//!
//! Planning does all the reading and all the failing that can be done before anything is
//! written, so the core can show the `fileChange` item (with its per-file diffs) and decide
//! on approval before the disk changes, and [`crate::apply`] only has to write. Hunks are
//! planned against a virtual view of the disk that already contains the effect of the earlier
//! hunks of the same patch, so "add a file, then update it" plans like it applies.
//!
//! The line model is the reference's: a file is split on `\n` with the empty piece after a
//! final newline dropped; chunks are located in order (each after the previous one, and after
//! its `@@` context line), replacements are spliced in, and the result always ends with a
//! newline.

use std::collections::HashMap;
use std::io;
use std::path::{Component, Path, PathBuf};

use crate::error::PatchError;
use crate::limits::{DIFF_DEADLINE, UPDATE_DIFF_CONTEXT_LINES};
use crate::parser::{Hunk, Patch, UpdateChunk};
use crate::seek::seek_sequence;

/// One file change of a planned patch, ready to show and to apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedChange {
    /// Absolute path of the file the hunk names (the source of a move).
    pub path: PathBuf,
    /// The path the success summary names, as written in the patch: the move destination
    /// for a move, else the hunk's path.
    pub written_path: PathBuf,
    /// What happens to the file.
    pub kind: ChangeKind,
    /// Content before the change (delete and update); `None` for add.
    pub old_content: Option<String>,
    /// Content after the change (add and update); `None` for delete.
    pub new_content: Option<String>,
    /// The `diff` of the `fileChange` change: the new content for add, the old content for
    /// delete, a unified diff (hunks only, no `---`/`+++` lines, one line of context) for
    /// update.
    pub diff: String,
}

/// What a [`PlannedChange`] does to its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeKind {
    /// Create the file (or overwrite it).
    Add,
    /// Remove the file.
    Delete,
    /// Rewrite the file, optionally at a new absolute path.
    Update {
        /// Absolute destination of a move.
        move_path: Option<PathBuf>,
    },
}

/// Plans `patch` against the files under `cwd` (the effective working directory: the turn cwd
/// joined with a `cd` directory, if the command had one). Relative paths resolve against
/// `cwd`; absolute paths are used as they are; both are then normalised lexically (`.` and
/// `..` removed, see [`resolve_path`]) so approval checks on [`PlannedChange::path`] see where
/// the write really goes.
///
/// Reads files but writes nothing. The result is in patch order; an empty patch plans to an
/// empty list (which [`crate::apply`] refuses).
///
/// # Errors
/// The first hunk that cannot be planned: an update or delete of a file that cannot be read,
/// or a chunk whose context or old lines are not found ([`PatchError`] texts are the
/// reference's).
pub fn plan(patch: &Patch, cwd: &Path) -> Result<Vec<PlannedChange>, PatchError> {
    let mut view = DiskView::default();
    patch
        .hunks
        .iter()
        .map(|hunk| plan_hunk(hunk, cwd, &mut view))
        .collect()
}

fn plan_hunk(hunk: &Hunk, cwd: &Path, view: &mut DiskView) -> Result<PlannedChange, PatchError> {
    match hunk {
        Hunk::Add {
            path: written,
            contents,
        } => {
            let path = resolve_path(cwd, written);
            view.set(&path, Some(contents.clone()));
            Ok(PlannedChange {
                path,
                written_path: written.clone(),
                kind: ChangeKind::Add,
                old_content: None,
                new_content: Some(contents.clone()),
                diff: contents.clone(),
            })
        }
        Hunk::Delete { path: written } => {
            let path = resolve_path(cwd, written);
            let old = match view.read_lossy(&path) {
                Ok(old) => old,
                Err(source) => return Err(PatchError::ReadForDelete { path, source }),
            };
            view.set(&path, None);
            Ok(PlannedChange {
                path,
                written_path: written.clone(),
                kind: ChangeKind::Delete,
                old_content: Some(old.clone()),
                new_content: None,
                diff: old,
            })
        }
        Hunk::Update {
            path: written,
            move_path,
            chunks,
        } => plan_update(written, move_path.as_deref(), chunks, cwd, view),
    }
}

fn plan_update(
    written: &Path,
    written_move: Option<&Path>,
    chunks: &[UpdateChunk],
    cwd: &Path,
    view: &mut DiskView,
) -> Result<PlannedChange, PatchError> {
    let path = resolve_path(cwd, written);
    let old = match view.read(&path) {
        Ok(old) => old,
        Err(source) => return Err(PatchError::ReadForUpdate { path, source }),
    };
    let new = derive_new_contents(&old, &path, chunks)?;
    let diff = similar::TextDiff::configure()
        .timeout(DIFF_DEADLINE)
        .diff_lines(old.as_str(), new.as_str())
        .unified_diff()
        .context_radius(UPDATE_DIFF_CONTEXT_LINES)
        .to_string();
    let move_path = written_move.map(|dest| resolve_path(cwd, dest));
    match &move_path {
        Some(dest) => {
            view.set(&path, None);
            view.set(dest, Some(new.clone()));
        }
        None => view.set(&path, Some(new.clone())),
    }
    Ok(PlannedChange {
        path,
        written_path: written_move.unwrap_or(written).to_path_buf(),
        kind: ChangeKind::Update { move_path },
        old_content: Some(old),
        new_content: Some(new),
        diff,
    })
}

/// `path` resolved against `cwd` (an absolute `path` stays as it is), with `.` components
/// dropped and each `..` removing the component before it, without touching the disk.
///
/// Lexical, like the reference's path resolution: a `..` after a symlinked directory is
/// resolved against the link's name, not its target.
#[must_use]
pub fn resolve_path(cwd: &Path, path: &Path) -> PathBuf {
    let mut resolved = PathBuf::new();
    for component in cwd.join(path).components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                // At the root, `..` is the root itself.
                resolved.pop();
            }
            other => resolved.push(other),
        }
    }
    resolved
}

/// Applies `chunks` to `original` (the content of `path`, named in errors) and returns the new
/// content, which always ends with a newline.
///
/// # Errors
/// [`PatchError::ContextNotFound`] or [`PatchError::LinesNotFound`] for the first chunk that
/// cannot be located.
pub fn derive_new_contents(
    original: &str,
    path: &Path,
    chunks: &[UpdateChunk],
) -> Result<String, PatchError> {
    let mut lines: Vec<String> = original.split('\n').map(str::to_owned).collect();
    if lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    let mut replacements = locate_chunks(&lines, path, chunks)?;
    // Stable, so chunks inserting at the same place keep their patch order.
    replacements.sort_by_key(|replacement| replacement.start);
    // From the bottom up, so each splice leaves the positions above it valid.
    for replacement in replacements.iter().rev() {
        let start = replacement.start.min(lines.len());
        let end = (replacement.start + replacement.old_len).min(lines.len());
        lines.splice(start..end, replacement.new_lines.iter().cloned());
    }
    if !lines.last().is_some_and(String::is_empty) {
        lines.push(String::new());
    }
    Ok(lines.join("\n"))
}

/// Replace `old_len` lines at `start` with `new_lines`.
struct Replacement<'a> {
    start: usize,
    old_len: usize,
    new_lines: &'a [String],
}

fn locate_chunks<'a>(
    lines: &[String],
    path: &Path,
    chunks: &'a [UpdateChunk],
) -> Result<Vec<Replacement<'a>>, PatchError> {
    let mut replacements = Vec::with_capacity(chunks.len());
    let mut line_index = 0;
    for chunk in chunks {
        if let Some(context) = &chunk.context {
            let Some(at) = seek_sequence(lines, std::slice::from_ref(context), line_index, false)
            else {
                return Err(PatchError::ContextNotFound {
                    path: path.to_path_buf(),
                    context: context.clone(),
                });
            };
            line_index = at + 1;
        }
        if chunk.old_lines.is_empty() {
            // A pure addition goes at the end of the file (the reference ignores the context
            // line's position here; models rely on that for "append" patches).
            let at = if lines.last().is_some_and(String::is_empty) {
                lines.len() - 1
            } else {
                lines.len()
            };
            replacements.push(Replacement {
                start: at,
                old_len: 0,
                new_lines: &chunk.new_lines,
            });
            continue;
        }
        let mut old: &[String] = &chunk.old_lines;
        let mut new: &'a [String] = &chunk.new_lines;
        let mut found = seek_sequence(lines, old, line_index, chunk.end_of_file);
        // A trailing empty old line usually stands for the file's final newline, which the
        // line split dropped: retry without it.
        if found.is_none() && old.last().is_some_and(String::is_empty) {
            old = &old[..old.len() - 1];
            if new.last().is_some_and(String::is_empty) {
                new = &new[..new.len() - 1];
            }
            found = seek_sequence(lines, old, line_index, chunk.end_of_file);
        }
        let Some(start) = found else {
            return Err(PatchError::LinesNotFound {
                path: path.to_path_buf(),
                lines: chunk.old_lines.join("\n"),
            });
        };
        replacements.push(Replacement {
            start,
            old_len: old.len(),
            new_lines: new,
        });
        line_index = start + old.len();
    }
    Ok(replacements)
}

/// The disk as the hunks planned so far will leave it: reads go through the overlay first.
#[derive(Default)]
struct DiskView {
    /// Absolute path → content after earlier hunks (`None` = deleted or moved away).
    overlay: HashMap<PathBuf, Option<String>>,
}

impl DiskView {
    fn set(&mut self, path: &Path, content: Option<String>) {
        self.overlay.insert(path.to_path_buf(), content);
    }

    fn read(&self, path: &Path) -> io::Result<String> {
        match self.overlay.get(path) {
            Some(Some(content)) => Ok(content.clone()),
            Some(None) => Err(not_found()),
            None => std::fs::read_to_string(path),
        }
    }

    /// Like [`Self::read`], but content that is not UTF-8 is read lossily: deleting a binary
    /// file is fine, only its `diff` text is approximate.
    fn read_lossy(&self, path: &Path) -> io::Result<String> {
        match self.overlay.get(path) {
            Some(Some(content)) => Ok(content.clone()),
            Some(None) => Err(not_found()),
            None => {
                let bytes = std::fs::read(path)?;
                Ok(String::from_utf8(bytes)
                    .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned()))
            }
        }
    }
}

/// The error the OS gives for a missing file, so a file deleted earlier in the same patch
/// fails with the same text as one that never existed.
fn not_found() -> io::Error {
    // ENOENT on every Unix; weft runs on Linux.
    const ENOENT: i32 = 2;
    io::Error::from_raw_os_error(ENOENT)
}
