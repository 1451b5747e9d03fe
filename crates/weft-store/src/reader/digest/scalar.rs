//! Reading JSON the way `serde_json::Value` would, without building a `Value`.
//!
//! The digest must accept and reject exactly the lines the full reader does, and that reader
//! parses every payload into a `Value`. `serde_json`'s own `IgnoredAny` is not enough for that:
//! it skips without checking number ranges (`1e400`), `\u` surrogates, UTF-8 inside strings or
//! the nesting limit. So everything the digest does not keep goes through [`Checked`], which
//! drives the same `deserialize_any` paths a `Value` does — in the same deserializer, hence
//! with the same depth budget — and throws the result away. [`Scalar`] does the same but keeps
//! leaf values, so fields read through it behave like `Value::as_str` / `as_i64` /
//! `is_null`: a field of an unexpected type reads as absent instead of failing the line.
//!
//! One more `Value` rule is mirrored here: with `serde_json`'s `raw_value` feature (on in this
//! workspace), an object whose first key is `$serde_json::private::RawValue` parses as the JSON
//! inside its one string ([`is_raw_value_key`], [`raw_value`]).
//!
//! [`LineContext::bail`] is the escape hatch of the fast parser: a shape it does not handle
//! aborts the parse with a marked error, and the caller reads the line again with the exact,
//! slow reader.

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

use super::value::ValueScratch;

/// What the parse of the lines of one piece shares with its visitors: whether the fast parser
/// gave up on the current line (as opposed to the line being invalid), whether the preview
/// text is still wanted, and scratch space for building values.
#[derive(Debug, Default)]
pub(super) struct LineContext {
    bailed: Cell<bool>,
    preview_found: Cell<bool>,
    scratch: ValueScratch,
}

impl LineContext {
    /// Scratch space for building history values, reused from line to line.
    pub(super) fn scratch(&self) -> &ValueScratch {
        &self.scratch
    }

    /// Whether user-message text is still wanted for the preview (only the first counts).
    pub(super) fn wants_preview(&self) -> bool {
        !self.preview_found.get()
    }

    /// Records that a preview candidate was found; later ones are not collected.
    pub(super) fn preview_found(&self) {
        self.preview_found.set(true);
    }

    /// Marks the line for the slow reader and returns the error that aborts the fast parse.
    pub(super) fn bail<E: de::Error>(&self) -> E {
        self.bailed.set(true);
        E::custom("shape left to the full reader")
    }

    /// Whether [`LineContext::bail`] was called since the last [`LineContext::reset`].
    pub(super) fn bailed(&self) -> bool {
        self.bailed.get()
    }

    /// Clears the mark before the next line.
    pub(super) fn reset(&self) {
        self.bailed.set(false);
    }
}

/// Any JSON value, validated as a `Value` would be, then dropped.
#[derive(Debug, Clone, Copy)]
pub(super) struct Checked;

impl<'de> de::Deserialize<'de> for Checked {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Checked, D::Error> {
        deserializer.deserialize_any(CheckedVisitor)
    }
}

struct CheckedVisitor;

impl<'de> Visitor<'de> for CheckedVisitor {
    type Value = Checked;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _value: bool) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_i64<E>(self, _value: i64) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_u64<E>(self, _value: u64) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_f64<E>(self, _value: f64) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_str<E>(self, _value: &str) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_unit<E>(self) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_none<E>(self) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Checked, A::Error> {
        while seq.next_element::<Checked>()?.is_some() {}
        Ok(Checked)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Checked, A::Error> {
        check_object(map).map(|_| Checked)
    }
}

/// The key `serde_json` reserves for raw values. With its `raw_value` feature (which the
/// workspace enables), a `Value` parse reads an object whose *first* key is this as the JSON
/// inside the one string it holds; since the full reader parses payloads as `Value`s, the
/// digest must read such objects the same way.
const RAW_VALUE_KEY: &str = "$serde_json::private::RawValue";

/// Whether an object whose first key is `key` is a raw value to `serde_json` (the key is the
/// reserved one, and this build has the feature: checked only when the key matches).
pub(super) fn is_raw_value_key(key: &str) -> bool {
    key == RAW_VALUE_KEY
        && serde_json::from_str::<serde_json::Value>(r#"{"$serde_json::private::RawValue":"0"}"#)
            .is_ok_and(|value| value == 0)
}

/// The rest of an object whose first key is the raw-value key: the `Value` its string holds,
/// exactly as `serde_json` reads it (a string, valid JSON, and nothing after it in the object).
pub(super) fn raw_value<'de, A: MapAccess<'de>>(
    map: &mut A,
) -> Result<serde_json::Value, A::Error> {
    let Key(text) = map.next_value::<Key<'de>>()?;
    let value = serde_json::from_str(&text).map_err(de::Error::custom)?;
    if map.next_key::<Checked>()?.is_some() {
        return Err(de::Error::custom("a raw value holds one entry"));
    }
    Ok(value)
}

/// The rest of an object, checked as a `Value` parse checks it; the raw value when the object
/// is one.
fn check_object<'de, A: MapAccess<'de>>(mut map: A) -> Result<Option<serde_json::Value>, A::Error> {
    let Some(first) = map.next_key::<Key<'de>>()? else {
        return Ok(None);
    };
    if is_raw_value_key(first.as_str()) {
        return raw_value(&mut map).map(Some);
    }
    map.next_value::<Checked>()?;
    while map.next_key::<Checked>()?.is_some() {
        map.next_value::<Checked>()?;
    }
    Ok(None)
}

/// A leaf value kept for reading, or a checked composite. Numbers are normalised as `Value`
/// normalises them (a non-negative `i64` is a `U64`), so the accessors agree with `Value`'s.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Scalar<'de> {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool,
    /// A non-negative integer.
    U64(u64),
    /// A negative integer.
    I64(i64),
    /// A number with a fraction or exponent, or an integer too large for 64 bits.
    F64,
    /// A string, borrowed from the line when it has no escapes.
    Str(Cow<'de, str>),
    /// An array or object (validated, not kept).
    Composite,
}

impl Scalar<'_> {
    /// A leaf of a `Value` (a raw value's contents).
    fn of_value(value: serde_json::Value) -> Scalar<'static> {
        use serde_json::Value;
        match value {
            Value::Null => Scalar::Null,
            Value::Bool(_) => Scalar::Bool,
            Value::Number(number) => match (number.as_u64(), number.as_i64()) {
                (Some(value), _) => Scalar::U64(value),
                (None, Some(value)) => Scalar::I64(value),
                (None, None) => Scalar::F64,
            },
            Value::String(text) => Scalar::Str(Cow::Owned(text)),
            Value::Array(_) | Value::Object(_) => Scalar::Composite,
        }
    }

    /// `Value::as_str`, owned.
    pub(super) fn into_string(self) -> Option<String> {
        match self {
            Scalar::Str(text) => Some(text.into_owned()),
            _ => None,
        }
    }

    /// `Value::as_i64`.
    pub(super) fn as_i64(&self) -> Option<i64> {
        match *self {
            Scalar::U64(value) => i64::try_from(value).ok(),
            Scalar::I64(value) => Some(value),
            _ => None,
        }
    }

    /// `Value::is_null`.
    pub(super) fn is_null(&self) -> bool {
        matches!(self, Scalar::Null)
    }
}

impl<'de> de::Deserialize<'de> for Scalar<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Scalar<'de>, D::Error> {
        deserializer.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar<'de>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _value: bool) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Bool)
    }

    fn visit_i64<E>(self, value: i64) -> Result<Scalar<'de>, E> {
        Ok(match u64::try_from(value) {
            Ok(value) => Scalar::U64(value),
            Err(_) => Scalar::I64(value),
        })
    }

    fn visit_u64<E>(self, value: u64) -> Result<Scalar<'de>, E> {
        Ok(Scalar::U64(value))
    }

    fn visit_f64<E>(self, _value: f64) -> Result<Scalar<'de>, E> {
        Ok(Scalar::F64)
    }

    fn visit_borrowed_str<E>(self, value: &'de str) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Str(Cow::Borrowed(value)))
    }

    fn visit_str<E>(self, value: &str) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Str(Cow::Owned(value.to_owned())))
    }

    fn visit_unit<E>(self) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Null)
    }

    fn visit_none<E>(self) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Scalar<'de>, A::Error> {
        CheckedVisitor.visit_seq(seq).map(|_| Scalar::Composite)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Scalar<'de>, A::Error> {
        Ok(check_object(map)?.map_or(Scalar::Composite, Scalar::of_value))
    }
}

/// An object key (or any string), borrowed when it has no escapes.
#[derive(Debug)]
pub(super) struct Key<'de>(pub(super) Cow<'de, str>);

impl Key<'_> {
    /// The key text.
    pub(super) fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Key<'de>, D::Error> {
        deserializer.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a string")
    }

    fn visit_borrowed_str<E>(self, value: &'de str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Borrowed(value)))
    }

    fn visit_str<E>(self, value: &str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Owned(value.to_owned())))
    }
}
