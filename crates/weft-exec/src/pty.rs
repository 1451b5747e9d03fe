//! Commands on a pseudo-terminal: opening the pair, handing the slave to the child, reading
//! and writing the master without blocking the runtime, and signalling the whole session.
//!
//! Two steps need system calls nix does not wrap safely, and this crate forbids `unsafe`, so
//! the caller supplies them: the child-side session setup (`setsid`, then the slave as
//! controlling terminal) arrives in the [`SpawnHook`] together with the sandbox (weft-core
//! passes weft-sandbox's `install_child` with `Session::ControllingTerminal`), and a window
//! resize takes a [`SetWindowSize`] (weft-sandbox's `set_window_size`). [`spawn_on_pty`]
//! checks after spawn that the hook really started a new session and refuses the command
//! otherwise: a command outside its own session could not be ended by signalling it.
//!
//! A terminal command is its own session rather than a `process_group(0)` group; with job
//! control (an interactive shell) its jobs get process groups of their own inside that session,
//! so ending it signals every process group of the session ([`signal_session`]).

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::process::Stdio;

use nix::errno::Errno;
use nix::fcntl::{FcntlArg, FdFlag, OFlag, fcntl};
use nix::pty::{Winsize, openpty};
use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::{Pid, getsid};
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;
use tokio::process::{Child, Command};

use crate::limits::{TERMINAL_COLS_DEFAULT, TERMINAL_ROWS_DEFAULT};
use crate::process::SpawnHook;

/// A terminal's size in character cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TerminalSize {
    /// Lines.
    pub rows: u16,
    /// Columns.
    pub cols: u16,
}

impl Default for TerminalSize {
    /// [`TERMINAL_ROWS_DEFAULT`] × [`TERMINAL_COLS_DEFAULT`], the classic 24 × 80.
    fn default() -> Self {
        Self {
            rows: TERMINAL_ROWS_DEFAULT,
            cols: TERMINAL_COLS_DEFAULT,
        }
    }
}

/// Sets the window size of the terminal behind a descriptor to `rows` × `cols`
/// (`ioctl(TIOCSWINSZ)`). A plain function pointer so that weft-sandbox's `set_window_size`
/// fits as is; this crate cannot make the call itself without `unsafe`.
pub type SetWindowSize = fn(BorrowedFd<'_>, u16, u16) -> io::Result<()>;

/// The parent's side of a pseudo-terminal: reads what the command printed (stdout and stderr
/// merged, as a terminal shows them) and writes what it types. Cheap to share behind an `Arc`:
/// reads and writes take `&self`.
#[derive(Debug)]
pub struct PtyMaster {
    fd: AsyncFd<OwnedFd>,
}

impl PtyMaster {
    /// Reads what the command printed. `Ok(0)` is the end of output: every holder of the
    /// slave has closed it (the kernel answers `EIO` then, which this maps to end of output).
    /// Cancel-safe: a dropped call has read nothing.
    pub async fn read(&self, buffer: &mut [u8]) -> io::Result<usize> {
        let read = self
            .fd
            .async_io(Interest::READABLE, |fd| {
                nix::unistd::read(fd, buffer).map_err(io::Error::from)
            })
            .await;
        match read {
            Err(error) if error.raw_os_error() == Some(Errno::EIO as i32) => Ok(0),
            other => other,
        }
    }

    /// Writes all of `bytes` as typed input; control characters (Ctrl-C, Ctrl-D) reach the
    /// terminal's line discipline, which turns them into signals or end of input. Waits while
    /// the terminal's input queue is full; callers bound the wait. Fails with `EIO` once no
    /// process holds the slave any more.
    pub async fn write_all(&self, mut bytes: &[u8]) -> io::Result<()> {
        while !bytes.is_empty() {
            let written = self
                .fd
                .async_io(Interest::WRITABLE, |fd| {
                    nix::unistd::write(fd, bytes).map_err(io::Error::from)
                })
                .await?;
            if written == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            bytes = &bytes[written..];
        }
        Ok(())
    }

    /// Sets the terminal's window size through `set_window_size`; the command's foreground
    /// job gets `SIGWINCH`.
    ///
    /// # Errors
    /// The OS error of the `ioctl`.
    pub fn resize(&self, size: TerminalSize, set_window_size: SetWindowSize) -> io::Result<()> {
        set_window_size(self.fd.as_fd(), size.rows, size.cols)
    }
}

impl AsFd for PtyMaster {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// Opens a pseudo-terminal of `size`; returns the master (non-blocking, registered with the
/// runtime) and the slave for the child. Both are close-on-exec: only the child's stdio copies
/// of the slave survive its `exec`. `openpty` cannot set that flag atomically, so a command
/// spawned by another thread in the two system calls between could inherit them; the harm is
/// bounded (the drain wait after exit, and ending a command signals it rather than hanging up
/// its terminal).
fn open(size: TerminalSize) -> io::Result<(PtyMaster, OwnedFd)> {
    let winsize = Winsize {
        ws_row: size.rows,
        ws_col: size.cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    let pair = openpty(&winsize, None)?;
    for fd in [&pair.master, &pair.slave] {
        fcntl(fd, FcntlArg::F_SETFD(FdFlag::FD_CLOEXEC))?;
    }
    let flags = OFlag::from_bits_truncate(fcntl(&pair.master, FcntlArg::F_GETFL)?);
    fcntl(&pair.master, FcntlArg::F_SETFL(flags | OFlag::O_NONBLOCK))?;
    Ok((register(pair.master)?, pair.slave))
}

/// Registers the (non-blocking) master with the runtime.
#[allow(
    deprecated,
    reason = "AsyncFd::new is deprecated because a `T: AsRawFd` may close or swap its descriptor \
              while registered; an `OwnedFd` owned by the AsyncFd cannot, and the replacement \
              (`register`) is `unsafe`, which this crate forbids"
)]
fn register(master: OwnedFd) -> io::Result<PtyMaster> {
    Ok(PtyMaster {
        fd: AsyncFd::new(master)?,
    })
}

/// Spawns `command` on a new pseudo-terminal of `size`: the slave becomes its stdin, stdout
/// and stderr, then `hook` installs the child-side setup, which must start a new session with
/// stdin as controlling terminal (and apply the sandbox, if any). Must run inside a tokio
/// runtime. `command` must not use `process_group(0)` (the session setup would fail).
///
/// After spawn the child's session id is checked: a child that is not the leader of its own
/// session (the hook did not set it up) is killed and the spawn fails with
/// `ErrorKind::InvalidInput` (text: `tty=true needs a spawn hook that starts a terminal
/// session`). Dropping `command` here closes the parent's copies of the
/// slave, so the master reports end of output once the command's session is gone.
///
/// # Errors
/// Opening the terminal, the hook's error, the spawn error, or the session check.
pub fn spawn_on_pty(
    mut command: Command,
    size: TerminalSize,
    hook: SpawnHook,
) -> io::Result<(Child, PtyMaster)> {
    let (master, slave) = open(size)?;
    command
        .stdin(Stdio::from(slave.try_clone()?))
        .stdout(Stdio::from(slave.try_clone()?))
        .stderr(Stdio::from(slave));
    hook(&mut command)?;
    let spawned = command.spawn();
    drop(command);
    let child = spawned?;
    let pid = child
        .id()
        .and_then(|pid| i32::try_from(pid).ok())
        .map(Pid::from_raw)
        .ok_or_else(|| io::Error::other("the process exited before it could be tracked"))?;
    if getsid(Some(pid)) != Ok(pid) {
        // Not its own session: its group is weft's, so it cannot be signalled safely as a
        // whole. Kill the one process and refuse.
        let _ = kill(pid, Signal::SIGKILL);
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            NoTerminalSession,
        ));
    }
    Ok((child, master))
}

/// The session check of [`spawn_on_pty`] failed (carried inside its `io::Error`).
#[derive(Debug)]
pub(crate) struct NoTerminalSession;

impl std::fmt::Display for NoTerminalSession {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("tty=true needs a spawn hook that starts a terminal session")
    }
}

impl std::error::Error for NoTerminalSession {}

impl NoTerminalSession {
    /// Whether `error` is this check's failure (rather than the hook's or the spawn's).
    pub(crate) fn is(error: &io::Error) -> bool {
        error
            .get_ref()
            .is_some_and(|inner| inner.is::<NoTerminalSession>())
    }
}

/// Sends `signal` to every process group of the session led by `leader` (a command spawned by
/// [`spawn_on_pty`]): the leader's own group and, found through `/proc`, the groups its job
/// control created. Groups already gone are not an error.
///
/// The session id cannot be reused while any process of the session lives, so no foreign
/// process is signalled. A process that leaves the session (`setsid` of its own, a daemon) is
/// not reached, as a process that leaves its group is not reached by `killpg`.
pub fn signal_session(leader: u32, signal: Signal) {
    let Ok(session) = i32::try_from(leader) else {
        return;
    };
    for group in session_groups(session) {
        match killpg(Pid::from_raw(group), signal) {
            Ok(()) | Err(Errno::ESRCH) => {}
            Err(error) => tracing::warn!(group, %error, ?signal, "killpg failed"),
        }
    }
}

/// The process groups of session `session`: itself first, then every other group a process of
/// the session belongs to (from `/proc/<pid>/stat`, an in-memory file system).
fn session_groups(session: i32) -> Vec<i32> {
    let mut groups = vec![session];
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return groups;
    };
    for entry in entries.flatten() {
        let is_pid = entry
            .file_name()
            .to_str()
            .is_some_and(|name| name.bytes().all(|byte| byte.is_ascii_digit()));
        if !is_pid {
            continue;
        }
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        if let Some((group, of_session)) = group_and_session(&stat)
            && of_session == session
            && !groups.contains(&group)
        {
            groups.push(group);
        }
    }
    groups
}

/// The process group and session fields of a `/proc/<pid>/stat` line. The command name is in
/// parentheses and may contain anything, so fields are counted after the last `)`:
/// `state ppid pgrp session …`.
pub(crate) fn group_and_session(stat: &str) -> Option<(i32, i32)> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_ascii_whitespace().skip(2);
    let group = fields.next()?.parse().ok()?;
    let session = fields.next()?.parse().ok()?;
    Some((group, session))
}

#[cfg(test)]
mod tests;
