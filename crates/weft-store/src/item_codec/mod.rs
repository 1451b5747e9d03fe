//! Items as the rollout records them: wire `ThreadItem` ⇄ core-shape item, one module per type.
//!
//! A completed item is one `event_msg` line, `{"type":"item_completed","thread_id","turn_id",
//! "item":<core item>,"started_at_ms","completed_at_ms"}`, with the item in the reference's
//! core shape (codex `TurnItem`, tag `type` in PascalCase, snake_case fields) so that the
//! reference reads weft's files and weft the reference's. Each item type has one module here
//! that alone knows its rollout field names: its encoder (used by weft-core through
//! [`item_completed_payload`]), its decoder (used by both readers through
//! [`decode_core_item`]; the digest's fast path for user and agent messages builds the same
//! bodies from the same modules' constants and constructors), and its legacy event reader.
//! Each module's doc says what its format cannot carry.
//!
//! Recorded types: `UserMessage`, `AgentMessage`, `Reasoning`, `Plan`, `CommandExecution`,
//! `FileChange`, `ImageView`, `ContextCompaction` — every wire item type weft has. The
//! reference 0.169.0 records at least user messages, agent messages and commands this way (its
//! own rollouts); the others are written in the core shape the reference deserialises, so
//! recording them costs the reference nothing and keeps them for weft.

pub(crate) mod agent_message;
mod command_execution;
mod context_compaction;
pub(crate) mod fields;
mod file_change;
mod image_view;
mod path_uri;
mod plan;
mod reasoning;
pub(crate) mod user_message;

use serde_json::{Map, Value, json};
use weft_protocol::v2::{ItemBody, ThreadItem};

use command_execution::CommandFields;
use fields::str_field;

pub use fields::{camel_to_snake, snakify_keys};
pub use path_uri::{path_text, to_file_uri};
pub use weft_shellwords::{NUL_COMMAND_DISPLAY, shell_join, shell_split};

/// The `event_msg` payload type of a completed item.
pub const ITEM_COMPLETED: &str = "item_completed";

/// The `item_completed` event payload for a wire item; `None` for types the rollout does not
/// record (none today: every wire item type has a core shape).
///
/// Times are written when known and left out otherwise (the readers then use the line's
/// time), never written as `null`, which the reference's integer fields would reject.
#[must_use]
pub fn item_completed_payload(thread_id: &str, turn_id: &str, item: &ThreadItem) -> Option<Value> {
    let core_item = encode_core_item(item)?;
    let mut payload = Map::new();
    payload.insert("type".to_owned(), json!(ITEM_COMPLETED));
    payload.insert("thread_id".to_owned(), json!(thread_id));
    payload.insert("turn_id".to_owned(), json!(turn_id));
    payload.insert("item".to_owned(), core_item);
    if let Some(started_at_ms) = item.started_at_ms {
        payload.insert("started_at_ms".to_owned(), json!(started_at_ms));
    }
    if let Some(completed_at_ms) = item.completed_at_ms {
        payload.insert("completed_at_ms".to_owned(), json!(completed_at_ms));
    }
    Some(Value::Object(payload))
}

/// The core-shape `item` for a wire item (what goes inside the `item_completed` payload);
/// `None` for types the rollout does not record.
#[must_use]
pub fn encode_core_item(item: &ThreadItem) -> Option<Value> {
    let core = match &item.body {
        ItemBody::UserMessage {
            id,
            content,
            client_id,
        } => user_message::encode(id, content, client_id.as_deref()),
        ItemBody::AgentMessage {
            id,
            text,
            phase,
            memory_citation,
            delivery,
            ..
        } => agent_message::encode(
            id,
            text,
            phase.as_deref(),
            memory_citation.as_ref(),
            delivery.as_deref(),
        ),
        ItemBody::Plan { id, text } => plan::encode(id, text),
        ItemBody::Reasoning {
            id,
            summary,
            content,
        } => reasoning::encode(id, summary, content),
        ItemBody::CommandExecution {
            id,
            command,
            cwd,
            command_actions,
            status,
            aggregated_output,
            exit_code,
            duration_ms,
            process_id,
            source,
        } => command_execution::encode(&CommandFields {
            id,
            command,
            cwd,
            command_actions,
            status,
            aggregated_output: aggregated_output.as_deref(),
            exit_code: *exit_code,
            duration_ms: *duration_ms,
            process_id: process_id.as_deref(),
            source: source.as_deref(),
        }),
        ItemBody::FileChange {
            id,
            changes,
            status,
        } => file_change::encode(id, changes, status),
        ItemBody::ImageView { id, path } => image_view::encode(id, path),
        ItemBody::ContextCompaction { id } => context_compaction::encode(id),
    };
    Some(core)
}

/// The wire item back from a core-shape item and its times (what the readers use); `None`
/// (logged) for an item without a string `id`, of a type weft does not model, or with a field
/// of a shape the wire item cannot hold.
#[must_use]
pub fn decode_core_item(
    item: &Value,
    started_at_ms: Option<i64>,
    completed_at_ms: Option<i64>,
) -> Option<ThreadItem> {
    decode_core_body(item).map(|body| ThreadItem {
        body,
        started_at_ms,
        completed_at_ms,
    })
}

/// The wire body of a core-shape item (see [`decode_core_item`]).
pub(crate) fn decode_core_body(item: &Value) -> Option<ItemBody> {
    let item_type = item.get("type").and_then(Value::as_str);
    let body = str_field(item, "id").and_then(|id| match item_type? {
        user_message::TYPE => user_message::decode(item, id),
        agent_message::TYPE => agent_message::decode(item, id),
        reasoning::TYPE => reasoning::decode(item, id),
        plan::TYPE => Some(plan::decode(item, id)),
        command_execution::TYPE => command_execution::decode(item, id),
        file_change::TYPE => Some(file_change::decode(item, id)),
        image_view::TYPE => image_view::decode(item, id),
        context_compaction::TYPE => Some(context_compaction::decode(id)),
        _ => None,
    });
    if body.is_none() {
        tracing::debug!(
            item_type = item_type.unwrap_or("?"),
            "rollout item not representable on the wire; skipped"
        );
    }
    body
}

/// Event kinds of old rollouts (before `item_completed`) that are items, as written.
pub(crate) const LEGACY_ITEM_EVENTS: &[&str] = &[
    "user_message",
    "agent_message",
    "agent_reasoning",
    "exec_command_end",
    "patch_apply_end",
    "view_image_tool_call",
    "context_compacted",
];

/// A legacy item event as a wire body; `fallback_id` (derived from the line's position) is the
/// id of events that carry none. `None` for other events and unrepresentable payloads.
pub(crate) fn decode_legacy_event(payload: &Value, fallback_id: &str) -> Option<ItemBody> {
    let call_id = || str_field(payload, "call_id").unwrap_or_else(|| fallback_id.to_owned());
    match payload.get("type")?.as_str()? {
        "user_message" => user_message::decode_legacy(payload, fallback_id.to_owned()),
        "agent_message" => agent_message::decode_legacy(payload, fallback_id.to_owned()),
        "agent_reasoning" => Some(reasoning::decode_legacy(payload, fallback_id.to_owned())),
        "exec_command_end" => command_execution::decode(payload, call_id()),
        "patch_apply_end" => Some(file_change::decode_legacy(payload, fallback_id.to_owned())),
        "view_image_tool_call" => image_view::decode_legacy(payload, fallback_id.to_owned()),
        "context_compacted" => Some(context_compaction::decode(fallback_id.to_owned())),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
