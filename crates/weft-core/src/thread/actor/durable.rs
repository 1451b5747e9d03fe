//! Pending server requests that survive a restart (lifecycle.md R37 ★, `durable_approvals`).
//!
//! While the option is on, the actor keeps a durable record of what its running turn waits on
//! (`weft_store::suspended`): written before a request leaves, rewritten when one is answered
//! or cleared, removed when nothing waits. Three moments use it:
//! - **drain deadline** (R36): a turn that waits on a question is not interrupted but
//!   *suspended*: its rollout is synced and left as it is (an unfinished turn), the record
//!   stays, and nothing more is recorded by this process;
//! - **crash**: the record and the rollout are what the last write left;
//! - **cold resume**: the turn is *revived* — it runs in this process under its own id, shows
//!   `inProgress` with the waiting flag, its requests are pending again under new ids (the
//!   payloads as sent), and its task runs the calls that had no output again. A call that asks
//!   the same question again (same method, same item) takes over the revived request instead
//!   of asking twice; an answer that came first is handed over at once.

use std::collections::HashMap;
use std::sync::Arc;

use weft_protocol::RequestId;
use weft_protocol::v2::{ServerNotification, ServerRequest, ServerRequestResolvedNotification};

use super::Actor;
use crate::ids::{TurnId, now_secs};
use crate::server_requests::{OutgoingRequest, PendingRequest, ServerRequestAnswer};
use crate::thread::state::Revival;

/// Names a request across a restart: its method and the item it is about.
pub(super) type RevivedKey = (&'static str, String);

/// A request of an earlier process, pending again, not yet asked again by the revived turn.
#[derive(Debug)]
pub(super) enum Revived {
    /// Pending under this id.
    Waiting(i64),
    /// Answered before the turn asked again; the answer waits for it.
    Answered(ServerRequestAnswer),
}

/// The revived-request table of an actor.
pub(super) type RevivedRequests = HashMap<RevivedKey, Revived>;

fn key_of(request: &ServerRequest) -> Option<RevivedKey> {
    Some((request.method(), request.item_id()?.to_owned()))
}

impl Actor {
    /// Takes over a turn an earlier process left suspended (R37): it becomes the running
    /// turn, its requests pending again, and its task starts by running its open calls again.
    pub(super) fn revive(&mut self, revival: Revival) {
        let Revival {
            turn,
            requests,
            calls,
        } = revival;
        let started_at = turn.started_at.unwrap_or_else(now_secs);
        let turn_id = TurnId::from_stored(turn.id);
        let (events, cancel) =
            self.install_turn(&turn_id, started_at, started_at * 1000, turn.items);
        for request in requests {
            let id = self.services.server_requests.register(self.me.clone());
            if let Some(key) = key_of(&request) {
                self.revived.insert(key, Revived::Waiting(id));
            }
            self.pending.insert(
                id,
                PendingRequest {
                    request: Arc::new(request),
                    answer: None,
                },
            );
        }
        self.last_status = self.status();
        tracing::info!(turn_id = %turn_id, pending = self.pending.len(), "turn revived with its pending requests");
        self.spawn_turn(turn_id, events, cancel, calls);
    }

    /// A request the running turn asks: when it is one of the revived ones, the turn takes it
    /// over (no second request leaves) and `None` is returned; otherwise it comes back.
    pub(super) fn claim_revived(
        &mut self,
        outgoing: Box<OutgoingRequest>,
    ) -> Option<Box<OutgoingRequest>> {
        let Some(revived) = key_of(&outgoing.request).and_then(|key| self.revived.remove(&key))
        else {
            return Some(outgoing);
        };
        match revived {
            Revived::Waiting(id) => match self.pending.get_mut(&id) {
                Some(pending) => pending.answer = Some(outgoing.answer),
                // Cleared meanwhile: the turn sees its answer channel close.
                None => drop(outgoing),
            },
            Revived::Answered(answer) => {
                let _ = outgoing.answer.send(answer);
            }
        }
        None
    }

    /// An answer to a revived request the turn has not asked again yet: kept for it.
    pub(super) fn keep_revived_answer(&mut self, id: i64, answer: ServerRequestAnswer) {
        if let Some(entry) = self
            .revived
            .values_mut()
            .find(|entry| matches!(entry, Revived::Waiting(waiting) if *waiting == id))
        {
            *entry = Revived::Answered(answer);
        }
    }

    /// The revived turn has run its open calls again: what none of them asked again is
    /// obsolete (a rule now allows the command, say) and is resolved for everyone.
    pub(super) fn drop_unclaimed_revived(&mut self) {
        let thread_id = self.state.meta.id.to_string();
        for (_, revived) in std::mem::take(&mut self.revived) {
            let Revived::Waiting(id) = revived else {
                continue;
            };
            if self.pending.remove(&id).is_some() {
                self.services.server_requests.forget(id);
                self.emit(ServerNotification::ServerRequestResolved(
                    ServerRequestResolvedNotification {
                        thread_id: thread_id.clone(),
                        request_id: RequestId::Integer(id),
                    },
                ));
            }
        }
        self.pending_dirty = true;
        self.publish_status();
    }

    /// Brings the durable record in line with the pending table: written (after the rollout is
    /// synced, so the calls it names are on disk) while the running turn waits on something,
    /// removed once nothing waits. A no-op unless `durable_approvals` is on, and once the
    /// thread is suspended for a restart.
    pub(super) async fn persist_pending(&mut self) {
        self.pending_dirty = false;
        if !self.services.config.durable_approvals || self.suspended || self.state.meta.ephemeral {
            return;
        }
        let record = match &self.active {
            Some(active) if !self.pending.is_empty() && self.rollout.is_some() => {
                Some(weft_store::SuspendedTurn::new(
                    active.turn_id.to_string(),
                    self.pending
                        .values()
                        .map(|pending| (*pending.request).clone())
                        .collect(),
                ))
            }
            _ => None,
        };
        if record.is_none() && !self.has_record {
            return;
        }
        if record.is_some() {
            self.sync_rollout().await;
        }
        let written = record.is_some();
        match self
            .services
            .persistence
            .write_suspended(self.state.meta.id, record)
            .await
        {
            Ok(()) => self.has_record = written,
            Err(err) => tracing::error!(%err, "cannot record pending server requests"),
        }
    }

    /// At the drain deadline (R36) with `durable_approvals` on, a turn waiting on a question
    /// is suspended instead of interrupted: the record and the synced rollout stay as a
    /// restart must find them, nothing more is recorded, later answers are ignored (the
    /// question is asked again after the restart), and the turn no longer holds the drain.
    /// Returns whether it did.
    pub(super) async fn suspend_for_restart(&mut self) -> bool {
        if !self.services.config.durable_approvals
            || self.suspended
            || self.pending.is_empty()
            || self.active.is_none()
            || self.rollout.is_none()
        {
            return false;
        }
        self.persist_pending().await;
        if !self.has_record {
            return false;
        }
        self.sync_rollout().await;
        self.suspended = true;
        // Nothing this process does from now on reaches the rollout (`record` needs a writer).
        self.rollout = None;
        self.services
            .running_turns
            .send_modify(|count| *count = count.saturating_sub(1));
        tracing::info!(
            pending = self.pending.len(),
            "turn suspended on its pending server requests until the next start"
        );
        true
    }
}
