//! A `config.toml` weft cannot use, described the way the reference describes it (lifecycle.md
//! R13): `<path>:<line>:<col>: <message>`, the file's path and the range of the offending
//! value, so that clients can point at it. The server then runs on its defaults.
//!
//! Where the problem is comes from the TOML parser (syntax) or from a typed parse of the file's
//! own text (a bad value), since the merged table weft resolves has lost its spans.

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use weft_core::config::InvalidConfig;
use weft_model::ProviderConfig;
use weft_protocol::v2::{TextPosition, TextRange};

/// What went wrong, for the wire and for weft's own log line.
pub(crate) struct Problem {
    /// The warning's details, path and range.
    pub(crate) invalid: InvalidConfig,
    /// The dotted key whose value is at fault, when known.
    pub(crate) key: Option<String>,
}

/// The provider tables, typed: `ConfigFile` keeps them as raw tables (each is checked when its
/// client is built), so a bad value in one is only found with its place by parsing them again.
#[derive(Deserialize)]
struct ProviderTables {
    #[serde(default)]
    #[allow(dead_code, reason = "parsed for its errors only")]
    model_providers: HashMap<String, ProviderConfig>,
}

/// A TOML syntax or type error in `text` (the contents of `path`).
pub(crate) fn from_toml(path: &Path, text: &str, err: &toml::de::Error) -> Problem {
    let span = err.span();
    let range = span
        .clone()
        .map_or_else(start_of_file, |span| text_range(text, span));
    Problem {
        invalid: InvalidConfig {
            details: format!(
                "{}:{}:{}: {}",
                path.display(),
                range.start.line,
                range.start.column,
                err.message()
            ),
            path: Some(path.display().to_string()),
            range: Some(range),
        },
        key: span.and_then(|span| key_at(text, span.start)),
    }
}

/// The file parsed but resolving it failed with `err`: finds the first bad value in the file's
/// own text; when there is none (an undefined provider, an unreadable instructions file, a bad
/// `-c` value) the problem has no place and its details are the error itself.
pub(crate) fn locate<T: serde::de::DeserializeOwned>(
    path: &Path,
    text: &str,
    err: &anyhow::Error,
) -> Problem {
    let typed = toml::from_str::<T>(text)
        .err()
        .or_else(|| toml::from_str::<ProviderTables>(text).err());
    match typed {
        Some(typed) => from_toml(path, text, &typed),
        None => Problem {
            invalid: InvalidConfig {
                details: format!("{err:#}"),
                path: None,
                range: None,
            },
            key: None,
        },
    }
}

fn start_of_file() -> TextRange {
    let start = TextPosition { line: 1, column: 1 };
    TextRange { start, end: start }
}

/// The 1-based range of the bytes `span` in `text`, both ends inclusive, columns in characters.
fn text_range(text: &str, span: Range<usize>) -> TextRange {
    let last = if span.end > span.start {
        span.end - 1
    } else {
        span.start
    };
    TextRange {
        start: position(text, span.start),
        end: position(text, last),
    }
}

/// The 1-based line and column of byte `offset` (clamped into `text`; at or past its end, the
/// column runs on past the last character).
fn position(text: &str, offset: usize) -> TextPosition {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    TextPosition {
        line: before.matches('\n').count() + 1,
        column: before[line_start..].chars().count() + 1,
    }
}

/// The dotted key whose value holds byte `offset`, the deepest one that does.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let document = toml::de::DeTable::parse(text).ok()?;
    let keys = keys_at(document.get_ref(), offset)?;
    Some(keys.join("."))
}

/// The key path to byte `offset` in `table`. A table's own span may cover only its header, so
/// tables are searched whatever their span.
fn keys_at(table: &toml::de::DeTable<'_>, offset: usize) -> Option<Vec<String>> {
    table.iter().find_map(|(key, value)| {
        let inner = match value.get_ref() {
            toml::de::DeValue::Table(inner) => keys_at(inner, offset),
            _ => None,
        };
        let mut keys = match inner {
            Some(keys) => keys,
            None if value.span().contains(&offset) => Vec::new(),
            None => return None,
        };
        keys.insert(0, key.get_ref().to_string());
        Some(keys)
    })
}

#[cfg(test)]
mod tests;
