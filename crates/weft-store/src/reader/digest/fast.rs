//! One rollout line read straight from its bytes into a [`Fact`], in a single pass.
//!
//! The envelope is read the way `RolloutLine`'s derived `Deserialize` reads it (required
//! `timestamp`, `type`, `payload`; optional `ordinal`, `metadata`; duplicates rejected; other
//! keys skipped), and the payload by a visitor chosen by the line `type`: response items become
//! their model-history `Value`, the events a resume needs become [`Event`]s, and everything
//! else is only validated ([`Checked`]). The parse relies on the writers' key order (`type`
//! before `payload`, and `type` first in event payloads and items); a line in another order,
//! or of a rare kind (legacy events, rollbacks), bails to the exact reader
//! ([`RolloutLine::parse`] and the `Value` classification), so every line yields what the full
//! reader would make of it.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::item::{ItemSeed, ParsedItem};
use super::scalar::{Checked, Key, LineContext, Scalar};
use super::value::{ValueScratch, exact_object};
use super::{Fact, Span};
use crate::goal::is_goal_event;
use crate::line::{RolloutLine, kind};
use crate::reader::history::{PASSTHROUGH_FIELD, model_item_owned};
use crate::reader::record::{Event, LEGACY_ITEM_EVENTS, LineTime, TurnEnd, event_of_line};
use crate::reader::user_event_text;

/// A valid line: its ordinal and what it means.
pub(super) type ParsedLine = (Option<u64>, Fact);

/// Reads one line (without its `\n`) at `span`; `None` when it is not a valid envelope.
pub(super) fn parse_line(bytes: &[u8], span: Span, context: &LineContext) -> Option<ParsedLine> {
    context.reset();
    // A line that is valid UTF-8 as a whole has only valid UTF-8 strings, so the `str` reader
    // (which skips the per-string check) accepts exactly what the byte reader does. Other
    // lines may still be valid envelopes (bytes inside skipped envelope keys are not checked),
    // so they go through the byte reader.
    let parsed = match std::str::from_utf8(bytes) {
        Ok(text) => parse_envelope(serde_json::de::StrRead::new(text), context),
        Err(_) => parse_envelope(serde_json::de::SliceRead::new(bytes), context),
    };
    match parsed {
        Ok(envelope) => Some(envelope.finish(span)),
        Err(_) if context.bailed() => parse_line_exact(bytes, span, context),
        Err(_) => None,
    }
}

fn parse_envelope<'de, R: serde_json::de::Read<'de>>(
    read: R,
    context: &LineContext,
) -> serde_json::Result<Envelope<'de>> {
    let mut deserializer = serde_json::Deserializer::new(read);
    let envelope = EnvelopeSeed { context }.deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(envelope)
}

/// The exact reader: the line as a [`RolloutLine`], classified from its `Value` payload.
fn parse_line_exact(bytes: &[u8], span: Span, context: &LineContext) -> Option<ParsedLine> {
    let line = RolloutLine::parse(bytes)?;
    Some((line.ordinal, fact_of_line(line, span, context)))
}

fn fact_of_line(line: RolloutLine, span: Span, context: &LineContext) -> Fact {
    match line.kind.as_str() {
        kind::SESSION_META => Fact::SessionMeta(line.payload),
        kind::TURN_CONTEXT => Fact::TurnContext(span),
        kind::RESPONSE_ITEM => Fact::ResponseItem(model_item_owned(line.payload)),
        kind::COMPACTED => Fact::Compacted(line.payload),
        kind::EVENT_MSG if line.payload_kind().is_some_and(is_goal_event) => Fact::Goal(span),
        kind::EVENT_MSG if line.payload_kind() == Some("token_count") => {
            let has_info = line.payload.get("info").is_some_and(|info| !info.is_null());
            Fact::token_count(has_info, span)
        }
        kind::EVENT_MSG => {
            let user_text = context
                .wants_preview()
                .then(|| user_event_text(&line))
                .flatten();
            Fact::event(event_of_line(&line), user_text)
        }
        _ => Fact::Other,
    }
}

/// An envelope whose payload has been interpreted but not yet dated.
struct Envelope<'de> {
    timestamp: Cow<'de, str>,
    ordinal: Option<u64>,
    body: Body,
}

impl Envelope<'_> {
    fn finish(self, span: Span) -> ParsedLine {
        let fact = match self.body {
            Body::SessionMeta(payload) => Fact::SessionMeta(payload),
            Body::TurnContext => Fact::TurnContext(span),
            Body::ResponseItem(item) => Fact::ResponseItem(item),
            Body::Compacted(payload) => Fact::Compacted(payload),
            Body::Event(event) => event.finish(LineTime(&self.timestamp), span),
            Body::Other => Fact::Other,
        };
        (self.ordinal, fact)
    }
}

/// A payload, by line type.
enum Body {
    SessionMeta(Value),
    TurnContext,
    ResponseItem(Option<Value>),
    Compacted(Value),
    Event(EventBody),
    Other,
}

/// An event payload's fields, before the line time is known.
enum EventBody {
    Started {
        turn_id: Option<String>,
        root_turn_id: Option<String>,
        started_at: Option<i64>,
    },
    Ended {
        aborted: bool,
        turn_id: Option<String>,
        /// Boxed: rare, and large next to the other members.
        error: Option<Box<Value>>,
        times: [Option<i64>; 3],
    },
    ItemCompleted {
        has_thread_id: bool,
        turn_id: Option<String>,
        item: ParsedItem,
        times: [Option<i64>; 2],
    },
    TokenCount {
        has_info: bool,
    },
    /// A goal line (`thread_goal_updated` / `thread_goal_cleared`), read again at the end.
    Goal,
    Other,
}

impl EventBody {
    /// The line's fact, once its time is known.
    fn finish(self, time: LineTime<'_>, span: Span) -> Fact {
        match self {
            EventBody::Started {
                turn_id,
                root_turn_id,
                started_at,
            } => Fact::event(
                Event::started(turn_id, root_turn_id, started_at, time),
                None,
            ),
            EventBody::Ended {
                aborted,
                turn_id,
                error,
                times,
            } => Fact::event(
                Event::Ended(TurnEnd::new(
                    aborted,
                    turn_id,
                    error.as_deref(),
                    times,
                    time,
                )),
                None,
            ),
            EventBody::ItemCompleted {
                has_thread_id,
                turn_id,
                item,
                times,
            } => Fact::event(
                Event::item_completed(has_thread_id, turn_id, item.pending, times, time),
                item.user_text,
            ),
            EventBody::TokenCount { has_info } => Fact::token_count(has_info, span),
            EventBody::Goal => Fact::Goal(span),
            EventBody::Other => Fact::Other,
        }
    }
}

struct EnvelopeSeed<'b> {
    context: &'b LineContext,
}

impl<'de> DeserializeSeed<'de> for EnvelopeSeed<'_> {
    type Value = Envelope<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Envelope<'de>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for EnvelopeSeed<'_> {
    type Value = Envelope<'de>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("struct RolloutLine")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Envelope<'de>, A::Error> {
        let mut timestamp: Option<Key<'de>> = None;
        let mut ordinal: Option<Option<u64>> = None;
        let mut line_kind: Option<Key<'de>> = None;
        let mut body = None;
        let mut metadata = false;
        while let Some(key) = map.next_key::<Key<'de>>()? {
            match key.as_str() {
                "timestamp" => {
                    if timestamp.is_some() {
                        return Err(de::Error::duplicate_field("timestamp"));
                    }
                    timestamp = Some(map.next_value()?);
                }
                "ordinal" => {
                    if ordinal.is_some() {
                        return Err(de::Error::duplicate_field("ordinal"));
                    }
                    ordinal = Some(map.next_value()?);
                }
                "type" => {
                    if line_kind.is_some() {
                        return Err(de::Error::duplicate_field("type"));
                    }
                    line_kind = Some(map.next_value()?);
                }
                "payload" => {
                    if body.is_some() {
                        return Err(de::Error::duplicate_field("payload"));
                    }
                    // The payload's meaning depends on the type; the writers put it first.
                    let Some(line_kind) = &line_kind else {
                        return Err(self.context.bail());
                    };
                    body = Some(map.next_value_seed(PayloadSeed {
                        kind: line_kind.as_str(),
                        context: self.context,
                    })?);
                }
                "metadata" => {
                    if metadata {
                        return Err(de::Error::duplicate_field("metadata"));
                    }
                    metadata = true;
                    map.next_value::<Checked>()?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let timestamp = timestamp.ok_or_else(|| de::Error::missing_field("timestamp"))?;
        if line_kind.is_none() {
            return Err(de::Error::missing_field("type"));
        }
        let body = body.ok_or_else(|| de::Error::missing_field("payload"))?;
        Ok(Envelope {
            timestamp: timestamp.0,
            ordinal: ordinal.flatten(),
            body,
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, _seq: A) -> Result<Envelope<'de>, A::Error> {
        // The derived envelope also accepts the sequence form; no writer uses it.
        Err(self.context.bail())
    }
}

struct PayloadSeed<'k, 'b> {
    kind: &'k str,
    context: &'b LineContext,
}

impl<'de> DeserializeSeed<'de> for PayloadSeed<'_, '_> {
    type Value = Body;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Body, D::Error> {
        Ok(match self.kind {
            kind::SESSION_META => Body::SessionMeta(Value::deserialize(deserializer)?),
            kind::COMPACTED => Body::Compacted(Value::deserialize(deserializer)?),
            kind::RESPONSE_ITEM => Body::ResponseItem(deserializer.deserialize_any(ModelItem {
                scratch: self.context.scratch(),
            })?),
            kind::EVENT_MSG => Body::Event(deserializer.deserialize_any(EventSeed {
                context: self.context,
            })?),
            kind::TURN_CONTEXT => {
                Checked::deserialize(deserializer)?;
                Body::TurnContext
            }
            _ => {
                Checked::deserialize(deserializer)?;
                Body::Other
            }
        })
    }
}

/// A `response_item` payload as the model sees it (`history::model_item`, built in place).
struct ModelItem<'s> {
    scratch: &'s ValueScratch,
}

impl<'de> Visitor<'de> for ModelItem<'_> {
    type Value = Option<Value>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Option<Value>, A::Error> {
        // The passthrough field is skipped while building; a raw value still holds its own,
        // which `model_item_owned` removes.
        let payload = exact_object(map, self.scratch, |key| key == PASSTHROUGH_FIELD)?;
        Ok(model_item_owned(payload))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<Value>, A::Error> {
        while seq.next_element::<Checked>()?.is_some() {}
        Ok(None)
    }

    fn visit_bool<E>(self, _value: bool) -> Result<Option<Value>, E> {
        Ok(None)
    }

    fn visit_i64<E>(self, _value: i64) -> Result<Option<Value>, E> {
        Ok(None)
    }

    fn visit_u64<E>(self, _value: u64) -> Result<Option<Value>, E> {
        Ok(None)
    }

    fn visit_f64<E>(self, _value: f64) -> Result<Option<Value>, E> {
        Ok(None)
    }

    fn visit_str<E>(self, _value: &str) -> Result<Option<Value>, E> {
        Ok(None)
    }

    fn visit_unit<E>(self) -> Result<Option<Value>, E> {
        Ok(None)
    }
}

/// An `event_msg` payload: dispatched on its leading `type`.
struct EventSeed<'b> {
    context: &'b LineContext,
}

impl<'de> Visitor<'de> for EventSeed<'_> {
    type Value = EventBody;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<EventBody, A::Error> {
        let context = self.context;
        let Some(first) = map.next_key::<Key<'de>>()? else {
            return Ok(EventBody::Other);
        };
        if first.as_str() != "type" {
            return Err(context.bail());
        }
        let Scalar::Str(event_kind) = map.next_value::<Scalar<'de>>()? else {
            return Err(context.bail());
        };
        match event_kind.as_ref() {
            "task_started" | "turn_started" => started(&mut map, context),
            "task_complete" | "turn_complete" => ended(&mut map, context, false),
            "turn_aborted" => ended(&mut map, context, true),
            "item_completed" => item_completed(&mut map, context),
            "token_count" => token_count(&mut map, context),
            goal if is_goal_event(goal) => goal_event(&mut map, context),
            "thread_rolled_back" => Err(context.bail()),
            legacy if LEGACY_ITEM_EVENTS.contains(&legacy) => Err(context.bail()),
            _ => {
                while let Some(key) = map.next_key::<Key<'de>>()? {
                    if key.as_str() == "type" {
                        return Err(context.bail());
                    }
                    map.next_value::<Checked>()?;
                }
                Ok(EventBody::Other)
            }
        }
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<EventBody, A::Error> {
        while seq.next_element::<Checked>()?.is_some() {}
        Ok(EventBody::Other)
    }

    fn visit_bool<E>(self, _value: bool) -> Result<EventBody, E> {
        Ok(EventBody::Other)
    }

    fn visit_i64<E>(self, _value: i64) -> Result<EventBody, E> {
        Ok(EventBody::Other)
    }

    fn visit_u64<E>(self, _value: u64) -> Result<EventBody, E> {
        Ok(EventBody::Other)
    }

    fn visit_f64<E>(self, _value: f64) -> Result<EventBody, E> {
        Ok(EventBody::Other)
    }

    fn visit_str<E>(self, _value: &str) -> Result<EventBody, E> {
        Ok(EventBody::Other)
    }

    fn visit_unit<E>(self) -> Result<EventBody, E> {
        Ok(EventBody::Other)
    }
}

fn int<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Option<i64>, A::Error> {
    Ok(map.next_value::<Scalar<'de>>()?.as_i64())
}

fn text<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Option<String>, A::Error> {
    Ok(map.next_value::<Scalar<'de>>()?.into_string())
}

fn started<'de, A: MapAccess<'de>>(
    map: &mut A,
    context: &LineContext,
) -> Result<EventBody, A::Error> {
    let (mut turn_id, mut root_turn_id, mut started_at) = (None, None, None);
    while let Some(key) = map.next_key::<Key<'de>>()? {
        match key.as_str() {
            "turn_id" => turn_id = text(map)?,
            "root_turn_id" => root_turn_id = text(map)?,
            "started_at" => started_at = int(map)?,
            "type" => return Err(context.bail()),
            _ => {
                map.next_value::<Checked>()?;
            }
        }
    }
    Ok(EventBody::Started {
        turn_id,
        root_turn_id,
        started_at,
    })
}

fn ended<'de, A: MapAccess<'de>>(
    map: &mut A,
    context: &LineContext,
    aborted: bool,
) -> Result<EventBody, A::Error> {
    let (mut turn_id, mut error) = (None, None);
    let mut times = [None; 3];
    while let Some(key) = map.next_key::<Key<'de>>()? {
        match key.as_str() {
            "turn_id" => turn_id = text(map)?,
            "error" => error = Some(Box::new(map.next_value::<Value>()?)),
            "started_at" => times[0] = int(map)?,
            "completed_at" => times[1] = int(map)?,
            "duration_ms" => times[2] = int(map)?,
            "type" => return Err(context.bail()),
            _ => {
                map.next_value::<Checked>()?;
            }
        }
    }
    Ok(EventBody::Ended {
        aborted,
        turn_id,
        error,
        times,
    })
}

fn item_completed<'de, A: MapAccess<'de>>(
    map: &mut A,
    context: &LineContext,
) -> Result<EventBody, A::Error> {
    let (mut has_thread_id, mut turn_id) = (false, None);
    let mut item = ParsedItem::default();
    let mut times = [None; 2];
    while let Some(key) = map.next_key::<Key<'de>>()? {
        match key.as_str() {
            "thread_id" => has_thread_id = !map.next_value::<Scalar<'de>>()?.is_null(),
            "turn_id" => turn_id = text(map)?,
            "item" => item = map.next_value_seed(ItemSeed { context })?,
            "started_at_ms" => times[0] = int(map)?,
            "completed_at_ms" => times[1] = int(map)?,
            "type" => return Err(context.bail()),
            _ => {
                map.next_value::<Checked>()?;
            }
        }
    }
    Ok(EventBody::ItemCompleted {
        has_thread_id,
        turn_id,
        item,
        times,
    })
}

/// A goal line: only validated here; the last one is read again at the end.
fn goal_event<'de, A: MapAccess<'de>>(
    map: &mut A,
    context: &LineContext,
) -> Result<EventBody, A::Error> {
    while let Some(key) = map.next_key::<Key<'de>>()? {
        if key.as_str() == "type" {
            return Err(context.bail());
        }
        map.next_value::<Checked>()?;
    }
    Ok(EventBody::Goal)
}

fn token_count<'de, A: MapAccess<'de>>(
    map: &mut A,
    context: &LineContext,
) -> Result<EventBody, A::Error> {
    let mut has_info = false;
    while let Some(key) = map.next_key::<Key<'de>>()? {
        match key.as_str() {
            "info" => has_info = !map.next_value::<Scalar<'de>>()?.is_null(),
            "type" => return Err(context.bail()),
            _ => {
                map.next_value::<Checked>()?;
            }
        }
    }
    Ok(EventBody::TokenCount { has_info })
}
