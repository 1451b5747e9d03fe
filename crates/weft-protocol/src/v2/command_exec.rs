//! Commands run for the client rather than the model (protocol.md §3.2): `command/exec` and its
//! follow-ups `command/exec/write`, `/terminate`, `/resize`, the connection-scoped
//! `command/exec/outputDelta` notification, and `thread/shellCommand` (the user's own command
//! inside a thread).
//!
//! A running `command/exec` is named by a client-chosen `processId`, scoped to the connection
//! that started it; output travels base64-encoded because commands may print any bytes. The
//! error texts are the reference's (its `command_exec` module and request processor) and live
//! here as constants so the core and the tests cannot drift apart.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::errors::RpcError;
use crate::v2::common::SandboxPolicy;

/// `command/exec` params.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommandExecParams {
    /// Program and arguments; empty arrays are rejected.
    pub command: Vec<String>,
    /// Client-chosen, connection-scoped id; required for `tty`, streaming and follow-ups.
    #[serde(default)]
    pub process_id: Option<String>,
    /// PTY mode (implies both streaming flags). weft has no PTY yet and refuses it.
    #[serde(default)]
    pub tty: bool,
    /// Allow `command/exec/write` to feed stdin.
    #[serde(default)]
    pub stream_stdin: bool,
    /// Stream output as `command/exec/outputDelta` instead of buffering it in the response.
    #[serde(default)]
    pub stream_stdout_stderr: bool,
    /// Per-stream capture cap in bytes (server default when absent).
    #[serde(default)]
    pub output_bytes_cap: Option<usize>,
    /// No capture cap at all.
    #[serde(default)]
    pub disable_output_cap: bool,
    /// No timeout at all.
    #[serde(default)]
    pub disable_timeout: bool,
    /// Timeout in milliseconds (server default when absent).
    #[serde(default)]
    pub timeout_ms: Option<i64>,
    /// Working directory; relative paths resolve against the server's cwd.
    #[serde(default)]
    pub cwd: Option<String>,
    /// Environment overrides; `null` unsets an inherited variable.
    #[serde(default)]
    pub env: Option<BTreeMap<String, Option<String>>>,
    /// Initial PTY size; only valid with `tty`.
    #[serde(default)]
    pub size: Option<CommandExecTerminalSize>,
    /// Sandbox for this command; the configured sandbox mode when absent.
    #[serde(default)]
    pub sandbox_policy: Option<SandboxPolicy>,
}

/// PTY size in character cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CommandExecTerminalSize {
    /// Height.
    pub rows: u16,
    /// Width.
    pub cols: u16,
}

/// `command/exec` result, sent once the process has exited and every delta has been sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommandExecResponse {
    /// Exit code; 124 after a timeout, `128 + n` after death by signal `n`.
    pub exit_code: i32,
    /// Buffered stdout; empty when it was streamed.
    pub stdout: String,
    /// Buffered stderr; empty when it was streamed.
    pub stderr: String,
}

/// `command/exec/write` params: stdin bytes, closing stdin, or both.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommandExecWriteParams {
    /// The running command.
    pub process_id: String,
    /// Base64 bytes to write.
    #[serde(default)]
    pub delta_base64: Option<String>,
    /// Close stdin after the write.
    #[serde(default)]
    pub close_stdin: bool,
}

/// `command/exec/write` result: `{}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct CommandExecWriteResponse {}

/// `command/exec/terminate` params.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommandExecTerminateParams {
    /// The running command.
    pub process_id: String,
}

/// `command/exec/terminate` result: `{}`, sent once termination was requested; the command's
/// own `command/exec` response follows when it has exited.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct CommandExecTerminateResponse {}

/// `command/exec/resize` params.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommandExecResizeParams {
    /// The running command.
    pub process_id: String,
    /// New PTY size.
    pub size: CommandExecTerminalSize,
}

/// `command/exec/resize` result: `{}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct CommandExecResizeResponse {}

/// Which stream a `command/exec/outputDelta` chunk came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum CommandExecOutputStream {
    /// stdout stream. PTY mode multiplexes terminal output here.
    Stdout,
    /// stderr stream.
    Stderr,
}

/// `command/exec/outputDelta` params: one chunk of a streaming command's output, to the
/// connection that started it only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommandExecOutputDeltaNotification {
    /// The client's `processId`.
    pub process_id: String,
    /// Where the bytes came from.
    pub stream: CommandExecOutputStream,
    /// The bytes, base64.
    pub delta_base64: String,
    /// True on the last chunk of a stream whose later output the cap cut off.
    pub cap_reached: bool,
}

/// `thread/shellCommand` params.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThreadShellCommandParams {
    /// The thread.
    pub thread_id: String,
    /// A shell command string (pipes, redirects and quoting kept), run unsandboxed.
    pub command: String,
    /// Timeout in milliseconds; one hour when absent; zero times out at once.
    #[serde(default)]
    pub timeout_ms: Option<i64>,
}

/// `thread/shellCommand` result: `{}`, sent before the command runs.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct ThreadShellCommandResponse {}

/// `command must not be empty` (-32600), for `command/exec` and `thread/shellCommand`.
pub const COMMAND_EMPTY: &str = "command must not be empty";
/// `command/exec size requires tty: true` (-32602).
pub const SIZE_REQUIRES_TTY: &str = "command/exec size requires tty: true";
/// `command/exec cannot set both outputBytesCap and disableOutputCap` (-32602).
pub const OUTPUT_CAP_CONFLICT: &str =
    "command/exec cannot set both outputBytesCap and disableOutputCap";
/// `command/exec cannot set both timeoutMs and disableTimeout` (-32602).
pub const TIMEOUT_CONFLICT: &str = "command/exec cannot set both timeoutMs and disableTimeout";
/// `command/exec size rows and cols must be greater than 0` (-32602).
pub const SIZE_ZERO: &str = "command/exec size rows and cols must be greater than 0";
/// `command/exec tty or streaming requires a client-supplied processId` (-32600).
pub const PROCESS_ID_REQUIRED: &str =
    "command/exec tty or streaming requires a client-supplied processId";
/// `command/exec/write requires deltaBase64 or closeStdin` (-32602).
pub const WRITE_NEEDS_INPUT: &str = "command/exec/write requires deltaBase64 or closeStdin";
/// `stdin streaming is not enabled for this command/exec` (-32600).
pub const STDIN_NOT_STREAMING: &str = "stdin streaming is not enabled for this command/exec";
/// `stdin is already closed` (-32600).
pub const STDIN_CLOSED: &str = "stdin is already closed";
/// The reference's way of showing a process id in error texts: JSON-quoted.
fn quoted(process_id: &str) -> String {
    serde_json::to_string(process_id).unwrap_or_else(|_| format!("{process_id:?}"))
}

impl RpcError {
    /// `command/exec timeoutMs must be non-negative, got <n>` (-32602).
    #[must_use]
    pub fn command_exec_negative_timeout(timeout_ms: i64) -> Self {
        Self::invalid_params(format!(
            "command/exec timeoutMs must be non-negative, got {timeout_ms}"
        ))
    }

    /// `duplicate active command/exec process id: "<id>"` (-32600).
    #[must_use]
    pub fn command_exec_duplicate(process_id: &str) -> Self {
        Self::invalid_request(format!(
            "duplicate active command/exec process id: {}",
            quoted(process_id)
        ))
    }

    /// `no active command/exec for process id "<id>"` (-32600).
    #[must_use]
    pub fn command_exec_unknown(process_id: &str) -> Self {
        Self::invalid_request(format!(
            "no active command/exec for process id {}",
            quoted(process_id)
        ))
    }

    /// `command/exec "<id>" is no longer running` (-32600): the id was known but the command
    /// ended while the request was on its way.
    #[must_use]
    pub fn command_exec_ended(process_id: &str) -> Self {
        Self::invalid_request(format!(
            "command/exec {} is no longer running",
            quoted(process_id)
        ))
    }

    /// `invalid deltaBase64: <err>` (-32602).
    #[must_use]
    pub fn command_exec_bad_base64(err: &str) -> Self {
        Self::invalid_params(format!("invalid deltaBase64: {err}"))
    }

    /// `failed to resize PTY: <why>` (-32600); weft's `why` says there is no PTY.
    #[must_use]
    pub fn command_exec_resize_failed(why: &str) -> Self {
        Self::invalid_request(format!("failed to resize PTY: {why}"))
    }

    /// `failed to spawn command: <err>` (-32603).
    #[must_use]
    pub fn command_exec_spawn_failed(err: &str) -> Self {
        Self::internal(format!("failed to spawn command: {err}"))
    }
}
