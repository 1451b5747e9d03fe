//! Commands run for the client rather than the model (protocol.md §3.2): `command/exec` with
//! `command/exec/write`, `/terminate`, `/resize`, and `thread/shellCommand` ([`shell`]).
//!
//! A `command/exec` belongs to the client that started it and is named by the client's
//! `processId` (or an internal id when the client gives none and wants no follow-ups). Each runs
//! in its own task that owns the child ([`process::Running`]) and answers, in one `select!`, the
//! follow-up requests sent to it over a bounded channel, the timeout, and the child's output and
//! exit; the `command/exec` response leaves once the child has exited and its output is drained,
//! after every `command/exec/outputDelta`, through the same client queue. The registry of
//! running commands ([`CommandExecs`]) is a std `Mutex` around a map rather than an actor: it is
//! only looked up, inserted into and removed from, never held across an `.await`.
//!
//! With `tty` the command runs on a pseudo-terminal of the requested `size` (24 × 80 by
//! default), in its own session, sandboxed as usual ([`crate::turn::tools::permissions::terminal_hook`]): `tty`
//! implies `streamStdin` and `streamStdoutStderr`, its output streams as `stdout`, and
//! `command/exec/resize` changes the terminal's size.
//!
//! Differences from the reference: the environment is the server's own plus the overrides
//! (no shell environment policy filtering), and buffered output is additionally bounded by
//! [`limits::BUFFERED_OUTPUT_BYTES_MAX`] even with `disableOutputCap`.

mod process;
pub(crate) mod shell;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use weft_exec::TerminalSize;
use weft_protocol::RpcError;
use weft_protocol::v2::{
    COMMAND_EMPTY, CommandExecOutputDeltaNotification, CommandExecOutputStream, CommandExecParams,
    CommandExecResizeParams, CommandExecResizeResponse, CommandExecResponse,
    CommandExecTerminateParams, CommandExecTerminateResponse, CommandExecWriteParams,
    CommandExecWriteResponse, OUTPUT_CAP_CONFLICT, PROCESS_ID_REQUIRED, SIZE_REQUIRES_TTY,
    SIZE_ZERO, STDIN_CLOSED, STDIN_NOT_STREAMING, SandboxPolicy, ServerNotification,
    TIMEOUT_CONFLICT,
};

use crate::clients::{ClientId, ClientSink, Reply};
use crate::core::Core;
use crate::turn::tools::permissions::sandbox_hook;
use crate::turn::tools::permissions::terminal_hook;
use process::{Chunk, Running, SpawnSpec, StdinError};

/// Bounds of client-run commands (style.md §7). Kept beside the code they bound because this
/// module is the only user; each says why it has its value.
pub(crate) mod limits {
    use std::time::Duration;

    /// `command/exec` timeout when the client sets none: the reference's
    /// `DEFAULT_EXEC_COMMAND_TIMEOUT_MS` (10 s).
    pub(crate) const COMMAND_EXEC_TIMEOUT_DEFAULT: Duration = Duration::from_secs(10);

    /// Per-stream capture cap when the client sets none: the reference's
    /// `DEFAULT_OUTPUT_BYTES_CAP` (1 MiB).
    pub(crate) const OUTPUT_BYTES_CAP_DEFAULT: usize = 1024 * 1024;

    /// Most bytes of one stream kept for the response, whatever the client asked
    /// (`disableOutputCap` included): the response is one JSON line held in memory, and 64 MiB
    /// per stream is far beyond anything a client renders. Streamed output is not buffered and
    /// not bounded by this.
    pub(crate) const BUFFERED_OUTPUT_BYTES_MAX: usize = 64 * 1024 * 1024;

    /// Output chunks queued from a child's pipe readers to its task. A full queue makes the
    /// readers (and so the child) wait: backpressure rather than buffering. 16 chunks of up to
    /// 64 KiB keep a flooding command busy while the task forwards.
    pub(crate) const OUTPUT_CHUNK_QUEUE_DEPTH: usize = 16;

    /// Follow-up requests (`write`, `terminate`, `resize`) queued for one running command. The
    /// task handles each in microseconds (a stdin write is itself bounded); past 32 the client
    /// is flooding one process and gets the overload error.
    pub(crate) const CONTROL_QUEUE_DEPTH: usize = 32;

    /// Commands one client may run at once. Each holds a child, two pipes and a task; 64 is far
    /// above what a UI runs side by side and keeps a runaway client from exhausting the host.
    pub(crate) const COMMAND_EXECS_PER_CLIENT_MAX: usize = 64;

    /// After the child exited (or was killed), how long to keep draining its pipes: a
    /// backgrounded grandchild can hold them open forever. The reference's
    /// `IO_DRAIN_TIMEOUT_MS` (2 s).
    pub(crate) const OUTPUT_DRAIN_WAIT: Duration = Duration::from_secs(2);

    /// `thread/shellCommand` timeout when the client sets none: the reference's one hour.
    pub(crate) const SHELL_COMMAND_TIMEOUT_DEFAULT: Duration = Duration::from_secs(60 * 60);
}

/// Exit code reported for a command killed by its timeout (the shell's `timeout` convention,
/// and the reference's `EXEC_TIMEOUT_EXIT_CODE`).
pub(crate) const TIMEOUT_EXIT_CODE: i32 = 124;

/// How a client names a running command.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum ProcessKey {
    /// The client's `processId`.
    Client(String),
    /// An internal id for a buffered command without one; never addressable by the client.
    Generated(u64),
}

/// A follow-up request for a running command, answered by its task.
enum Control {
    Write { bytes: Vec<u8>, close: bool },
    Terminate,
    Resize { size: TerminalSize },
}

struct ControlRequest {
    control: Control,
    answer: oneshot::Sender<Result<(), RpcError>>,
}

#[derive(Debug)]
struct Entry {
    controls: mpsc::Sender<ControlRequest>,
    /// Cancelled when the owning client disconnects: the task kills the group.
    kill: CancellationToken,
}

/// Every running `command/exec`, by owning client and process key.
#[derive(Debug, Default)]
pub(crate) struct CommandExecs {
    entries: Mutex<HashMap<(ClientId, ProcessKey), Entry>>,
    next_generated: AtomicU64,
}

impl CommandExecs {
    fn lock(&self) -> MutexGuard<'_, HashMap<(ClientId, ProcessKey), Entry>> {
        // No critical section here panics mid-update; a poisoned map is still consistent.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers a new command; refuses a duplicate id or one too many for the client.
    fn register(
        &self,
        client: ClientId,
        process_id: Option<&str>,
    ) -> Result<(ProcessKey, Registration), RpcError> {
        let key = match process_id {
            Some(id) => ProcessKey::Client(id.to_owned()),
            None => ProcessKey::Generated(self.next_generated.fetch_add(1, Ordering::Relaxed)),
        };
        let mut entries = self.lock();
        if entries.contains_key(&(client, key.clone())) {
            return Err(RpcError::command_exec_duplicate(process_id.unwrap_or("")));
        }
        let running = entries.keys().filter(|(owner, _)| *owner == client).count();
        if running >= limits::COMMAND_EXECS_PER_CLIENT_MAX {
            return Err(RpcError::invalid_request(format!(
                "too many running command/exec processes on this connection (at most {})",
                limits::COMMAND_EXECS_PER_CLIENT_MAX
            )));
        }
        let (controls, receiver) = mpsc::channel(limits::CONTROL_QUEUE_DEPTH);
        let kill = CancellationToken::new();
        entries.insert(
            (client, key.clone()),
            Entry {
                controls,
                kill: kill.clone(),
            },
        );
        Ok((
            key,
            Registration {
                controls: receiver,
                kill,
            },
        ))
    }

    fn remove(&self, client: ClientId, key: &ProcessKey) {
        self.lock().remove(&(client, key.clone()));
    }

    /// Ends every command of a client that is gone.
    fn end_client(&self, client: ClientId) {
        let mut entries = self.lock();
        entries.retain(|(owner, _), entry| {
            if *owner == client {
                entry.kill.cancel();
                false
            } else {
                true
            }
        });
    }

    /// Sends a follow-up to the client's command `process_id` and waits for its answer.
    async fn control(
        &self,
        client: ClientId,
        process_id: &str,
        control: Control,
    ) -> Result<(), RpcError> {
        let key = (client, ProcessKey::Client(process_id.to_owned()));
        let controls = self
            .lock()
            .get(&key)
            .map(|entry| entry.controls.clone())
            .ok_or_else(|| RpcError::command_exec_unknown(process_id))?;
        let (answer, answered) = oneshot::channel();
        controls
            .try_send(ControlRequest { control, answer })
            .map_err(|err| match err {
                mpsc::error::TrySendError::Full(_) => RpcError::overloaded(),
                mpsc::error::TrySendError::Closed(_) => RpcError::command_exec_ended(process_id),
            })?;
        answered
            .await
            .map_err(|_| RpcError::command_exec_ended(process_id))?
    }
}

/// The receiving half of a registration, owned by the command's task.
struct Registration {
    controls: mpsc::Receiver<ControlRequest>,
    kill: CancellationToken,
}

/// A validated `command/exec`, ready to spawn.
struct Plan {
    spec: SpawnSpec,
    sandbox: SandboxPolicy,
    sandbox_cwd: std::path::PathBuf,
    process_id: Option<String>,
    stream_stdin: bool,
    stream_output: bool,
    cap: Option<usize>,
    timeout: Option<Duration>,
}

/// Checks `command/exec` params in the reference's order; returns the timeout in ms, if set.
fn plan_checks(params: &CommandExecParams) -> Result<Option<u64>, RpcError> {
    if params.command.is_empty() {
        return Err(RpcError::invalid_request(COMMAND_EMPTY));
    }
    if params.size.is_some() && !params.tty {
        return Err(RpcError::invalid_params(SIZE_REQUIRES_TTY));
    }
    if params.disable_output_cap && params.output_bytes_cap.is_some() {
        return Err(RpcError::invalid_params(OUTPUT_CAP_CONFLICT));
    }
    if params.disable_timeout && params.timeout_ms.is_some() {
        return Err(RpcError::invalid_params(TIMEOUT_CONFLICT));
    }
    let timeout_ms = match params.timeout_ms {
        Some(ms) => {
            Some(u64::try_from(ms).map_err(|_| RpcError::command_exec_negative_timeout(ms))?)
        }
        None => None,
    };
    if params
        .size
        .is_some_and(|size| size.rows == 0 || size.cols == 0)
    {
        return Err(RpcError::invalid_params(SIZE_ZERO));
    }
    let streams = params.tty || params.stream_stdin || params.stream_stdout_stderr;
    if params.process_id.is_none() && streams {
        return Err(RpcError::invalid_request(PROCESS_ID_REQUIRED));
    }
    Ok(timeout_ms)
}

/// Validates `command/exec` params and resolves the defaults (cwd, sandbox, cap, timeout).
fn plan(params: CommandExecParams, core: &Core) -> Result<Plan, RpcError> {
    let timeout_ms = plan_checks(&params)?;
    let config = &core.services().config;
    let server_cwd = config.server_cwd.clone();
    let cwd = params
        .cwd
        .as_deref()
        .map_or_else(|| server_cwd.clone(), |cwd| config.absolute_cwd(cwd).into());
    let env = params
        .env
        .unwrap_or_default()
        .into_iter()
        .collect::<Vec<_>>();
    Ok(Plan {
        spec: SpawnSpec {
            argv: params.command,
            cwd,
            env,
            stdin: params.stream_stdin,
            tty: params.tty.then(|| {
                params
                    .size
                    .map_or_else(TerminalSize::default, |size| TerminalSize {
                        rows: size.rows,
                        cols: size.cols,
                    })
            }),
        },
        sandbox: params
            .sandbox_policy
            .unwrap_or_else(|| config.sandbox_policy_for(config.sandbox_mode)),
        sandbox_cwd: server_cwd,
        process_id: params.process_id,
        // `tty` implies both (the reference's rule).
        stream_stdin: params.tty || params.stream_stdin,
        stream_output: params.tty || params.stream_stdout_stderr,
        cap: (!params.disable_output_cap).then(|| {
            params
                .output_bytes_cap
                .unwrap_or(limits::OUTPUT_BYTES_CAP_DEFAULT)
        }),
        timeout: if params.disable_timeout {
            None
        } else {
            Some(timeout_ms.map_or(limits::COMMAND_EXEC_TIMEOUT_DEFAULT, Duration::from_millis))
        },
    })
}

impl Core {
    /// `command/exec`: validates, registers the command under the client, and answers from the
    /// command's task once it has exited (after its last `command/exec/outputDelta`).
    ///
    /// Errors (answered on `reply`): the reference's validation texts, `duplicate active
    /// command/exec process id`, `exec failed: sandbox unavailable: …`,
    /// `failed to spawn command: …`.
    pub fn command_exec(&self, sink: &ClientSink, params: CommandExecParams, reply: Reply) {
        let plan = match plan(params, self) {
            Ok(plan) => plan,
            Err(err) => return reply.send::<()>(Err(err)),
        };
        let execs = Arc::clone(self.shared());
        let client = sink.id();
        let (key, registration) = match execs
            .command_execs
            .register(client, plan.process_id.as_deref())
        {
            Ok(registered) => registered,
            Err(err) => return reply.send::<()>(Err(err)),
        };
        let sink = sink.clone();
        tokio::spawn(async move {
            let result = start_and_run(plan, &sink, registration).await;
            execs.command_execs.remove(client, &key);
            reply.send(result);
        });
    }

    /// `command/exec/write`: base64 bytes to stdin, and/or close it.
    ///
    /// # Errors
    /// `command/exec/write requires deltaBase64 or closeStdin`, `invalid deltaBase64: …`,
    /// `no active command/exec for process id "<id>"`, `stdin streaming is not enabled for this
    /// command/exec`, `stdin is already closed`.
    pub async fn command_exec_write(
        &self,
        client: ClientId,
        params: CommandExecWriteParams,
    ) -> Result<CommandExecWriteResponse, RpcError> {
        if params.delta_base64.is_none() && !params.close_stdin {
            return Err(RpcError::invalid_params(
                weft_protocol::v2::WRITE_NEEDS_INPUT,
            ));
        }
        let bytes = match &params.delta_base64 {
            Some(delta) => BASE64
                .decode(delta)
                .map_err(|err| RpcError::command_exec_bad_base64(&err.to_string()))?,
            None => Vec::new(),
        };
        let control = Control::Write {
            bytes,
            close: params.close_stdin,
        };
        self.shared()
            .command_execs
            .control(client, &params.process_id, control)
            .await?;
        Ok(CommandExecWriteResponse {})
    }

    /// `command/exec/terminate`: kills the command's process group; its `command/exec`
    /// response follows once it has exited.
    ///
    /// # Errors
    /// `no active command/exec for process id "<id>"`.
    pub async fn command_exec_terminate(
        &self,
        client: ClientId,
        params: CommandExecTerminateParams,
    ) -> Result<CommandExecTerminateResponse, RpcError> {
        self.shared()
            .command_execs
            .control(client, &params.process_id, Control::Terminate)
            .await?;
        Ok(CommandExecTerminateResponse {})
    }

    /// `command/exec/resize`: sets the terminal size of a running `tty` command.
    ///
    /// # Errors
    /// `command/exec size rows and cols must be greater than 0`, `no active command/exec for
    /// process id "<id>"`, `failed to resize PTY: process is not attached to a PTY` for a
    /// command without `tty`, `failed to resize PTY: <os error>`.
    pub async fn command_exec_resize(
        &self,
        client: ClientId,
        params: CommandExecResizeParams,
    ) -> Result<CommandExecResizeResponse, RpcError> {
        if params.size.rows == 0 || params.size.cols == 0 {
            return Err(RpcError::invalid_params(SIZE_ZERO));
        }
        let size = TerminalSize {
            rows: params.size.rows,
            cols: params.size.cols,
        };
        self.shared()
            .command_execs
            .control(client, &params.process_id, Control::Resize { size })
            .await?;
        Ok(CommandExecResizeResponse {})
    }

    /// Kills every `command/exec` of a client that disconnected (their responses go nowhere).
    pub(crate) fn end_command_execs(&self, client: ClientId) {
        self.shared().command_execs.end_client(client);
    }
}

/// Prepares the sandbox, spawns, and runs the command to its end.
async fn start_and_run(
    plan: Plan,
    sink: &ClientSink,
    registration: Registration,
) -> Result<CommandExecResponse, RpcError> {
    let hook = if plan.spec.tty.is_some() {
        terminal_hook(&plan.sandbox, &plan.sandbox_cwd, true)
            .await
            .map(Some)
    } else {
        sandbox_hook(&plan.sandbox, &plan.sandbox_cwd).await
    }
    .map_err(|err| RpcError::internal(format!("exec failed: {err}")))?;
    let (running, output) = Running::spawn(plan.spec, hook)
        .map_err(|err| RpcError::command_exec_spawn_failed(&err.to_string()))?;
    let outputs = Outputs {
        sink: sink.clone(),
        process_id: plan.process_id,
        stream: plan.stream_output,
        cap: plan.cap,
        stdout: StreamState::default(),
        stderr: StreamState::default(),
    };
    let run = Run {
        running,
        output,
        outputs,
        stream_stdin: plan.stream_stdin,
        deadline: plan.timeout.map(|timeout| Instant::now() + timeout),
        registration,
    };
    Ok(run.run_to_end().await)
}

/// Per-stream capture state.
#[derive(Debug, Default)]
struct StreamState {
    observed: usize,
    capped: bool,
    buffer: Vec<u8>,
}

/// Where a command's output goes: deltas to its client, or buffers for the response.
struct Outputs {
    sink: ClientSink,
    process_id: Option<String>,
    stream: bool,
    cap: Option<usize>,
    stdout: StreamState,
    stderr: StreamState,
}

impl Outputs {
    /// Applies the cap (the reference's: later output of a capped stream is dropped, and the
    /// chunk that reaches the cap says `capReached`), then streams or buffers.
    fn push(&mut self, chunk: &Chunk) {
        let state = match chunk.stream {
            CommandExecOutputStream::Stdout => &mut self.stdout,
            CommandExecOutputStream::Stderr => &mut self.stderr,
        };
        if state.capped {
            return;
        }
        let take = self.cap.map_or(chunk.bytes.len(), |cap| {
            cap.saturating_sub(state.observed).min(chunk.bytes.len())
        });
        state.observed += take;
        let cap_reached = self.cap == Some(state.observed);
        state.capped = cap_reached;
        let bytes = &chunk.bytes[..take];
        match (&self.process_id, self.stream) {
            (Some(process_id), true) => {
                self.sink
                    .notify(Arc::new(ServerNotification::CommandExecOutputDelta(
                        CommandExecOutputDeltaNotification {
                            process_id: process_id.clone(),
                            stream: chunk.stream,
                            delta_base64: BASE64.encode(bytes),
                            cap_reached,
                        },
                    )));
            }
            _ => {
                let room = limits::BUFFERED_OUTPUT_BYTES_MAX.saturating_sub(state.buffer.len());
                state
                    .buffer
                    .extend_from_slice(&bytes[..bytes.len().min(room)]);
            }
        }
    }

    fn finish(self, exit_code: i32) -> CommandExecResponse {
        CommandExecResponse {
            exit_code,
            stdout: String::from_utf8_lossy(&self.stdout.buffer).into_owned(),
            stderr: String::from_utf8_lossy(&self.stderr.buffer).into_owned(),
        }
    }
}

/// One command's task state.
struct Run {
    running: Running,
    output: mpsc::Receiver<Chunk>,
    outputs: Outputs,
    stream_stdin: bool,
    deadline: Option<Instant>,
    registration: Registration,
}

impl Run {
    /// Serves follow-ups, the timeout and the output until the child exits, then drains what
    /// is left of its output (bounded by `OUTPUT_DRAIN_WAIT`) and builds the response.
    async fn run_to_end(mut self) -> CommandExecResponse {
        let far = Instant::now() + Duration::from_secs(365 * 24 * 60 * 60);
        let timeout = tokio::time::sleep_until(self.deadline.unwrap_or(far));
        tokio::pin!(timeout);
        let (mut timed_out, mut killed, mut output_open, mut controls_open) =
            (false, false, true, true);
        let exit_code = loop {
            tokio::select! {
                biased;
                () = self.registration.kill.cancelled(), if !killed => {
                    killed = true;
                    self.running.kill_group();
                }
                request = self.registration.controls.recv(), if controls_open => match request {
                    Some(request) => {
                        let result = self.handle(request.control).await;
                        let _ = request.answer.send(result);
                    }
                    None => controls_open = false,
                },
                () = &mut timeout, if self.deadline.is_some() && !timed_out => {
                    timed_out = true;
                    self.running.kill_group();
                }
                chunk = self.output.recv(), if output_open => match chunk {
                    Some(chunk) => self.outputs.push(&chunk),
                    None => output_open = false,
                },
                code = self.running.wait() => {
                    break if timed_out { TIMEOUT_EXIT_CODE } else { code };
                }
            }
        };
        let drain = async {
            while let Some(chunk) = self.output.recv().await {
                self.outputs.push(&chunk);
            }
        };
        if tokio::time::timeout(limits::OUTPUT_DRAIN_WAIT, drain)
            .await
            .is_err()
        {
            tracing::debug!("command/exec output still open after exit; not waiting longer");
        }
        self.outputs.finish(exit_code)
    }

    async fn handle(&mut self, control: Control) -> Result<(), RpcError> {
        match control {
            Control::Write { bytes, close } => {
                if !self.stream_stdin {
                    return Err(RpcError::invalid_request(STDIN_NOT_STREAMING));
                }
                self.running
                    .write_stdin(&bytes, close)
                    .await
                    .map_err(|err| match err {
                        StdinError::Closed => RpcError::invalid_request(STDIN_CLOSED),
                        StdinError::Failed => {
                            RpcError::invalid_request("failed to write to command/exec stdin")
                        }
                    })
            }
            Control::Terminate => {
                self.running.kill_group();
                Ok(())
            }
            Control::Resize { size } => self
                .running
                .resize(size)
                .map_err(|why| RpcError::command_exec_resize_failed(&why)),
        }
    }
}

#[cfg(test)]
mod tests;
