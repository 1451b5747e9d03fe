//! The actor's side of `thread/shellCommand` (the runner is `command_exec::shell`).
//!
//! With a turn running, the command's item joins that turn: the runner's events come back to
//! the actor as [`Command::UserShellEvent`]s and are recorded and emitted like the turn's own.
//! Without one, the command becomes a standalone turn whose task is the runner instead of the
//! agent loop, so `turn/started`, status changes, `turn/interrupt`, the rollout lines and
//! `turn/completed` all follow the ordinary turn path.

use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc;
use weft_protocol::v2::ThreadShellCommandResponse;

use super::Actor;
use crate::clients::Reply;
use crate::command_exec::shell::{UserShellEnd, UserShellRun, run_user_shell};
use crate::ids::TurnId;
use crate::limits::TURN_EVENT_QUEUE_DEPTH;
use crate::thread::Command;
use crate::turn::{TurnEvent, TurnOutcome};

impl Actor {
    /// `thread/shellCommand`: acknowledges, then runs the command in the running turn or in a
    /// standalone one.
    pub(super) fn user_shell(&mut self, command: String, timeout: Duration, reply: Reply) {
        reply.send(Ok(ThreadShellCommandResponse {}));
        let cwd = PathBuf::from(&self.state.settings.cwd);
        let thread_id = self.state.meta.id.to_string();
        let Some(active) = &self.active else {
            return self.start_shell_turn(command, cwd, timeout);
        };
        let Some(handle) = self.me.upgrade() else {
            return;
        };
        let turn_id = active.turn_id.to_string();
        let run = UserShellRun {
            command,
            cwd,
            timeout,
            thread_id,
            turn_id: turn_id.clone(),
            // Cancelled when the turn is interrupted or ends: the command ends with its turn.
            cancel: active.cancel.child_token(),
        };
        let (events, mut received) = mpsc::channel(TURN_EVENT_QUEUE_DEPTH);
        tokio::spawn(run_user_shell(run, events));
        tokio::spawn(async move {
            while let Some(event) = received.recv().await {
                // Waits while the actor's queue is full rather than dropping the item.
                let command = Command::UserShellEvent {
                    turn_id: turn_id.clone(),
                    event: Box::new(event),
                };
                if handle.commands.send(command).await.is_err() {
                    break;
                }
            }
        });
    }

    /// An event of a user shell command inside the turn `turn_id`; dropped once that turn is
    /// over (its command was ended with it), so it never lands in a later turn.
    pub(super) fn user_shell_event(&mut self, turn_id: &str, event: TurnEvent) {
        if self
            .active
            .as_ref()
            .is_none_or(|active| active.turn_id.as_str() != turn_id)
        {
            tracing::debug!(turn_id, "user shell event after its turn ended; dropped");
            return;
        }
        match event {
            TurnEvent::ItemStarted(item) => self.emit_item_started(item),
            TurnEvent::Delta(notification) => self.emit(*notification),
            TurnEvent::ItemCompleted {
                item,
                response_item,
            } => self.complete_item(item, response_item),
            other => tracing::debug!(?other, "unexpected user shell event; ignored"),
        }
    }

    /// A turn of its own for the command: the same bookkeeping as `start_turn` without a user
    /// message, and the runner as the turn's task.
    fn start_shell_turn(&mut self, command: String, cwd: PathBuf, timeout: Duration) {
        self.clear_server_requests();
        let turn_id = TurnId::new();
        let (events, cancel) = self.open_turn(&turn_id);
        let run = UserShellRun {
            command,
            cwd,
            timeout,
            thread_id: self.state.meta.id.to_string(),
            turn_id: turn_id.to_string(),
            cancel,
        };
        tokio::spawn(async move {
            let outcome = match run_user_shell(run, events.clone()).await {
                UserShellEnd::Finished => TurnOutcome::Completed {
                    last_agent_message: None,
                },
                UserShellEnd::Cancelled => TurnOutcome::Interrupted,
            };
            let _ = events.send(TurnEvent::Finished(outcome)).await;
        });
    }
}
