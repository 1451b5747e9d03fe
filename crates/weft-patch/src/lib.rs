//! weft-patch: the `apply_patch` grammar, its application to files, and turn diffs.
//!
//! The model edits files by sending a patch in the reference's format (core.md §3.3). The
//! core uses this crate in four steps, each a separate call so it can put approval and item
//! notifications between them:
//!
//! 1. [`extract_from_argv`] recognises a patch inside a command the model asked to run
//!    (`apply_patch <<'EOF' … EOF`), or [`parse_patch`] parses one given directly;
//! 2. [`plan`] resolves paths, reads files and computes every change (with the per-file
//!    `diff` of the `fileChange` item) without writing anything;
//! 3. [`apply`] writes the planned changes and returns the [`ApplySummary`] the model reads;
//! 4. [`TurnDiff`] keeps the turn's aggregated git-style diff for `turn/diff/updated`.
//!
//! Every error text that reaches the model is the reference's, byte for byte.
//!
//! **Invariant:** this crate depends on no weft crate and on no async runtime; its IO is
//! plain blocking `std::fs`, so the core calls it from `spawn_blocking` or a blocking task.

mod apply;
mod error;
mod invocation;
pub mod limits;
mod parser;
mod plan;
mod render;
mod seek;
mod turn_diff;

pub use apply::{ApplySummary, apply};
pub use error::{ApplyStep, PatchError};
pub use invocation::{ExtractError, ShellPatch, extract_from_argv};
pub use parser::{Hunk, ParseError, Patch, UpdateChunk, parse_patch};
pub use plan::{ChangeKind, PlannedChange, derive_new_contents, plan, resolve_path};
pub use turn_diff::{TurnDiff, git_blob_oid};
