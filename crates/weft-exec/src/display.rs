//! How a command is shown and how a script is run: shell quoting, the `commandExecution`
//! display string, and the argv for the user's shell.
//!
//! The display string is the argv joined shell-style exactly as the reference shows it
//! (`/bin/bash -lc 'echo hello-approval'`); the quoting rules live in weft-shellwords.

/// Shells whose `-c`/`-lc` behave alike; any other `$SHELL` falls back to `/bin/bash`.
const SUPPORTED_SHELLS: [&str; 3] = ["bash", "zsh", "sh"];

/// The shell used when the user's is missing or unsupported.
pub const FALLBACK_SHELL: &str = "/bin/bash";

/// The `commandExecution.command` string: `argv` quoted and joined as the reference does
/// (weft-shellwords, shared with the rollout codec so the two can never disagree).
pub fn display_command(argv: &[String]) -> String {
    weft_shellwords::shell_join(argv)
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
