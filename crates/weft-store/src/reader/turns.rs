//! Wire turns rebuilt from a rollout's events (core.md §5.5, protocol.md §6.3).
//!
//! A turn opens at `task_started` (legacy `turn_started`) and closes at `task_complete`
//! (completed, or failed when it carries `error`) or `turn_aborted` (interrupted). Items come
//! from `item_completed` events in current files and from legacy events (`user_message`,
//! `agent_message`, …) in old ones; when a turn has both, the `item_completed` items win, so a
//! file written with both never shows an item twice. Old files without task events get
//! implicit turns, one per user message. Ids that the file does not carry are derived
//! deterministically from the thread id and the line position, so repeated reads agree.

use uuid::Uuid;
use weft_protocol::v2::{ItemBody, ThreadItem, Turn, TurnItemsView, TurnStatus};

use super::meta::SessionMeta;
use super::record::{Event, LegacyEvent, TurnEnd, event_of_line, upsert_item};
use crate::item_codec::decode_legacy_event;
use crate::line::{RolloutLine, kind};

pub(super) fn build_turns(meta: &SessionMeta, lines: &[RolloutLine]) -> Vec<Turn> {
    let mut builder = TurnsBuilder::new(meta.id);
    for (index, line) in lines.iter().enumerate() {
        if line.kind == kind::EVENT_MSG {
            builder.event(index, event_of_line(line));
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

/// Folds the events of a rollout, in file order, into wire turns.
pub(crate) struct TurnsBuilder {
    thread_id: Uuid,
    turns: Vec<Draft>,
}

impl TurnsBuilder {
    /// A builder for the thread `thread_id` (the seed of derived ids).
    pub(crate) fn new(thread_id: Uuid) -> TurnsBuilder {
        TurnsBuilder {
            thread_id,
            turns: Vec::new(),
        }
    }

    /// Applies the event of the `index`-th valid line of the file.
    pub(crate) fn event(&mut self, index: usize, event: Event) {
        match event {
            Event::Started {
                turn_id,
                root_turn_id,
                started_at,
            } => self.start(index, turn_id, root_turn_id, started_at),
            Event::Ended(end) => self.end(end),
            Event::ItemsCompleted { turn_id, items } => {
                if !items.is_empty() {
                    self.items_completed(turn_id.as_deref(), items);
                }
            }
            Event::RolledBack { turns, .. } => {
                let keep = self.turns.len().saturating_sub(turns);
                self.turns.truncate(keep);
            }
            Event::Legacy(legacy) => self.legacy_item(index, &legacy),
            Event::Other => {}
        }
    }

    fn derived_id(&self, index: usize) -> String {
        Uuid::new_v5(&self.thread_id, format!("rollout-line-{index}").as_bytes()).to_string()
    }

    fn start(
        &mut self,
        index: usize,
        turn_id: Option<String>,
        root_turn_id: Option<String>,
        started_at: Option<i64>,
    ) {
        self.close_open(TurnStatus::Interrupted);
        let id = turn_id.unwrap_or_else(|| self.derived_id(index));
        let root = root_turn_id.unwrap_or_else(|| id.clone());
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

    fn end(&mut self, end: TurnEnd) {
        let Some(draft) = self.target(end.turn_id.as_deref()) else {
            tracing::debug!("turn end without a matching turn; ignored");
            return;
        };
        draft.open = false;
        draft.turn.status = end.status;
        draft.turn.error = end.error.map(|error| *error);
        draft.turn.started_at = draft.turn.started_at.or(end.started_at);
        draft.turn.completed_at = end.completed_at;
        draft.turn.duration_ms = end.duration_ms;
    }

    fn items_completed(&mut self, turn_id: Option<&str>, items: Vec<ThreadItem>) {
        let Some(draft) = self.target(turn_id) else {
            tracing::debug!("item_completed outside any turn; skipped");
            return;
        };
        if draft.core_items.is_empty() {
            // The run is already merged in itself: it becomes the turn's list as it is.
            draft.core_items = items;
            return;
        }
        for item in items {
            upsert_item(&mut draft.core_items, item);
        }
    }

    fn legacy_item(&mut self, index: usize, legacy: &LegacyEvent) {
        let fallback_id = self.derived_id(index);
        let Some(body) = decode_legacy_event(&legacy.payload, &fallback_id) else {
            return;
        };
        let is_user = legacy
            .payload
            .get("type")
            .and_then(serde_json::Value::as_str)
            == Some("user_message");
        let item = ThreadItem {
            body,
            started_at_ms: legacy.line_ms,
            completed_at_ms: legacy.line_ms,
        };
        if self.needs_implicit_turn(is_user) {
            self.close_open(TurnStatus::Interrupted);
            self.turns.push(Draft::new(
                fallback_id.clone(),
                fallback_id,
                legacy.line_secs,
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

    /// The turns, in file order.
    pub(crate) fn finish(self) -> Vec<Turn> {
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
