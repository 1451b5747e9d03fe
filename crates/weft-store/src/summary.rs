//! A cheap summary of one rollout: what a `thread/list` row needs, without loading the file.
//!
//! Index rebuilds read thousands of files, so this path avoids the full reader: lines are
//! parsed into envelopes whose payload keeps only the few keys the index uses (the 20 KB of
//! base instructions in every `session_meta` are skipped by the parser, never allocated), and
//! large files are read at their head (identity, first user message) and tail (latest turn
//! start, model, last write) only, within the bounds in [`crate::limits`].

use std::fmt;
use std::fs::File;
use std::io::{BufReader, Seek, SeekFrom};
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::{Map, Value};

use crate::limits::{
    LINE_BYTES_MAX, SUMMARY_FULL_READ_BYTES_MAX, SUMMARY_HEAD_BYTES_MAX, SUMMARY_TAIL_BYTES,
    SUMMARY_TAIL_BYTES_MAX, TAIL_CHUNK_BYTES,
};
use crate::line::{RolloutLine, kind};
use crate::reader::{ReadError, SessionMeta, user_event_text};
use crate::scan::{CappedLines, RawLine, read_tail};

/// Payload keys the summary keeps; every other key is skipped while parsing.
const KEPT_KEYS: &[&str] = &[
    // session_meta
    "id",
    "session_id",
    "timestamp",
    "cwd",
    "originator",
    "cli_version",
    "source",
    "thread_source",
    "model_provider",
    "history_mode",
    "forked_from_id",
    "parent_thread_id",
    "agent_nickname",
    "agent_role",
    "agent_path",
    "memory_mode",
    "git",
    // event_msg
    "type",
    "thread_id",
    "item",
    "message",
    // turn_context
    "model",
    "effort",
];

/// What the index needs to know about one rollout.
#[derive(Debug, Clone, PartialEq)]
pub struct RolloutSummary {
    /// Identity from the first `session_meta`. Its `payload` holds only the kept keys (no base
    /// instructions); read the full rollout when those are needed.
    pub meta: SessionMeta,
    /// First user message text (`""` when none was found).
    pub preview: String,
    /// Model of the latest `turn_context` seen.
    pub model: Option<String>,
    /// Reasoning effort of the latest `turn_context` seen.
    pub reasoning_effort: Option<String>,
    /// Time of the latest `task_started` line seen (the thread's recency), if any.
    pub last_turn_started_at: Option<DateTime<Utc>>,
    /// Time of the last valid line (the thread's last update), if any.
    pub last_line_at: Option<DateTime<Utc>>,
    /// Whether every line was read (false when only head and tail were).
    pub read_fully: bool,
}

/// Summarises the rollout at `path`.
///
/// # Errors
/// [`ReadError::Empty`], [`ReadError::NoSessionMeta`], [`ReadError::InvalidSessionMeta`] or IO
/// errors; damaged lines are skipped.
pub fn summarize_rollout(path: &Path) -> Result<RolloutSummary, ReadError> {
    let io_error = |source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(io_error)?;
    let len = file.metadata().map_err(io_error)?.len();
    if len == 0 {
        return Err(ReadError::Empty);
    }
    let mut state = SummaryState::default();
    let read_fully = read_head(&mut file, len, &mut state).map_err(io_error)?;
    if !read_fully {
        read_tail_facts(&mut file, len, &mut state).map_err(io_error)?;
    }
    state.finish(read_fully)
}

/// Reads the end of a large file, in windows growing from [`SUMMARY_TAIL_BYTES`] to
/// [`SUMMARY_TAIL_BYTES_MAX`], until it holds a turn start (huge tool outputs can fill the first
/// window). The latest values of the head are replaced by those of the tail; the last line time
/// is only trusted from the tail (none found: the caller falls back to the file mtime).
fn read_tail_facts(file: &mut File, len: u64, state: &mut SummaryState) -> std::io::Result<()> {
    let mut window = SUMMARY_TAIL_BYTES;
    loop {
        let tail = read_tail(file, len, usize::MAX, window, TAIL_CHUNK_BYTES)?;
        let mut facts = SummaryState::default();
        for line in tail.lines.iter().filter_map(|bytes| parse_slim_line(bytes)) {
            facts.observe_late(&line);
        }
        let done = facts.last_turn_started_at.is_some()
            || tail.reached_start
            || window >= SUMMARY_TAIL_BYTES_MAX;
        if done {
            state.last_line_at = facts.last_line_at;
            state.last_turn_started_at = facts.last_turn_started_at.or(state.last_turn_started_at);
            if facts.model.is_some() {
                state.model = facts.model;
                state.reasoning_effort = facts.reasoning_effort;
            }
            return Ok(());
        }
        window = window.saturating_mul(4).min(SUMMARY_TAIL_BYTES_MAX);
    }
}

#[derive(Default)]
struct SummaryState {
    meta_payload: Option<Value>,
    preview: Option<String>,
    model: Option<String>,
    reasoning_effort: Option<String>,
    last_turn_started_at: Option<DateTime<Utc>>,
    last_line_at: Option<DateTime<Utc>>,
}

/// Reads from the start; the whole file when small, else until identity and preview are known
/// or the head budget is spent. Returns whether the end of the file was reached.
fn read_head(file: &mut File, len: u64, state: &mut SummaryState) -> std::io::Result<bool> {
    file.seek(SeekFrom::Start(0))?;
    let small = len <= SUMMARY_FULL_READ_BYTES_MAX;
    let mut lines = CappedLines::new(BufReader::new(&mut *file), LINE_BYTES_MAX);
    while let Some(raw) = lines.next_line()? {
        if let RawLine::Bytes(bytes) = raw
            && let Some(line) = parse_slim_line(&bytes)
        {
            state.observe_early(&line);
        }
        let head_done = state.meta_payload.is_some() && state.preview.is_some();
        if !small && (head_done || lines.bytes_consumed() >= SUMMARY_HEAD_BYTES_MAX) {
            return Ok(lines.bytes_consumed() >= len);
        }
    }
    Ok(true)
}

impl SummaryState {
    /// A line from the head: identity and preview, plus the running "latest" values.
    fn observe_early(&mut self, line: &RolloutLine) {
        if line.kind == kind::SESSION_META && self.meta_payload.is_none() {
            self.meta_payload = Some(line.payload.clone());
        }
        if self.preview.is_none() {
            self.preview = user_event_text(line);
        }
        self.observe_late(line);
    }

    /// Any line, in file order: keeps the latest model, turn start and line time.
    fn observe_late(&mut self, line: &RolloutLine) {
        let time = line.time();
        self.last_line_at = time.or(self.last_line_at);
        match line.kind.as_str() {
            kind::TURN_CONTEXT => {
                let text = |key: &str| {
                    line.payload
                        .get(key)
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                };
                self.model = text("model").or(self.model.take());
                self.reasoning_effort = text("effort");
            }
            kind::EVENT_MSG if line.payload_kind() == Some("task_started") => {
                self.last_turn_started_at = time.or(self.last_turn_started_at);
            }
            _ => {}
        }
    }

    fn finish(self, read_fully: bool) -> Result<RolloutSummary, ReadError> {
        let payload = self.meta_payload.ok_or(ReadError::NoSessionMeta)?;
        Ok(RolloutSummary {
            meta: SessionMeta::from_payload(&payload)?,
            preview: self.preview.unwrap_or_default(),
            model: self.model,
            reasoning_effort: self.reasoning_effort,
            last_turn_started_at: self.last_turn_started_at,
            last_line_at: self.last_line_at,
            read_fully,
        })
    }
}

/// An envelope whose payload keeps only [`KEPT_KEYS`].
#[derive(Deserialize)]
struct SlimLine {
    timestamp: String,
    #[serde(default)]
    ordinal: Option<u64>,
    #[serde(rename = "type")]
    kind: String,
    payload: SlimPayload,
}

fn parse_slim_line(bytes: &[u8]) -> Option<RolloutLine> {
    let slim: SlimLine = serde_json::from_slice(bytes).ok()?;
    Some(RolloutLine {
        timestamp: slim.timestamp,
        ordinal: slim.ordinal,
        kind: slim.kind,
        payload: slim.payload.0,
        metadata: None,
    })
}

/// A payload object reduced to the kept keys (a non-object payload becomes `{}`).
struct SlimPayload(Value);

impl<'de> Deserialize<'de> for SlimPayload {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SlimVisitor)
    }
}

struct SlimVisitor;

impl<'de> Visitor<'de> for SlimVisitor {
    type Value = SlimPayload;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a rollout payload")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<SlimPayload, A::Error> {
        let mut kept = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            if KEPT_KEYS.contains(&key.as_str()) {
                kept.insert(key, access.next_value::<Value>()?);
            } else {
                access.next_value::<IgnoredAny>()?;
            }
        }
        Ok(SlimPayload(Value::Object(kept)))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut access: A,
    ) -> Result<SlimPayload, A::Error> {
        while access.next_element::<IgnoredAny>()?.is_some() {}
        Ok(SlimPayload(Value::Object(Map::new())))
    }

    fn visit_str<E: serde::de::Error>(self, _text: &str) -> Result<SlimPayload, E> {
        Ok(SlimPayload(Value::Object(Map::new())))
    }

    fn visit_bool<E: serde::de::Error>(self, _value: bool) -> Result<SlimPayload, E> {
        Ok(SlimPayload(Value::Object(Map::new())))
    }

    fn visit_i64<E: serde::de::Error>(self, _value: i64) -> Result<SlimPayload, E> {
        Ok(SlimPayload(Value::Object(Map::new())))
    }

    fn visit_u64<E: serde::de::Error>(self, _value: u64) -> Result<SlimPayload, E> {
        Ok(SlimPayload(Value::Object(Map::new())))
    }

    fn visit_f64<E: serde::de::Error>(self, _value: f64) -> Result<SlimPayload, E> {
        Ok(SlimPayload(Value::Object(Map::new())))
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<SlimPayload, E> {
        Ok(SlimPayload(Value::Object(Map::new())))
    }
}
