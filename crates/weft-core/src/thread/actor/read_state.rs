//! The thread's read state and Git metadata, as its actor keeps them: a turn that ends with a
//! result needing attention marks the thread unread from that turn, and a loaded thread's
//! `thread/readState/update` and `thread/metadata/update` go through here, so every
//! `thread/readState/changed` leaves in order with the thread's other events.
//!
//! The reference's rule for a turn end (`codex-rs/app-server`, `read_state.rs` `publish`): a
//! failed turn always needs attention; a completed one when its last agent message has text, does
//! not opt out (`<decision>DONT_NOTIFY</decision>`), and no active goal will continue the thread
//! (so goal continuation turns mark nothing until the goal stops); an interrupted one when an
//! agent message completed before the interruption. Only durable threads a user started are
//! marked (`crate::read_state::eligible`).

use tokio::sync::oneshot;
use weft_protocol::v2::{
    GitInfo, ServerNotification, Thread, ThreadGoalStatus, ThreadItem,
    ThreadReadStateChangedNotification,
};
use weft_store::{GitFieldPatch, GitPatch, ReadMark, ReadStateUpdate};

use super::Actor;
use crate::turn::TurnOutcome;

/// The text with which a final agent message asks not to be surfaced (the reference's).
const DONT_NOTIFY_MARKER: &str = "<decision>DONT_NOTIFY</decision>";

/// Whether a turn's end needs the user's attention, before the goal is considered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TurnAttention {
    /// It failed, or completed with a final message worth reading.
    Needed,
    /// Completed with a final message, unless an active goal continues the thread.
    NeededUnlessGoalContinues,
    /// Nothing to read.
    None,
}

impl TurnAttention {
    /// The attention a turn outcome calls for; `last_agent_message` is the turn's last
    /// completed agent message item.
    pub(super) fn of(outcome: &TurnOutcome, last_agent_message: Option<&ThreadItem>) -> Self {
        match outcome {
            TurnOutcome::Failed(_) => Self::Needed,
            TurnOutcome::Completed { last_agent_message } => match last_agent_message {
                Some(text) if text.contains(DONT_NOTIFY_MARKER) => Self::None,
                Some(text) if !text.trim().is_empty() => Self::NeededUnlessGoalContinues,
                _ => Self::None,
            },
            TurnOutcome::Interrupted if last_agent_message.is_some() => Self::Needed,
            TurnOutcome::Interrupted => Self::None,
        }
    }
}

impl Actor {
    /// Whether this thread has a read state at all.
    fn has_read_state(&self) -> bool {
        self.state.meta.path.is_some() && crate::read_state::eligible(&self.snapshot(false))
    }

    /// At a turn's end, before its `thread/status/changed {idle}`: marks the thread unread from
    /// `turn_id` (or keeps an earlier unread position) and tells the subscribers.
    pub(super) async fn publish_attention(&mut self, turn_id: &str, attention: TurnAttention) {
        let goal_continues = self
            .state
            .goal
            .as_ref()
            .is_some_and(|goal| goal.status == ThreadGoalStatus::Active);
        let needed = match attention {
            TurnAttention::Needed => true,
            TurnAttention::NeededUnlessGoalContinues => !goal_continues,
            TurnAttention::None => false,
        };
        if !needed || !self.has_read_state() {
            return;
        }
        let published = self
            .services
            .persistence
            .publish_attention(self.state.meta.id, turn_id.to_owned())
            .await;
        match published {
            Ok(read_state) => self.emit_read_state(read_state),
            Err(err) => tracing::warn!(%err, "failed to publish terminal attention"),
        }
    }

    /// `thread/readState/update` of this thread: saved, then told, then answered.
    pub(super) async fn update_read_state(
        &mut self,
        expected_revision: String,
        mark: ReadMark,
        reply: oneshot::Sender<Result<ReadStateUpdate, String>>,
    ) {
        let outcome = self
            .services
            .persistence
            .update_read_state(self.state.meta.id, expected_revision, mark)
            .await;
        if let Ok(ReadStateUpdate::Applied(read_state)) = &outcome {
            self.emit_read_state(read_state.clone());
        }
        let _ = reply.send(outcome);
    }

    fn emit_read_state(&mut self, read_state: weft_protocol::v2::ThreadReadState) {
        self.emit(ServerNotification::ThreadReadStateChanged(
            ThreadReadStateChangedNotification {
                thread_id: self.state.meta.id.to_string(),
                read_state,
            },
        ));
    }

    /// `thread/metadata/update` of this thread: take the stored patch, answer with the thread.
    pub(super) fn patch_git_info(&mut self, patch: &GitPatch, reply: oneshot::Sender<Thread>) {
        self.state.meta.git = patched(self.state.meta.git.take(), patch);
        let _ = reply.send(self.snapshot(false));
    }
}

/// `git` with `patch` applied; `None` when no field is left.
fn patched(git: Option<GitInfo>, patch: &GitPatch) -> Option<GitInfo> {
    fn apply(field: &mut Option<String>, patch: &GitFieldPatch) {
        if let Some(value) = patch {
            field.clone_from(value);
        }
    }
    let mut git = git.unwrap_or_default();
    apply(&mut git.sha, &patch.sha);
    apply(&mut git.branch, &patch.branch);
    apply(&mut git.origin_url, &patch.origin_url);
    (git.sha.is_some() || git.branch.is_some() || git.origin_url.is_some()).then_some(git)
}
