//! A small reader for the YAML subset SKILL.md front matter uses, because the workspace has no
//! YAML crate and one file's header does not justify adding one.
//!
//! It reads a block mapping of `key: value` lines, where a value is a plain scalar (which may
//! continue on more-indented lines), a single- or double-quoted scalar (which may span lines), a
//! block scalar (`|`, `>`, with chomping and indentation indicators), a nested block mapping or a
//! block or flow sequence (skipped, never interpreted). `#` comments and blank lines are
//! ignored. It rejects what serde_yaml would reject in these shapes (a `: ` inside a plain
//! scalar, an unclosed quote, a duplicate key, a line that is not `key: value`, tab
//! indentation) with its own wording, and does not interpret anchors, aliases or tags: those
//! stay part of the text.

/// A parsed value.
#[derive(Debug, PartialEq)]
pub(super) enum Yaml {
    /// Empty, `~` or `null`.
    Null,
    /// Any scalar, as text.
    Scalar(String),
    /// A block mapping.
    Mapping(Vec<(String, Yaml)>),
    /// A block or flow sequence, or a flow mapping: kept only as a kind, for type errors.
    Collection(&'static str),
}

/// A line and its 1-based number within the front matter.
type Line<'a> = (usize, &'a str);

/// The top-level mapping of a front matter block.
pub(super) fn parse(text: &str) -> Result<Vec<(String, Yaml)>, String> {
    let lines: Vec<Line<'_>> = text.lines().enumerate().map(|(i, l)| (i + 1, l)).collect();
    parse_mapping(&lines)
}

/// A top-level string field: `None` when absent or null.
pub(super) fn string_field(fields: &[(String, Yaml)], key: &str) -> Result<Option<String>, String> {
    match lookup(fields, key) {
        None | Some(Yaml::Null) => Ok(None),
        Some(Yaml::Scalar(text)) => Ok(Some(text.clone())),
        Some(Yaml::Mapping(_)) => Err(format!("{key}: invalid type: map, expected a string")),
        Some(Yaml::Collection(kind)) => {
            Err(format!("{key}: invalid type: {kind}, expected a string"))
        }
    }
}

/// `metadata.short-description`: `None` when either is absent or null.
pub(super) fn short_description(fields: &[(String, Yaml)]) -> Result<Option<String>, String> {
    match lookup(fields, "metadata") {
        None | Some(Yaml::Null) | Some(Yaml::Collection("flow map")) => Ok(None),
        Some(Yaml::Mapping(entries)) => {
            string_field(entries, "short-description").map_err(|err| format!("metadata.{err}"))
        }
        Some(Yaml::Scalar(_)) => Err("metadata: invalid type: string, expected a map".into()),
        Some(Yaml::Collection(kind)) => {
            Err(format!("metadata: invalid type: {kind}, expected a map"))
        }
    }
}

fn lookup<'a>(fields: &'a [(String, Yaml)], key: &str) -> Option<&'a Yaml> {
    fields
        .iter()
        .find(|(name, _)| name == key)
        .map(|(_, value)| value)
}

fn is_blank_or_comment(line: &str) -> bool {
    let trimmed = line.trim();
    trimmed.is_empty() || trimmed.starts_with('#')
}

fn is_sequence_item(line: &str) -> bool {
    line == "-" || line.starts_with("- ") || line.starts_with("-\t")
}

fn parse_mapping(lines: &[Line<'_>]) -> Result<Vec<(String, Yaml)>, String> {
    let mut entries: Vec<(String, Yaml)> = Vec::new();
    let mut index = 0;
    while index < lines.len() {
        let (number, line) = lines[index];
        index += 1;
        if is_blank_or_comment(line) {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            return Err(format!("unexpected indentation at line {number}"));
        }
        let (key, rest) =
            split_key(line).ok_or_else(|| format!("expected `key: value` at line {number}"))?;
        let opens_block = strip_comment(rest).trim().is_empty();
        let start = index;
        while index < lines.len() {
            let next = lines[index].1;
            let continues = next.trim().is_empty()
                || next.starts_with([' ', '\t'])
                || (opens_block && is_sequence_item(next));
            if !continues {
                break;
            }
            index += 1;
        }
        let value = parse_value(rest, &lines[start..index], number)?;
        if entries.iter().any(|(existing, _)| *existing == key) {
            return Err(format!(
                "duplicate entry with key \"{key}\" at line {number}"
            ));
        }
        entries.push((key, value));
    }
    Ok(entries)
}

/// `key` and the text after `key:`; the colon must end the line or precede a space or tab.
fn split_key(line: &str) -> Option<(String, &str)> {
    let bytes = line.as_bytes();
    let colon = line.char_indices().find_map(|(at, c)| {
        let ends_key = c == ':' && matches!(bytes.get(at + 1), None | Some(b' ' | b'\t'));
        ends_key.then_some(at)
    })?;
    let key = line[..colon].trim_end();
    if key.is_empty() || is_sequence_item(key) {
        return None;
    }
    let unquoted = key
        .strip_prefix('"')
        .and_then(|k| k.strip_suffix('"'))
        .or_else(|| key.strip_prefix('\'').and_then(|k| k.strip_suffix('\'')))
        .unwrap_or(key);
    Some((unquoted.to_owned(), &line[colon + 1..]))
}

fn parse_value(rest: &str, block: &[Line<'_>], number: usize) -> Result<Yaml, String> {
    let head = rest.trim();
    if strip_comment(head).trim().is_empty() {
        return parse_nested(block);
    }
    if let Some(indicator) = head.strip_prefix(['|', '>']) {
        return block_scalar(head.starts_with('>'), indicator, block, number);
    }
    if head.starts_with(['"', '\'']) {
        let joined = std::iter::once(head)
            .chain(block.iter().map(|(_, line)| line.trim()))
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        return quoted(&joined, number).map(Yaml::Scalar);
    }
    if head.starts_with('[') {
        return Ok(Yaml::Collection("sequence"));
    }
    if head.starts_with('{') {
        return Ok(Yaml::Collection("flow map"));
    }
    if is_sequence_item(head) {
        return Err(format!(
            "block sequence entries are not allowed in this context at line {number}"
        ));
    }
    if head.starts_with(['@', '`']) {
        return Err(format!(
            "found character that cannot start any token at line {number}"
        ));
    }
    plain(head, block, number)
}

fn parse_nested(block: &[Line<'_>]) -> Result<Yaml, String> {
    let Some((_, first)) = block.iter().find(|(_, line)| !is_blank_or_comment(line)) else {
        return Ok(Yaml::Null);
    };
    if is_sequence_item(first.trim_start()) {
        return Ok(Yaml::Collection("sequence"));
    }
    parse_mapping(&dedent(block)?).map(Yaml::Mapping)
}

/// `|` keeps line breaks, `>` folds them into spaces (either way the caller collapses
/// whitespace); the header may only hold chomping/indentation indicators and a comment.
fn block_scalar(
    folded: bool,
    indicator: &str,
    block: &[Line<'_>],
    number: usize,
) -> Result<Yaml, String> {
    let header = strip_comment(indicator).trim();
    if !header.chars().all(|c| matches!(c, '+' | '-' | '0'..='9')) {
        return Err(format!("invalid block scalar header at line {number}"));
    }
    let lines = dedent(block)?;
    let separator = if folded { " " } else { "\n" };
    let text = lines
        .iter()
        .map(|(_, line)| *line)
        .collect::<Vec<_>>()
        .join(separator);
    Ok(Yaml::Scalar(text.trim_end().to_owned()))
}

/// A plain scalar and its continuation lines, folded into one line.
fn plain(head: &str, block: &[Line<'_>], number: usize) -> Result<Yaml, String> {
    let mut parts = vec![strip_comment(head).trim()];
    for (_, line) in block {
        let line = line.trim();
        if line.starts_with('#') {
            break;
        }
        if !line.is_empty() {
            parts.push(strip_comment(line).trim());
        }
    }
    let text = parts.join(" ");
    if text.contains(": ") || text.contains(":\t") || text.ends_with(':') {
        return Err(format!(
            "mapping values are not allowed in this context at line {number}"
        ));
    }
    Ok(match text.as_str() {
        "~" | "null" | "Null" | "NULL" => Yaml::Null,
        _ => Yaml::Scalar(text),
    })
}

/// A quoted scalar (`text` starts with its quote) and nothing but a comment after it.
fn quoted(text: &str, number: usize) -> Result<String, String> {
    let mut chars = text.chars();
    let quote = chars.next().unwrap_or('"');
    let mut value = String::new();
    loop {
        let Some(c) = chars.next() else {
            return Err(format!("unterminated quoted scalar at line {number}"));
        };
        match (quote, c) {
            ('\'', '\'') if chars.clone().next() == Some('\'') => {
                chars.next();
                value.push('\'');
            }
            ('"', '\\') => value.push(unescape(&mut chars, number)?),
            _ if c == quote => break,
            _ => value.push(c),
        }
    }
    let after = chars.as_str().trim();
    if !after.is_empty() && !after.starts_with('#') {
        return Err(format!(
            "did not find expected key after a quoted scalar at line {number}"
        ));
    }
    Ok(value)
}

fn unescape(chars: &mut std::str::Chars<'_>, number: usize) -> Result<char, String> {
    let invalid = || format!("found unknown escape character at line {number}");
    let hex = |chars: &mut std::str::Chars<'_>, digits: usize| {
        let code: String = chars.take(digits).collect();
        u32::from_str_radix(&code, 16)
            .ok()
            .filter(|_| code.len() == digits)
            .and_then(char::from_u32)
            .ok_or_else(invalid)
    };
    Ok(match chars.next().ok_or_else(invalid)? {
        'n' => '\n',
        't' | '\t' => '\t',
        'r' => '\r',
        '0' => '\0',
        ' ' => ' ',
        '"' => '"',
        '/' => '/',
        '\\' => '\\',
        'x' => hex(chars, 2)?,
        'u' => hex(chars, 4)?,
        'U' => hex(chars, 8)?,
        _ => return Err(invalid()),
    })
}

/// Lines with their common indentation (spaces) removed; tabs may not indent.
fn dedent<'a>(block: &[Line<'a>]) -> Result<Vec<Line<'a>>, String> {
    let indent = block
        .iter()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(_, line)| line.len() - line.trim_start_matches(' ').len())
        .min()
        .unwrap_or(0);
    block
        .iter()
        .map(|&(number, line)| {
            if line.trim().is_empty() {
                return Ok((number, ""));
            }
            if line[..line.len() - line.trim_start().len()].contains('\t') {
                return Err(format!(
                    "found a tab character where indentation is expected at line {number}"
                ));
            }
            Ok((number, &line[indent..]))
        })
        .collect()
}

/// Text before a `#` that starts a comment (at the start or after whitespace).
fn strip_comment(text: &str) -> &str {
    let bytes = text.as_bytes();
    let start = text.char_indices().find_map(|(at, c)| {
        let starts = c == '#' && (at == 0 || matches!(bytes[at - 1], b' ' | b'\t'));
        starts.then_some(at)
    });
    start.map_or(text, |at| &text[..at])
}

#[cfg(test)]
mod tests {
    use super::{Yaml, parse, short_description, string_field};

    fn field(text: &str, key: &str) -> Result<Option<String>, String> {
        string_field(&parse(text)?, key)
    }

    #[test]
    fn reads_the_shapes_skill_files_use() {
        let text = "name: demo # a comment\ndescription: |-\n  does things\n  carefully\n\
                    metadata:\n  short-description: 'it''s short'\n\
                    allowed-tools:\n- bash\n- git\nlicense: \"MIT \\u00e9\"\n";
        let fields = parse(text).unwrap();
        assert_eq!(field(text, "name").unwrap().as_deref(), Some("demo"));
        assert_eq!(
            field(text, "description").unwrap().as_deref(),
            Some("does things\ncarefully")
        );
        assert_eq!(
            short_description(&fields).unwrap().as_deref(),
            Some("it's short")
        );
        assert_eq!(field(text, "license").unwrap().as_deref(), Some("MIT é"));
        assert!(matches!(
            fields.iter().find(|(k, _)| k == "allowed-tools"),
            Some((_, Yaml::Collection("sequence")))
        ));
    }

    #[test]
    fn folds_plain_and_quoted_continuations() {
        let text = "description: first line\n  second line\nname: \"a\n  b\"\n";
        assert_eq!(
            field(text, "description").unwrap().as_deref(),
            Some("first line second line")
        );
        assert_eq!(field(text, "name").unwrap().as_deref(), Some("a b"));
        assert_eq!(field("name: ~\n", "name").unwrap(), None);
    }

    #[test]
    fn rejects_what_yaml_rejects() {
        for (text, expected) in [
            (
                "description: use when: asked\n",
                "mapping values are not allowed",
            ),
            ("name: 'open\n", "unterminated quoted scalar"),
            ("name: a\nname: b\n", "duplicate entry with key \"name\""),
            ("just text\n", "expected `key: value` at line 1"),
            ("name: \"x\" y\n", "did not find expected key"),
            ("metadata:\n\tshort-description: x\n", "tab character"),
            ("description: |x\n  text\n", "invalid block scalar header"),
        ] {
            let err = parse(text).unwrap_err();
            assert!(err.contains(expected), "{text:?}: {err}");
        }
        assert!(
            field("name: [a, b]\n", "name")
                .unwrap_err()
                .contains("invalid type")
        );
    }
}
