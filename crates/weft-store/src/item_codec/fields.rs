//! Field access and key casing shared by every item codec.
//!
//! The core changed the casing of some item fields over time (`client_id` / `clientId`), so
//! decoders read a field by its snake_case name first and its camelCase name second, and treat
//! `null` as absent. Encoders always write the reference 0.169.0 spelling (snake_case).

use serde_json::{Map, Value};

/// `value[snake]`, else `value[camel]`, ignoring nulls.
pub(crate) fn field<'a>(value: &'a Value, snake: &str) -> Option<&'a Value> {
    value
        .get(snake)
        .filter(|found| !found.is_null())
        .or_else(|| {
            let camel = snake_to_camel(snake);
            value.get(camel.as_str()).filter(|found| !found.is_null())
        })
}

/// [`field`] when it is a string.
pub(crate) fn str_field(value: &Value, snake: &str) -> Option<String> {
    field(value, snake)
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// An optional string field: absent or `null` is `Ok(None)`; another type is an error (the
/// item is not representable, as a typed deserialiser would say).
pub(crate) fn opt_str_field(value: &Value, snake: &str) -> Result<Option<String>, Malformed> {
    match field(value, snake) {
        None => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(Malformed),
    }
}

/// A list of strings (`null` or absent is empty); an element of another type is an error.
pub(crate) fn string_list(value: Option<&Value>) -> Result<Vec<String>, Malformed> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned).ok_or(Malformed))
            .collect(),
        Some(_) => Err(Malformed),
    }
}

/// `value[key]` as an array slice (empty when absent or not an array).
pub(crate) fn array<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    value
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// A field of a shape the wire item cannot hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Malformed;

/// `snake_case` → `camelCase` (already-camel text is unchanged).
pub(crate) fn snake_to_camel(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut upper_next = false;
    for c in text.chars() {
        if c == '_' {
            upper_next = !out.is_empty();
        } else if upper_next {
            out.extend(c.to_uppercase());
            upper_next = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `camelCase` → `snake_case` (ASCII capitals only; already-snake text is unchanged).
pub fn camel_to_snake(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 4);
    for c in text.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Every object key, recursively, in camelCase.
pub(crate) fn camelize_keys(value: &Value) -> Value {
    rename_keys(value, snake_to_camel)
}

/// Every object key, recursively, in snake_case.
pub fn snakify_keys(value: &Value) -> Value {
    rename_keys(value, camel_to_snake)
}

fn rename_keys(value: &Value, rename: fn(&str) -> String) -> Value {
    match value {
        Value::Object(object) => Value::Object(
            object
                .iter()
                .map(|(key, value)| (rename(key), rename_keys(value, rename)))
                .collect::<Map<_, _>>(),
        ),
        Value::Array(values) => Value::Array(
            values
                .iter()
                .map(|value| rename_keys(value, rename))
                .collect(),
        ),
        other => other.clone(),
    }
}
