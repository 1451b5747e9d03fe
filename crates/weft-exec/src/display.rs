//! How a command is shown and how a script is run: shell quoting, the `commandExecution`
//! display string, and the argv for the user's shell.
//!
//! The display string is the argv joined shell-style, as the reference shows it
//! (`/bin/bash -lc 'echo hello-approval'`): words that need no quoting stay bare, others are
//! single-quoted, and a word containing a single quote is double-quoted when that is safe.

/// Shells whose `-c`/`-lc` behave alike; any other `$SHELL` falls back to `/bin/bash`.
const SUPPORTED_SHELLS: [&str; 3] = ["bash", "zsh", "sh"];

/// The shell used when the user's is missing or unsupported.
pub const FALLBACK_SHELL: &str = "/bin/bash";

/// Quotes one word for a POSIX shell so that it reads back as exactly `word`.
pub fn shell_quote(word: &str) -> String {
    if word.is_empty() {
        return "''".to_owned();
    }
    if word.chars().all(is_unquoted_safe) {
        return word.to_owned();
    }
    if !word.contains('\'') {
        return format!("'{word}'");
    }
    if !word.contains(['"', '\\', '$', '`', '!']) {
        return format!("\"{word}\"");
    }
    format!("'{}'", word.replace('\'', r#"'"'"'"#))
}

fn is_unquoted_safe(character: char) -> bool {
    character.is_ascii_alphanumeric() || "%+,-./:=@_".contains(character)
}

/// The `commandExecution.command` string: `argv` shell-quoted and joined with spaces.
pub fn display_command(argv: &[String]) -> String {
    argv.iter()
        .map(|word| shell_quote(word))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The argv that runs `script` in the user's shell: `[shell, "-lc" | "-c", script]`.
///
/// `shell` is the model's `shell` argument or, when `None`, the user's `$SHELL`; it is used
/// when its file name is `bash`, `zsh` or `sh`, otherwise [`FALLBACK_SHELL`] is.
pub fn shell_argv(shell: Option<&str>, login: bool, script: &str) -> Vec<String> {
    let from_env = std::env::var("SHELL").ok();
    let requested = shell.or(from_env.as_deref());
    let program = requested
        .filter(|path| {
            let name = path.rsplit('/').next().unwrap_or(path);
            SUPPORTED_SHELLS.contains(&name)
        })
        .unwrap_or(FALLBACK_SHELL);
    let flag = if login { "-lc" } else { "-c" };
    vec![program.to_owned(), flag.to_owned(), script.to_owned()]
}
