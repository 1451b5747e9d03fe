//! One running command: spawning it in its own process group (or, on a pseudo-terminal, its
//! own session), capturing its output, waiting for it, writing to it, and ending its whole
//! group (or session).
//!
//! Shape: the child's stdout and stderr are the *same* pipe (two descriptors for one write
//! end), so the kernel orders their bytes exactly as the command wrote them, the way a terminal
//! would; on a pseudo-terminal they are the terminal itself and the master is read instead. One
//! reader task drains that output into the process's buffers and forwards deltas. A
//! waiter task owns the `Child`, reaps it and records the exit code. Everything else talks to
//! the shared [`Process`] through short `std::sync::Mutex` sections (never held across an
//! `.await`) and two cancellation tokens used as one-shot events (`exited`, `output_closed`).
//! Only the input uses an async lock, because a write into a full pipe or terminal must wait
//! (bounded by `STDIN_WRITE_TIMEOUT`) and two writes must not interleave.

use std::io;
use std::os::fd::OwnedFd;
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use nix::errno::Errno;
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::unix::pipe;
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until, timeout};
use tokio_util::sync::CancellationToken;

use crate::buffer::{HeadTailBuffer, Utf8Chunker};
use crate::error::ExecError;
use crate::limits::{
    KILL_GRACE, KILL_REAP_WAIT, OUTPUT_BUFFER_BYTES_MAX, POST_EXIT_DRAIN_MAX, READ_CHUNK_BYTES,
    STDIN_WRITE_TIMEOUT,
};
use crate::pty::{
    NoTerminalSession, PtyMaster, SetWindowSize, TerminalSize, signal_session, spawn_on_pty,
};
use crate::table::END_OF_INPUT;

/// The hook the caller passes to sandbox a command: called on the fully built command just
/// before spawn (weft-core installs the Landlock/seccomp `pre_exec` from weft-sandbox here).
/// For a command on a pseudo-terminal it must also make the child the leader of a new session
/// with stdin as controlling terminal (weft-sandbox's `install_child` with
/// `Session::ControllingTerminal` does both in one `pre_exec`); see [`spawn_on_pty`].
/// An error aborts the spawn and reaches the model as `Failed to create unified exec process`.
pub type SpawnHook = Box<dyn FnOnce(&mut Command) -> io::Result<()> + Send>;

/// Live output deltas: each string is a piece of the output, never splitting a character.
pub type DeltaSender = mpsc::Sender<String>;

/// Environment every command gets (core.md §3.1): no colours, no pagers, plain UTF-8.
pub const UNIFIED_EXEC_ENV: [(&str, &str); 10] = [
    ("NO_COLOR", "1"),
    ("TERM", "dumb"),
    ("LANG", "C.UTF-8"),
    ("LC_CTYPE", "C.UTF-8"),
    ("LC_ALL", "C.UTF-8"),
    ("COLORTERM", ""),
    ("PAGER", "cat"),
    ("GIT_PAGER", "cat"),
    ("GH_PAGER", "cat"),
    ("CODEX_CI", "1"),
];

/// Where a bounded wait on a process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WaitEnd {
    /// The process exited and its output was drained (or the drain bound passed).
    Exited,
    /// The yield deadline passed with the process still running.
    Deadline,
    /// The caller's token fired.
    Cancelled,
}

/// Output captured from the child, guarded by one short-lived lock.
#[derive(Debug)]
struct Captured {
    /// Output not yet returned by a call.
    pending: HeadTailBuffer,
    /// Everything the process printed (bounded the same way), for `aggregatedOutput`.
    transcript: HeadTailBuffer,
    exit_code: Option<i32>,
}

/// Where deltas go; `None` once the receiver is gone or when the caller wants none.
#[derive(Debug, Default)]
struct DeltaSink {
    sender: Option<DeltaSender>,
}

/// A spawned command, shared by the table, the calls waiting on it and its two tasks.
#[derive(Debug)]
pub(crate) struct Process {
    pid: u32,
    captured: Mutex<Captured>,
    deltas: Mutex<DeltaSink>,
    deltas_dropped: AtomicU64,
    /// Async lock: held across the (bounded) write of one `write_stdin` call. Lock order: it is
    /// never taken while another lock of this module is held.
    input: tokio::sync::Mutex<Input>,
    /// The terminal of a `tty` command (also inside `input`), for resizing and for telling how
    /// to end it: a whole session rather than one process group.
    terminal: Option<Arc<PtyMaster>>,
    /// Fired by the waiter task once the child is reaped and `exit_code` is set.
    exited: CancellationToken,
    /// Fired by the reader task at end of output (every write end closed).
    output_closed: CancellationToken,
}

/// Where a command's input goes.
#[derive(Debug)]
enum Input {
    /// The write end of its stdin pipe; `None` once closed (Ctrl-D, or the child closed it).
    Pipe(Option<ChildStdin>),
    /// The master of its terminal. Never closed by a write: Ctrl-D is a byte the terminal
    /// turns into end of input, as for a person typing.
    Terminal(Arc<PtyMaster>),
}

/// Where a command's output comes from.
enum Output {
    /// The read end of the pipe behind its stdout and stderr.
    Pipe(pipe::Receiver),
    /// The master of its terminal.
    Terminal(Arc<PtyMaster>),
}

impl Output {
    async fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::Pipe(receiver) => receiver.read(buffer).await,
            Self::Terminal(master) => master.read(buffer).await,
        }
    }
}

/// What a caller needs to spawn: the final argv, cwd and environment overrides, and the
/// terminal size for a command on a pseudo-terminal (`None`: pipes).
pub(crate) struct SpawnSpec<'a> {
    pub(crate) argv: &'a [String],
    pub(crate) cwd: &'a PathBuf,
    pub(crate) env: &'a [(String, String)],
    pub(crate) tty: Option<TerminalSize>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding one of these locks leaves plain data behind; keep serving it.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn create_error(error: &io::Error) -> ExecError {
    ExecError::CreateProcess {
        message: error.to_string(),
    }
}

impl Process {
    /// Spawns `spec` and starts its reader and waiter tasks. On pipes: a new process group,
    /// stdin piped, stdout+stderr merged into one pipe. On a terminal (`spec.tty`): a new
    /// session on a fresh pseudo-terminal, which `hook` must set up ([`spawn_on_pty`]). Must run
    /// inside a tokio runtime.
    pub(crate) fn spawn(
        spec: &SpawnSpec<'_>,
        hook: Option<SpawnHook>,
        deltas: Option<DeltaSender>,
    ) -> Result<Arc<Self>, ExecError> {
        let (program, args) = spec
            .argv
            .split_first()
            .ok_or(ExecError::MissingCommandLine)?;
        let mut command = Command::new(program);
        command
            .args(args)
            .current_dir(spec.cwd)
            .envs(UNIFIED_EXEC_ENV)
            .envs(spec.env.iter().map(|(key, value)| (key, value)))
            .kill_on_drop(false);
        let (child, output, input) = match spec.tty {
            Some(size) => {
                let hook = hook.ok_or(ExecError::TtyWithoutSession)?;
                let (child, master) = spawn_on_pty(command, size, hook).map_err(|error| {
                    if NoTerminalSession::is(&error) {
                        ExecError::TtyWithoutSession
                    } else {
                        create_error(&error)
                    }
                })?;
                let master = Arc::new(master);
                let output = Output::Terminal(Arc::clone(&master));
                (child, output, Input::Terminal(master))
            }
            None => spawn_piped(command, hook)?,
        };
        let process = Self::start(child, output, input, deltas)?;
        let tty = spec.tty.is_some();
        tracing::debug!(pid = process.pid, program = %program, tty, "spawned command");
        Ok(process)
    }

    /// Wraps a spawned child and starts its reader and waiter tasks.
    fn start(
        mut child: Child,
        output: Output,
        input: Input,
        deltas: Option<DeltaSender>,
    ) -> Result<Arc<Self>, ExecError> {
        let pid = child.id().ok_or_else(|| ExecError::CreateProcess {
            message: "the process exited before it could be tracked".to_owned(),
        })?;
        let input = match input {
            Input::Pipe(_) => Input::Pipe(child.stdin.take()),
            terminal @ Input::Terminal(_) => terminal,
        };
        let terminal = match &input {
            Input::Terminal(master) => Some(Arc::clone(master)),
            Input::Pipe(_) => None,
        };
        let process = Arc::new(Self {
            pid,
            captured: Mutex::new(Captured {
                pending: HeadTailBuffer::new(OUTPUT_BUFFER_BYTES_MAX),
                transcript: HeadTailBuffer::new(OUTPUT_BUFFER_BYTES_MAX),
                exit_code: None,
            }),
            deltas: Mutex::new(DeltaSink { sender: deltas }),
            deltas_dropped: AtomicU64::new(0),
            input: tokio::sync::Mutex::new(input),
            terminal,
            exited: CancellationToken::new(),
            output_closed: CancellationToken::new(),
        });
        tokio::spawn(read_output(Arc::clone(&process), output));
        tokio::spawn(wait_for_exit(Arc::clone(&process), child));
        Ok(process)
    }

    /// OS pid of the group leader, which is also the process group id.
    pub(crate) fn pid(&self) -> u32 {
        self.pid
    }

    /// The exit code, once the child has been reaped.
    pub(crate) fn exit_code(&self) -> Option<i32> {
        lock(&self.captured).exit_code
    }

    /// The child has been reaped.
    pub(crate) fn has_exited(&self) -> bool {
        self.exited.is_cancelled()
    }

    /// Resolves once the child has been reaped.
    pub(crate) async fn wait_exited(&self) {
        self.exited.cancelled().await;
    }

    /// Deltas dropped so far because the channel was full.
    pub(crate) fn deltas_dropped(&self) -> u64 {
        self.deltas_dropped.load(Ordering::Relaxed)
    }

    /// Routes later deltas to `sender` (a `write_stdin` call brings its own item's channel).
    pub(crate) fn set_delta_sender(&self, sender: DeltaSender) {
        lock(&self.deltas).sender = Some(sender);
    }

    /// Output since the last take (rendered) and its raw byte count.
    pub(crate) fn take_pending(&self) -> (String, u64) {
        lock(&self.captured).pending.take()
    }

    /// The whole transcript so far, rendered.
    pub(crate) fn transcript(&self) -> String {
        lock(&self.captured).transcript.render()
    }

    fn push_output(&self, bytes: &[u8], decoder: &mut Utf8Chunker) {
        {
            let mut captured = lock(&self.captured);
            captured.pending.push(bytes);
            captured.transcript.push(bytes);
        }
        let text = decoder.push(bytes);
        self.send_delta(text);
    }

    fn send_delta(&self, text: String) {
        if text.is_empty() {
            return;
        }
        let mut sink = lock(&self.deltas);
        let Some(sender) = sink.sender.as_ref() else {
            return;
        };
        match sender.try_send(text) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.deltas_dropped.fetch_add(1, Ordering::Relaxed);
            }
            Err(mpsc::error::TrySendError::Closed(_)) => sink.sender = None,
        }
    }

    /// Waits until the process exits (then for its output to drain, at most
    /// `POST_EXIT_DRAIN_MAX`), `deadline` passes, or `cancel` fires.
    ///
    /// The drain wait is not cut by `deadline`: an exit is only reported with all of its
    /// output.
    pub(crate) async fn wait(&self, deadline: Instant, cancel: &CancellationToken) -> WaitEnd {
        tokio::select! {
            biased;
            () = cancel.cancelled() => return WaitEnd::Cancelled,
            () = self.exited.cancelled() => {}
            () = sleep_until(deadline) => return WaitEnd::Deadline,
        }
        tokio::select! {
            biased;
            () = cancel.cancelled() => WaitEnd::Cancelled,
            () = self.output_closed.cancelled() => WaitEnd::Exited,
            () = tokio::time::sleep(POST_EXIT_DRAIN_MAX) => WaitEnd::Exited,
        }
    }

    /// Writes the model's `chars` as input. On pipes a trailing [`END_OF_INPUT`] closes stdin
    /// after the rest is written (the model's Ctrl-D); on a terminal every character, control
    /// characters included, is typed as is.
    ///
    /// Errors: [`ExecError::StdinClosed`] when stdin was closed by an earlier Ctrl-D or the
    /// child closed its end (on a terminal: no process holds it any more);
    /// [`ExecError::WriteToStdin`] on other failures or after `STDIN_WRITE_TIMEOUT`.
    pub(crate) async fn write_input(&self, chars: &str) -> Result<(), ExecError> {
        let mut input = self.input.lock().await;
        let (written, close) = match &mut *input {
            Input::Terminal(master) => {
                let written = timeout(STDIN_WRITE_TIMEOUT, master.write_all(chars.as_bytes()));
                (written.await, false)
            }
            Input::Pipe(None) => return Err(ExecError::StdinClosed),
            Input::Pipe(Some(pipe)) => {
                let (text, close) = match chars.strip_suffix(END_OF_INPUT) {
                    Some(rest) => (rest, true),
                    None => (chars, false),
                };
                let written = timeout(STDIN_WRITE_TIMEOUT, async {
                    pipe.write_all(text.as_bytes()).await?;
                    pipe.flush().await
                })
                .await;
                (written, close)
            }
        };
        let gone = |error: &io::Error| {
            error.kind() == io::ErrorKind::BrokenPipe
                || error.raw_os_error() == Some(Errno::EIO as i32)
        };
        match written {
            Ok(Ok(())) => {}
            Ok(Err(error)) if gone(&error) => {
                if let Input::Pipe(pipe) = &mut *input {
                    *pipe = None;
                }
                return Err(ExecError::StdinClosed);
            }
            Ok(Err(error)) => {
                tracing::debug!(pid = self.pid, %error, "write to stdin failed");
                return Err(ExecError::WriteToStdin);
            }
            Err(_elapsed) => return Err(ExecError::WriteToStdin),
        }
        if close && let Input::Pipe(pipe) = &mut *input {
            *pipe = None;
        }
        Ok(())
    }

    /// Resizes the terminal of a `tty` command.
    ///
    /// Errors: [`ExecError::NotATerminal`] for a command on pipes, [`ExecError::Resize`] when
    /// the `ioctl` fails.
    pub(crate) fn resize(
        &self,
        size: TerminalSize,
        set_window_size: SetWindowSize,
    ) -> Result<(), ExecError> {
        let master = self.terminal.as_ref().ok_or(ExecError::NotATerminal)?;
        master
            .resize(size, set_window_size)
            .map_err(|error| ExecError::Resize {
                message: error.to_string(),
            })
    }

    /// Ends the whole process group: SIGTERM, up to `KILL_GRACE` for the leader to exit, then
    /// SIGKILL to whatever is left of the group, then waits (bounded) for the leader to be
    /// reaped.
    ///
    /// The final SIGKILL is sent even when the leader exited on SIGTERM, because other members
    /// (a child that ignores SIGTERM) may remain; a group with no members answers ESRCH. The
    /// group id cannot be reused while any member lives, and reuse of an emptied one within
    /// `KILL_GRACE` would need a full pid wrap-around.
    pub(crate) async fn terminate(&self) {
        self.signal_group(Signal::SIGTERM);
        let _exited_in_grace = timeout(KILL_GRACE, self.exited.cancelled()).await;
        self.kill_now();
        if timeout(KILL_REAP_WAIT, self.exited.cancelled())
            .await
            .is_err()
        {
            tracing::warn!(pid = self.pid, "process not reaped after SIGKILL");
        }
    }

    /// SIGKILL to the whole group, without waiting (for `Drop` paths).
    pub(crate) fn kill_now(&self) {
        self.signal_group(Signal::SIGKILL);
    }

    /// Sends `signal` to the whole group (for a terminal command: every group of its
    /// session); a group with no members left is not an error.
    pub(crate) fn signal_group(&self, signal: Signal) {
        if self.terminal.is_some() {
            signal_session(self.pid, signal);
            return;
        }
        let Ok(raw_pid) = i32::try_from(self.pid) else {
            return;
        };
        match killpg(Pid::from_raw(raw_pid), signal) {
            Ok(()) | Err(Errno::ESRCH) => {}
            Err(error) => tracing::warn!(pid = self.pid, %error, ?signal, "killpg failed"),
        }
    }
}

/// Spawns `command` in a new process group with stdin piped and stdout+stderr merged into one
/// pipe (the child's stdin handle is taken in [`Process::start`]).
fn spawn_piped(
    mut command: Command,
    hook: Option<SpawnHook>,
) -> Result<(Child, Output, Input), ExecError> {
    let (reader, writer) = io::pipe().map_err(|error| create_error(&error))?;
    let writer_for_stderr = writer.try_clone().map_err(|error| create_error(&error))?;
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::from(writer))
        .stderr(Stdio::from(writer_for_stderr))
        .process_group(0);
    if let Some(hook) = hook {
        hook(&mut command).map_err(|error| create_error(&error))?;
    }
    let spawned = command.spawn();
    // Dropping the command closes our copies of the pipe's write end: from here on only
    // the child (and its descendants) hold it, so end of output means they are done.
    drop(command);
    let child = spawned.map_err(|error| create_error(&error))?;
    let output = pipe::Receiver::from_owned_fd(OwnedFd::from(reader))
        .map_err(|error| create_error(&error))?;
    Ok((child, Output::Pipe(output), Input::Pipe(None)))
}

async fn read_output(process: Arc<Process>, mut output: Output) {
    let mut buffer = vec![0_u8; READ_CHUNK_BYTES];
    let mut decoder = Utf8Chunker::default();
    loop {
        match output.read(&mut buffer).await {
            Ok(0) => break,
            Ok(read) => process.push_output(&buffer[..read], &mut decoder),
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => {
                tracing::warn!(pid = process.pid, %error, "reading command output failed");
                break;
            }
        }
    }
    process.send_delta(decoder.finish());
    process.output_closed.cancel();
}

async fn wait_for_exit(process: Arc<Process>, mut child: Child) {
    let exit_code = match child.wait().await {
        Ok(status) => exit_code_of(status),
        Err(error) => {
            tracing::warn!(pid = process.pid, %error, "waiting for command failed");
            -1
        }
    };
    lock(&process.captured).exit_code = Some(exit_code);
    tracing::debug!(pid = process.pid, exit_code, "command exited");
    process.exited.cancel();
}

/// The shell convention: the exit code, or `128 + n` for death by signal `n`.
fn exit_code_of(status: ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status
        .code()
        .or_else(|| status.signal().map(|signal| 128 + signal))
        .unwrap_or(-1)
}
