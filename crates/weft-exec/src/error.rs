//! Why an `exec` or `write_stdin` call produced no outcome.
//!
//! Every variant is an operating error the model can act on, not a turn failure: its `Display`
//! text is what the model reads (the reference's texts where it has one, from its
//! `unified_exec::errors`), and [`ExecError::to_model_text`] gives the exact tool output.

use std::time::Duration;

use crate::outcome::aborted_text;

/// Errors of the process engine; texts are the reference's unless noted.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// The process could not be started (missing program or cwd, sandbox hook failure, …).
    #[error("Failed to create unified exec process: {message}")]
    CreateProcess {
        /// The OS or hook error, as text.
        message: String,
    },
    /// `write_stdin` named a session that does not exist (never did, exited and was
    /// reported, was pruned, or was terminated).
    #[error("Unknown process id {session_id}")]
    UnknownProcessId {
        /// The id the model sent.
        session_id: i32,
    },
    /// Writing into the child's stdin failed or did not finish within the write timeout.
    #[error("failed to write to stdin")]
    WriteToStdin,
    /// The child closed its stdin (or an earlier write ended it with Ctrl-D) but is still
    /// running. weft's text: the reference only keeps stdin open for `tty` sessions.
    #[error("stdin is closed for this session; the process no longer reads input")]
    StdinClosed,
    /// `argv` was empty.
    #[error("missing command line for unified exec request")]
    MissingCommandLine,
    /// `tty: true` was requested without a spawn hook that starts a terminal session, or the
    /// hook did not start one. A caller's mistake, not the model's: weft-core always passes
    /// weft-sandbox's terminal session setup for `tty` commands. weft's text.
    #[error("tty=true needs a spawn hook that starts a terminal session; the command was not run")]
    TtyWithoutSession,
    /// A resize named a command that runs on pipes. The reference's text (its PTY layer's).
    #[error("process is not attached to a PTY")]
    NotATerminal,
    /// Setting the terminal's window size failed.
    #[error("failed to resize PTY: {message}")]
    Resize {
        /// The OS error, as text.
        message: String,
    },
    /// The call's cancellation token fired (turn interrupt); the process group was ended.
    #[error("aborted by user")]
    Cancelled {
        /// Time spent in the call before it was cancelled.
        wall_time: Duration,
    },
}

impl ExecError {
    /// The tool output the model gets for this error: the aborted text (core.md §1.5) for
    /// [`ExecError::Cancelled`], the `Display` text otherwise.
    pub fn to_model_text(&self) -> String {
        match self {
            Self::Cancelled { wall_time } => aborted_text(*wall_time),
            other => other.to_string(),
        }
    }
}
