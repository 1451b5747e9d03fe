//! Reading a whole rollout back: identity, preview, model history, token usage and turns.
//!
//! Reading never trusts the file: blank lines are skipped, lines that are not JSON envelopes
//! (a torn last line after a crash, foreign garbage, over-long lines) are skipped and counted,
//! and the rest is interpreted best effort, so a damaged tail never loses what came before it.
//! Only two things are fatal: an empty file (`empty session file`, as the reference says) and a
//! file with no usable `session_meta`.
//!
//! Two readers share this module's interpretation of lines. [`read_rollout`] keeps every line
//! as a [`RolloutLine`] (`thread/read`, forks, tests); [`digest_rollout`] reads only what a
//! cold resume needs, in one parallel pass that never builds the payloads it does not return.
//! Both reduce lines to the events of `record` and fold them with the same builders
//! (`turns::TurnsBuilder`, `history::HistoryBuilder`).

mod digest;
mod history;
mod meta;
mod record;
mod turns;
mod usage;

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde_json::Value;
use weft_protocol::v2::{ThreadGoal, ThreadTokenUsage, Turn, TurnStatus};

use crate::limits::{LINE_BYTES_MAX, ROLLOUT_BYTES_MAX};
use crate::line::{RolloutLine, kind};
use crate::scan::{CappedLines, RawLine};

pub use digest::{DigestOptions, RolloutDigest, digest_rollout, digest_rollout_with};
pub use meta::{GitInfo, HistoryMode, MetaError, SessionMeta, source_kind, wire_session_source};

/// Why a rollout could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be opened or read.
    #[error("failed to read rollout {}: {source}", path.display())]
    Io {
        /// The rollout file (empty when reading from memory).
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The file has no lines at all (the reference's exact text).
    #[error("empty session file")]
    Empty,
    /// No line is a `session_meta`.
    #[error("rollout does not start with session metadata")]
    NoSessionMeta,
    /// The first `session_meta` is unusable.
    #[error(transparent)]
    InvalidSessionMeta(#[from] MetaError),
    /// The file is larger than [`ROLLOUT_BYTES_MAX`].
    #[error("rollout {} is too large to load ({size} bytes)", path.display())]
    TooLarge {
        /// The rollout file.
        path: PathBuf,
        /// Its size in bytes.
        size: u64,
    },
}

/// A rollout read into memory: every valid line, in file order, plus its identity.
#[derive(Debug, Clone)]
pub struct Rollout {
    meta: SessionMeta,
    lines: Vec<RolloutLine>,
    skipped_lines: usize,
}

/// Reads a rollout file completely (resume, `thread/read`).
///
/// # Errors
/// [`ReadError::Empty`], [`ReadError::NoSessionMeta`], [`ReadError::InvalidSessionMeta`],
/// [`ReadError::TooLarge`] or IO errors. Damaged lines are never an error.
pub fn read_rollout(path: &Path) -> Result<Rollout, ReadError> {
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
    parse_rollout(BufReader::new(file)).map_err(|error| match error {
        ReadError::Io { source, .. } => ReadError::Io {
            path: path.to_path_buf(),
            source,
        },
        other => other,
    })
}

/// Reads a rollout from any byte stream (the body of [`read_rollout`]; also used by tests).
///
/// # Errors
/// As [`read_rollout`], without the size check.
pub fn parse_rollout(reader: impl BufRead) -> Result<Rollout, ReadError> {
    let mut raw_lines = CappedLines::new(reader, LINE_BYTES_MAX);
    let mut lines = Vec::new();
    let mut skipped_lines = 0usize;
    let mut any_line = false;
    while let Some(raw) = raw_lines.next_line().map_err(|source| ReadError::Io {
        path: PathBuf::new(),
        source,
    })? {
        let bytes = match raw {
            RawLine::Bytes(bytes) => bytes,
            RawLine::Oversized => {
                any_line = true;
                skipped_lines += 1;
                continue;
            }
        };
        if bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        any_line = true;
        match RolloutLine::parse(&bytes) {
            Some(line) => lines.push(line),
            None => skipped_lines += 1,
        }
    }
    if !any_line {
        return Err(ReadError::Empty);
    }
    if skipped_lines > 0 {
        tracing::debug!(skipped_lines, "rollout lines skipped while reading");
    }
    Rollout::from_lines(lines, skipped_lines)
}

impl Rollout {
    /// Builds a rollout from lines already in memory (the first `session_meta` is the identity).
    ///
    /// # Errors
    /// [`ReadError::NoSessionMeta`] or [`ReadError::InvalidSessionMeta`].
    pub fn from_lines(lines: Vec<RolloutLine>, skipped_lines: usize) -> Result<Rollout, ReadError> {
        let first_meta = lines
            .iter()
            .find(|line| line.kind == kind::SESSION_META)
            .ok_or(ReadError::NoSessionMeta)?;
        let meta = SessionMeta::from_payload(&first_meta.payload)?;
        Ok(Rollout {
            meta,
            lines,
            skipped_lines,
        })
    }

    /// The thread's identity (first `session_meta`).
    pub fn meta(&self) -> &SessionMeta {
        &self.meta
    }

    /// Every valid line, in file order.
    pub fn lines(&self) -> &[RolloutLine] {
        &self.lines
    }

    /// How many non-blank lines were skipped as not JSON, not an envelope, or over-long.
    pub fn skipped_lines(&self) -> usize {
        self.skipped_lines
    }

    /// Ordinal of the last valid line, in a paginated file.
    pub fn last_ordinal(&self) -> Option<u64> {
        self.lines.iter().rev().find_map(|line| line.ordinal)
    }

    /// The thread's preview: text of the first user *event* (`item_completed` with a
    /// `UserMessage`, or a legacy `user_message`), never of a `response_item`. `""` when the
    /// thread has no user message yet (such threads are hidden from `thread/list`).
    pub fn preview(&self) -> String {
        self.lines
            .iter()
            .find_map(user_event_text)
            .unwrap_or_default()
    }

    /// The model-facing history to resume from (core.md §5.5, §6.2).
    ///
    /// All `response_item` payloads in order, except that a `compacted` line replaces
    /// everything before it with its `replacement_history` (or, in legacy files, with the
    /// earlier user messages plus the summary). `ghost_snapshot` items are skipped; the
    /// rollout-only `internal_chat_message_metadata_passthrough` field and the line-level
    /// `metadata` are dropped.
    pub fn model_history(&self) -> Vec<Value> {
        history::model_history(&self.lines)
    }

    /// Token usage from the last `token_count` event with non-null `info`.
    pub fn last_token_usage(&self) -> Option<ThreadTokenUsage> {
        self.lines.iter().rev().find_map(usage::token_usage_of_line)
    }

    /// The thread's goal: what the last goal line (`thread_goal_updated`, or weft's
    /// `thread_goal_cleared`) says; `None` when there is none or the last one clears it.
    pub fn last_goal(&self) -> Option<ThreadGoal> {
        self.lines
            .iter()
            .rev()
            .find_map(crate::goal::goal_record)
            .and_then(crate::goal::GoalRecord::into_goal)
    }

    /// Payload of the last `turn_context` line (settings to restore on resume).
    pub fn last_turn_context(&self) -> Option<&Value> {
        self.lines
            .iter()
            .rev()
            .find(|line| line.kind == kind::TURN_CONTEXT)
            .map(|line| &line.payload)
    }

    /// The model of the last `turn_context`, when recorded.
    pub fn last_model(&self) -> Option<&str> {
        self.last_turn_context()?
            .get("model")
            .and_then(Value::as_str)
    }

    /// Wire turns rebuilt from the events (protocol.md §6.3), items in full.
    ///
    /// A turn still open at the end of the file is reported `inProgress`; the caller reports it
    /// `interrupted` unless the thread is running it (lifecycle.md R23).
    pub fn turns(&self) -> Vec<Turn> {
        turns::build_turns(&self.meta, &self.lines)
    }
}

/// Reports every `inProgress` turn as `interrupted`: what `thread/read` and cold resume show for
/// a thread that is not running (a crash or kill left the turn unfinished, lifecycle.md R23).
pub fn interrupt_open_turns(turns: &mut [Turn]) {
    for turn in turns
        .iter_mut()
        .filter(|turn| turn.status == TurnStatus::InProgress)
    {
        turn.status = TurnStatus::Interrupted;
    }
}

/// Text of a user event line (`item_completed` UserMessage or legacy `user_message`).
pub(crate) fn user_event_text(line: &RolloutLine) -> Option<String> {
    if line.kind != kind::EVENT_MSG {
        return None;
    }
    match line.payload_kind()? {
        "item_completed" => {
            let item = line.payload.get("item")?;
            (item.get("type")?.as_str()? == "UserMessage")
                .then(|| crate::item_codec::user_message::text_of(item))
        }
        "user_message" => Some(line.payload.get("message")?.as_str()?.to_owned()),
        _ => None,
    }
}
