//! `Reasoning` ⇄ wire `reasoning`, and the legacy `agent_reasoning` event.
//!
//! Core shape (reference `ReasoningItem`): `{"type":"Reasoning","id","summary_text":[…],
//! "raw_content":[…]}`. The format carries every field of the wire item.

use serde_json::{Value, json};
use weft_protocol::v2::ItemBody;

use super::fields::{field, str_field, string_list};

/// The core `type` tag.
pub(crate) const TYPE: &str = "Reasoning";
/// Summary sections.
const SUMMARY_TEXT: &str = "summary_text";
/// Raw reasoning parts.
const RAW_CONTENT: &str = "raw_content";

/// The core item for a wire reasoning item.
pub(crate) fn encode(id: &str, summary: &[String], content: &[String]) -> Value {
    json!({"type": TYPE, "id": id, SUMMARY_TEXT: summary, RAW_CONTENT: content})
}

/// The wire body of a core reasoning item (older spellings `summary` / `content` accepted);
/// `None` when a list holds something other than strings.
pub(crate) fn decode(item: &Value, id: String) -> Option<ItemBody> {
    let list = |key: &str, old_key: &str| {
        string_list(field(item, key).or_else(|| field(item, old_key))).ok()
    };
    Some(ItemBody::Reasoning {
        id,
        summary: list(SUMMARY_TEXT, "summary")?,
        content: list(RAW_CONTENT, "content")?,
    })
}

/// A legacy `agent_reasoning` event (`{text}`): one summary section.
pub(crate) fn decode_legacy(payload: &Value, id: String) -> ItemBody {
    ItemBody::Reasoning {
        id,
        summary: vec![str_field(payload, "text").unwrap_or_default()],
        content: Vec::new(),
    }
}
