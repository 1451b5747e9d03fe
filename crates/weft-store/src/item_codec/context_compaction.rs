//! `ContextCompaction` ⇄ wire `contextCompaction`, and the legacy `context_compacted` event.
//!
//! Core shape (reference `ContextCompactionItem`): `{"type":"ContextCompaction","id"}`. The
//! format carries every field of the wire item.

use serde_json::{Value, json};
use weft_protocol::v2::ItemBody;

/// The core `type` tag.
pub(crate) const TYPE: &str = "ContextCompaction";

/// The core item for a wire compaction marker.
pub(crate) fn encode(id: &str) -> Value {
    json!({"type": TYPE, "id": id})
}

/// The wire body of a core compaction marker (or of a legacy `context_compacted` event, whose
/// id comes from its line).
pub(crate) fn decode(id: String) -> ItemBody {
    ItemBody::ContextCompaction { id }
}
