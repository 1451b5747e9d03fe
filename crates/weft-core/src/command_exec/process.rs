//! One command run for a client: spawned in its own process group with stdout and stderr on
//! separate pipes, read as raw bytes, killed as a whole group; or, with `tty`, spawned in its
//! own session on a pseudo-terminal through weft-exec's [`spawn_on_pty`] (one output stream,
//! reported as stdout as the reference does; input typed into the terminal; resizable; killed
//! as a whole session).
//!
//! weft-exec's `ProcessTable` serves the model: it merges stdout and stderr into one pipe (the
//! order a terminal shows), decodes text, and waits in yield-time slices. `command/exec` needs
//! the two streams apart, raw bytes (the wire carries base64) and a single wait until exit or
//! timeout, so it has this small runner instead; it borrows weft-exec's bounds (read size,
//! stdin write timeout) and weft-exec's [`SpawnHook`] shape for the sandbox.

use std::io;
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::sync::Arc;

use nix::errno::Errno;
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::mpsc;
use weft_exec::limits::{READ_CHUNK_BYTES, STDIN_WRITE_TIMEOUT};
use weft_exec::{PtyMaster, SpawnHook, TerminalSize, signal_session, spawn_on_pty};
use weft_protocol::v2::CommandExecOutputStream;

use super::limits::OUTPUT_CHUNK_QUEUE_DEPTH;

/// What to start.
pub(crate) struct SpawnSpec {
    /// Program and arguments (non-empty; the caller checked).
    pub argv: Vec<String>,
    /// Absolute working directory.
    pub cwd: PathBuf,
    /// Overrides on top of the inherited environment; `None` removes a variable.
    pub env: Vec<(String, Option<String>)>,
    /// Keep stdin open as a pipe (otherwise the child reads `/dev/null`). Ignored with `tty`.
    pub stdin: bool,
    /// Run on a pseudo-terminal of this size instead of pipes; the spawn hook must then start
    /// the terminal session (`turn::tools::permissions::terminal_hook`).
    pub tty: Option<TerminalSize>,
}

/// A piece of output, tagged with its stream.
pub(crate) struct Chunk {
    pub stream: CommandExecOutputStream,
    pub bytes: Vec<u8>,
}

/// A running child: its group id and input. Its output readers (two pipes, or the terminal's
/// master) feed the channel returned with it by [`Running::spawn`]; they end (and the channel
/// closes) when every holder of the pipes' write ends (or of the terminal's slave) is gone.
pub(crate) struct Running {
    child: Child,
    pgid: Option<Pid>,
    input: Input,
    /// The terminal of a `tty` command: for resizing, and to end its whole session.
    terminal: Option<Arc<PtyMaster>>,
}

/// Where writes go.
enum Input {
    /// The stdin pipe; `None` when closed or never opened.
    Pipe(Option<ChildStdin>),
    /// The terminal's master; `None` once the client closed stdin (the terminal itself stays,
    /// as the reference's `closeStdin` only drops its writer).
    Terminal(Option<Arc<PtyMaster>>),
}

/// Why a stdin write failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StdinError {
    /// Stdin was closed (by an earlier `closeStdin`, or the child closed its end).
    Closed,
    /// The write failed otherwise or did not finish within `STDIN_WRITE_TIMEOUT`.
    Failed,
}

impl Running {
    /// Spawns `spec` in a new process group (or, with `spec.tty`, a new session on a
    /// terminal); returns it with the channel of its output (both streams, in arrival order).
    /// Must run inside a tokio runtime.
    pub(crate) fn spawn(
        spec: SpawnSpec,
        hook: Option<SpawnHook>,
    ) -> io::Result<(Self, mpsc::Receiver<Chunk>)> {
        let (program, args) = spec
            .argv
            .split_first()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "empty command"))?;
        let mut command = Command::new(program);
        command
            .args(args)
            .current_dir(&spec.cwd)
            .kill_on_drop(false);
        for (key, value) in &spec.env {
            match value {
                Some(value) => command.env(key, value),
                None => command.env_remove(key),
            };
        }
        let (sender, output) = mpsc::channel(OUTPUT_CHUNK_QUEUE_DEPTH);
        let running = match spec.tty {
            Some(size) => {
                let hook = hook.ok_or_else(|| {
                    io::Error::new(io::ErrorKind::InvalidInput, "tty needs a session hook")
                })?;
                let (child, master) = spawn_on_pty(command, size, hook)?;
                let master = Arc::new(master);
                tokio::spawn(read_terminal(Arc::clone(&master), sender));
                Self::new(
                    child,
                    Input::Terminal(Some(Arc::clone(&master))),
                    Some(master),
                )
            }
            None => {
                command
                    .stdin(if spec.stdin {
                        Stdio::piped()
                    } else {
                        Stdio::null()
                    })
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .process_group(0);
                if let Some(hook) = hook {
                    hook(&mut command)?;
                }
                let mut child = command.spawn()?;
                spawn_pipe_readers(&mut child, sender);
                let stdin = child.stdin.take();
                Self::new(child, Input::Pipe(stdin), None)
            }
        };
        Ok((running, output))
    }

    fn new(child: Child, input: Input, terminal: Option<Arc<PtyMaster>>) -> Self {
        let pgid = child
            .id()
            .and_then(|pid| i32::try_from(pid).ok())
            .map(Pid::from_raw);
        Self {
            child,
            pgid,
            input,
            terminal,
        }
    }

    /// Waits for the group leader to exit; cancel-safe (the child stays owned by `self`).
    pub(crate) async fn wait(&mut self) -> i32 {
        match self.child.wait().await {
            Ok(status) => exit_code_of(status),
            Err(error) => {
                tracing::warn!(%error, "waiting for command/exec child failed");
                -1
            }
        }
    }

    /// SIGKILL to the whole process group (a terminal command: every group of its session);
    /// a group with no members left is not an error.
    pub(crate) fn kill_group(&self) {
        let Some(pgid) = self.pgid else {
            return;
        };
        if self.terminal.is_some() {
            if let Ok(leader) = u32::try_from(pgid.as_raw()) {
                signal_session(leader, Signal::SIGKILL);
            }
            return;
        }
        match killpg(pgid, Signal::SIGKILL) {
            Ok(()) | Err(Errno::ESRCH) => {}
            Err(error) => tracing::warn!(%error, pgid = pgid.as_raw(), "killpg failed"),
        }
    }

    /// Writes `bytes` to stdin or the terminal (bounded by `STDIN_WRITE_TIMEOUT`), then closes
    /// it if `close`.
    pub(crate) async fn write_stdin(
        &mut self,
        bytes: &[u8],
        close: bool,
    ) -> Result<(), StdinError> {
        if !bytes.is_empty() {
            let written = match &mut self.input {
                Input::Pipe(None) | Input::Terminal(None) => return Err(StdinError::Closed),
                Input::Pipe(Some(stdin)) => {
                    tokio::time::timeout(STDIN_WRITE_TIMEOUT, async {
                        stdin.write_all(bytes).await?;
                        stdin.flush().await
                    })
                    .await
                }
                Input::Terminal(Some(master)) => {
                    tokio::time::timeout(STDIN_WRITE_TIMEOUT, master.write_all(bytes)).await
                }
            };
            match written {
                Ok(Ok(())) => {}
                Ok(Err(error))
                    if error.kind() == io::ErrorKind::BrokenPipe
                        || error.raw_os_error() == Some(Errno::EIO as i32) =>
                {
                    self.close_input();
                    return Err(StdinError::Closed);
                }
                Ok(Err(_)) | Err(_) => return Err(StdinError::Failed),
            }
        }
        if close {
            self.close_input();
        }
        Ok(())
    }

    fn close_input(&mut self) {
        self.input = match self.input {
            Input::Pipe(_) => Input::Pipe(None),
            Input::Terminal(_) => Input::Terminal(None),
        };
    }

    /// Sets the terminal's window size; the program gets `SIGWINCH`.
    ///
    /// # Errors
    /// The reference's `process is not attached to a PTY` for a command on pipes, or the
    /// `ioctl`'s OS error.
    pub(crate) fn resize(&self, size: TerminalSize) -> Result<(), String> {
        let master = self
            .terminal
            .as_ref()
            .ok_or_else(|| NOT_A_TERMINAL.to_owned())?;
        master
            .resize(size, weft_sandbox::set_window_size)
            .map_err(|error| error.to_string())
    }
}

/// The reference's reason when a resize names a command without a terminal (its PTY layer's
/// text, after `failed to resize PTY: `).
pub(crate) const NOT_A_TERMINAL: &str = "process is not attached to a PTY";

impl Drop for Running {
    /// A runner dropped before its child was reaped (its task was aborted) leaves nothing
    /// behind: the whole group gets SIGKILL. Harmless after a normal exit (ESRCH).
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            self.kill_group();
        }
    }
}

/// Starts one reader per output pipe of `child`.
fn spawn_pipe_readers(child: &mut Child, sender: mpsc::Sender<Chunk>) {
    if let Some(stdout) = child.stdout.take() {
        tokio::spawn(read_stream(
            stdout,
            CommandExecOutputStream::Stdout,
            sender.clone(),
        ));
    }
    if let Some(stderr) = child.stderr.take() {
        tokio::spawn(read_stream(stderr, CommandExecOutputStream::Stderr, sender));
    }
}

/// Forwards a terminal's output as stdout chunks until every holder of its slave is gone.
async fn read_terminal(master: Arc<PtyMaster>, sender: mpsc::Sender<Chunk>) {
    let mut buffer = vec![0_u8; READ_CHUNK_BYTES];
    loop {
        match master.read(&mut buffer).await {
            Ok(0) => break,
            Ok(read) => {
                let chunk = Chunk {
                    stream: CommandExecOutputStream::Stdout,
                    bytes: buffer[..read].to_vec(),
                };
                // Backpressure as for pipes; a dropped receiver means nobody listens.
                if sender.send(chunk).await.is_err() {
                    break;
                }
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => {
                tracing::warn!(%error, "reading command/exec terminal failed");
                break;
            }
        }
    }
}

async fn read_stream(
    mut pipe: impl AsyncRead + Unpin,
    stream: CommandExecOutputStream,
    sender: mpsc::Sender<Chunk>,
) {
    let mut buffer = vec![0_u8; READ_CHUNK_BYTES];
    loop {
        match pipe.read(&mut buffer).await {
            Ok(0) => break,
            Ok(read) => {
                let chunk = Chunk {
                    stream,
                    bytes: buffer[..read].to_vec(),
                };
                // A full queue makes this reader wait, and the child with it: backpressure
                // instead of unbounded buffering. A dropped receiver means nobody listens.
                if sender.send(chunk).await.is_err() {
                    break;
                }
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => {
                tracing::warn!(%error, "reading command/exec output failed");
                break;
            }
        }
    }
}

/// The shell convention: the exit code, or `128 + n` for death by signal `n`.
fn exit_code_of(status: ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status
        .code()
        .or_else(|| status.signal().map(|signal| 128 + signal))
        .unwrap_or(-1)
}
