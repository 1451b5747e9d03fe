//! One rollout line: the envelope every JSONL record shares (core.md §5.2).
//!
//! The envelope is typed and the payload is not: payloads are whatever the writer (weft, or the
//! reference) put there, and weft must carry unknown fields through unchanged. Keys serialise in
//! the reference's order — `timestamp`, `ordinal` (only in paginated files), `type`, `payload`,
//! then the rollout-only `metadata` block when present — which the workspace's serde_json
//! `preserve_order` feature keeps inside payloads too.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Line `type` values written by codex 0.169.0 (and read by weft).
pub mod kind {
    /// First line of every rollout: the thread's identity and settings at creation.
    pub const SESSION_META: &str = "session_meta";
    /// An item of model-facing history (a Responses API input/output item).
    pub const RESPONSE_ITEM: &str = "response_item";
    /// Per-turn settings, written at the start of each turn.
    pub const TURN_CONTEXT: &str = "turn_context";
    /// A snapshot of the contextual inputs, used to diff context on later turns.
    pub const WORLD_STATE: &str = "world_state";
    /// A persisted event (`task_started`, `item_completed`, `token_count`, ...).
    pub const EVENT_MSG: &str = "event_msg";
    /// A compaction: summary text and, in current files, the replacement history.
    pub const COMPACTED: &str = "compacted";
    /// Token usage of one completed model response.
    pub const TOKEN_USAGE_RECORD: &str = "token_usage_record";
}

/// One JSONL record of a rollout file.
///
/// Field order is the serialisation order and matches the reference byte for byte; `ordinal`
/// and `metadata` are omitted when `None`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RolloutLine {
    /// When the line was written: RFC 3339 UTC with milliseconds, e.g.
    /// `2026-11-25T00:39:29.365Z` (see [`format_timestamp`]).
    pub timestamp: String,
    /// 0-based position in the file; present only in `history_mode: "paginated"` files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ordinal: Option<u64>,
    /// The record kind, one of [`kind`] (unknown kinds are kept and ignored by readers).
    #[serde(rename = "type")]
    pub kind: String,
    /// The record body, untouched.
    pub payload: Value,
    /// Rollout-only bookkeeping the reference writes next to `response_item` payloads
    /// (`history_sequence`, ...). Never sent to the model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

impl RolloutLine {
    /// Parses one line (without its `\n`); `None` when it is not JSON or not an envelope.
    ///
    /// Readers skip such lines and count them; this never panics on any input.
    pub fn parse(bytes: &[u8]) -> Option<RolloutLine> {
        serde_json::from_slice(bytes).ok()
    }

    /// The line serialised as JSON followed by `\n`, ready for a single `write_all`.
    ///
    /// # Errors
    /// Only if the payload cannot be serialised (a `Value` always can; kept for honesty).
    pub fn to_jsonl(&self) -> Result<Vec<u8>, serde_json::Error> {
        let mut bytes = serde_json::to_vec(self)?;
        bytes.push(b'\n');
        Ok(bytes)
    }

    /// The line's timestamp parsed, or `None` when it is not RFC 3339.
    pub fn time(&self) -> Option<DateTime<Utc>> {
        parse_timestamp(&self.timestamp)
    }

    /// The payload's own `type` tag (event kind of an `event_msg`, item kind of a
    /// `response_item`), when it has one.
    pub fn payload_kind(&self) -> Option<&str> {
        self.payload.get("type").and_then(Value::as_str)
    }
}

/// Formats a time the way rollout lines and `session_meta.timestamp` do:
/// RFC 3339, UTC, milliseconds, `Z` suffix.
pub fn format_timestamp(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Parses an RFC 3339 timestamp (any precision and offset) into UTC.
pub fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|time| time.with_timezone(&Utc))
}
