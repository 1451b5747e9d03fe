//! `thread/shellCommand`: the user's own command inside a thread (the TUI's `!cmd`).
//!
//! As in the reference, the request is acknowledged at once; the command then runs under the
//! user's shell (`<shell> -c <command>`, see [`USER_SHELL_LOGIN`]), unsandboxed, as a
//! `commandExecution` item with `source: "userShell"`: inside the running turn when there is
//! one, else as a standalone turn of its own (`turn/started`, the item, `turn/completed`). Its
//! result enters model history as the reference's `<user_shell_command>` user message. The
//! thread's actor owns the turn; this module validates the request and provides the runner the
//! actor spawns ([`run_user_shell`]), which reports through ordinary [`TurnEvent`]s.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use weft_exec::limits::OUTPUT_BUFFER_BYTES_MAX;
use weft_exec::{HeadTailBuffer, Utf8Chunker};
use weft_protocol::RpcError;
use weft_protocol::v2::{
    COMMAND_EMPTY, CommandExecOutputStream, ItemBody, ItemDeltaNotification, ServerNotification,
    ThreadItem, ThreadShellCommandParams,
};

use super::TIMEOUT_EXIT_CODE;
use super::limits::{OUTPUT_DRAIN_WAIT, SHELL_COMMAND_TIMEOUT_DEFAULT};
use super::process::{Running, SpawnSpec};
use crate::clients::Reply;
use crate::core::Core;
use crate::ids::{ThreadId, now_ms};
use crate::thread::Command;
use crate::turn::TurnEvent;
use crate::turn::context;

/// Whether the user's shell runs as a login shell. The reference passes `-lc`; weft passes
/// `-c`: a login shell sources the profile, and a command killed by its timeout, an interrupt or
/// a disconnect while the profile still runs can leave the profile's own state broken (seen
/// here: a stale `pyenv rehash` lock that then stalled every later login shell on the host).
/// The user's environment is inherited from the server either way.
pub(crate) const USER_SHELL_LOGIN: bool = false;

/// Output of a user shell command that was interrupted (the reference's text).
pub(crate) const ABORTED_TEXT: &str = "command aborted by user";

impl Core {
    /// `thread/shellCommand`: checks the request and hands it to the thread's actor, which
    /// answers `{}` at once and runs the command (see the module docs).
    ///
    /// Errors (answered on `reply`): `command must not be empty`, weft's negative-timeout text,
    /// `invalid thread id: …`, `thread not found: <id>` (the thread must be loaded).
    pub fn thread_shell_command(&self, params: ThreadShellCommandParams, reply: Reply) {
        let command = params.command.trim().to_owned();
        if command.is_empty() {
            return reply.send::<()>(Err(RpcError::invalid_request(COMMAND_EMPTY)));
        }
        let timeout = match params.timeout_ms {
            None => SHELL_COMMAND_TIMEOUT_DEFAULT,
            Some(ms) => match u64::try_from(ms) {
                Ok(ms) => Duration::from_millis(ms),
                Err(_) => {
                    return reply.send::<()>(Err(RpcError::invalid_params(format!(
                        "thread/shellCommand timeoutMs must be non-negative, got {ms}"
                    ))));
                }
            },
        };
        let id = match ThreadId::parse(&params.thread_id) {
            Ok(id) => id,
            Err(err) => return reply.send::<()>(Err(RpcError::invalid_thread_id(&err))),
        };
        let command = Command::UserShell {
            command,
            timeout,
            reply: reply.clone(),
        };
        self.send_to_thread(id, command, &reply);
    }
}

/// One user shell command to run, as the actor sets it up.
#[derive(Debug)]
pub(crate) struct UserShellRun {
    /// The user's command string, trimmed.
    pub command: String,
    /// The thread's cwd.
    pub cwd: PathBuf,
    /// Killed (exit code 124) after this long.
    pub timeout: Duration,
    /// The thread, for delta notifications.
    pub thread_id: String,
    /// The turn the item belongs to.
    pub turn_id: String,
    /// Fired by `turn/interrupt` (or shutdown): the group is killed, the item says aborted.
    pub cancel: CancellationToken,
}

/// How a user shell command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UserShellEnd {
    /// It exited (or timed out) and was reported.
    Finished,
    /// It was cancelled and reported as aborted.
    Cancelled,
}

/// Runs the command and reports it on `events`: `ItemStarted`, output `Delta`s,
/// `ItemCompleted` with the `<user_shell_command>` history message. Never fails: a command that
/// cannot start completes as `failed` with the error as its output, like the reference.
pub(crate) async fn run_user_shell(
    run: UserShellRun,
    events: mpsc::Sender<TurnEvent>,
) -> UserShellEnd {
    let argv = weft_exec::shell_argv(None, USER_SHELL_LOGIN, &run.command);
    let item_id = uuid::Uuid::new_v4().to_string();
    let started_ms = now_ms();
    let started_item = ThreadItem {
        body: ItemBody::CommandExecution {
            id: item_id.clone(),
            command: weft_store::item_codec::shell_join(&argv),
            cwd: run.cwd.display().to_string(),
            command_actions: crate::turn::tools::exec_actions_json(&run.command, &run.cwd),
            status: "inProgress".to_owned(),
            aggregated_output: None,
            exit_code: None,
            duration_ms: None,
            process_id: None,
            source: Some("userShell".to_owned()),
        },
        started_at_ms: Some(started_ms),
        completed_at_ms: None,
    };
    let _ = events
        .send(TurnEvent::ItemStarted(started_item.clone()))
        .await;
    let start = Instant::now();
    let spec = SpawnSpec {
        argv,
        cwd: run.cwd.clone(),
        env: Vec::new(),
        stdin: false,
        tty: None,
    };
    let (exit_code, output, end) = match Running::spawn(spec, None) {
        Ok((running, chunks)) => watch(running, chunks, &run, &item_id, &events).await,
        Err(err) => (
            -1,
            format!("execution error: {err}"),
            UserShellEnd::Finished,
        ),
    };
    let duration = start.elapsed();
    let record = history_record(&run.command, exit_code, duration, &output);
    let status = if exit_code == 0 {
        "completed"
    } else {
        "failed"
    };
    let mut body = started_item.body;
    if let ItemBody::CommandExecution {
        status: slot,
        aggregated_output,
        exit_code: code,
        duration_ms,
        ..
    } = &mut body
    {
        status.clone_into(slot);
        *aggregated_output = Some(output);
        *code = Some(exit_code);
        *duration_ms = Some(i64::try_from(duration.as_millis()).unwrap_or(i64::MAX));
    }
    let completed = ThreadItem {
        body,
        started_at_ms: Some(started_ms),
        completed_at_ms: Some(now_ms()),
    };
    let _ = events
        .send(TurnEvent::ItemCompleted {
            item: completed,
            response_item: Some(record),
        })
        .await;
    end
}

/// Waits for the command (forwarding output as deltas) until it exits, times out or is
/// cancelled; returns the exit code, the aggregated output and how it ended.
async fn watch(
    mut running: Running,
    mut chunks: mpsc::Receiver<super::process::Chunk>,
    run: &UserShellRun,
    item_id: &str,
    events: &mpsc::Sender<TurnEvent>,
) -> (i32, String, UserShellEnd) {
    let mut output = ShellOutput::new(run, item_id);
    let timeout = tokio::time::sleep(run.timeout);
    tokio::pin!(timeout);
    let (mut timed_out, mut cancelled, mut open) = (false, false, true);
    let exit_code = loop {
        tokio::select! {
            biased;
            () = run.cancel.cancelled(), if !cancelled => {
                cancelled = true;
                running.kill_group();
            }
            () = &mut timeout, if !timed_out => {
                timed_out = true;
                running.kill_group();
            }
            chunk = chunks.recv(), if open => match chunk {
                Some(chunk) => output.push(&chunk, events).await,
                None => open = false,
            },
            code = running.wait() => break code,
        }
    };
    let drain = async {
        while let Some(chunk) = chunks.recv().await {
            output.push(&chunk, events).await;
        }
    };
    let _bounded = tokio::time::timeout(OUTPUT_DRAIN_WAIT, drain).await;
    output.finish(events).await;
    if cancelled {
        return (-1, ABORTED_TEXT.to_owned(), UserShellEnd::Cancelled);
    }
    let code = if timed_out {
        TIMEOUT_EXIT_CODE
    } else {
        exit_code
    };
    (code, output.transcript.render(), UserShellEnd::Finished)
}

/// The aggregated transcript (head + tail, bounded) and the per-stream UTF-8 decoders that
/// turn raw chunks into `item/commandExecution/outputDelta` text.
struct ShellOutput {
    transcript: HeadTailBuffer,
    stdout: Utf8Chunker,
    stderr: Utf8Chunker,
    thread_id: String,
    turn_id: String,
    item_id: String,
    /// Bytes streamed as deltas so far.
    streamed: usize,
}

impl ShellOutput {
    fn new(run: &UserShellRun, item_id: &str) -> Self {
        Self {
            transcript: HeadTailBuffer::new(OUTPUT_BUFFER_BYTES_MAX),
            stdout: Utf8Chunker::default(),
            stderr: Utf8Chunker::default(),
            thread_id: run.thread_id.clone(),
            turn_id: run.turn_id.clone(),
            item_id: item_id.to_owned(),
            streamed: 0,
        }
    }

    async fn push(&mut self, chunk: &super::process::Chunk, events: &mpsc::Sender<TurnEvent>) {
        self.transcript.push(&chunk.bytes);
        let text = match chunk.stream {
            CommandExecOutputStream::Stdout => self.stdout.push(&chunk.bytes),
            CommandExecOutputStream::Stderr => self.stderr.push(&chunk.bytes),
        };
        self.delta(text, events).await;
    }

    async fn finish(&mut self, events: &mpsc::Sender<TurnEvent>) {
        let rest = self.stdout.finish() + &self.stderr.finish();
        self.delta(rest, events).await;
    }

    async fn delta(&mut self, text: String, events: &mpsc::Sender<TurnEvent>) {
        if text.is_empty() {
            return;
        }
        // As for the model's commands: stream at most COMMAND_DELTA_BYTES_MAX; the item's
        // aggregatedOutput keeps head and tail of everything.
        self.streamed = self.streamed.saturating_add(text.len());
        if self.streamed > crate::limits::COMMAND_DELTA_BYTES_MAX {
            return;
        }
        let notification = ServerNotification::CommandExecutionOutputDelta(ItemDeltaNotification {
            thread_id: self.thread_id.clone(),
            turn_id: self.turn_id.clone(),
            item_id: self.item_id.clone(),
            delta: text,
        });
        let _ = events.send(TurnEvent::Delta(Box::new(notification))).await;
    }
}

/// The reference's `<user_shell_command>` user message that puts the command and its result
/// in model history.
pub(crate) fn history_record(
    command: &str,
    exit_code: i32,
    duration: Duration,
    output: &str,
) -> Value {
    let text = format!(
        "<user_shell_command>\n<command>\n{command}\n</command>\n<result>\nExit code: \
         {exit_code}\nDuration: {:.4} seconds\nOutput:\n{output}\n</result>\n\
         </user_shell_command>",
        duration.as_secs_f64()
    );
    context::message("user", vec![context::input_text(&text)])
}
