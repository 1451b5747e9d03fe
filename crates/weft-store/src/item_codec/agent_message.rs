//! `AgentMessage` ⇄ wire `agentMessage`, and the legacy `agent_message` event.
//!
//! Core shape (reference `AgentMessageItem`): `{"type":"AgentMessage","id","content":[{"type":
//! "Text","text"}],"phase"?,"memory_citation"?}`; weft adds `delivery` when set (the reference
//! ignores it). Optional fields are left out when absent, as the reference leaves them out.
//!
//! What the format cannot carry: `questions` and `moderation` (live-only; read back as `null`).
//! The text is one `Text` part; several parts are read back joined.

use serde_json::{Map, Value, json};
use weft_protocol::v2::ItemBody;

use super::fields::{array, field, opt_str_field, str_field};

/// The core `type` tag.
pub(crate) const TYPE: &str = "AgentMessage";
/// The item id.
pub(crate) const ID: &str = "id";
/// The text parts.
pub(crate) const CONTENT: &str = "content";
/// A part's text.
pub(crate) const PART_TEXT: &str = "text";
/// `commentary`, `final_answer`, …
pub(crate) const PHASE: &str = "phase";
/// Memory citation (an object).
pub(crate) const MEMORY_CITATION: &str = "memory_citation";
/// `async` (weft's own field).
pub(crate) const DELIVERY: &str = "delivery";

/// The core item for a wire agent message.
pub(crate) fn encode(
    id: &str,
    text: &str,
    phase: Option<&str>,
    memory_citation: Option<&Value>,
    delivery: Option<&str>,
) -> Value {
    let mut item = Map::new();
    item.insert("type".to_owned(), json!(TYPE));
    item.insert(ID.to_owned(), json!(id));
    item.insert(
        CONTENT.to_owned(),
        json!([{"type": "Text", PART_TEXT: text}]),
    );
    if let Some(phase) = phase {
        item.insert(PHASE.to_owned(), json!(phase));
    }
    if let Some(citation) = memory_citation.filter(|citation| !citation.is_null()) {
        item.insert(MEMORY_CITATION.to_owned(), citation.clone());
    }
    if let Some(delivery) = delivery {
        item.insert(DELIVERY.to_owned(), json!(delivery));
    }
    Value::Object(item)
}

/// The wire body of a core agent message; `None` when `phase` or `delivery` is not a string.
pub(crate) fn decode(item: &Value, id: String) -> Option<ItemBody> {
    let text = array(item, CONTENT)
        .iter()
        .filter_map(|part| part.get(PART_TEXT).and_then(Value::as_str))
        .collect();
    Some(body(
        id,
        text,
        opt_str_field(item, PHASE).ok()?,
        field(item, MEMORY_CITATION).cloned(),
        opt_str_field(item, DELIVERY).ok()?,
    ))
}

/// The wire body from its rollout fields (the digest builds the same from the bytes).
pub(crate) fn body(
    id: String,
    text: String,
    phase: Option<String>,
    memory_citation: Option<Value>,
    delivery: Option<String>,
) -> ItemBody {
    ItemBody::AgentMessage {
        id,
        text,
        phase,
        memory_citation: memory_citation.filter(|citation| !citation.is_null()),
        delivery,
        questions: None,
        moderation: None,
    }
}

/// A legacy `agent_message` event (`{message, phase?}`) as a wire body.
pub(crate) fn decode_legacy(payload: &Value, id: String) -> Option<ItemBody> {
    Some(body(
        id,
        str_field(payload, "message").unwrap_or_default(),
        opt_str_field(payload, PHASE).ok()?,
        None,
        None,
    ))
}
