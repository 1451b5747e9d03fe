//! Recognising an `apply_patch` invocation inside a command the model asked to run.
//!
//! With the fallback model configuration the reference offers no patch tool: the model runs
//! `apply_patch <<'EOF' … EOF` through `exec_command`, and the core intercepts it (core.md
//! §3.3). Recognition is deliberately conservative, as the reference's tree-sitter query is:
//! only the whole-script forms `apply_patch <<DELIM …` and `cd <dir> && apply_patch <<DELIM …`
//! (or `applypatch`), with nothing before or after, and the direct argv
//! `["apply_patch", "<patch>"]`. Anything else — pipes, `;`, a second command after the
//! heredoc, expansions in the `cd` argument — is not a patch invocation and runs as a normal
//! command. A script that *is* a bare patch body gets the reference's "explicit call" error.
//!
//! weft has no bash parser, so this module recognises exactly those forms with a small
//! hand-written scanner instead of a grammar.

use std::path::{Path, PathBuf};

use crate::parser::{ParseError, Patch, parse_patch};
use crate::plan::resolve_path;

/// Command names that invoke the patch tool.
const APPLY_PATCH_COMMANDS: [&str; 2] = ["apply_patch", "applypatch"];

/// Characters that end an unquoted shell word.
const WORD_END: &[char] = &[' ', '\t', '\n', '\r', ';', '&', '|', '<', '>', '(', ')'];

/// Characters that make an unquoted `cd` argument or heredoc delimiter more than a plain word
/// (expansion, quoting, globbing, comments); such scripts are left to the shell.
const WORD_SPECIAL: &[char] = &[
    '$', '`', '\\', '\'', '"', '~', '*', '?', '[', ']', '{', '}', '#',
];

/// A patch found in a command: its text, parsed form and the `cd` directory it runs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellPatch {
    /// The patch text as the model wrote it (heredoc body or argument), CRLF turned into LF.
    pub text: String,
    /// The parsed patch.
    pub patch: Patch,
    /// The directory of a leading `cd <dir> &&`, as written (relative to the command's cwd,
    /// or absolute).
    pub workdir: Option<PathBuf>,
}

impl ShellPatch {
    /// The directory the patch's relative paths resolve against, given the command's cwd
    /// (normalised like [`crate::resolve_path`]).
    #[must_use]
    pub fn effective_cwd(&self, cwd: &Path) -> PathBuf {
        resolve_path(cwd, self.workdir.as_deref().unwrap_or(Path::new("")))
    }
}

/// Why a command that is about a patch cannot be applied; the text goes back to the model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    /// The command is a bare patch body, without the `apply_patch` command.
    #[error(
        "patch detected without explicit call to apply_patch. Rerun as [\"apply_patch\", \"<patch>\"]"
    )]
    ImplicitInvocation,
    /// The command invokes `apply_patch`, but its patch does not parse.
    #[error(transparent)]
    Parse(#[from] ParseError),
}

/// Recognises a patch invocation in `argv`, the command the model asked to run (for
/// `exec_command`, `[shell, "-lc", cmd]`).
///
/// Returns `None` when the command is not a patch invocation (it should run normally),
/// `Some(Ok(_))` for a patch to plan and apply instead of running the command, and
/// `Some(Err(_))` for a patch invocation whose error goes back to the model.
#[must_use]
pub fn extract_from_argv(argv: &[String]) -> Option<Result<ShellPatch, ExtractError>> {
    let script = shell_script(argv);
    if let [body] = argv
        && parse_patch(body).is_ok()
    {
        return Some(Err(ExtractError::ImplicitInvocation));
    }
    if let Some(script) = script
        && parse_patch(script).is_ok()
    {
        return Some(Err(ExtractError::ImplicitInvocation));
    }
    if let [command, body] = argv
        && APPLY_PATCH_COMMANDS.contains(&command.as_str())
    {
        return Some(parse_shell_patch(body, None));
    }
    let (body, workdir) = extract_heredoc(script?)?;
    Some(parse_shell_patch(&body, workdir))
}

fn parse_shell_patch(body: &str, workdir: Option<String>) -> Result<ShellPatch, ExtractError> {
    let text = body.replace("\r\n", "\n");
    let patch = parse_patch(&text)?;
    Ok(ShellPatch {
        text,
        patch,
        workdir: workdir.map(PathBuf::from),
    })
}

/// The script of a `[shell, flag, script]` command (bash/zsh/sh `-c`/`-lc`, PowerShell
/// `-Command` with an optional `-NoProfile`, cmd `/c`), as the reference recognises them.
fn shell_script(argv: &[String]) -> Option<&str> {
    match argv {
        [shell, flag, script] if is_shell_flag(shell, flag) => Some(script),
        [shell, no_profile, flag, script]
            if is_powershell(shell)
                && no_profile.eq_ignore_ascii_case("-noprofile")
                && is_shell_flag(shell, flag) =>
        {
            Some(script)
        }
        _ => None,
    }
}

fn shell_name(shell: &str) -> Option<String> {
    Path::new(shell)
        .file_stem()?
        .to_str()
        .map(str::to_ascii_lowercase)
}

fn is_powershell(shell: &str) -> bool {
    shell_name(shell).is_some_and(|name| matches!(name.as_str(), "pwsh" | "powershell"))
}

fn is_shell_flag(shell: &str, flag: &str) -> bool {
    shell_name(shell).is_some_and(|name| match name.as_str() {
        "bash" | "zsh" | "sh" => matches!(flag, "-c" | "-lc"),
        "pwsh" | "powershell" => flag.eq_ignore_ascii_case("-command"),
        "cmd" => flag.eq_ignore_ascii_case("/c"),
        _ => false,
    })
}

/// The heredoc body and `cd` directory of `[cd <dir> &&] apply_patch <<DELIM\n…\nDELIM`, the
/// only statement of the script; `None` for any other script.
fn extract_heredoc(script: &str) -> Option<(String, Option<String>)> {
    let mut rest = script.trim_start();
    let mut workdir = None;
    if let Some(after_cd) = rest.strip_prefix("cd")
        && after_cd.starts_with([' ', '\t'])
    {
        let (dir, after_dir) = cd_argument(after_cd.trim_start_matches([' ', '\t']))?;
        rest = after_dir
            .trim_start_matches([' ', '\t'])
            .strip_prefix("&&")?
            .trim_start();
        workdir = Some(dir);
    }
    let after_command = APPLY_PATCH_COMMANDS
        .iter()
        .find_map(|command| rest.strip_prefix(command))
        .filter(|after| after.starts_with([' ', '\t', '<']))?;
    let after_operator = after_command
        .trim_start_matches([' ', '\t'])
        .strip_prefix("<<")?;
    // `<<-` strips tabs and `<<<` is a here-string: neither is the form models are taught.
    if after_operator.starts_with(['-', '<']) {
        return None;
    }
    let (delimiter, after_delimiter) =
        heredoc_delimiter(after_operator.trim_start_matches([' ', '\t']))?;
    let body_start = after_delimiter
        .trim_start_matches([' ', '\t', '\r'])
        .strip_prefix('\n')?;
    heredoc_body(body_start, &delimiter).map(|body| (body, workdir))
}

/// The body up to the line that is exactly `delimiter`, provided only whitespace follows it.
fn heredoc_body(text: &str, delimiter: &str) -> Option<String> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let content = line.strip_suffix('\n').unwrap_or(line);
        if content.strip_suffix('\r').unwrap_or(content) == delimiter {
            let tail = &text[offset + line.len()..];
            return tail
                .trim()
                .is_empty()
                .then(|| text[..offset].trim_end_matches(['\n', '\r']).to_owned());
        }
        offset += line.len();
    }
    None
}

/// The single argument of `cd`: a plain word, a single-quoted string, or a double-quoted
/// string without expansions. Returns the directory and the text after it.
fn cd_argument(text: &str) -> Option<(String, &str)> {
    if let Some((quoted, rest)) = quoted(text, '\'') {
        return Some((quoted.to_owned(), rest));
    }
    if let Some((quoted, rest)) = quoted(text, '"') {
        return (!quoted.contains(['$', '`', '\\'])).then(|| (quoted.to_owned(), rest));
    }
    plain_word(text).map(|(word, rest)| (word.to_owned(), rest))
}

/// The delimiter word of a heredoc (`EOF`, `'EOF'`, `"EOF"`) unquoted, and the text after it.
fn heredoc_delimiter(text: &str) -> Option<(String, &str)> {
    let (word, rest) = quoted(text, '\'')
        .or_else(|| quoted(text, '"'))
        .or_else(|| plain_word(text))?;
    (!word.is_empty() && !word.contains(['\n', '\r'])).then(|| (word.to_owned(), rest))
}

fn quoted(text: &str, quote: char) -> Option<(&str, &str)> {
    let inner = text.strip_prefix(quote)?;
    let end = inner.find(quote)?;
    let rest = &inner[end + quote.len_utf8()..];
    // `'foo'bar` is one word in the shell; leave such scripts alone.
    if !(rest.is_empty() || rest.starts_with(WORD_END)) {
        return None;
    }
    Some((&inner[..end], rest))
}

fn plain_word(text: &str) -> Option<(&str, &str)> {
    let end = text.find(WORD_END).unwrap_or(text.len());
    let word = &text[..end];
    (!word.is_empty() && !word.contains(WORD_SPECIAL)).then(|| (word, &text[end..]))
}
