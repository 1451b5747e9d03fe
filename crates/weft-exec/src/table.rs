//! Unified exec sessions: the per-thread table of running commands behind `exec_command` and
//! `write_stdin` (core.md §3.1).
//!
//! A call waits up to its yield time for the command to exit; a command still running then
//! stays in the table under a random session id, and later `write_stdin` calls feed it input and
//! collect what it printed since. The table is a `std::sync::Mutex<HashMap>` behind an `Arc`
//! rather than an actor: every operation on it is a lookup, insert or remove that never awaits,
//! so a lock held for microseconds is simpler than a message round trip, and no lock is held
//! across an `.await` (waits happen on the shared `Process`, outside the table).

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use nix::sys::signal::Signal;
use rand::Rng;
use tokio::time::{Instant, timeout, timeout_at};
use tokio_util::sync::CancellationToken;

use crate::error::ExecError;
use crate::limits::{
    KILL_GRACE, KILL_REAP_WAIT, MAX_OUTPUT_TOKENS_DEFAULT, POLL_YIELD_TIME_MAX,
    POLL_YIELD_TIME_MIN, POST_EXIT_DRAIN_MAX, PROCESSES_MAX, PROTECTED_RECENT_PROCESSES,
    SESSION_ID_END, SESSION_ID_MIN, WRITE_YIELD_TIME_DEFAULT, YIELD_TIME_DEFAULT, YIELD_TIME_MAX,
    YIELD_TIME_MIN,
};
use crate::outcome::{ExecOutcome, generate_chunk_id};
use crate::process::{DeltaSender, Process, SpawnHook, SpawnSpec, WaitEnd};
use crate::pty::{SetWindowSize, TerminalSize};
use crate::truncate::approx_tokens_from_bytes;

/// The character that, at the end of `write_stdin`'s `chars`, closes the command's stdin after
/// the rest is written: Ctrl-D, as a terminal would turn it into end of input. On a terminal
/// it is typed like any other character, and the terminal does exactly that.
pub const END_OF_INPUT: char = '\u{4}';

/// One command to start: the model's `exec_command`, already resolved by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecRequest {
    /// Program and arguments, e.g. from [`crate::shell_argv`].
    pub argv: Vec<String>,
    /// Working directory (absolute; the caller resolves `workdir` against the turn cwd).
    pub cwd: PathBuf,
    /// Environment overrides on top of the inherited environment and the fixed
    /// [`crate::UNIFIED_EXEC_ENV`] (these win over both: they are the caller's explicit
    /// settings).
    pub env: Vec<(String, String)>,
    /// Run on a pseudo-terminal instead of pipes: one output stream (as a terminal merges
    /// stdout and stderr), input typed as is (control characters included), and the spawn
    /// hook must start the terminal session (see [`crate::SpawnHook`]).
    pub tty: bool,
    /// The terminal's initial size when `tty`; ignored otherwise.
    pub terminal_size: TerminalSize,
    /// How long to wait for the command before returning; clamped to
    /// `[YIELD_TIME_MIN, YIELD_TIME_MAX]`.
    pub yield_time: Duration,
    /// Output budget of the text returned to the model, in approximate tokens.
    pub max_output_tokens: usize,
}

impl ExecRequest {
    /// A request with the reference's defaults: no env overrides, no tty (24 × 80 if set),
    /// `YIELD_TIME_DEFAULT`, `MAX_OUTPUT_TOKENS_DEFAULT`.
    pub fn new(argv: Vec<String>, cwd: PathBuf) -> Self {
        Self {
            argv,
            cwd,
            env: Vec::new(),
            tty: false,
            terminal_size: TerminalSize::default(),
            yield_time: YIELD_TIME_DEFAULT,
            max_output_tokens: MAX_OUTPUT_TOKENS_DEFAULT,
        }
    }
}

/// A thread's unified exec sessions. Cheap to clone (an `Arc`); `Send + Sync`.
///
/// Promises: at most `PROCESSES_MAX` entries; every command runs in its own process group and
/// every way out of the table (exit, cancellation, pruning, [`ProcessTable::terminate_all`],
/// dropping the last clone) ends or has ended that group's leader. Commands a finished command
/// left running in the background (`server &` then exit) are not tracked once it is reported.
#[derive(Debug, Clone, Default)]
pub struct ProcessTable {
    inner: Arc<TableInner>,
}

#[derive(Debug, Default)]
struct TableInner {
    entries: Mutex<HashMap<i32, Entry>>,
    /// Logical clock for least-recently-used ordering (deterministic, unlike `Instant`).
    clock: AtomicU64,
}

#[derive(Debug)]
struct Entry {
    process: Arc<Process>,
    last_used: u64,
}

/// What the pruning policy looks at for one entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PruneView {
    pub(crate) session_id: i32,
    pub(crate) last_used: u64,
    pub(crate) exited: bool,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl ProcessTable {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts `request` and waits up to its yield time for it to exit.
    ///
    /// `hook` sandboxes the command (called just before spawn). `deltas` receives output as it
    /// arrives, for the process's whole life (a later `write_stdin` may redirect it); a full
    /// channel drops deltas instead of stalling the child. If `cancel` fires during the call, the
    /// command's whole process group is ended (SIGTERM, `KILL_GRACE`, SIGKILL) before this
    /// returns [`ExecError::Cancelled`]. Returns early once the command exited and its output is
    /// drained; otherwise the outcome carries the session id for `write_stdin`. A `tty` request
    /// without a hook, or whose hook starts no terminal session, fails with
    /// [`ExecError::TtyWithoutSession`].
    pub async fn exec(
        &self,
        request: ExecRequest,
        hook: Option<SpawnHook>,
        deltas: Option<DeltaSender>,
        cancel: CancellationToken,
    ) -> Result<ExecOutcome, ExecError> {
        if request.argv.is_empty() {
            return Err(ExecError::MissingCommandLine);
        }
        let start = Instant::now();
        if cancel.is_cancelled() {
            return Err(ExecError::Cancelled {
                wall_time: Duration::ZERO,
            });
        }
        let spec = SpawnSpec {
            argv: &request.argv,
            cwd: &request.cwd,
            env: &request.env,
            tty: request.tty.then_some(request.terminal_size),
        };
        let process = Process::spawn(&spec, hook, deltas)?;
        // In the table before the first wait, so a caller that drops this future mid-wait
        // still leaves the process reachable by `terminate_all`.
        let session_id = self.insert(Arc::clone(&process));
        let yield_time = request.yield_time.clamp(YIELD_TIME_MIN, YIELD_TIME_MAX);
        let end = process.wait(start + yield_time, &cancel).await;
        let call = CallEnd {
            session_id,
            start,
            max_output_tokens: request.max_output_tokens,
        };
        self.finish_call(&process, end, call).await
    }

    /// Writes `chars` to session `session_id` (if non-empty) and returns what it printed since
    /// the last call, waiting up to `yield_time`.
    ///
    /// Yield: non-empty `chars` default `WRITE_YIELD_TIME_DEFAULT`, clamped to
    /// `[YIELD_TIME_MIN, YIELD_TIME_MAX]`; an empty poll is clamped to
    /// `[POLL_YIELD_TIME_MIN, POLL_YIELD_TIME_MAX]`. On pipes a trailing [`END_OF_INPUT`]
    /// closes stdin after the write; on a terminal `chars` is typed as is (`\u{3}` is Ctrl-C,
    /// `\u{4}` end of input for the program reading). `deltas`, when given, receives this process's deltas from now on.
    /// Errors: [`ExecError::UnknownProcessId`], [`ExecError::StdinClosed`],
    /// [`ExecError::WriteToStdin`], [`ExecError::Cancelled`] (after ending the group).
    pub async fn write_stdin(
        &self,
        session_id: i32,
        chars: &str,
        yield_time: Option<Duration>,
        max_output_tokens: usize,
        deltas: Option<DeltaSender>,
        cancel: CancellationToken,
    ) -> Result<ExecOutcome, ExecError> {
        let start = Instant::now();
        let process = self
            .touch(session_id)
            .ok_or(ExecError::UnknownProcessId { session_id })?;
        if let Some(sender) = deltas {
            process.set_delta_sender(sender);
        }
        if !chars.is_empty()
            && let Err(error) = process.write_input(chars).await
        {
            // A child that just exited breaks the pipe (or hangs up its terminal) before it is
            // reaped: report its exit rather than the failed write.
            let exited = timeout(POST_EXIT_DRAIN_MAX, process.wait_exited())
                .await
                .is_ok();
            if !exited {
                return Err(error);
            }
        }
        let requested = yield_time.unwrap_or(WRITE_YIELD_TIME_DEFAULT);
        let yield_time = if chars.is_empty() {
            requested.clamp(POLL_YIELD_TIME_MIN, POLL_YIELD_TIME_MAX)
        } else {
            requested.clamp(YIELD_TIME_MIN, YIELD_TIME_MAX)
        };
        let end = process.wait(Instant::now() + yield_time, &cancel).await;
        let call = CallEnd {
            session_id,
            start,
            max_output_tokens,
        };
        self.finish_call(&process, end, call).await
    }

    /// Sets the window size of session `session_id`'s terminal through `set_window_size`
    /// (weft-sandbox's `set_window_size`); the program gets `SIGWINCH`.
    ///
    /// Errors: [`ExecError::UnknownProcessId`], [`ExecError::NotATerminal`] for a command on
    /// pipes, [`ExecError::Resize`] when the kernel refuses.
    pub fn resize(
        &self,
        session_id: i32,
        size: TerminalSize,
        set_window_size: SetWindowSize,
    ) -> Result<(), ExecError> {
        let process = self
            .touch(session_id)
            .ok_or(ExecError::UnknownProcessId { session_id })?;
        process.resize(size, set_window_size)
    }

    /// Ends every process group in the table (thread unload, archive, shutdown) and empties
    /// it: SIGTERM to all, up to `KILL_GRACE` in total for them to exit, SIGKILL to all, then a
    /// bounded wait for each to be reaped.
    pub async fn terminate_all(&self) {
        let processes: Vec<Arc<Process>> = lock(&self.inner.entries)
            .drain()
            .map(|(_, entry)| entry.process)
            .collect();
        if processes.is_empty() {
            return;
        }
        tracing::debug!(count = processes.len(), "terminating all commands");
        for process in &processes {
            process.signal_group(Signal::SIGTERM);
        }
        let grace_end = Instant::now() + KILL_GRACE;
        for process in &processes {
            let _in_grace = timeout_at(grace_end, process.wait_exited()).await;
        }
        for process in &processes {
            process.kill_now();
        }
        let reap_end = Instant::now() + KILL_REAP_WAIT;
        for process in &processes {
            if timeout_at(reap_end, process.wait_exited()).await.is_err() {
                tracing::warn!(pid = process.pid(), "process not reaped after SIGKILL");
            }
        }
    }

    /// Ends one session's process group and forgets it; `false` if the id is unknown.
    pub async fn terminate(&self, session_id: i32) -> bool {
        let Some(entry) = lock(&self.inner.entries).remove(&session_id) else {
            return false;
        };
        entry.process.terminate().await;
        true
    }

    /// Number of entries (running, or exited but not yet reported).
    pub fn len(&self) -> usize {
        lock(&self.inner.entries).len()
    }

    /// The table has no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The session ids in the table, ascending.
    pub fn session_ids(&self) -> Vec<i32> {
        let mut ids: Vec<i32> = lock(&self.inner.entries).keys().copied().collect();
        ids.sort_unstable();
        ids
    }

    fn tick(&self) -> u64 {
        self.inner.clock.fetch_add(1, Ordering::Relaxed)
    }

    /// Adds `process` under a fresh id, first pruning down to `PROCESSES_MAX - 1` entries; the
    /// pruned groups are ended in the background.
    fn insert(&self, process: Arc<Process>) -> i32 {
        let last_used = self.tick();
        let mut pruned = Vec::new();
        let session_id = {
            let mut entries = lock(&self.inner.entries);
            while entries.len() >= PROCESSES_MAX {
                let views: Vec<PruneView> = entries
                    .iter()
                    .map(|(id, entry)| PruneView {
                        session_id: *id,
                        last_used: entry.last_used,
                        exited: entry.process.has_exited(),
                    })
                    .collect();
                let Some(victim) = choose_prune_victim(&views) else {
                    break;
                };
                pruned.extend(entries.remove(&victim).map(|entry| entry.process));
            }
            let mut rng = rand::rng();
            let session_id = loop {
                let candidate = rng.random_range(SESSION_ID_MIN..SESSION_ID_END);
                if !entries.contains_key(&candidate) {
                    break candidate;
                }
            };
            entries.insert(session_id, Entry { process, last_used });
            session_id
        };
        for process in pruned {
            tracing::debug!(pid = process.pid(), "pruning command");
            tokio::spawn(async move { process.terminate().await });
        }
        session_id
    }

    /// Looks `session_id` up and marks it used.
    fn touch(&self, session_id: i32) -> Option<Arc<Process>> {
        let last_used = self.tick();
        let mut entries = lock(&self.inner.entries);
        let entry = entries.get_mut(&session_id)?;
        entry.last_used = last_used;
        Some(Arc::clone(&entry.process))
    }

    fn remove(&self, session_id: i32) {
        lock(&self.inner.entries).remove(&session_id);
    }

    async fn finish_call(
        &self,
        process: &Process,
        end: WaitEnd,
        call: CallEnd,
    ) -> Result<ExecOutcome, ExecError> {
        if end == WaitEnd::Cancelled {
            let wall_time = call.start.elapsed();
            self.remove(call.session_id);
            process.terminate().await;
            return Err(ExecError::Cancelled { wall_time });
        }
        let (output, output_bytes) = process.take_pending();
        let exited = end == WaitEnd::Exited;
        if exited {
            self.remove(call.session_id);
        }
        Ok(ExecOutcome {
            chunk_id: generate_chunk_id(),
            wall_time: call.start.elapsed(),
            exit_code: if exited { process.exit_code() } else { None },
            session_id: (!exited).then_some(call.session_id),
            pid: process.pid(),
            output,
            output_bytes,
            original_token_count: approx_tokens_from_bytes(output_bytes),
            max_output_tokens: call.max_output_tokens,
            aggregated_output: exited.then(|| process.transcript()),
            deltas_dropped: process.deltas_dropped(),
        })
    }
}

/// The per-call facts `finish_call` needs.
struct CallEnd {
    session_id: i32,
    start: Instant,
    max_output_tokens: usize,
}

impl Drop for TableInner {
    /// The last handle is gone (thread dropped without `terminate_all`): SIGKILL every group
    /// still in the table so nothing outlives its thread. No grace: drop cannot wait.
    fn drop(&mut self) {
        let entries = self
            .entries
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for entry in entries.values() {
            entry.process.kill_now();
        }
    }
}

/// The entry to prune from a full table: never one of the `PROTECTED_RECENT_PROCESSES` most
/// recently used; among the rest the least recently used exited one, else the least recently
/// used one. `None` only when every entry is protected.
pub(crate) fn choose_prune_victim(views: &[PruneView]) -> Option<i32> {
    let mut by_recency: Vec<&PruneView> = views.iter().collect();
    by_recency.sort_by_key(|view| std::cmp::Reverse(view.last_used));
    let protected: HashSet<i32> = by_recency
        .iter()
        .take(PROTECTED_RECENT_PROCESSES)
        .map(|view| view.session_id)
        .collect();
    let candidates = || {
        views
            .iter()
            .filter(|view| !protected.contains(&view.session_id))
    };
    candidates()
        .filter(|view| view.exited)
        .min_by_key(|view| view.last_used)
        .or_else(|| candidates().min_by_key(|view| view.last_used))
        .map(|view| view.session_id)
}

#[cfg(test)]
mod tests;
