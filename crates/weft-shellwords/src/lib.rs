//! weft-shellwords: the display string of a command (`commandExecution.command`) and the argv
//! behind it, quoted exactly as the reference quotes them. One home for the rules, used by the
//! rollout codec (weft-store) and the process engine (weft-exec).
//!
//! The rollout keeps a command as its argv (`["/bin/bash","-lc","echo hi"]`); the wire shows one
//! string (`/bin/bash -lc 'echo hi'`). The reference builds that string with `shlex::try_join`
//! (shlex 1.3), so [`shell_join`] quotes the same way: each word is cut into chunks, each chunk
//! written unquoted, in single quotes, or in double quotes with `\` before `$`, `` ` ``, `"` and
//! `\`, preferring them in that order; words are joined with one space. [`shell_split`] reads
//! any POSIX shell words back (unquoted text with `\` escapes, `'…'`, `"…"`).
//!
//! **Invariant:** `shell_split(&shell_join(argv)) == argv` for every argv whose words hold no
//! NUL character. A word with NUL cannot be passed to `execve`; the reference shows such a
//! command as `<command included NUL byte>`, and so does [`shell_join`] (that string does not
//! split back).

/// What the reference shows for an argv with a NUL character.
pub const NUL_COMMAND_DISPLAY: &str = "<command included NUL byte>";

/// The display string of an argv, quoted as the reference quotes it.
#[must_use]
pub fn shell_join(argv: &[String]) -> String {
    if argv.iter().any(|word| word.contains('\0')) {
        return NUL_COMMAND_DISPLAY.to_owned();
    }
    let mut out = String::new();
    for (index, word) in argv.iter().enumerate() {
        if index > 0 {
            out.push(' ');
        }
        quote_word(word, &mut out);
    }
    out
}

/// The words of a shell command line: whitespace separates words outside quotes, `'…'` is
/// literal, `"…"` honours `\` before `$`, `` ` ``, `"`, `\` and a newline, and an unquoted `\`
/// escapes the next character. Never fails: an unterminated quote runs to the end.
#[must_use]
pub fn shell_split(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                for quoted in chars.by_ref() {
                    if quoted == '\'' {
                        break;
                    }
                    word.push(quoted);
                }
            }
            '"' => {
                in_word = true;
                double_quoted(&mut chars, &mut word);
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some('\n') | None => {}
                    Some(escaped) => word.push(escaped),
                }
            }
            other => {
                in_word = true;
                word.push(other);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// The rest of a `"…"` chunk (its opening quote already read).
fn double_quoted(chars: &mut std::str::Chars<'_>, word: &mut String) {
    while let Some(c) = chars.next() {
        match c {
            '"' => return,
            '\\' => match chars.next() {
                Some(escaped @ ('$' | '`' | '"' | '\\')) => word.push(escaped),
                Some('\n') => {}
                Some(other) => {
                    word.push('\\');
                    word.push(other);
                }
                None => word.push('\\'),
            },
            other => word.push(other),
        }
    }
}

/// How a chunk of a word is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quoting {
    Unquoted,
    Single,
    Double,
}

const UNQUOTED_OK: u8 = 1;
const SINGLE_OK: u8 = 2;
const DOUBLE_OK: u8 = 4;

/// Appends one word, quoted.
fn quote_word(word: &str, out: &mut String) {
    if word.is_empty() {
        out.push_str("''");
        return;
    }
    let mut rest = word;
    while !rest.is_empty() {
        let (length, quoting) = chunk(rest);
        let (head, tail) = rest.split_at(length);
        match quoting {
            Quoting::Unquoted => out.push_str(head),
            Quoting::Single => {
                out.push('\'');
                out.push_str(head);
                out.push('\'');
            }
            Quoting::Double => {
                out.push('"');
                for c in head.chars() {
                    if matches!(c, '$' | '`' | '"' | '\\') {
                        out.push('\\');
                    }
                    out.push(c);
                }
                out.push('"');
            }
        }
        rest = tail;
    }
}

/// The longest prefix of `text` (non-empty) one quoting covers, and the best such quoting.
/// Cuts only at character boundaries: non-ASCII characters need quotes but fit in either kind.
fn chunk(text: &str) -> (usize, Quoting) {
    let bytes = text.as_bytes();
    let mut allowed = UNQUOTED_OK | SINGLE_OK | DOUBLE_OK;
    let mut index = 0;
    if bytes.first() == Some(&b'^') {
        // `^` only right after an opening single quote (a Bash quirk shlex works around).
        allowed = SINGLE_OK;
        index = 1;
    }
    while index < bytes.len() {
        let next = allowed & byte_allows(bytes[index]);
        if next == 0 {
            break;
        }
        allowed = next;
        index += 1;
    }
    let quoting = if allowed & UNQUOTED_OK != 0 {
        Quoting::Unquoted
    } else if allowed & SINGLE_OK != 0 {
        Quoting::Single
    } else {
        Quoting::Double
    };
    (index, quoting)
}

/// The quotings one byte can appear in.
fn byte_allows(byte: u8) -> u8 {
    if byte >= 0x80 {
        return SINGLE_OK | DOUBLE_OK;
    }
    let mut allowed = 0;
    if byte.is_ascii_alphanumeric() || b"+-./:@]_".contains(&byte) {
        allowed |= UNQUOTED_OK;
    }
    if !matches!(byte, b'\'' | b'^' | b'\\') {
        allowed |= SINGLE_OK;
    }
    if !matches!(byte, b'`' | b'$' | b'!' | b'^') {
        allowed |= DOUBLE_OK;
    }
    allowed
}

#[cfg(test)]
mod tests;
