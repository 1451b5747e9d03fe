//! weft-exec: processes for the model's commands (unified exec sessions, process groups,
//! bounded output).
//!
//! The core turns an `exec_command` call into an [`ExecRequest`] (argv from [`shell_argv`]) and
//! hands it to the thread's [`ProcessTable`] with a sandbox [`SpawnHook`], an optional delta
//! channel for `item/commandExecution/outputDelta` and the turn's cancellation token. The table
//! waits up to the yield time and returns an [`ExecOutcome`] whose
//! [`ExecOutcome::to_model_text`] is the tool output; a command still running stays in the
//! table for `write_stdin`. [`display_command`] and [`command_actions`] fill the
//! `commandExecution` item.
//!
//! Every command runs in its own process group (`process_group(0)`), so ending it
//! (interrupt, pruning, [`ProcessTable::terminate_all`]) ends its children too: SIGTERM, then
//! SIGKILL after [`limits::KILL_GRACE`]. A `tty` command runs on a pseudo-terminal instead
//! ([`spawn_on_pty`]): its own session, with the terminal as controlling terminal, so input may
//! carry control characters (Ctrl-C interrupts its foreground job) and interactive programs
//! work; ending it signals every process group of that session, and
//! [`ProcessTable::resize`] changes its window size. Output is kept head+tail within
//! [`limits::OUTPUT_BUFFER_BYTES_MAX`] whatever the command prints. This crate has no `unsafe`
//! and knows no other weft crate: sandboxing (and a terminal's session setup) arrives through
//! the hook, and a resize through a [`SetWindowSize`] function.

mod actions;
mod buffer;
mod display;
mod error;
pub mod limits;
mod outcome;
mod process;
mod pty;
mod table;
mod truncate;

pub use actions::{CommandAction, command_actions, resolve_read_paths};
pub use buffer::{HeadTailBuffer, Utf8Chunker, omitted_marker};
pub use display::{FALLBACK_SHELL, display_command, shell_argv};
pub use error::ExecError;
pub use outcome::{
    ExecOutcome, aborted_text, classic_exec_text, generate_chunk_id, unified_wrapper_text,
};
pub use process::{DeltaSender, SpawnHook, UNIFIED_EXEC_ENV};
pub use pty::{PtyMaster, SetWindowSize, TerminalSize, signal_session, spawn_on_pty};
pub use table::{END_OF_INPUT, ExecRequest, ProcessTable};
pub use truncate::{
    approx_token_count, approx_tokens_from_bytes, bytes_for_tokens, truncate_for_model,
    truncate_middle, truncation_marker,
};
