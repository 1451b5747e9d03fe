//! Model history rebuilt from `response_item` and `compacted` lines (core.md §5.5, §6.2).
//!
//! The history is what the next model request carries unchanged after a cold resume, so the
//! rollout-only bookkeeping is stripped here and nowhere else.

use serde_json::{Map, Value};

use crate::limits::COMPACTED_USER_HISTORY_BYTES_MAX;
use crate::line::{RolloutLine, kind};

/// Field the reference adds to response items in the rollout only.
pub(crate) const PASSTHROUGH_FIELD: &str = "internal_chat_message_metadata_passthrough";

pub(super) fn model_history(lines: &[RolloutLine]) -> Vec<Value> {
    let mut builder = HistoryBuilder::default();
    for line in lines {
        match line.kind.as_str() {
            kind::RESPONSE_ITEM => builder.push(model_item(&line.payload)),
            kind::COMPACTED => builder.compact(&line.payload),
            kind::EVENT_MSG if line.payload_kind() == Some("thread_rolled_back") => {
                let turns = line
                    .payload
                    .get("num_turns")
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
                builder.roll_back(turns);
            }
            _ => {}
        }
    }
    builder.finish()
}

/// Folds `response_item`, `compacted` and `thread_rolled_back` lines, in file order, into the
/// model history.
#[derive(Debug, Default)]
pub(crate) struct HistoryBuilder {
    history: Vec<Value>,
}

impl HistoryBuilder {
    /// A `response_item`, as [`model_item`] made it (`None`: not for the model).
    pub(crate) fn push(&mut self, item: Option<Value>) {
        if let Some(item) = item {
            self.history.push(item);
        }
    }

    /// A `compacted` line: its payload replaces everything so far.
    pub(crate) fn compact(&mut self, payload: &Value) {
        self.history = compacted_history(payload, &self.history);
    }

    /// A `thread_rolled_back` event dropping `user_turns` turns.
    pub(crate) fn roll_back(&mut self, user_turns: u64) {
        drop_last_user_turns(&mut self.history, user_turns);
    }

    /// The history, oldest item first.
    pub(crate) fn finish(self) -> Vec<Value> {
        self.history
    }
}

/// The payload as the model sees it; `None` for items that never go back to the model.
pub(crate) fn model_item(payload: &Value) -> Option<Value> {
    let object = payload.as_object()?;
    if is_ghost_snapshot(object) {
        return None;
    }
    let mut object = object.clone();
    object.shift_remove(PASSTHROUGH_FIELD);
    Some(Value::Object(object))
}

/// [`model_item`] of an owned payload, without copying it.
pub(crate) fn model_item_owned(payload: Value) -> Option<Value> {
    let Value::Object(mut object) = payload else {
        return None;
    };
    if is_ghost_snapshot(&object) {
        return None;
    }
    object.shift_remove(PASSTHROUGH_FIELD);
    Some(Value::Object(object))
}

/// Whether a response item is a `ghost_snapshot` (undo bookkeeping, never sent to the model).
pub(crate) fn is_ghost_snapshot(object: &Map<String, Value>) -> bool {
    object.get("type").and_then(Value::as_str) == Some("ghost_snapshot")
}

/// `thread_rolled_back`: cuts history at the start of the `turns`-th last real user message.
fn drop_last_user_turns(history: &mut Vec<Value>, turns: u64) {
    if turns == 0 {
        return;
    }
    let mut seen = 0u64;
    for position in (0..history.len()).rev() {
        if is_real_user_message(&history[position]) {
            seen += 1;
            if seen == turns {
                history.truncate(position);
                return;
            }
        }
    }
    // Fewer user turns than asked: everything user-authored goes.
    if let Some(first) = history.iter().position(is_real_user_message) {
        history.truncate(first);
    }
}

/// History after a `compacted` line: its replacement history, or for legacy lines (no
/// `replacement_history`) the earlier real user messages within a budget plus the summary.
fn compacted_history(payload: &Value, before: &[Value]) -> Vec<Value> {
    if let Some(replacement) = payload.get("replacement_history").and_then(Value::as_array) {
        return replacement.iter().filter_map(model_item).collect();
    }
    let summary = payload
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut kept: Vec<Value> = Vec::new();
    let mut budget = COMPACTED_USER_HISTORY_BYTES_MAX;
    for item in before
        .iter()
        .rev()
        .filter(|item| is_real_user_message(item))
    {
        let size = message_text(item).len();
        if size > budget {
            break;
        }
        budget -= size;
        kept.push(item.clone());
    }
    kept.reverse();
    kept.push(serde_json::json!({
        "type": "message",
        "role": "user",
        "content": [{ "type": "input_text", "text": summary }],
    }));
    kept
}

/// A user message typed by the user: not a context fragment (those are wrapped in an XML-like
/// tag such as `<environment_context>`) and not an earlier summary.
fn is_real_user_message(item: &Value) -> bool {
    if item.get("type").and_then(Value::as_str) != Some("message")
        || item.get("role").and_then(Value::as_str) != Some("user")
    {
        return false;
    }
    let text = message_text(item);
    let trimmed = text.trim_start();
    !trimmed.starts_with('<') && !trimmed.starts_with("# AGENTS.md")
}

fn message_text(item: &Value) -> String {
    item.get("content")
        .and_then(Value::as_array)
        .map(|parts| {
            parts
                .iter()
                .filter_map(|part| part.get("text").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default()
}
