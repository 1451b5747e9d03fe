//! The cold-resume read: everything `thread/resume` needs from a rollout, in one parallel pass.
//!
//! [`crate::read_rollout`] keeps every line as a `RolloutLine` whose payload is a `Value`; on
//! a 10,000-item thread building (and later dropping) those values is most of a resume. The
//! digest never builds what it does not return:
//!
//! 1. The file is cut into a few pieces per core (`pieces`); the threads take pieces from a
//!    shared counter, read each block by block through a reused buffer (`region`) and turn
//!    every line into a [`Fact`] with a single-pass parser (`fast`). The parser validates what
//!    it skips exactly as a `Value` parse would (`scalar`), builds model-history items in place
//!    at their exact size (`value`), and types user and agent messages directly (`item`).
//!    Lines in shapes it does not handle are read again with the exact reader, so the outcome
//!    never depends on the fast path.
//! 2. The calling thread folds the pieces in file order as they become ready, with the same
//!    builders `Rollout` uses (`TurnsBuilder`, `HistoryBuilder`), while the other threads
//!    parse later pieces (`fold`).
//! 3. The values only the last line of their kind decides — the last `turn_context`, the last
//!    usable `token_count` and the last usable goal line — are re-read from the file at the
//!    end, by position.
//!
//! **Invariant:** for every file, [`digest_rollout`] returns what [`crate::read_rollout`]
//! followed by the `Rollout` accessors returns (`tests/it/digest.rs` checks it, including on
//! arbitrary bytes).

mod fast;
mod fold;
mod item;
mod pieces;
mod region;
mod scalar;
#[cfg(test)]
mod tests;
mod value;

use std::fs::File;
use std::path::Path;
use std::thread;

use serde_json::Value;
use weft_protocol::v2::{ThreadGoal, ThreadTokenUsage, Turn};

use self::fold::Folder;
use super::ReadError;
use super::meta::SessionMeta;
use super::record::Event;
use crate::limits::{
    DIGEST_BLOCK_BYTES, DIGEST_REGION_BYTES_MIN, DIGEST_THREADS_MAX, LINE_BYTES_MAX,
    ROLLOUT_BYTES_MAX,
};

/// What a cold `thread/resume` needs from a rollout, read in one pass by [`digest_rollout`].
///
/// Every field equals what [`crate::read_rollout`] and the [`crate::Rollout`] accessor of the
/// same name return for the same file.
#[derive(Debug, Clone, PartialEq)]
pub struct RolloutDigest {
    /// The thread's identity (first `session_meta`).
    pub meta: SessionMeta,
    /// Text of the first user event, `""` when none ([`crate::Rollout::preview`]).
    pub preview: String,
    /// Wire turns, items in full; an unfinished last turn is `inProgress`
    /// ([`crate::Rollout::turns`]).
    pub turns: Vec<Turn>,
    /// The model-facing history to resume from ([`crate::Rollout::model_history`]).
    pub model_history: Vec<Value>,
    /// Usage of the last `token_count` with usable `info`.
    pub last_token_usage: Option<ThreadTokenUsage>,
    /// Payload of the last `turn_context` line.
    pub last_turn_context: Option<Value>,
    /// The thread's goal, from the last goal line ([`crate::Rollout::last_goal`]).
    pub last_goal: Option<ThreadGoal>,
    /// The `model` of [`RolloutDigest::last_turn_context`], when a string.
    pub last_model: Option<String>,
    /// Ordinal of the last valid line that has one ([`crate::Rollout::last_ordinal`]).
    pub last_ordinal: Option<u64>,
    /// How many non-blank lines were skipped as not JSON, not an envelope, or over-long.
    pub skipped_lines: usize,
}

/// How [`digest_rollout_with`] divides the work. [`Default`] is what [`digest_rollout`] uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DigestOptions {
    /// Most worker threads (the calling thread is one of them); at least one is used.
    pub threads_max: usize,
    /// Smallest byte range worth a thread of its own; smaller files use fewer threads.
    pub region_bytes_min: u64,
    /// Bytes read from the file at a time by each worker.
    pub block_bytes: usize,
    /// Longest line accepted; longer lines are skipped and counted.
    pub line_bytes_max: usize,
}

impl Default for DigestOptions {
    fn default() -> DigestOptions {
        let cores = thread::available_parallelism().map_or(1, usize::from);
        DigestOptions {
            threads_max: cores.min(DIGEST_THREADS_MAX),
            region_bytes_min: DIGEST_REGION_BYTES_MIN,
            block_bytes: DIGEST_BLOCK_BYTES,
            line_bytes_max: LINE_BYTES_MAX,
        }
    }
}

impl RolloutDigest {
    /// The digest of a rollout already in memory (a fork's copy), from its accessors.
    #[must_use]
    pub fn of(rollout: &crate::Rollout) -> RolloutDigest {
        RolloutDigest {
            meta: rollout.meta().clone(),
            preview: rollout.preview(),
            turns: rollout.turns(),
            model_history: rollout.model_history(),
            last_token_usage: rollout.last_token_usage(),
            last_turn_context: rollout.last_turn_context().cloned(),
            last_goal: rollout.last_goal(),
            last_model: rollout.last_model().map(str::to_owned),
            last_ordinal: rollout.last_ordinal(),
            skipped_lines: rollout.skipped_lines(),
        }
    }
}

/// Reads what a cold resume needs from the rollout at `path`, using the available cores.
///
/// Equivalent to [`crate::read_rollout`] followed by the `Rollout` accessors, and much
/// cheaper: payloads that are not returned are validated but never built. Blocking; call it
/// from a blocking task.
///
/// # Errors
/// As [`crate::read_rollout`]: [`ReadError::Empty`], [`ReadError::NoSessionMeta`],
/// [`ReadError::InvalidSessionMeta`], [`ReadError::TooLarge`] or IO errors. Damaged lines are
/// never an error.
pub fn digest_rollout(path: &Path) -> Result<RolloutDigest, ReadError> {
    digest_rollout_with(path, DigestOptions::default())
}

/// [`digest_rollout`] with explicit threading and buffer sizes (tests, constrained callers).
///
/// # Errors
/// As [`digest_rollout`].
pub fn digest_rollout_with(
    path: &Path,
    options: DigestOptions,
) -> Result<RolloutDigest, ReadError> {
    let io_error = |source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(io_error)?;
    let size = file.metadata().map_err(io_error)?.len();
    if size > ROLLOUT_BYTES_MAX {
        return Err(ReadError::TooLarge {
            path: path.to_path_buf(),
            size,
        });
    }
    let mut folder = Folder::new(&file);
    pieces::digest_pieces(path, &file, size, &options, &mut folder)?;
    folder.finish().map_err(|error| match error {
        ReadError::Io { source, .. } => io_error(source),
        other => other,
    })
}

/// Where a line is in the file, to read it again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Span {
    offset: u64,
    len: usize,
}

/// What one valid line contributes to the digest.
#[derive(Debug)]
pub(super) enum Fact {
    /// A `session_meta` payload (the first one is the identity).
    SessionMeta(Value),
    /// A `turn_context` line (only the last one is read again).
    TurnContext(Span),
    /// A `token_count` event with non-null `info` (read again from the last one back).
    TokenCount(Span),
    /// A goal line, `thread_goal_updated` or `thread_goal_cleared` (read again from the last one
    /// back, until one is usable).
    Goal(Span),
    /// A `response_item`, as the model sees it.
    ResponseItem(Option<Value>),
    /// A `compacted` payload.
    Compacted(Value),
    /// An event for the turns, and the text of a user event (for the preview).
    Event {
        /// What the event does to the turns.
        event: Event,
        /// The user message text, while a preview is still wanted.
        user_text: Option<String>,
    },
    /// A line that changes nothing the digest returns.
    Other,
}

impl Fact {
    /// The fact of an event line (an event that changes nothing is [`Fact::Other`]).
    fn event(event: Event, user_text: Option<String>) -> Fact {
        match (event, user_text) {
            (Event::Other, None) => Fact::Other,
            (Event::ItemsCompleted { items, .. }, None) if items.is_empty() => Fact::Other,
            (event, user_text) => Fact::Event { event, user_text },
        }
    }

    /// The fact of a `token_count` line (one with null `info` never counts).
    fn token_count(has_info: bool, span: Span) -> Fact {
        if has_info {
            Fact::TokenCount(span)
        } else {
            Fact::Other
        }
    }
}
