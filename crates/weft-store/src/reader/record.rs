//! What one `event_msg` line means for the turns, taken out of its payload.
//!
//! Turns are a fold over a rollout's events. Both readers — [`crate::Rollout`], whose payloads
//! are `serde_json::Value`s, and [`crate::digest_rollout`], which reads payloads straight from
//! the bytes — reduce each event line to an [`Event`] and feed it to the same
//! [`super::turns::TurnsBuilder`]. The two can then only disagree in how they read a payload,
//! never in what they make of it, and the tests compare them on that narrow seam.
//!
//! The functions here are the `Value` side of the seam; the digest's fast parser builds the same
//! values from the bytes and falls back to these functions for any shape it does not handle.

use serde_json::Value;
use weft_protocol::v2::{ItemBody, ThreadItem, TurnError, TurnStatus};

pub(crate) use crate::item_codec::LEGACY_ITEM_EVENTS;
use crate::item_codec::decode_core_body;
use crate::item_codec::fields::{camelize_keys, snake_to_camel};
use crate::line::{RolloutLine, parse_timestamp};

/// One event line, as the turn builder needs it.
#[derive(Debug)]
pub(crate) enum Event {
    /// `task_started` (legacy `turn_started`): a turn opens.
    Started {
        /// `turn_id`; `None` derives one from the line position.
        turn_id: Option<String>,
        /// `root_turn_id`; `None` means the turn id.
        root_turn_id: Option<String>,
        /// `started_at`, else the line time, in Unix seconds.
        started_at: Option<i64>,
    },
    /// `task_complete` (legacy `turn_complete`) or `turn_aborted`: a turn closes.
    Ended(TurnEnd),
    /// One or more `item_completed` events in a row with the same `turn_id`: their items,
    /// in order, already merged with each other as the turn would merge them (a repeated id
    /// replaces the earlier item in place). Items without a thread id, or not representable,
    /// are left out.
    ItemsCompleted {
        /// `turn_id`, when given.
        turn_id: Option<String>,
        /// The wire items with their times.
        items: Vec<ThreadItem>,
    },
    /// `thread_rolled_back`.
    RolledBack {
        /// Turns to drop from the turn list (`num_turns` as an `i64`, else 0).
        turns: usize,
        /// User turns to cut from the model history (`num_turns` as a `u64`, else 0).
        user_turns: u64,
    },
    /// An item event of an old rollout; its id depends on the line position, so the builder
    /// turns it into an item.
    Legacy(Box<LegacyEvent>),
    /// Any other event (`token_count`, settings, deltas, …): no effect on turns.
    Other,
}

/// The end of a turn.
#[derive(Debug)]
pub(crate) struct TurnEnd {
    /// `turn_id`; `None` targets the open turn.
    pub(crate) turn_id: Option<String>,
    /// `completed`, `failed` (an `error` was given) or `interrupted` (`turn_aborted`).
    pub(crate) status: TurnStatus,
    /// The turn's error, for a failed turn (boxed: most ends have none).
    pub(crate) error: Option<Box<TurnError>>,
    /// `started_at` of the payload (no line-time fallback: the start event set it).
    pub(crate) started_at: Option<i64>,
    /// `completed_at`, else the line time, in Unix seconds.
    pub(crate) completed_at: Option<i64>,
    /// `duration_ms`.
    pub(crate) duration_ms: Option<i64>,
}

/// A legacy item event with the line times its item needs.
#[derive(Debug)]
pub(crate) struct LegacyEvent {
    /// The event payload, untouched.
    pub(crate) payload: Value,
    /// Line time in Unix seconds (start of an implicit turn).
    pub(crate) line_secs: Option<i64>,
    /// Line time in Unix milliseconds (the item's times).
    pub(crate) line_ms: Option<i64>,
}

/// The `timestamp` of a line, parsed only when a payload lacks its own time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LineTime<'a>(pub(crate) &'a str);

impl LineTime<'_> {
    /// The line time in Unix seconds.
    pub(crate) fn secs(self) -> Option<i64> {
        parse_timestamp(self.0).map(|time| time.timestamp())
    }

    /// The line time in Unix milliseconds.
    pub(crate) fn millis(self) -> Option<i64> {
        parse_timestamp(self.0).map(|time| time.timestamp_millis())
    }
}

impl Event {
    /// A turn start from its payload fields.
    pub(crate) fn started(
        turn_id: Option<String>,
        root_turn_id: Option<String>,
        started_at: Option<i64>,
        time: LineTime<'_>,
    ) -> Event {
        Event::Started {
            turn_id,
            root_turn_id,
            started_at: started_at.or_else(|| time.secs()),
        }
    }

    /// A completed item from its payload fields (a run of at most one item).
    pub(crate) fn item_completed(
        has_thread_id: bool,
        turn_id: Option<String>,
        item: Option<PendingItem>,
        times: [Option<i64>; 2],
        time: LineTime<'_>,
    ) -> Event {
        // The reference drops items whose event lacks the thread id; so does weft.
        let item = item.filter(|_| has_thread_id).and_then(|item| {
            let [started_at_ms, completed_at_ms] = times;
            let line_ms = || time.millis();
            item.with_times(
                started_at_ms.or_else(line_ms),
                completed_at_ms.or_else(line_ms),
            )
        });
        // Runs are usually a message and its reply: room for two from the start.
        let mut items = Vec::new();
        if let Some(item) = item {
            items.reserve_exact(2);
            items.push(item);
        }
        Event::ItemsCompleted { turn_id, items }
    }

    /// Appends the items of `next` when it continues this run (`item_completed` events of the
    /// same turn id, with nothing that changes the turns in between); gives `next` back
    /// otherwise.
    pub(crate) fn merge_items(&mut self, next: Event) -> Result<(), Event> {
        match (self, next) {
            (
                Event::ItemsCompleted { turn_id, items },
                Event::ItemsCompleted {
                    turn_id: next_turn_id,
                    items: next_items,
                },
            ) if *turn_id == next_turn_id => {
                for item in next_items {
                    // Items are large and most runs short (a message and its reply): grow
                    // 1, 2, 4, … rather than to the default first capacity of 4.
                    if items.len() == items.capacity() {
                        items.reserve_exact(items.len().max(1));
                    }
                    upsert_item(items, item);
                }
                Ok(())
            }
            (_, next) => Err(next),
        }
    }
}

/// An `item_completed` item converted to the wire, waiting for its times (which may fall back
/// to the line time). Boxed, as it travels through several returns.
#[derive(Debug)]
pub(crate) struct PendingItem(Box<ItemBody>);

impl PendingItem {
    /// A body decoded by `item_codec` (or built by the digest's fast path from its constants).
    pub(crate) fn new(body: ItemBody) -> PendingItem {
        PendingItem(Box::new(body))
    }

    /// The item with its times.
    pub(crate) fn with_times(
        self,
        started_at_ms: Option<i64>,
        completed_at_ms: Option<i64>,
    ) -> Option<ThreadItem> {
        Some(ThreadItem {
            body: *self.0,
            started_at_ms,
            completed_at_ms,
        })
    }

    /// The pending item of a core-shape item value (`item_completed.item`); `None` (logged)
    /// when it has no wire shape.
    pub(crate) fn of_value(item: Option<&Value>) -> Option<PendingItem> {
        let body = item.and_then(decode_core_body);
        if item.is_none() {
            tracing::debug!("item_completed without an item; skipped");
        }
        body.map(PendingItem::new)
    }
}

impl TurnEnd {
    /// A turn end from its payload fields; `error` is the raw `error` member (ignored for an
    /// abort).
    pub(crate) fn new(
        aborted: bool,
        turn_id: Option<String>,
        error: Option<&Value>,
        times: [Option<i64>; 3],
        time: LineTime<'_>,
    ) -> TurnEnd {
        let [started_at, completed_at, duration_ms] = times;
        let error = if aborted {
            None
        } else {
            error
                .filter(|error| !error.is_null())
                .map(|error| Box::new(turn_error(error)))
        };
        let status = match (aborted, &error) {
            (true, _) => TurnStatus::Interrupted,
            (false, Some(_)) => TurnStatus::Failed,
            (false, None) => TurnStatus::Completed,
        };
        TurnEnd {
            turn_id,
            status,
            error,
            started_at,
            completed_at: completed_at.or_else(|| time.secs()),
            duration_ms,
        }
    }
}

fn int(payload: &Value, key: &str) -> Option<i64> {
    payload.get(key).and_then(Value::as_i64)
}

fn text(payload: &Value, key: &str) -> Option<String> {
    payload.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// The event of an `event_msg` line whose payload is a `Value`.
pub(crate) fn event_of_line(line: &RolloutLine) -> Event {
    event_of_payload(&line.payload, LineTime(&line.timestamp))
}

/// The event of an `event_msg` payload.
pub(crate) fn event_of_payload(payload: &Value, time: LineTime<'_>) -> Event {
    let kind = payload
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match kind {
        "task_started" | "turn_started" => Event::started(
            text(payload, "turn_id"),
            text(payload, "root_turn_id"),
            int(payload, "started_at"),
            time,
        ),
        "task_complete" | "turn_complete" | "turn_aborted" => Event::Ended(TurnEnd::new(
            kind == "turn_aborted",
            text(payload, "turn_id"),
            payload.get("error"),
            [
                int(payload, "started_at"),
                int(payload, "completed_at"),
                int(payload, "duration_ms"),
            ],
            time,
        )),
        "item_completed" => Event::item_completed(
            payload.get("thread_id").is_some_and(|id| !id.is_null()),
            text(payload, "turn_id"),
            PendingItem::of_value(payload.get("item")),
            [
                int(payload, "started_at_ms"),
                int(payload, "completed_at_ms"),
            ],
            time,
        ),
        "thread_rolled_back" => {
            let num_turns = payload.get("num_turns");
            Event::RolledBack {
                turns: num_turns
                    .and_then(Value::as_i64)
                    .and_then(|turns| usize::try_from(turns).ok())
                    .unwrap_or(0),
                user_turns: num_turns.and_then(Value::as_u64).unwrap_or(0),
            }
        }
        legacy if LEGACY_ITEM_EVENTS.contains(&legacy) => Event::Legacy(Box::new(LegacyEvent {
            payload: payload.clone(),
            line_secs: time.secs(),
            line_ms: time.millis(),
        })),
        _ => Event::Other,
    }
}

/// Adds an item, or replaces the earlier item with the same id (a re-completed item).
pub(crate) fn upsert_item(items: &mut Vec<ThreadItem>, item: ThreadItem) {
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
    let text = |key: &str| error.get(key).and_then(Value::as_str);
    TurnError {
        message: text("message").unwrap_or_default().to_owned(),
        codex_error_info: info.filter(|info| !info.is_null()).map(codex_error_info),
        additional_details: text("additional_details")
            .or_else(|| text("additionalDetails"))
            .map(str::to_owned),
        misalignment: None,
    }
}

/// `CodexErrorInfo` from snake_case (`"context_window_exceeded"`,
/// `{"http_connection_failed": {"http_status_code": 502}}`) to the wire's camelCase.
fn codex_error_info(info: &Value) -> Value {
    match info {
        Value::String(name) => Value::String(snake_to_camel(name)),
        other => camelize_keys(other),
    }
}
