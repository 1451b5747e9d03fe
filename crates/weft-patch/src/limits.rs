//! Every bound and tuning constant of weft-patch, in one place (style.md §7).
//!
//! The patch engine reads files the model names and diffs them, so the work one patch or one
//! turn diff can cause is bounded here. The two context radii are not resource bounds but
//! compatibility facts: they fix the shape of the diffs clients see, so they live next to the
//! bounds where a reader looks for "why this number".

use std::time::Duration;

/// Context lines around each hunk of a planned update's `diff` (the `fileChange` item).
///
/// The reference renders `fileChange` update diffs with a context radius of 1
/// (`unified_diff_from_chunks`), and clients show that text as is.
pub const UPDATE_DIFF_CONTEXT_LINES: usize = 1;

/// Context lines around each hunk of the turn's aggregated git-style diff.
///
/// Three is git's default and what the reference's turn diff tracker uses for
/// `turn/diff/updated`.
pub const TURN_DIFF_CONTEXT_LINES: usize = 3;

/// Largest file, in bytes, whose content the turn diff snapshots and diffs line by line.
///
/// A baseline is kept in memory for every file a turn touches, and a line diff costs more
/// than linear time; past this size a file is reported like git reports files above its
/// `core.bigFileThreshold`: as `Binary files differ`. 16 MiB is far above any source file a
/// model edits with a patch.
pub const TURN_DIFF_FILE_BYTES_MAX: u64 = 16 * 1024 * 1024;

/// Time one line diff may take before `similar` settles for a coarser (still correct) diff.
///
/// Myers' algorithm is quadratic in the worst case; a pathological pair of files must not
/// stall a turn. One second is invisible for real edits (they diff in microseconds) and
/// bounds the worst case.
pub const DIFF_DEADLINE: Duration = Duration::from_secs(1);

const _: () = assert!(UPDATE_DIFF_CONTEXT_LINES <= TURN_DIFF_CONTEXT_LINES);
