//! `item_completed.item` read from the bytes: user and agent messages typed directly, every
//! other item collected into a `Value` and decoded by `item_codec::decode_core_item`.
//!
//! User and agent messages are most of a long thread's items, and building a `Value` for them
//! costs more than parsing the line. For the shapes the reference writes —
//! `{"type":"UserMessage","id","content":[{"type":"text","text","text_elements"}]}`,
//! `{"type":"AgentMessage","id","content":[{"text"}],"phase"?,…}` — the body is built here
//! with the field names and constructors of `item_codec::user_message` / `agent_message`, so
//! the two decoders of these types cannot drift apart in what they read. Any other shape
//! (images, camelCase keys, a field of an unexpected type, a repeated `type`) bails, so the
//! line is read again by the exact reader.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use weft_protocol::v2::{ItemBody, UserInput};

use super::scalar::{Checked, Key, LineContext, Scalar, is_raw_value_key, raw_value};
use crate::item_codec::{agent_message, user_message};
use crate::reader::record::PendingItem;

/// The leaf-value methods of a visitor (with a `context` field) that only takes containers:
/// every leaf value bails to the exact reader.
macro_rules! bail_on_leaf_values {
    () => {
        fn visit_bool<E: serde::de::Error>(self, _value: bool) -> Result<Self::Value, E> {
            Err(self.context.bail())
        }

        fn visit_i64<E: serde::de::Error>(self, _value: i64) -> Result<Self::Value, E> {
            Err(self.context.bail())
        }

        fn visit_u64<E: serde::de::Error>(self, _value: u64) -> Result<Self::Value, E> {
            Err(self.context.bail())
        }

        fn visit_f64<E: serde::de::Error>(self, _value: f64) -> Result<Self::Value, E> {
            Err(self.context.bail())
        }

        fn visit_str<E: serde::de::Error>(self, _value: &str) -> Result<Self::Value, E> {
            Err(self.context.bail())
        }

        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Err(self.context.bail())
        }
    };
}

/// What an `item_completed` item yields: the pending wire item and, for a user message, the
/// text a preview is made of.
#[derive(Debug, Default)]
pub(super) struct ParsedItem {
    /// The item on its way to the wire; `None` when it has no wire shape.
    pub(super) pending: Option<PendingItem>,
    /// Text of a `UserMessage` item (as `user_message::text_of`).
    pub(super) user_text: Option<String>,
}

impl ParsedItem {
    /// The exact route: the item as a `Value`, decoded by `item_codec`.
    fn of_value(item: &Value, context: &LineContext) -> ParsedItem {
        let is_user = item.get("type").and_then(Value::as_str) == Some(user_message::TYPE);
        ParsedItem {
            pending: PendingItem::of_value(Some(item)),
            user_text: (is_user && context.wants_preview()).then(|| user_message::text_of(item)),
        }
    }
}

/// Seed for the `item` member of an `item_completed` payload.
pub(super) struct ItemSeed<'b> {
    pub(super) context: &'b LineContext,
}

impl<'de> DeserializeSeed<'de> for ItemSeed<'_> {
    type Value = ParsedItem;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<ParsedItem, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ItemSeed<'_> {
    type Value = ParsedItem;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("an item object")
    }

    bail_on_leaf_values!();

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ParsedItem, A::Error> {
        let Some(first) = map.next_key::<Key<'de>>()? else {
            return Ok(ParsedItem::of_value(
                &Value::Object(Map::new()),
                self.context,
            ));
        };
        if is_raw_value_key(first.as_str()) {
            return Ok(ParsedItem::of_value(&raw_value(&mut map)?, self.context));
        }
        let first_value: Value = map.next_value()?;
        if first.as_str() == "type" {
            match first_value.as_str() {
                Some(user_message::TYPE) => return user_message(&mut map, self.context),
                Some(agent_message::TYPE) => return agent_message(&mut map, self.context),
                _ => {}
            }
        }
        let mut object = Map::new();
        object.insert(first.0.into_owned(), first_value);
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value::<Value>()?;
            object.insert(key, value);
        }
        Ok(ParsedItem::of_value(&Value::Object(object), self.context))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, _seq: A) -> Result<ParsedItem, A::Error> {
        Err(self.context.bail())
    }
}

/// The rest of a `UserMessage` item (its `type` already read).
fn user_message<'de, A: MapAccess<'de>>(
    map: &mut A,
    context: &LineContext,
) -> Result<ParsedItem, A::Error> {
    let mut id = None;
    let mut client_id = None;
    let mut content = UserContent::default();
    while let Some(key) = map.next_key::<Key<'de>>()? {
        match key.as_str() {
            user_message::ID => id = map.next_value::<Scalar<'de>>()?.into_string(),
            user_message::CLIENT_ID => client_id = Some(map.next_value::<Scalar<'de>>()?),
            user_message::CONTENT => content = map.next_value_seed(UserContentSeed { context })?,
            "type" | "clientId" => return Err(context.bail()),
            _ => {
                map.next_value::<Checked>()?;
            }
        }
    }
    let client_id = match client_id {
        None | Some(Scalar::Null) => None,
        Some(Scalar::Str(text)) => Some(text.into_owned()),
        Some(_) => return Err(context.bail()),
    };
    let Some(id) = id else {
        return Err(context.bail());
    };
    Ok(ParsedItem {
        pending: Some(PendingItem::new(ItemBody::UserMessage {
            id,
            content: content.inputs,
            client_id,
        })),
        user_text: context.wants_preview().then_some(content.text),
    })
}

/// The text inputs of a user message and their joined text.
#[derive(Debug, Default)]
struct UserContent {
    inputs: Vec<UserInput>,
    text: String,
}

struct UserContentSeed<'b> {
    context: &'b LineContext,
}

impl<'de> DeserializeSeed<'de> for UserContentSeed<'_> {
    type Value = UserContent;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<UserContent, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for UserContentSeed<'_> {
    type Value = UserContent;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("an array of inputs")
    }

    bail_on_leaf_values!();

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<UserContent, A::Error> {
        // Nearly every message is one text input: no room for four of them.
        let mut content = UserContent {
            inputs: Vec::with_capacity(1),
            text: String::new(),
        };
        while let Some((text, elements)) = seq.next_element_seed(TextInputSeed {
            context: self.context,
        })? {
            if let Some(text) = text.as_deref().filter(|_| self.context.wants_preview()) {
                content.text.push_str(text);
            }
            content
                .inputs
                .push(user_message::text_input(text, elements));
        }
        Ok(content)
    }

    fn visit_map<A: MapAccess<'de>>(self, _map: A) -> Result<UserContent, A::Error> {
        Err(self.context.bail())
    }
}

/// One `{"type":"text","text":…,"text_elements":[…]}` input: its text (`None` when not a
/// string) and its camelised text elements.
struct TextInputSeed<'b> {
    context: &'b LineContext,
}

impl<'de> DeserializeSeed<'de> for TextInputSeed<'_> {
    type Value = (Option<String>, Vec<Value>);

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TextInputSeed<'_> {
    type Value = (Option<String>, Vec<Value>);

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a text input")
    }

    bail_on_leaf_values!();

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let is_text = match map.next_key::<Key<'de>>()? {
            Some(key) if key.as_str() == user_message::INPUT_TYPE => {
                map.next_value::<Scalar<'de>>()?.into_string().as_deref()
                    == Some(user_message::TEXT_INPUT)
            }
            _ => false,
        };
        if !is_text {
            return Err(self.context.bail());
        }
        let mut text = None;
        let mut elements = None;
        while let Some(key) = map.next_key::<Key<'de>>()? {
            match key.as_str() {
                user_message::TEXT => text = map.next_value::<Scalar<'de>>()?.into_string(),
                user_message::TEXT_ELEMENTS => elements = Some(map.next_value::<Value>()?),
                user_message::INPUT_TYPE | "textElements" => return Err(self.context.bail()),
                _ => {
                    map.next_value::<Checked>()?;
                }
            }
        }
        let Ok(elements) = user_message::text_elements(elements.as_ref()) else {
            return Err(self.context.bail());
        };
        Ok((text, elements))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, _seq: A) -> Result<Self::Value, A::Error> {
        Err(self.context.bail())
    }
}

/// The rest of an `AgentMessage` item (its `type` already read).
fn agent_message<'de, A: MapAccess<'de>>(
    map: &mut A,
    context: &LineContext,
) -> Result<ParsedItem, A::Error> {
    let mut id = None;
    let mut text = String::new();
    let mut phase = None;
    let mut delivery = None;
    let mut memory_citation = None;
    while let Some(key) = map.next_key::<Key<'de>>()? {
        match key.as_str() {
            agent_message::ID => id = map.next_value::<Scalar<'de>>()?.into_string(),
            agent_message::CONTENT => text = map.next_value_seed(AgentContentSeed { context })?,
            agent_message::PHASE => phase = Some(map.next_value::<Scalar<'de>>()?),
            agent_message::DELIVERY => delivery = Some(map.next_value::<Scalar<'de>>()?),
            agent_message::MEMORY_CITATION => memory_citation = Some(map.next_value::<Value>()?),
            "type" | "memoryCitation" => return Err(context.bail()),
            _ => {
                map.next_value::<Checked>()?;
            }
        }
    }
    let (Some(id), Ok(phase), Ok(delivery)) = (id, optional_text(phase), optional_text(delivery))
    else {
        return Err(context.bail());
    };
    Ok(ParsedItem {
        pending: Some(PendingItem::new(agent_message::body(
            id,
            text,
            phase,
            memory_citation,
            delivery,
        ))),
        user_text: None,
    })
}

/// An optional wire string: absent or `null` is `None`; another type is not representable.
fn optional_text(value: Option<Scalar<'_>>) -> Result<Option<String>, ()> {
    match value {
        None | Some(Scalar::Null) => Ok(None),
        Some(Scalar::Str(text)) => Ok(Some(text.into_owned())),
        Some(_) => Err(()),
    }
}

/// An agent message's `content`: the `text` strings of its parts, joined.
struct AgentContentSeed<'b> {
    context: &'b LineContext,
}

impl<'de> DeserializeSeed<'de> for AgentContentSeed<'_> {
    type Value = String;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for AgentContentSeed<'_> {
    type Value = String;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("an array of content parts")
    }

    bail_on_leaf_values!();

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<String, A::Error> {
        let mut text = String::new();
        while let Some(part) = seq.next_element::<PartText<'de>>()? {
            if let Some(part) = part.0 {
                text.push_str(&part);
            }
        }
        Ok(text)
    }

    fn visit_map<A: MapAccess<'de>>(self, _map: A) -> Result<String, A::Error> {
        Err(self.context.bail())
    }
}

/// The `text` string of one content part (`part.get("text").and_then(Value::as_str)`).
struct PartText<'de>(Option<std::borrow::Cow<'de, str>>);

impl<'de> serde::Deserialize<'de> for PartText<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<PartText<'de>, D::Error> {
        deserializer.deserialize_any(PartTextVisitor)
    }
}

struct PartTextVisitor;

impl<'de> Visitor<'de> for PartTextVisitor {
    type Value = PartText<'de>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a content part")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PartText<'de>, A::Error> {
        let mut text = None;
        let mut first = true;
        while let Some(key) = map.next_key::<Key<'de>>()? {
            if std::mem::take(&mut first) && is_raw_value_key(key.as_str()) {
                let part = raw_value(&mut map)?;
                let text = part
                    .get(agent_message::PART_TEXT)
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                return Ok(PartText(text.map(std::borrow::Cow::Owned)));
            }
            if key.as_str() == agent_message::PART_TEXT {
                text = match map.next_value::<Scalar<'de>>()? {
                    Scalar::Str(part) => Some(part),
                    _ => None,
                };
            } else {
                map.next_value::<Checked>()?;
            }
        }
        Ok(PartText(text))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<PartText<'de>, A::Error> {
        while seq.next_element::<Checked>()?.is_some() {}
        Ok(PartText(None))
    }

    fn visit_bool<E>(self, _value: bool) -> Result<PartText<'de>, E> {
        Ok(PartText(None))
    }

    fn visit_i64<E>(self, _value: i64) -> Result<PartText<'de>, E> {
        Ok(PartText(None))
    }

    fn visit_u64<E>(self, _value: u64) -> Result<PartText<'de>, E> {
        Ok(PartText(None))
    }

    fn visit_f64<E>(self, _value: f64) -> Result<PartText<'de>, E> {
        Ok(PartText(None))
    }

    fn visit_str<E>(self, _value: &str) -> Result<PartText<'de>, E> {
        Ok(PartText(None))
    }

    fn visit_unit<E>(self) -> Result<PartText<'de>, E> {
        Ok(PartText(None))
    }
}
