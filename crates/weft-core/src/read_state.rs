//! A thread's read state (protocol.md §6.8): `thread/readState/update`, and the `readState` /
//! `readStates` members of `thread/read` and `thread/list` results.
//!
//! The state is kept in the index's user marks (`weft_store::Index::update_read_state`), not in
//! the rollout. A loaded thread's update goes through its actor, which saves it and tells the
//! thread's subscribers (`thread/readState/changed`) in order with the thread's other events and
//! with the turn-end marks it makes itself (`thread::actor::read_state`); a stored thread has no
//! subscribers, so it is saved directly. As in the reference, only durable threads a user started
//! have a read state: not ephemeral ones, not sub-agents', not those of an unknown source.

use std::collections::BTreeMap;

use weft_protocol::RpcError;
use weft_protocol::errors::READ_STATE_UNAVAILABLE;
use weft_protocol::v2::{
    SessionSource, SessionSourceName, Thread, ThreadReadState, ThreadReadStateOperation,
    ThreadReadStateUpdateParams, ThreadReadStateUpdateResponse,
};
use weft_store::{ReadMark, ReadStateUpdate};

use crate::core::Core;
use crate::ids::ThreadId;
use crate::thread::Command;

/// Whether a thread has a read state: durable, started by a user (the reference's rule; the
/// product's notification policy for the other scopes is not known to a local server).
pub(crate) fn eligible(thread: &Thread) -> bool {
    !thread.ephemeral
        && !matches!(
            thread.source,
            SessionSource::SubAgent { .. } | SessionSource::Named(SessionSourceName::Unknown)
        )
        && thread
            .thread_source
            .as_deref()
            .is_none_or(|source| source == "user")
}

impl Core {
    /// `thread/readState/update`: marks a thread read or unread if `expectedRevision` is its
    /// current revision, then tells its subscribers.
    ///
    /// # Errors
    /// `invalid thread id` (-32602), the `thread/read` errors for unknown threads,
    /// `thread read state unavailable`, `read state changed` (with the current state in
    /// `data`), `read state was not saved: …` (-32603).
    pub async fn thread_read_state_update(
        &self,
        params: ThreadReadStateUpdateParams,
    ) -> Result<ThreadReadStateUpdateResponse, RpcError> {
        let id = ThreadId::parse(&params.thread_id)
            .map_err(|err| RpcError::invalid_params(format!("invalid thread id: {err}")))?;
        let thread = self.read_thread(id, &params.thread_id, false).await?;
        if !eligible(&thread) {
            return Err(RpcError::invalid_request(READ_STATE_UNAVAILABLE));
        }
        let mark = match params.operation {
            ThreadReadStateOperation::Read => ReadMark::Read,
            ThreadReadStateOperation::Unread => ReadMark::Unread,
        };
        let expected = params.expected_revision;
        let asked = match self.services().registry.handle(id) {
            Some(handle) => handle
                .ask(|reply| Command::UpdateReadState {
                    expected_revision: expected.clone(),
                    mark,
                    reply,
                })
                .await
                .ok(),
            None => None,
        };
        let outcome = match asked {
            Some(outcome) => outcome,
            // Not loaded (or it unloaded meanwhile): nobody is subscribed to tell.
            None => {
                self.services()
                    .persistence
                    .update_read_state(id, expected, mark)
                    .await
            }
        };
        match outcome {
            Ok(ReadStateUpdate::Applied(read_state)) => {
                Ok(ThreadReadStateUpdateResponse { read_state })
            }
            Ok(ReadStateUpdate::Conflict(current)) => Err(RpcError::read_state_conflict(&current)),
            Err(err) => Err(RpcError::internal(format!(
                "read state was not saved: {err}"
            ))),
        }
    }

    /// The read states of the eligible threads of a `thread/list` page, by id; `None` when the
    /// index cannot say (logged), as the reference leaves them out then.
    pub(crate) async fn read_states_of(
        &self,
        threads: &[Thread],
    ) -> Option<BTreeMap<String, ThreadReadState>> {
        let ids: Vec<uuid::Uuid> = threads
            .iter()
            .filter(|thread| eligible(thread))
            .filter_map(|thread| uuid::Uuid::try_parse(&thread.id).ok())
            .collect();
        match self.services().persistence.read_states(ids).await {
            Ok(states) => Some(
                states
                    .into_iter()
                    .map(|(id, state)| (id.to_string(), state))
                    .collect(),
            ),
            Err(err) => {
                tracing::warn!(%err, "thread read state unavailable");
                None
            }
        }
    }

    /// The read state of one thread for `thread/read` (`None` when it has none).
    pub(crate) async fn read_state_of(&self, thread: &Thread) -> Option<ThreadReadState> {
        let mut states = self.read_states_of(std::slice::from_ref(thread)).await?;
        states.remove(&thread.id)
    }
}
