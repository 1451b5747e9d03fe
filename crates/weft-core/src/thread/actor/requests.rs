//! The actor's server requests (lifecycle.md R29–R32): the live status with its waiting flags,
//! sending a turn's request, the first answer winning, and clearing on turn transitions. The
//! pending table itself is a field of the actor; ids and routing are `crate::server_requests`.

use std::sync::Arc;

use weft_protocol::RequestId;
use weft_protocol::v2::{
    ServerNotification, ServerRequestResolvedNotification, ThreadItem, ThreadStatus,
};

use super::Actor;
use crate::clients::ClientId;
use crate::server_requests::{OutgoingRequest, PendingRequest, ServerRequestAnswer};

impl Actor {
    /// The live status: `active` carries a flag per kind of pending request (protocol.md §6.2).
    pub(super) fn status(&self) -> ThreadStatus {
        let mut status = self.state.status(self.active.is_some());
        if let ThreadStatus::Active { active_flags } = &mut status {
            for pending in self.pending.values() {
                if let Some(flag) = pending.request.waiting_flag()
                    && !active_flags.contains(&flag)
                {
                    active_flags.push(flag);
                }
            }
            active_flags.sort_by_key(|flag| *flag as u8);
        }
        status
    }

    /// Sends a turn's request to the subscribers of this moment (possibly none) and keeps it
    /// pending (R29). The thread shows the waiting flag before the item the request is about
    /// starts, and the item starts before the request (the reference's order). With
    /// `durable_approvals`, the request is recorded before it leaves (R37); a request a revived
    /// turn asks again takes over the pending one instead of leaving twice.
    pub(super) async fn send_server_request(
        &mut self,
        announce: Option<ThreadItem>,
        outgoing: Box<OutgoingRequest>,
    ) {
        let Some(outgoing) = self.claim_revived(outgoing) else {
            if let Some(item) = announce {
                self.emit_item_started(item);
            }
            return;
        };
        let id = self.services.server_requests.register(self.me.clone());
        let request = Arc::new(outgoing.request);
        self.pending.insert(
            id,
            PendingRequest {
                request: Arc::clone(&request),
                answer: Some(outgoing.answer),
            },
        );
        self.publish_status();
        self.persist_pending().await;
        if let Some(item) = announce {
            self.emit_item_started(item);
        }
        self.subscribers
            .retain(|_, sink| sink.request(id, Arc::clone(&request)));
    }

    /// The first answer wins (R30): everyone is told the request is gone, the waiting flag
    /// drops, then the turn gets the answer. Later answers find nothing pending.
    pub(super) fn answer_server_request(
        &mut self,
        id: i64,
        from: ClientId,
        answer: ServerRequestAnswer,
    ) {
        if self.suspended {
            // R37: this process records nothing more; the question is asked again after the
            // restart, where the answer will count.
            tracing::info!(id, client = %from, "answer during shutdown to a suspended turn; ignored");
            return;
        }
        let Some(pending) = self.pending.remove(&id) else {
            tracing::info!(id, client = %from, "server request already answered or cleared; answer ignored");
            return;
        };
        self.pending_dirty = true;
        self.services.server_requests.forget(id);
        self.emit(ServerNotification::ServerRequestResolved(
            ServerRequestResolvedNotification {
                thread_id: self.state.meta.id.to_string(),
                request_id: RequestId::Integer(id),
            },
        ));
        self.publish_status();
        match pending.answer {
            Some(waiting) => {
                if waiting.send(answer).is_err() {
                    tracing::debug!(id, "the turn that asked has ended; answer dropped");
                }
            }
            None => self.keep_revived_answer(id, answer),
        }
    }

    /// Clears every pending request without applying a decision (R31): each gets
    /// `serverRequest/resolved`; the waiting turn, if any, sees its answer channel close.
    pub(super) fn clear_server_requests(&mut self) {
        let thread_id = self.state.meta.id.to_string();
        self.revived.clear();
        self.pending_dirty = true;
        for (id, _pending) in std::mem::take(&mut self.pending) {
            self.services.server_requests.forget(id);
            self.emit(ServerNotification::ServerRequestResolved(
                ServerRequestResolvedNotification {
                    thread_id: thread_id.clone(),
                    request_id: RequestId::Integer(id),
                },
            ));
        }
    }
}
