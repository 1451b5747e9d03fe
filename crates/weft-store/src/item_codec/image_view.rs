//! `ImageView` ⇄ wire `imageView`, and the legacy `view_image_tool_call` event.
//!
//! Core shape (reference `ImageViewItem`): `{"type":"ImageView","id","path":<PathUri>}`, the
//! path a `file://` URI (the reference also reads an absolute plain path). The format carries
//! every field of the wire item; a relative path, which the core cannot hold, is written as it
//! is (weft reads it back; the reference would reject the line).

use serde_json::{Value, json};
use weft_protocol::v2::ItemBody;

use super::fields::str_field;
use super::path_uri::{path_text, to_file_uri};

/// The core `type` tag.
pub(crate) const TYPE: &str = "ImageView";
/// The image's path.
const PATH: &str = "path";

/// The core item for a wire image view.
pub(crate) fn encode(id: &str, path: &str) -> Value {
    let path = to_file_uri(path).unwrap_or_else(|| path.to_owned());
    json!({"type": TYPE, "id": id, PATH: path})
}

/// The wire body of a core image view; `None` without a path.
pub(crate) fn decode(item: &Value, id: String) -> Option<ItemBody> {
    let path = path_text(&str_field(item, PATH)?);
    Some(ItemBody::ImageView { id, path })
}

/// A legacy `view_image_tool_call` event (`{call_id, path}`) as a wire body.
pub(crate) fn decode_legacy(payload: &Value, fallback_id: String) -> Option<ItemBody> {
    let id = str_field(payload, "call_id").unwrap_or(fallback_id);
    decode(payload, id)
}
