//! One command run for a client: spawned in its own process group with stdout and stderr on
//! separate pipes, read as raw bytes, killed as a whole group.
//!
//! weft-exec's `ProcessTable` serves the model: it merges stdout and stderr into one pipe (the
//! order a terminal shows), decodes text, and waits in yield-time slices. `command/exec` needs
//! the two streams apart, raw bytes (the wire carries base64) and a single wait until exit or
//! timeout, so it has this small runner instead; it borrows weft-exec's bounds (read size,
//! stdin write timeout) and weft-exec's [`SpawnHook`] shape for the sandbox.

use std::io;
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};

use nix::errno::Errno;
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::mpsc;
use weft_exec::SpawnHook;
use weft_exec::limits::{READ_CHUNK_BYTES, STDIN_WRITE_TIMEOUT};
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
    /// Keep stdin open as a pipe (otherwise the child reads `/dev/null`).
    pub stdin: bool,
}

/// A piece of output, tagged with its stream.
pub(crate) struct Chunk {
    pub stream: CommandExecOutputStream,
    pub bytes: Vec<u8>,
}

/// A running child: its group id and stdin. Its two pipe readers feed the channel returned
/// with it by [`Running::spawn`]; they end (and the channel closes) when every holder of the
/// pipes' write ends is gone.
pub(crate) struct Running {
    child: Child,
    pgid: Option<Pid>,
    stdin: Option<ChildStdin>,
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
    /// Spawns `spec` in a new process group; returns it with the channel of its output (both
    /// streams, in arrival order). Must run inside a tokio runtime.
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
            .stdin(if spec.stdin {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(false);
        for (key, value) in &spec.env {
            match value {
                Some(value) => command.env(key, value),
                None => command.env_remove(key),
            };
        }
        if let Some(hook) = hook {
            hook(&mut command)?;
        }
        let mut child = command.spawn()?;
        let pgid = child
            .id()
            .and_then(|pid| i32::try_from(pid).ok())
            .map(Pid::from_raw);
        let (sender, output) = mpsc::channel(OUTPUT_CHUNK_QUEUE_DEPTH);
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
        let running = Self {
            stdin: child.stdin.take(),
            child,
            pgid,
        };
        Ok((running, output))
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

    /// SIGKILL to the whole process group; a group with no members left is not an error.
    pub(crate) fn kill_group(&self) {
        let Some(pgid) = self.pgid else {
            return;
        };
        match killpg(pgid, Signal::SIGKILL) {
            Ok(()) | Err(Errno::ESRCH) => {}
            Err(error) => tracing::warn!(%error, pgid = pgid.as_raw(), "killpg failed"),
        }
    }

    /// Writes `bytes` to stdin (bounded by `STDIN_WRITE_TIMEOUT`), then closes it if `close`.
    pub(crate) async fn write_stdin(
        &mut self,
        bytes: &[u8],
        close: bool,
    ) -> Result<(), StdinError> {
        if !bytes.is_empty() {
            let Some(stdin) = self.stdin.as_mut() else {
                return Err(StdinError::Closed);
            };
            let written = tokio::time::timeout(STDIN_WRITE_TIMEOUT, async {
                stdin.write_all(bytes).await?;
                stdin.flush().await
            })
            .await;
            match written {
                Ok(Ok(())) => {}
                Ok(Err(error)) if error.kind() == io::ErrorKind::BrokenPipe => {
                    self.stdin = None;
                    return Err(StdinError::Closed);
                }
                Ok(Err(_)) | Err(_) => return Err(StdinError::Failed),
            }
        }
        if close {
            self.stdin = None;
        }
        Ok(())
    }
}

impl Drop for Running {
    /// A runner dropped before its child was reaped (its task was aborted) leaves nothing
    /// behind: the whole group gets SIGKILL. Harmless after a normal exit (ESRCH).
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            self.kill_group();
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
