//! Server requests (server → client) across connections: process-wide ids, the route from an
//! answer back to the thread that asked, and what a waiting turn receives (lifecycle.md R29–R32).
//!
//! Ownership is split on purpose. The *pending table* — payload, waiting turn, who may be told —
//! belongs to the thread's actor (only it changes thread state), which is also where "first
//! answer wins" is decided. This module only holds what must be found without knowing the
//! thread: the next id and a map from id to the owning thread's handle. Both are a std `Mutex`
//! and an atomic rather than an actor: each access is a map insert or remove that never awaits.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::Value;
use tokio::sync::oneshot;
use weft_protocol::RequestId;
use weft_protocol::v2::ServerRequest;

use crate::clients::ClientId;
use crate::thread::{Command, WeakThreadHandle};

/// What the thread that asked learns about its request.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerRequestAnswer {
    /// The client's `result`, not yet interpreted: each tool parses its own answer type, and an
    /// unparsable result is a failure (R30), not a decline.
    Result(Value),
    /// The client answered with a JSON-RPC `error` (the payload as sent).
    Error(Value),
}

/// A request a running turn wants sent, with where its answer goes. Dropping `answer` unanswered
/// (the request was cleared, R31) is how the turn learns nobody will answer.
#[derive(Debug)]
pub struct OutgoingRequest {
    /// The request (no id yet: the actor assigns it).
    pub request: ServerRequest,
    /// Receives the first answer.
    pub answer: oneshot::Sender<ServerRequestAnswer>,
}

/// Process-wide numbering and routing of server requests.
#[derive(Debug, Default)]
pub(crate) struct ServerRequestRoutes {
    next_id: AtomicI64,
    /// Weak, so a pending request never keeps an actor (and its processes) alive.
    owners: Mutex<HashMap<i64, WeakThreadHandle>>,
}

impl ServerRequestRoutes {
    /// Allocates the next id (integers from 0, as the reference) and remembers its owner.
    pub(crate) fn register(&self, owner: WeakThreadHandle) -> i64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.owners
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id, owner);
        id
    }

    /// Forgets a request that was answered or cleared.
    pub(crate) fn forget(&self, id: i64) {
        self.owners
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&id);
    }

    /// Hands a client's answer to the thread that asked. The first answer takes the route, so
    /// later answers for the same id (and answers for ids never sent or already cleared) are
    /// logged and dropped here: a JSON-RPC response gets no response. The answer waits for room
    /// in the actor's queue rather than being dropped when it is full; at most one answer per
    /// pending request can be waiting.
    pub(crate) fn answer(&self, from: ClientId, id: &RequestId, answer: ServerRequestAnswer) {
        let RequestId::Integer(number) = id else {
            tracing::info!(%id, client = %from, "answer to an unknown server request; ignored");
            return;
        };
        let owner = self
            .owners
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(number)
            .and_then(|owner| owner.upgrade());
        let Some(owner) = owner else {
            tracing::info!(%id, client = %from, "answer to a server request that is not pending; ignored");
            return;
        };
        let command = Command::AnswerServerRequest {
            id: *number,
            from,
            answer,
        };
        tokio::spawn(async move {
            if owner.send_waiting(command).await.is_err() {
                tracing::info!("the thread ended before a server request answer reached it");
            }
        });
    }
}

/// A request waiting for its answer, owned by the thread actor.
#[derive(Debug)]
pub(crate) struct PendingRequest {
    /// The request as sent (replayed as is to rejoining clients, R32).
    pub(crate) request: Arc<ServerRequest>,
    /// The waiting turn; `None` for a request revived from an earlier process (R37) until the
    /// revived turn asks it again.
    pub(crate) answer: Option<oneshot::Sender<ServerRequestAnswer>>,
}
