//! `serde_json::Value`s built at their exact size.
//!
//! `Value`'s own `Deserialize` grows every array and object as it parses (an `IndexMap` of five
//! keys ends with room for seven, a one-element array with room for four). The digest returns
//! tens of thousands of history items, so that slack is megabytes of memory faulted in on every
//! resume. [`ExactValueSeed`] parses exactly like `Value` — same visitor calls, same
//! duplicate-key rule (the last value wins, in the first key's position) — collecting each
//! container's members in a reused scratch vector first, so that every container is allocated
//! once, at its final size. Raw values (see `scalar::is_raw_value_key`) are read as `Value`
//! reads them.

use std::cell::RefCell;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use super::scalar::{Checked, is_raw_value_key, raw_value};

/// Scratch vectors for the members of containers being built, one per nesting level in use.
#[derive(Debug, Default)]
pub(super) struct ValueScratch {
    entries: RefCell<Vec<Vec<(String, Value)>>>,
    elements: RefCell<Vec<Vec<Value>>>,
}

impl ValueScratch {
    fn take_entries(&self) -> Vec<(String, Value)> {
        self.entries.borrow_mut().pop().unwrap_or_default()
    }

    fn give_back_entries(&self, entries: Vec<(String, Value)>) {
        self.entries.borrow_mut().push(entries);
    }

    fn take_elements(&self) -> Vec<Value> {
        self.elements.borrow_mut().pop().unwrap_or_default()
    }

    fn give_back_elements(&self, elements: Vec<Value>) {
        self.elements.borrow_mut().push(elements);
    }
}

/// Parses a `Value` with exact container capacities.
#[derive(Debug, Clone, Copy)]
pub(super) struct ExactValueSeed<'s>(pub(super) &'s ValueScratch);

impl<'de> DeserializeSeed<'de> for ExactValueSeed<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ExactValueSeed<'_> {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any valid JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        Ok(Number::from_f64(value).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut elements = self.0.take_elements();
        let parsed = collect_elements(&mut seq, &mut elements, self);
        // A copy at exact size; the scratch vector keeps its room for the next array.
        let array = parsed.map(|()| {
            let mut array = Vec::with_capacity(elements.len());
            array.append(&mut elements);
            array
        });
        elements.clear();
        self.0.give_back_elements(elements);
        array.map(Value::Array)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Value, A::Error> {
        exact_object(map, self.0, |_| false)
    }
}

/// The rest of an object, at its exact size, without the keys `skip` selects (their values
/// are still checked as a `Value` would check them); for a raw value, the `Value` it holds.
pub(super) fn exact_object<'de, A: MapAccess<'de>>(
    mut map: A,
    scratch: &ValueScratch,
    skip: impl Fn(&str) -> bool,
) -> Result<Value, A::Error> {
    let Some(first) = map.next_key::<String>()? else {
        return Ok(Value::Object(Map::new()));
    };
    if is_raw_value_key(&first) {
        return raw_value(&mut map);
    }
    let mut entries = scratch.take_entries();
    let parsed = entry(&mut map, first, &mut entries, scratch, &skip)
        .and_then(|()| collect_entries(&mut map, &mut entries, scratch, &skip));
    let object = parsed.map(|()| {
        let mut object = Map::with_capacity(entries.len());
        for (key, value) in entries.drain(..) {
            object.insert(key, value);
        }
        object
    });
    entries.clear();
    scratch.give_back_entries(entries);
    object.map(Value::Object)
}

fn collect_elements<'de, A: SeqAccess<'de>>(
    seq: &mut A,
    elements: &mut Vec<Value>,
    seed: ExactValueSeed<'_>,
) -> Result<(), A::Error> {
    while let Some(value) = seq.next_element_seed(seed)? {
        elements.push(value);
    }
    Ok(())
}

fn collect_entries<'de, A: MapAccess<'de>>(
    map: &mut A,
    entries: &mut Vec<(String, Value)>,
    scratch: &ValueScratch,
    skip: &impl Fn(&str) -> bool,
) -> Result<(), A::Error> {
    while let Some(key) = map.next_key::<String>()? {
        entry(map, key, entries, scratch, skip)?;
    }
    Ok(())
}

/// The value of `key`, kept unless `skip` selects it.
fn entry<'de, A: MapAccess<'de>>(
    map: &mut A,
    key: String,
    entries: &mut Vec<(String, Value)>,
    scratch: &ValueScratch,
    skip: &impl Fn(&str) -> bool,
) -> Result<(), A::Error> {
    if skip(&key) {
        map.next_value::<Checked>()?;
    } else {
        let value = map.next_value_seed(ExactValueSeed(scratch))?;
        entries.push((key, value));
    }
    Ok(())
}
