//! `Plan` ⇄ wire `plan`.
//!
//! Core shape (reference `PlanItem`): `{"type":"Plan","id","text"}`. The format carries every
//! field of the wire item.

use serde_json::{Value, json};
use weft_protocol::v2::ItemBody;

use super::fields::str_field;

/// The core `type` tag.
pub(crate) const TYPE: &str = "Plan";
/// The plan text.
const TEXT: &str = "text";

/// The core item for a wire plan item.
pub(crate) fn encode(id: &str, text: &str) -> Value {
    json!({"type": TYPE, "id": id, TEXT: text})
}

/// The wire body of a core plan item (a missing text is empty).
pub(crate) fn decode(item: &Value, id: String) -> ItemBody {
    ItemBody::Plan {
        id,
        text: str_field(item, TEXT).unwrap_or_default(),
    }
}
