//! `commandActions`: a modest summary of what a script does, for clients that show "Read
//! foo.rs" instead of a raw command line.
//!
//! Deliberately conservative: a script is recognised only when it is a single simple command
//! (no pipes, redirections, `&&`, `;`, substitutions, variables or globs) of a known shape —
//! `cat`/`head`/`tail`/`sed -n 'N,Mp'` on one file (read), `ls` (list), `rg`/`grep` (search).
//! Anything else is one `unknown` action carrying the command text. A wrong "read" would
//! mislead a user more than an honest "unknown".

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::display::display_command;

/// One parsed action of a command, as `commandExecution.commandActions` carries it.
///
/// Serialised with a `type` tag in camelCase, e.g. `{"type":"unknown","command":"echo hi"}`.
/// `read.path` is the path as written in the command; the reference sends it joined onto the
/// command's cwd, which [`resolve_read_paths`] does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum CommandAction {
    /// The command reads one file.
    Read {
        /// The command, shell-quoted.
        command: String,
        /// The file's name (last path component).
        name: String,
        /// The file's path.
        path: String,
    },
    /// The command lists files.
    ListFiles {
        /// The command, shell-quoted.
        command: String,
        /// The directory listed, if one was named.
        path: Option<String>,
    },
    /// The command searches file contents.
    Search {
        /// The command, shell-quoted.
        command: String,
        /// The pattern searched for.
        query: Option<String>,
        /// Where it searches, if named.
        path: Option<String>,
    },
    /// Anything not recognised.
    Unknown {
        /// The command (shell-quoted words, or the script as given when it is not a simple
        /// command).
        command: String,
    },
}

/// Summarises `script` (the text given to `sh -c`) as a list of actions; always at least one.
pub fn command_actions(script: &str) -> Vec<CommandAction> {
    let Some(words) = split_simple_command(script) else {
        return vec![CommandAction::Unknown {
            command: script.trim().to_owned(),
        }];
    };
    if words.is_empty() {
        return vec![CommandAction::Unknown {
            command: script.trim().to_owned(),
        }];
    }
    vec![classify(&words)]
}

/// Joins every relative `read` path onto `cwd`, as the reference reports them.
pub fn resolve_read_paths(actions: &mut [CommandAction], cwd: &Path) {
    for action in actions {
        if let CommandAction::Read { path, .. } = action {
            *path = cwd.join(&*path).to_string_lossy().into_owned();
        }
    }
}

fn classify(words: &[String]) -> CommandAction {
    let command = display_command(words);
    let args = &words[1..];
    let recognised = match words[0].as_str() {
        "cat" => read_target(args, &[]),
        "head" | "tail" => read_target(args, &["-n", "-c", "--lines", "--bytes"]),
        "sed" => sed_target(args),
        "ls" => {
            return match operands(args, &[]) {
                Some(found) if found.len() <= 1 => CommandAction::ListFiles {
                    command,
                    path: found.first().cloned(),
                },
                _ => CommandAction::Unknown { command },
            };
        }
        "rg" => return search(command, args, RG_VALUE_FLAGS, true),
        "grep" => return search(command, args, GREP_VALUE_FLAGS, false),
        _ => None,
    };
    match recognised {
        Some(path) => CommandAction::Read {
            command,
            name: file_name(&path),
            path,
        },
        None => CommandAction::Unknown { command },
    }
}

/// Flags of `rg` that take the next word as their value.
const RG_VALUE_FLAGS: &[&str] = &[
    "-e",
    "--regexp",
    "-f",
    "--file",
    "-g",
    "--glob",
    "--iglob",
    "-t",
    "--type",
    "-T",
    "--type-not",
    "-A",
    "-B",
    "-C",
    "--after-context",
    "--before-context",
    "--context",
    "-m",
    "--max-count",
    "-M",
    "--max-columns",
    "-d",
    "--max-depth",
    "-j",
    "--threads",
    "-E",
    "--encoding",
    "-r",
    "--replace",
    "--sort",
    "--sortr",
];

/// Flags of `grep` that take the next word as their value.
const GREP_VALUE_FLAGS: &[&str] = &[
    "-e",
    "--regexp",
    "-f",
    "--file",
    "-m",
    "--max-count",
    "-A",
    "-B",
    "-C",
    "-d",
    "-D",
];

fn file_name(path: &str) -> String {
    Path::new(path).file_name().map_or_else(
        || path.to_owned(),
        |name| name.to_string_lossy().into_owned(),
    )
}

/// Non-flag words of `args`; `value_flags` consume the following word. `None` when a value
/// flag has no value.
fn operands(args: &[String], value_flags: &[&str]) -> Option<Vec<String>> {
    let mut found = Vec::new();
    let mut words = args.iter();
    let mut only_operands = false;
    while let Some(word) = words.next() {
        if only_operands || word == "-" || !word.starts_with('-') {
            found.push(word.clone());
        } else if word == "--" {
            only_operands = true;
        } else if value_flags.contains(&word.as_str()) {
            words.next()?;
        }
    }
    Some(found)
}

/// The single file a `cat`/`head`/`tail` reads, with numeric values for `value_flags`.
fn read_target(args: &[String], value_flags: &[&str]) -> Option<String> {
    let mut words = args.iter();
    let mut files = Vec::new();
    while let Some(word) = words.next() {
        if value_flags.contains(&word.as_str()) {
            is_count(words.next()?).then_some(())?;
        } else if let Some(flag) = word.strip_prefix('-').filter(|flag| !flag.is_empty()) {
            // `-20`, `-n20`, `--lines=20`; nothing else is understood.
            let value = flag
                .strip_prefix("-lines=")
                .or_else(|| flag.strip_prefix("-bytes="))
                .or_else(|| flag.strip_prefix('n'))
                .or_else(|| flag.strip_prefix('c'))
                .unwrap_or(flag);
            (!value_flags.is_empty() && is_count(value)).then_some(())?;
        } else {
            files.push(word.clone());
        }
    }
    match files.as_slice() {
        [file] if file != "-" => Some(file.clone()),
        _ => None,
    }
}

fn is_count(value: &str) -> bool {
    let digits = value.strip_prefix('+').unwrap_or(value);
    !digits.is_empty() && digits.bytes().all(|byte| byte.is_ascii_digit())
}

/// `sed -n '<N>p' file`, `sed -n '<N>,<M>p' file` or `sed -n '<N>,$p' file`.
fn sed_target(args: &[String]) -> Option<String> {
    let [flag, script, file] = args else {
        return None;
    };
    let range = script.strip_suffix('p')?;
    let (first, last) = range.split_once(',').unwrap_or((range, "1"));
    let valid = flag == "-n"
        && is_count(first)
        && !first.starts_with('+')
        && (last == "$" || (is_count(last) && !last.starts_with('+')))
        && !file.starts_with('-');
    valid.then(|| file.clone())
}

fn search(command: String, args: &[String], value_flags: &[&str], is_rg: bool) -> CommandAction {
    let explicit_pattern = args
        .windows(2)
        .find(|pair| pair[0] == "-e" || pair[0] == "--regexp")
        .map(|pair| pair[1].clone());
    let Some(mut found) = operands(args, value_flags) else {
        return CommandAction::Unknown { command };
    };
    if is_rg && args.iter().any(|word| word == "--files") {
        return match found.len() {
            0 | 1 => CommandAction::ListFiles {
                command,
                path: found.pop(),
            },
            _ => CommandAction::Unknown { command },
        };
    }
    let query = match explicit_pattern {
        Some(pattern) => Some(pattern),
        None if found.is_empty() => return CommandAction::Unknown { command },
        None => Some(found.remove(0)),
    };
    match found.len() {
        0 | 1 => CommandAction::Search {
            command,
            query,
            path: found.pop(),
        },
        _ => CommandAction::Unknown { command },
    }
}

/// Splits a script into words if it is one simple command: no operators, redirections,
/// substitutions, expansions, globs or comments outside quotes; balanced quotes.
fn split_simple_command(script: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut current: Option<String> = None;
    let mut chars = script.trim().chars();
    while let Some(character) = chars.next() {
        match character {
            ' ' | '\t' => words.extend(current.take()),
            '\'' => {
                let word = current.get_or_insert_with(String::new);
                loop {
                    match chars.next()? {
                        '\'' => break,
                        inner => word.push(inner),
                    }
                }
            }
            '"' => {
                let word = current.get_or_insert_with(String::new);
                loop {
                    match chars.next()? {
                        '"' => break,
                        '$' | '`' => return None,
                        '\\' => match chars.next()? {
                            escaped @ ('"' | '\\') => word.push(escaped),
                            other => {
                                word.push('\\');
                                word.push(other);
                            }
                        },
                        inner => word.push(inner),
                    }
                }
            }
            '\\' => match chars.next()? {
                '\n' => return None,
                escaped => current.get_or_insert_with(String::new).push(escaped),
            },
            '#' if current.is_none() => return None,
            '|' | '&' | ';' | '<' | '>' | '(' | ')' | '$' | '`' | '\n' | '\r' | '*' | '?' | '['
            | '{' | '}' | '~' => return None,
            other => current.get_or_insert_with(String::new).push(other),
        }
    }
    words.extend(current);
    Some(words)
}
