//! `UserMessage` ⇄ wire `userMessage`, and the legacy `user_message` event.
//!
//! Core shape (reference `UserMessageItem`): `{"type":"UserMessage","id","client_id"?,
//! "content":[UserInput…]}` with inputs tagged in snake_case: `{"type":"text","text",
//! "text_elements":[{"byte_range":{start,end},"placeholder"}]}`, `{"type":"image","image_url",
//! "detail"?}`, `{"type":"local_image","path","detail"?}`, `{"type":"skill","name","path"}`,
//! `{"type":"mention","name","path"}`.
//!
//! What the format cannot carry: audio inputs and images without a URL (the core has no such
//! input; writing one would make the reference reject the whole line, so they are left out) and
//! an image's `fileId`.

use serde::Deserialize;
use serde_json::{Map, Value, json};
use weft_protocol::v2::{ItemBody, UserInput};

use super::fields::{
    Malformed, array, camelize_keys, field, opt_str_field, snake_to_camel, snakify_keys, str_field,
};
use super::path_uri::path_text;

/// The core `type` tag.
pub(crate) const TYPE: &str = "UserMessage";
/// The item id.
pub(crate) const ID: &str = "id";
/// `clientUserMessageId` of `turn/start`.
pub(crate) const CLIENT_ID: &str = "client_id";
/// The inputs.
pub(crate) const CONTENT: &str = "content";
/// An input's tag, and its value for text.
pub(crate) const INPUT_TYPE: &str = "type";
/// Tag of a text input.
pub(crate) const TEXT_INPUT: &str = "text";
/// A text input's text.
pub(crate) const TEXT: &str = "text";
/// A text input's UI spans.
pub(crate) const TEXT_ELEMENTS: &str = "text_elements";

/// The core item for a wire user message.
pub(crate) fn encode(id: &str, content: &[UserInput], client_id: Option<&str>) -> Value {
    let mut item = Map::new();
    item.insert("type".to_owned(), json!(TYPE));
    item.insert(ID.to_owned(), json!(id));
    if let Some(client_id) = client_id {
        item.insert(CLIENT_ID.to_owned(), json!(client_id));
    }
    let inputs: Vec<Value> = content.iter().filter_map(encode_input).collect();
    item.insert(CONTENT.to_owned(), Value::Array(inputs));
    Value::Object(item)
}

/// One core input; `None` for inputs the core has no shape for.
fn encode_input(input: &UserInput) -> Option<Value> {
    let with_detail = |mut value: Value, detail: &Option<String>| {
        if let (Some(object), Some(detail)) = (value.as_object_mut(), detail) {
            object.insert("detail".to_owned(), json!(detail));
        }
        value
    };
    let core = match input {
        UserInput::Text {
            text,
            text_elements,
        } => json!({
            INPUT_TYPE: TEXT_INPUT,
            TEXT: text,
            TEXT_ELEMENTS: text_elements.iter().map(snakify_keys).collect::<Vec<_>>(),
        }),
        UserInput::Image {
            url: Some(url),
            detail,
            ..
        } => with_detail(json!({"type": "image", "image_url": url}), detail),
        UserInput::LocalImage { path, detail } => {
            with_detail(json!({"type": "local_image", "path": path}), detail)
        }
        UserInput::Skill { name, path } => json!({"type": "skill", "name": name, "path": path}),
        UserInput::Mention { name, path } => {
            json!({"type": "mention", "name": name, "path": path})
        }
        UserInput::Image { url: None, .. }
        | UserInput::Audio { .. }
        | UserInput::LocalAudio { .. } => {
            return None;
        }
    };
    Some(core)
}

/// The wire body of a core user message; `None` when a field has a shape the wire cannot hold.
pub(crate) fn decode(item: &Value, id: String) -> Option<ItemBody> {
    let client_id = opt_str_field(item, CLIENT_ID).ok()?;
    let content = array(item, CONTENT)
        .iter()
        .map(decode_input)
        .collect::<Result<Vec<_>, _>>()
        .ok()?
        .into_iter()
        .flatten()
        .collect();
    Some(ItemBody::UserMessage {
        id,
        content,
        client_id,
    })
}

/// One core input in wire shape: `Ok(None)` for an input without a tag or of a kind the wire
/// does not know (left out), `Err` for a known kind with fields of the wrong shape.
fn decode_input(input: &Value) -> Result<Option<UserInput>, Malformed> {
    let Some(kind) = input.get(INPUT_TYPE).and_then(Value::as_str) else {
        return Ok(None);
    };
    let optional = |key: &str| opt_str_field(input, key);
    let decoded = match kind {
        TEXT_INPUT => text_input(
            str_field(input, TEXT),
            text_elements(field(input, TEXT_ELEMENTS))?,
        ),
        "image" => UserInput::Image {
            url: match optional("image_url")? {
                Some(url) => Some(url),
                None => optional("url")?,
            },
            file_id: None,
            detail: optional("detail")?,
        },
        "local_image" | "localImage" => UserInput::LocalImage {
            path: path_text(&str_field(input, "path").unwrap_or_default()),
            detail: optional("detail")?,
        },
        "skill" | "mention" => {
            let (Some(name), Some(path)) = (str_field(input, "name"), str_field(input, "path"))
            else {
                return Err(Malformed);
            };
            let path = path_text(&path);
            if kind == "skill" {
                UserInput::Skill { name, path }
            } else {
                UserInput::Mention { name, path }
            }
        }
        other => {
            // Any other kind the wire knows (audio, …), by its camelCase spelling.
            let mut wire = camelize_keys(input);
            if let Some(object) = wire.as_object_mut() {
                object.insert("type".to_owned(), json!(snake_to_camel(other)));
            }
            return Ok(UserInput::deserialize(&wire).ok());
        }
    };
    Ok(Some(decoded))
}

/// A wire text input (the digest builds the same from the bytes).
pub(crate) fn text_input(text: Option<String>, text_elements: Vec<Value>) -> UserInput {
    UserInput::Text {
        text: text.unwrap_or_default(),
        text_elements,
    }
}

/// Core text elements (`byte_range`) in wire shape (`byteRange`): absent or `null` is empty, a
/// non-array is an error.
pub(crate) fn text_elements(elements: Option<&Value>) -> Result<Vec<Value>, Malformed> {
    match elements {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(elements)) => Ok(elements.iter().map(text_element).collect()),
        Some(_) => Err(Malformed),
    }
}

/// One core text element in wire shape.
fn text_element(element: &Value) -> Value {
    camelize_keys(element)
}

/// Text of a core `UserMessage` item: its text inputs joined (as the reference's `message()`).
pub(crate) fn text_of(item: &Value) -> String {
    array(item, CONTENT)
        .iter()
        .filter(|input| input.get(INPUT_TYPE).and_then(Value::as_str) == Some(TEXT_INPUT))
        .filter_map(|input| input.get(TEXT).and_then(Value::as_str))
        .collect()
}

/// A legacy `user_message` event (`{message, images?, local_images?, text_elements?,
/// client_id?}`) as a wire body.
pub(crate) fn decode_legacy(payload: &Value, id: String) -> Option<ItemBody> {
    let mut content = vec![text_input(
        Some(str_field(payload, "message").unwrap_or_default()),
        text_elements(field(payload, TEXT_ELEMENTS)).ok()?,
    )];
    content.extend(
        array(payload, "images")
            .iter()
            .filter_map(Value::as_str)
            .map(|url| UserInput::Image {
                url: Some(url.to_owned()),
                file_id: None,
                detail: None,
            }),
    );
    content.extend(
        array(payload, "local_images")
            .iter()
            .filter_map(Value::as_str)
            .map(|path| UserInput::LocalImage {
                path: path.to_owned(),
                detail: None,
            }),
    );
    Some(ItemBody::UserMessage {
        id,
        content,
        client_id: opt_str_field(payload, CLIENT_ID).ok()?,
    })
}
