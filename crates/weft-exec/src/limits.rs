//! Every bound weft-exec enforces, in one place.
//!
//! The values follow codex-cli 0.169.0's unified exec (core.md §3.1) unless a comment says
//! otherwise; the relations between them are asserted at compile time at the bottom.

use std::time::Duration;

/// Output bytes kept per process, per buffer (half for the head, half for the tail).
///
/// 1 MiB is the reference's unified-exec buffer. It bounds memory whatever a command prints (a
/// `yes` left running keeps exactly this much), while the model only ever sees
/// `max_output_tokens` of it (≈ 40 KiB by default), so keeping more would only cost memory.
/// Each process has two such buffers (output since the last call, and the whole transcript for
/// `aggregatedOutput`), so a thread's table holds at most `2 × 1 MiB × PROCESSES_MAX`.
pub const OUTPUT_BUFFER_BYTES_MAX: usize = 1024 * 1024;

/// Live entries a thread's process table keeps; the next `exec` prunes one first.
///
/// 64 is the reference's `MAX_UNIFIED_EXEC_PROCESSES`: enough for a model juggling servers,
/// watchers and REPLs, small enough that a runaway loop of background commands cannot exhaust
/// process slots or file descriptors (three pipes per entry).
pub const PROCESSES_MAX: usize = 64;

/// The most recently used entries that pruning never picks.
///
/// 8, as the reference: the sessions the model is actively talking to survive a burst of new
/// commands.
pub const PROTECTED_RECENT_PROCESSES: usize = 8;

/// Session ids are drawn uniformly from `SESSION_ID_MIN..SESSION_ID_END`.
///
/// The reference's range: four- and five-digit ids that the model copies reliably and that do
/// not look like small counters it could guess.
pub const SESSION_ID_MIN: i32 = 1_000;

/// Exclusive upper end of the session id range (see [`SESSION_ID_MIN`]).
pub const SESSION_ID_END: i32 = 100_000;

/// Shortest `exec_command` wait; smaller requests are raised to it.
///
/// 250 ms lets a quick command finish inside its first call, so the model gets its exit code
/// without a round of `write_stdin` polling.
pub const YIELD_TIME_MIN: Duration = Duration::from_millis(250);

/// Longest `exec_command` wait and longest wait after a non-empty `write_stdin`.
///
/// 30 s keeps a turn responsive: a longer job comes back as a session the model can poll.
pub const YIELD_TIME_MAX: Duration = Duration::from_millis(30_000);

/// `exec_command` wait when the model gives none (the reference's `yield_time_ms` default).
pub const YIELD_TIME_DEFAULT: Duration = Duration::from_millis(10_000);

/// `write_stdin` wait when the model gives none (the reference's default, 250 ms).
///
/// For a non-empty write this is what the model gets; an empty poll raises it to
/// [`POLL_YIELD_TIME_MIN`].
pub const WRITE_YIELD_TIME_DEFAULT: Duration = Duration::from_millis(250);

/// Shortest wait of an empty `write_stdin` (a poll).
///
/// 5 s: a poll that returned at once would let the model spin on a busy process and burn
/// requests for nothing.
pub const POLL_YIELD_TIME_MIN: Duration = Duration::from_millis(5_000);

/// Longest wait of an empty `write_stdin` (a poll).
///
/// 300 s lets the model wait out a build in one call; the reference's default bound.
pub const POLL_YIELD_TIME_MAX: Duration = Duration::from_millis(300_000);

/// Time between SIGTERM and SIGKILL when a process group is ended.
///
/// 2 s lets well-behaved programs flush and remove their temporary files, and is short enough
/// that an interrupt or a thread unload is not held up noticeably by a program that ignores
/// SIGTERM.
pub const KILL_GRACE: Duration = Duration::from_secs(2);

/// How long to wait for the group leader to be reaped after SIGKILL before logging and giving
/// up waiting (the waiter task still reaps it whenever the kernel lets go).
///
/// SIGKILL cannot be caught; only a process stuck in uninterruptible IO (`D` state) outlives
/// it, and 5 s is long enough that reaching this bound means exactly that.
pub const KILL_REAP_WAIT: Duration = Duration::from_secs(5);

/// After the command exits, how long to wait for the end of its output pipe.
///
/// Normally the pipe closes together with the process. A backgrounded grandchild
/// (`server &`) keeps it open for its whole life, so the wait must be bounded; 250 ms is ample
/// for the kernel to hand over what is still buffered (at most one pipe's worth, 64 KiB).
pub const POST_EXIT_DRAIN_MAX: Duration = Duration::from_millis(250);

/// Longest a `write_stdin` may block writing into the child's stdin pipe.
///
/// A child that never reads its input leaves the pipe full after 64 KiB; without this bound the
/// call would hang the turn. 5 s then reports `failed to write to stdin`.
pub const STDIN_WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// Size of one read from the output pipe, and so the largest output delta.
///
/// 64 KiB is Linux's default pipe capacity: one read empties a full pipe, which keeps the
/// number of reads (and lock round trips) low when a command floods its output.
pub const READ_CHUNK_BYTES: usize = 64 * 1024;

/// Suggested capacity of the caller's `outputDelta` channel.
///
/// Deltas are dropped (and counted) rather than stalling the child when the channel is full.
/// 64 deltas absorb any burst a client can usefully render while bounding what sits in the
/// queue at `64 × READ_CHUNK_BYTES` (4 MiB) in the flood case.
pub const DELTA_CHANNEL_DEPTH_ADVICE: usize = 64;

/// Lines of a command's terminal when the caller gives no size (`exec_command` has no size
/// parameter; `command/exec` may set one).
///
/// 24 × 80 is the VT100's screen and what every terminal emulator and the reference's PTY layer
/// default to, so programs that lay out for the terminal behave as users expect.
pub const TERMINAL_ROWS_DEFAULT: u16 = 24;

/// Columns of a command's terminal when the caller gives no size (see
/// [`TERMINAL_ROWS_DEFAULT`]).
pub const TERMINAL_COLS_DEFAULT: u16 = 80;

/// `max_output_tokens` when the model gives none (the reference's default).
pub const MAX_OUTPUT_TOKENS_DEFAULT: usize = 10_000;

/// Bytes per token in every approximate token count (the reference's heuristic).
pub const APPROX_BYTES_PER_TOKEN: usize = 4;

const _: () = {
    assert!(PROTECTED_RECENT_PROCESSES < PROCESSES_MAX);
    assert!(SESSION_ID_MIN < SESSION_ID_END);
    // Pruning frees one slot per exec; the id range must dwarf the table.
    assert!((SESSION_ID_END - SESSION_ID_MIN) as usize > 100 * PROCESSES_MAX);
    assert!(YIELD_TIME_MIN.as_millis() <= YIELD_TIME_DEFAULT.as_millis());
    assert!(YIELD_TIME_DEFAULT.as_millis() <= YIELD_TIME_MAX.as_millis());
    assert!(POLL_YIELD_TIME_MIN.as_millis() <= POLL_YIELD_TIME_MAX.as_millis());
    assert!(WRITE_YIELD_TIME_DEFAULT.as_millis() >= YIELD_TIME_MIN.as_millis());
    assert!(READ_CHUNK_BYTES <= OUTPUT_BUFFER_BYTES_MAX);
    assert!(APPROX_BYTES_PER_TOKEN > 0);
    assert!(TERMINAL_ROWS_DEFAULT > 0 && TERMINAL_COLS_DEFAULT > 0);
};
