//! The errors of planning and applying a patch, with the reference's texts.
//!
//! Every `Display` text here goes back to the model as the tool output (the core adds its
//! own prefix), so the wording follows the reference's `apply_patch` exactly; the underlying
//! `io::Error` stays reachable through `source()` for logs.

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::apply::ApplySummary;
use crate::parser::ParseError;

/// Why a patch could not be planned or applied.
#[derive(Debug, thiserror::Error)]
pub enum PatchError {
    /// The patch text does not parse.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// An update names a file that cannot be read (missing, a directory, not UTF-8, …).
    #[error("Failed to read file to update {}: {source}", path.display())]
    ReadForUpdate {
        /// Absolute path of the file.
        path: PathBuf,
        /// The read error.
        source: io::Error,
    },
    /// A delete names a file that cannot be read (missing, a directory, …).
    #[error("Failed to read {}: {source}", path.display())]
    ReadForDelete {
        /// Absolute path of the file.
        path: PathBuf,
        /// The read error.
        source: io::Error,
    },
    /// A chunk's `@@ <context>` line is not in the file (after the previous chunk).
    #[error("Failed to find context '{context}' in {}", path.display())]
    ContextNotFound {
        /// Absolute path of the file.
        path: PathBuf,
        /// The context line as written in the patch.
        context: String,
    },
    /// A chunk's old lines are not in the file (after the previous chunk).
    #[error("Failed to find expected lines in {}:\n{lines}", path.display())]
    LinesNotFound {
        /// Absolute path of the file.
        path: PathBuf,
        /// The chunk's old lines joined with `\n`.
        lines: String,
    },
    /// The patch has no hunks.
    #[error("No files were modified.")]
    NothingToApply,
    /// Writing a change failed. Changes before it are on disk (listed in `applied`); this one
    /// and those after it are not (a move may have written its destination already).
    #[error("{step} {}", path.display())]
    Apply {
        /// What was being done.
        step: ApplyStep,
        /// Absolute path the failed operation touched.
        path: PathBuf,
        /// Index of the failed change in the planned list.
        change_index: usize,
        /// The changes applied before the failure, for the model and the turn diff.
        applied: ApplySummary,
        /// The IO error.
        source: io::Error,
    },
}

/// The file-system operation an [`PatchError::Apply`] failed in; `Display` is the reference's
/// wording, followed by the path in the error text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplyStep {
    /// Creating the parent directories of an added file or move destination.
    CreateParents,
    /// Writing new content.
    Write,
    /// Removing a deleted file.
    Delete,
    /// Removing the source of a move after its destination was written.
    RemoveOriginal,
}

impl fmt::Display for ApplyStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::CreateParents => "Failed to create parent directories for",
            Self::Write => "Failed to write file",
            Self::Delete => "Failed to delete file",
            Self::RemoveOriginal => "Failed to remove original",
        })
    }
}
