//! Wire turns rebuilt from a rollout's events (core.md §5.5, protocol.md §6.3).
//!
//! A turn opens at `task_started` (legacy `turn_started`) and closes at `task_complete`
//! (completed, or failed when it carries `error`) or `turn_aborted` (interrupted). Items come
//! from `item_completed` events in current files and from legacy events (`user_message`,
//! `agent_message`, …) in old ones; when a turn has both, the `item_completed` items win, so a
//! file written with both never shows an item twice. Old files without task events get
//! implicit turns, one per user message. Ids that the file does not carry are derived
//! deterministically from the thread id and the line position, so repeated reads agree.

use serde_json::Value;
use uuid::Uuid;
use weft_protocol::v2::{ItemBody, ThreadItem, Turn, TurnError, TurnItemsView, TurnStatus};

use super::items::{camelize_keys, core_item_to_wire, legacy_event_to_wire, typed_item};
use super::meta::SessionMeta;
use crate::line::{RolloutLine, kind};

pub(super) fn build_turns(meta: &SessionMeta, lines: &[RolloutLine]) -> Vec<Turn> {
    let mut builder = TurnsBuilder {
        thread_id: meta.id,
        turns: Vec::new(),
    };
    for (index, line) in lines.iter().enumerate() {
        if line.kind == kind::EVENT_MSG {
            builder.event(index, line);
        }
    }
    builder.finish()
}

/// A turn being rebuilt.
struct Draft {
    turn: Turn,
    /// Still open (no end event seen yet).
    open: bool,
    /// Made up for an old file without task events (no explicit start).
    implicit: bool,
    /// Items from `item_completed` events.
    core_items: Vec<ThreadItem>,
    /// Items from legacy events.
    legacy_items: Vec<ThreadItem>,
}

struct TurnsBuilder {
    thread_id: Uuid,
    turns: Vec<Draft>,
}

/// Line time in Unix seconds and milliseconds.
fn line_times(line: &RolloutLine) -> (Option<i64>, Option<i64>) {
    let time = line.time();
    (
        time.map(|time| time.timestamp()),
        time.map(|time| time.timestamp_millis()),
    )
}

fn int(payload: &Value, key: &str) -> Option<i64> {
    payload.get(key).and_then(Value::as_i64)
}

fn text<'a>(payload: &'a Value, key: &str) -> Option<&'a str> {
    payload.get(key).and_then(Value::as_str)
}

impl TurnsBuilder {
    fn event(&mut self, index: usize, line: &RolloutLine) {
        let payload = &line.payload;
        match line.payload_kind().unwrap_or_default() {
            "task_started" | "turn_started" => self.start(index, line),
            "task_complete" | "turn_complete" => self.complete(line),
            "turn_aborted" => self.abort(line),
            "item_completed" => self.item_completed(line),
            "thread_rolled_back" => {
                let dropped = int(payload, "num_turns").and_then(|n| usize::try_from(n).ok());
                let keep = self.turns.len().saturating_sub(dropped.unwrap_or(0));
                self.turns.truncate(keep);
            }
            _ => self.legacy_item(index, line),
        }
    }

    fn derived_id(&self, index: usize) -> String {
        Uuid::new_v5(&self.thread_id, format!("rollout-line-{index}").as_bytes()).to_string()
    }

    fn start(&mut self, index: usize, line: &RolloutLine) {
        self.close_open(TurnStatus::Interrupted);
        let payload = &line.payload;
        let id = text(payload, "turn_id").map_or_else(|| self.derived_id(index), str::to_owned);
        let root = text(payload, "root_turn_id").map_or_else(|| id.clone(), str::to_owned);
        let started_at = int(payload, "started_at").or(line_times(line).0);
        self.turns.push(Draft::new(id, root, started_at, false));
    }

    /// Closes a turn left open by a new start (explicit turns: the writer died mid-turn).
    fn close_open(&mut self, explicit_status: TurnStatus) {
        if let Some(draft) = self.turns.last_mut().filter(|draft| draft.open) {
            draft.open = false;
            draft.turn.status = if draft.implicit {
                TurnStatus::Completed
            } else {
                explicit_status
            };
        }
    }

    /// The turn an end or item event belongs to: by id, else the open turn.
    fn target(&mut self, turn_id: Option<&str>) -> Option<&mut Draft> {
        let by_id = turn_id.and_then(|turn_id| {
            self.turns
                .iter()
                .rposition(|draft| draft.turn.id == turn_id)
        });
        let position = by_id.or_else(|| self.turns.iter().rposition(|draft| draft.open))?;
        self.turns.get_mut(position)
    }

    fn complete(&mut self, line: &RolloutLine) {
        let payload = &line.payload;
        let error = payload
            .get("error")
            .filter(|error| !error.is_null())
            .map(turn_error);
        let status = if error.is_some() {
            TurnStatus::Failed
        } else {
            TurnStatus::Completed
        };
        self.end(line, status, error);
    }

    fn abort(&mut self, line: &RolloutLine) {
        self.end(line, TurnStatus::Interrupted, None);
    }

    fn end(&mut self, line: &RolloutLine, status: TurnStatus, error: Option<TurnError>) {
        let payload = &line.payload;
        let line_secs = line_times(line).0;
        let Some(draft) = self.target(text(payload, "turn_id")) else {
            tracing::debug!("turn end without a matching turn; ignored");
            return;
        };
        draft.open = false;
        draft.turn.status = status;
        draft.turn.error = error;
        draft.turn.started_at = draft.turn.started_at.or(int(payload, "started_at"));
        draft.turn.completed_at = int(payload, "completed_at").or(line_secs);
        draft.turn.duration_ms = int(payload, "duration_ms");
    }

    fn item_completed(&mut self, line: &RolloutLine) {
        let payload = &line.payload;
        // The reference drops items whose event lacks the thread id; so does weft.
        if payload.get("thread_id").is_none_or(Value::is_null) {
            return;
        }
        let Some(wire) = payload.get("item").and_then(core_item_to_wire) else {
            tracing::debug!("item_completed without a usable item; skipped");
            return;
        };
        let line_ms = line_times(line).1;
        let started = int(payload, "started_at_ms").or(line_ms);
        let completed = int(payload, "completed_at_ms").or(line_ms);
        let Some(item) = typed_item(wire, started, completed) else {
            return;
        };
        match self.target(text(payload, "turn_id")) {
            Some(draft) => upsert_item(&mut draft.core_items, item),
            None => tracing::debug!("item_completed outside any turn; skipped"),
        }
    }

    fn legacy_item(&mut self, index: usize, line: &RolloutLine) {
        let fallback_id = self.derived_id(index);
        let Some(wire) = legacy_event_to_wire(&line.payload, &fallback_id) else {
            return;
        };
        let is_user = line.payload_kind() == Some("user_message");
        let line_ms = line_times(line).1;
        let Some(item) = typed_item(wire, line_ms, line_ms) else {
            return;
        };
        if self.needs_implicit_turn(is_user) {
            self.close_open(TurnStatus::Interrupted);
            let started_at = line_times(line).0;
            self.turns.push(Draft::new(
                fallback_id.clone(),
                fallback_id,
                started_at,
                true,
            ));
        }
        if let Some(draft) = self.turns.last_mut() {
            upsert_item(&mut draft.legacy_items, item);
        }
    }

    /// Old files without task events: a user message opens a new turn unless the open turn has
    /// none yet; any item outside every turn opens one.
    fn needs_implicit_turn(&self, is_user: bool) -> bool {
        match self.turns.last() {
            Some(draft) if draft.open && draft.implicit => is_user && draft.has_user_message(),
            Some(draft) if draft.open => false,
            Some(_) => is_user,
            None => true,
        }
    }

    fn finish(self) -> Vec<Turn> {
        self.turns.into_iter().map(Draft::into_turn).collect()
    }
}

impl Draft {
    fn new(id: String, root_turn_id: String, started_at: Option<i64>, implicit: bool) -> Draft {
        Draft {
            turn: Turn {
                id,
                root_turn_id: Some(root_turn_id),
                items: Vec::new(),
                items_view: TurnItemsView::Full,
                status: TurnStatus::InProgress,
                error: None,
                started_at,
                completed_at: None,
                duration_ms: None,
            },
            open: true,
            implicit,
            core_items: Vec::new(),
            legacy_items: Vec::new(),
        }
    }

    fn has_user_message(&self) -> bool {
        self.legacy_items
            .iter()
            .chain(&self.core_items)
            .any(is_user_message)
    }

    fn into_turn(self) -> Turn {
        let mut turn = self.turn;
        if self.open && self.implicit {
            turn.status = TurnStatus::Completed;
        }
        turn.items = if self.core_items.is_empty() {
            self.legacy_items
        } else {
            self.core_items
        };
        turn
    }
}

fn is_user_message(item: &ThreadItem) -> bool {
    matches!(item.body, ItemBody::UserMessage { .. })
}

/// Adds an item, or replaces the earlier item with the same id (a re-completed item).
fn upsert_item(items: &mut Vec<ThreadItem>, item: ThreadItem) {
    match items.iter_mut().find(|existing| existing.id() == item.id()) {
        Some(existing) => *existing = item,
        None => items.push(item),
    }
}

/// `task_complete.error` (`{message, codex_error_info}`, snake_case) as a wire `TurnError`.
fn turn_error(error: &Value) -> TurnError {
    let info = error
        .get("codex_error_info")
        .or_else(|| error.get("codexErrorInfo"));
    TurnError {
        message: text(error, "message").unwrap_or_default().to_owned(),
        codex_error_info: info.filter(|info| !info.is_null()).map(codex_error_info),
        additional_details: text(error, "additional_details")
            .or_else(|| text(error, "additionalDetails"))
            .map(str::to_owned),
        misalignment: None,
    }
}

/// `CodexErrorInfo` from snake_case (`"context_window_exceeded"`,
/// `{"http_connection_failed": {"http_status_code": 502}}`) to the wire's camelCase.
fn codex_error_info(info: &Value) -> Value {
    match info {
        Value::String(name) => Value::String(super::items::snake_to_camel(name)),
        other => camelize_keys(other),
    }
}
