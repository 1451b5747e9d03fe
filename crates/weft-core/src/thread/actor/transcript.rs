//! The actor's side of [`Transcript`]: read back from the rollout when a command needs the
//! history or the turns, dropped again once the thread is idle (issue 13, item 9: a loaded idle
//! thread is a small record, not its history).

use weft_protocol::RpcError;

use super::Actor;
use crate::thread::Command;
use crate::thread::state::{Transcript, normalize_stale_turns};

impl Actor {
    /// Whether handling `command` needs the transcript in memory: it starts a turn (a user's,
    /// a shell command's, a goal's continuation — a resume or a goal change can start one), or
    /// reads the turns.
    fn needs_transcript(command: &Command) -> bool {
        match command {
            Command::Resume(_)
            | Command::StartTurn { .. }
            | Command::UserShell { .. }
            | Command::Goal { .. } => true,
            Command::Read { include_turns, .. } => *include_turns,
            _ => false,
        }
    }

    /// Makes the transcript resident for `command` when it needs it; a transcript that cannot
    /// be read back fails the command (its reply gets the error) and `None` is returned.
    pub(super) async fn with_transcript(&mut self, command: Command) -> Option<Command> {
        if self.state.transcript.get().is_some() || !Self::needs_transcript(&command) {
            return Some(command);
        }
        match self.load_transcript().await {
            Ok(()) => Some(command),
            Err(err) => {
                self.fail(command, err);
                None
            }
        }
    }

    /// Reads the transcript back from the rollout: the digest a cold resume makes, with stale
    /// turns reported interrupted (R23).
    async fn load_transcript(&mut self) -> Result<(), RpcError> {
        let Some(path) = self
            .rollout
            .as_ref()
            .map(|writer| writer.path().to_path_buf())
        else {
            // Never evicted without a rollout; should it happen, an empty thread is the truth.
            self.state.transcript = Transcript::resident(Vec::new(), Vec::new());
            return Ok(());
        };
        let digest =
            self.services.persistence.load(path).await.map_err(|err| {
                RpcError::internal(format!("failed to read thread history: {err}"))
            })?;
        let mut turns = digest.turns;
        normalize_stale_turns(&mut turns, None);
        self.state.transcript = Transcript::resident(digest.model_history, turns);
        Ok(())
    }

    /// Drops the resident transcript of an idle thread whose rollout holds all of it, when it
    /// is longer than `transcript_kept_items` ([`crate::limits::TRANSCRIPT_KEPT_ITEMS_MAX`]),
    /// and gives the memory back.
    pub(super) fn evict_transcript(&mut self) {
        if self.active.is_none()
            && self.rollout.is_some()
            && !self.state.meta.ephemeral
            && !self.suspended
            && let Some(resident) = self.state.transcript.get()
        {
            let items = resident.history.len()
                + resident
                    .turns
                    .iter()
                    .map(|turn| turn.items.len())
                    .sum::<usize>();
            if items > self.services.config.transcript_kept_items {
                self.state.transcript.evict();
                self.services.memory.release_soon();
            }
        }
    }

    /// Answers a command that could not be handled with `err`.
    fn fail(&mut self, command: Command, err: RpcError) {
        match command {
            Command::Resume(request) => request.reply().clone().send::<()>(Err(err)),
            Command::StartTurn { reply, .. }
            | Command::UserShell { reply, .. }
            | Command::Goal { reply, .. } => reply.send::<()>(Err(err)),
            Command::Read { reply, .. } => {
                let _ = reply.send(Err(err));
            }
            other => self.refuse(other),
        }
    }
}
