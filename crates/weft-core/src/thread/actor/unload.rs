//! Idle unload (lifecycle.md §C, R12–R19): the clock, the closing mark, the unload steps and
//! their outcomes; and what a stopped actor answers to commands that were still queued.
//!
//! The actor is the listener of R7–R11: it sees every event and every subscriber change, so it
//! keeps the two instants R12 needs and sleeps until their deadline in its own loop. Times are
//! `tokio::time::Instant`, so tests drive them with a paused clock.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;
use weft_protocol::RpcError;
use weft_protocol::v2::{
    ServerNotification, ThreadIdNotification, ThreadStatus, ThreadStatusChangedNotification,
    ThreadUnsubscribeResponse, UnsubscribeStatus,
};

use super::Actor;
use crate::limits::THREAD_SHUTDOWN_WAIT;
use crate::reads::ColdResume;
use crate::thread::Command;
use crate::thread::registry::Closing;

/// Since when each of R12's two conditions has held; `None` while it does not.
#[derive(Debug, Default)]
pub(super) struct IdleClock {
    no_subscribers_since: Option<Instant>,
    inactive_since: Option<Instant>,
}

impl IdleClock {
    /// Updates both instants from the thread's present state and returns the unload deadline:
    /// `max(no_subscribers_since, inactive_since) + delay` once both hold (R12). A condition
    /// that stops holding forgets its instant, so the countdown restarts when it holds again.
    pub(super) fn refresh(
        &mut self,
        subscribers: usize,
        active: bool,
        delay: Duration,
    ) -> Option<Instant> {
        let now = Instant::now();
        if subscribers == 0 {
            self.no_subscribers_since.get_or_insert(now);
        } else {
            self.no_subscribers_since = None;
        }
        if active {
            self.inactive_since = None;
        } else {
            self.inactive_since.get_or_insert(now);
        }
        let since = self.no_subscribers_since?.max(self.inactive_since?);
        Some(since + delay)
    }
}

/// Sleeps until `deadline`, or forever without one. A deadline already reached is ready at once
/// (a timer would wait for the next tick, and let a request slip in after a delay of 0).
pub(super) async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) if deadline <= Instant::now() => {}
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

impl Actor {
    /// The unload deadline fired: take the closing mark (R15) and unload (R17, R18). True when
    /// the actor must stop (unloaded, or its registry entry is no longer its own).
    pub(super) async fn try_unload(&mut self, commands: &mpsc::Receiver<Command>) -> bool {
        let id = self.state.meta.id;
        let quiet = self.live_subscribers() == 0 && !self.is_active();
        let marked = self
            .services
            .registry
            .mark_closing(id, self.generation, || quiet && commands.is_empty());
        match marked {
            // Something arrived (a subscriber, a turn) or the rule no longer holds: the loop
            // handles it and computes the deadline anew.
            Closing::NotNow => return false,
            // Another runtime of the thread, or nobody, owns the entry: this one is stale.
            Closing::NotOurs => return true,
            Closing::Marked => {}
        }
        tracing::info!("unloading idle thread");
        self.unload_marked().await
    }

    /// R17 and R18 once the closing mark is taken: the unload steps, then the outcome. True
    /// when the actor must stop; false when the shutdown timed out and the thread stays loaded.
    async fn unload_marked(&mut self) -> bool {
        let id = self.state.meta.id;
        if !self.tear_down().await {
            tracing::warn!("thread {id} shutdown timed out; leaving thread loaded");
            self.services.registry.unmark_closing(id, self.generation);
            // A full delay before the next attempt, not a retry on every pass of the loop.
            self.idle = IdleClock::default();
            return false;
        }
        // R18: complete. The mark goes with the entry, before `thread/closed` leaves, so a client
        // reacting to it never meets the closing error (★).
        if self.services.registry.remove(id, self.generation) {
            self.broadcast_not_loaded();
            self.broadcast(ServerNotification::ThreadClosed(ThreadIdNotification {
                thread_id: id.to_string(),
            }));
        }
        true
    }

    /// `thread/resume` of this loaded thread (R26). When it asks for other settings and the
    /// thread could unload right now — idle, no live subscriber, nothing else queued (checked
    /// under the registry lock, as an idle unload is, R15), a rollout to load it back from —
    /// the runtime shuts down (R17, bounded by [`THREAD_SHUTDOWN_WAIT`]), `thread/status/changed
    /// {notLoaded}` is broadcast and the thread is cold-resumed with the request, whose runtime
    /// broadcasts `{idle}` and answers; no `thread/closed`. Otherwise, or when the shutdown
    /// times out, a rejoin that ignores (and logs) the other settings. True when the actor must
    /// stop (it handed the thread to the reload).
    pub(super) async fn resume_or_reload(
        &mut self,
        request: ColdResume,
        commands: &mpsc::Receiver<Command>,
    ) -> bool {
        let differing = self.differing_overrides(request.overrides());
        // A rejoin after an event position (R38 ★) needs this runtime's stream: no reload.
        let reloadable = !differing.is_empty()
            && request.event_position().is_none()
            && self.rollout.is_some()
            && !self.state.meta.ephemeral
            && !self.suspended
            && self.live_subscribers() == 0
            && !self.is_active();
        if !reloadable {
            self.rejoin(&request, &differing);
            return false;
        }
        let id = self.state.meta.id;
        let marked = self
            .services
            .registry
            .mark_closing(id, self.generation, || commands.is_empty());
        if marked != Closing::Marked {
            self.rejoin(&request, &differing);
            return false;
        }
        tracing::info!(
            "reloading idle thread {id} for thread/resume with {}",
            differing.join(", ")
        );
        if !self.tear_down().await {
            tracing::warn!("thread {id} shutdown timed out; leaving thread loaded");
            self.services.registry.unmark_closing(id, self.generation);
            self.idle = IdleClock::default();
            self.rejoin(&request, &differing);
            return false;
        }
        self.broadcast_not_loaded();
        tokio::spawn(request.reload(self.generation));
        true
    }

    /// An unload asked for (archive, delete; R20; the closing mark was taken when it was asked):
    /// the same steps as an idle
    /// unload, a shutdown that fails or times out is logged and the unload goes on, and no
    /// `thread/closed` (the caller announces what happened instead).
    pub(super) async fn unload_now(&mut self) {
        let id = self.state.meta.id;
        if !self.tear_down().await {
            tracing::warn!("thread {id} shutdown timed out; unloading anyway");
        }
        if self.services.registry.remove(id, self.generation) {
            self.broadcast_not_loaded();
        }
        for done in std::mem::take(&mut self.unload_waiters) {
            let _ = done.send(());
        }
    }

    /// R17: pending requests dropped unresolved (nobody can answer them any more), subscribers
    /// let go, the runtime stopped within [`THREAD_SHUTDOWN_WAIT`]. False when it timed out.
    async fn tear_down(&mut self) -> bool {
        for (request_id, _pending) in std::mem::take(&mut self.pending) {
            self.services.server_requests.forget(request_id);
        }
        let id = self.state.meta.id;
        for sink in std::mem::take(&mut self.subscribers).into_values() {
            sink.unwatch(id);
        }
        tokio::time::timeout(THREAD_SHUTDOWN_WAIT, self.shut_down())
            .await
            .is_ok()
    }

    fn broadcast_not_loaded(&mut self) {
        self.broadcast(ServerNotification::ThreadStatusChanged(
            ThreadStatusChangedNotification {
                thread_id: self.state.meta.id.to_string(),
                status: ThreadStatus::NotLoaded,
            },
        ));
    }

    /// Ends the runtime: background commands, then the rollout made durable.
    async fn shut_down(&mut self) {
        self.processes.terminate_all().await;
        if let Some(writer) = self.rollout.take() {
            let synced = tokio::task::spawn_blocking(move || {
                let mut writer = writer;
                writer.sync()
            })
            .await;
            if !matches!(synced, Ok(Ok(()))) {
                tracing::error!("rollout fsync failed while unloading");
            }
        }
    }

    /// Answers a command that reached the actor after it stopped: callers waiting on a reply
    /// get the closing error (they retry and load the thread anew); reads fall back to disk
    /// when their answer channel closes.
    pub(super) fn refuse(&mut self, command: Command) {
        let id = self.state.meta.id.to_string();
        match command {
            Command::Unsubscribe { reply, .. } => reply.send(Ok(ThreadUnsubscribeResponse {
                status: UnsubscribeStatus::NotLoaded,
            })),
            Command::Resume(request) => {
                request
                    .reply()
                    .clone()
                    .send::<()>(Err(RpcError::thread_closing_resume(&id)));
            }
            // The name was stored before it was handed to the actor: the rename stands.
            Command::SetName { name, reply } => {
                reply.send(Ok(serde_json::json!({})));
                self.broadcast(ServerNotification::ThreadNameUpdated(
                    weft_protocol::v2::ThreadNameUpdatedNotification {
                        thread_id: id,
                        thread_name: Some(name),
                    },
                ));
            }
            Command::StartTurn { reply, .. }
            | Command::Steer { reply, .. }
            | Command::Interrupt { reply, .. }
            | Command::UserShell { reply, .. }
            | Command::Goal { reply, .. } => {
                reply.send::<()>(Err(RpcError::thread_closing(&id)));
            }
            Command::TerminateProcesses { done } | Command::Unload { done } => {
                let _ = done.send(());
            }
            Command::AnswerServerRequest { id: request_id, .. } => {
                tracing::info!(
                    request_id,
                    "answer reached a thread that was unloaded; ignored"
                );
            }
            // Dropped replies: the caller saves the read mark itself, or answers from the row
            // the Git patch was already applied to.
            Command::UpdateReadState { .. } | Command::PatchGitInfo { .. } => {}
            Command::Read { .. }
            | Command::Status { .. }
            | Command::ForkSource { .. }
            | Command::ClientGone(_)
            | Command::InterruptRunning
            | Command::UserShellEvent { .. } => {}
        }
    }
}

#[cfg(test)]
mod tests;
