//! Pseudo-terminal support that needs raw system calls nix does not wrap safely: making the
//! child's standard input its controlling terminal (`TIOCSCTTY`, in the forked child) and
//! setting a terminal's window size (`TIOCSWINSZ`, in the parent). Both live here because this
//! is the one crate allowed `unsafe`; each is a single `ioctl` on a descriptor the caller
//! guarantees is open, with a plain integer or a stack value as argument.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};

/// What a command's child does with its session before the sandbox is applied.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Session {
    /// Nothing: the child keeps what the command was configured with (its own process group
    /// through `process_group(0)`, for a command on pipes).
    #[default]
    Inherit,
    /// The child becomes the leader of a new session (`setsid`) whose controlling terminal is
    /// its standard input (`ioctl(0, TIOCSCTTY, 0)`), which must be a pseudo-terminal slave.
    /// Then Ctrl-C written to the master interrupts the terminal's foreground job, and shells
    /// get job control. The session's process group id is the child's pid, so `killpg(pid)`
    /// still reaches it. The command must not also use `process_group(0)`: `setsid` fails with
    /// `EPERM` for a process-group leader, and the spawn fails with it.
    ControllingTerminal,
}

impl Session {
    /// Applies the session setup in the forked child: allocation-free, only `setsid` and one
    /// `ioctl`; errors are raw OS codes.
    pub(crate) fn apply_in_child(self) -> io::Result<()> {
        match self {
            Self::Inherit => Ok(()),
            Self::ControllingTerminal => {
                nix::unistd::setsid()?;
                make_stdin_controlling_terminal()
            }
        }
    }
}

/// `ioctl(STDIN_FILENO, TIOCSCTTY, 0)`: the calling session leader takes its standard input as
/// controlling terminal (0: never steal one another session holds).
#[allow(unsafe_code)]
fn make_stdin_controlling_terminal() -> io::Result<()> {
    // SAFETY: `TIOCSCTTY` takes an integer argument (here 0), not a pointer, so the kernel reads
    // no memory of ours; descriptor 0 is the command's stdin, set up by `Command` before the
    // `pre_exec` hooks run. An invalid descriptor or a non-terminal yields an error code only.
    let result = unsafe { libc::ioctl(libc::STDIN_FILENO, libc::TIOCSCTTY, 0) };
    if result == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// Sets the window size of the pseudo-terminal behind `terminal` (master or slave) to `rows` ×
/// `cols` character cells: `ioctl(TIOCSWINSZ)`. The kernel sends `SIGWINCH` to the terminal's
/// foreground process group when the size changes.
///
/// Signature chosen so it can be passed as a plain function pointer (weft-exec's
/// `SetWindowSize`), which keeps weft-exec free of both `unsafe` and a dependency on this
/// crate.
///
/// # Errors
/// The OS error: `ENOTTY` when `terminal` is not a terminal, `EBADF` when it is closed.
#[allow(unsafe_code)]
pub fn set_window_size(terminal: BorrowedFd<'_>, rows: u16, cols: u16) -> io::Result<()> {
    let size = libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: `TIOCSWINSZ` reads one `struct winsize` through the pointer, which points to the
    // initialised `size` on this stack frame and outlives the call; the descriptor is borrowed,
    // so it is open for the whole call. Nothing is written back.
    let result = unsafe { libc::ioctl(terminal.as_raw_fd(), libc::TIOCSWINSZ, &raw const size) };
    if result == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}
