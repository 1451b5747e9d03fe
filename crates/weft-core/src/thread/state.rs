//! What a loaded thread knows about itself, owned by its actor, and the wire views of it.

use std::path::PathBuf;

use serde_json::Value;
use weft_protocol::v2::{
    GitInfo, SessionSource, Thread, ThreadEnvironment, ThreadGoal, ThreadStartResponse,
    ThreadStatus, ThreadTokenUsage, Turn, TurnStatus,
};

use crate::config::ThreadSettings;
use crate::ids::ThreadId;

/// Identity and bookkeeping of a thread (what `session_meta` and the index hold).
#[derive(Debug, Clone)]
pub(crate) struct ThreadMeta {
    /// The thread id.
    pub id: ThreadId,
    /// Session id (= id for root threads).
    pub session_id: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub updated_at: i64,
    /// Unix seconds: creation, then each turn start.
    pub recency_at: i64,
    /// First user message, `""` before any.
    pub preview: String,
    /// User-set name.
    pub name: Option<String>,
    /// The rollout file (null for ephemeral threads).
    pub path: Option<PathBuf>,
    /// Never persisted.
    pub ephemeral: bool,
    /// Version that created the thread.
    pub cli_version: String,
    /// Originator recorded at creation.
    pub originator: Option<String>,
    /// Source.
    pub source: SessionSource,
    /// Source thread of a fork.
    pub forked_from_id: Option<String>,
    /// `legacy` or `paginated`: whether rollout lines carry ordinals.
    pub history_mode: String,
    /// Git metadata: the stored thread's (its rollout's, with `thread/metadata/update` patches),
    /// `None` for a new thread.
    pub git: Option<GitInfo>,
    /// `session_meta` payload for a rollout not written yet (deferred until the first turn).
    pub pending_session_meta: Option<Value>,
}

/// Everything the actor owns besides its channels.
#[derive(Debug)]
pub(crate) struct ThreadState {
    /// Identity.
    pub meta: ThreadMeta,
    /// Current settings.
    pub settings: ThreadSettings,
    /// Model-visible history and finished turns; resident only while needed (see
    /// [`Transcript`]).
    pub transcript: Transcript,
    /// Token usage so far, and the turn that last reported usage.
    pub usage: Option<(ThreadTokenUsage, String)>,
    /// The last turn failed fatally (status `systemError` until the next turn).
    pub system_error: bool,
    /// A resumed thread: the first request says `cold_resume`.
    pub resumed: bool,
    /// `experimentalRawEvents` at `thread/start` (R10): the model's raw items go to the
    /// subscribers as `rawResponseItem/completed` (the connection writer keeps them from
    /// connections without `experimentalApi`). A runtime flag, not stored.
    pub raw_events: bool,
    /// The thread's goal (R35); its truth is the rollout's last goal line, which every change
    /// is recorded in before it is announced. Always `None` for an ephemeral thread.
    pub goal: Option<ThreadGoal>,
    /// A turn the rollout left suspended on server requests (R37), taken by the actor when it
    /// starts: it goes on running in this process.
    pub revival: Option<Revival>,
}

/// A thread's model history (without `input[0]`, the base instructions) and its finished turns
/// with all their items.
///
/// The rollout is their truth: every item enters the rollout before it enters this copy. So a
/// thread with a rollout keeps the copy only while it needs it — a turn running, a read or
/// resume being answered — and drops it when idle; the actor reads it back from the rollout
/// (the same digest a cold resume makes) the next time it is needed. A loaded idle thread is
/// then a small record, whatever its length (issue 13, item 9). A thread without a rollout
/// (new, ephemeral) always keeps it: nothing else holds it.
#[derive(Debug, Default)]
pub(crate) struct Transcript {
    resident: Option<Resident>,
}

/// The resident copy.
#[derive(Debug, Default)]
pub(crate) struct Resident {
    /// Model-visible history.
    pub history: Vec<Value>,
    /// Finished turns.
    pub turns: Vec<Turn>,
}

impl Transcript {
    /// A transcript held in memory.
    pub(crate) fn resident(history: Vec<Value>, turns: Vec<Turn>) -> Self {
        Self {
            resident: Some(Resident { history, turns }),
        }
    }

    /// The resident copy, if it is in memory.
    pub(crate) fn get(&self) -> Option<&Resident> {
        self.resident.as_ref()
    }

    /// The resident copy, if it is in memory, to change.
    pub(crate) fn get_mut(&mut self) -> Option<&mut Resident> {
        self.resident.as_mut()
    }

    /// Adds a history item. On disk only, nothing to do: the item is in the rollout already.
    pub(crate) fn push_history(&mut self, item: Value) {
        if let Some(resident) = &mut self.resident {
            resident.history.push(item);
        }
    }

    /// Adds a finished turn (in the rollout already, as for [`Self::push_history`]).
    pub(crate) fn push_turn(&mut self, turn: Turn) {
        if let Some(resident) = &mut self.resident {
            resident.turns.push(turn);
        }
    }

    /// Drops the resident copy; only for a thread whose rollout holds everything in it.
    pub(crate) fn evict(&mut self) {
        self.resident = None;
    }
}

/// A turn suspended on server requests in an earlier process (lifecycle.md R37 ★).
#[derive(Debug)]
pub(crate) struct Revival {
    /// The turn as the rollout has it: `inProgress`, its completed items.
    pub turn: Turn,
    /// The requests it waits on, as they were sent.
    pub requests: Vec<weft_protocol::v2::ServerRequest>,
    /// The calls of its last response without an output, run again once it is revived.
    pub calls: Vec<Value>,
}

impl ThreadState {
    /// The computed status given whether a turn is running (protocol.md §6.2).
    #[must_use]
    pub(crate) fn status(&self, turn_running: bool) -> ThreadStatus {
        if turn_running {
            ThreadStatus::Active {
                active_flags: Vec::new(),
            }
        } else if self.system_error {
            ThreadStatus::SystemError
        } else {
            ThreadStatus::Idle
        }
    }

    /// The wire thread; `turns` filled only when asked, `canAcceptDirectInput` true (start,
    /// resume and read results).
    #[must_use]
    pub(crate) fn to_wire(&self, status: ThreadStatus, turns: Vec<Turn>) -> Thread {
        let meta = &self.meta;
        let cwd = self.settings.cwd.clone();
        Thread {
            id: meta.id.to_string(),
            environments: Some(vec![ThreadEnvironment {
                environment_id: "local".to_owned(),
                cwd: cwd.clone(),
                runtime_workspace_roots: vec![cwd.clone()],
            }]),
            extra: None,
            session_id: meta.session_id.clone(),
            forked_from_id: meta.forked_from_id.clone(),
            attached_to_thread_id: None,
            parent_thread_id: None,
            preview: meta.preview.clone(),
            ephemeral: meta.ephemeral,
            section: None,
            section_entered_at: None,
            project_id: None,
            history_mode: Some(meta.history_mode.clone()),
            model_provider: self.settings.model_provider.clone(),
            model: Some(self.settings.model.clone()),
            reasoning_effort: self.settings.reasoning_effort.clone(),
            created_at: meta.created_at,
            updated_at: meta.updated_at,
            recency_at: Some(meta.recency_at),
            status,
            path: meta.path.as_ref().map(|path| path.display().to_string()),
            cwd,
            cli_version: meta.cli_version.clone(),
            originator: meta.originator.clone(),
            source: meta.source.clone(),
            can_accept_direct_input: Some(true),
            thread_source: None,
            agent_nickname: None,
            agent_role: None,
            git_info: meta.git.clone(),
            name: meta.name.clone(),
            daybreak_enabled: None,
            turns,
        }
    }
}

impl ThreadState {
    /// The `thread/start`-shaped part of start and resume results.
    #[must_use]
    pub(crate) fn start_response(&self, thread: Thread) -> ThreadStartResponse {
        let settings = &self.settings;
        ThreadStartResponse {
            thread,
            model: settings.model.clone(),
            model_provider: settings.model_provider.clone(),
            service_tier: settings.service_tier.clone(),
            disabled_plugin_ids: Vec::new(),
            cwd: settings.cwd.clone(),
            runtime_workspace_roots: vec![settings.cwd.clone()],
            instruction_sources: Vec::new(),
            approval_policy: settings.approval_policy.clone(),
            approvals_reviewer: settings.approvals_reviewer,
            sandbox: settings.sandbox.clone(),
            active_permission_profile: None,
            reasoning_effort: settings.reasoning_effort.clone(),
            multi_agent_mode: Some("explicitRequestOnly".to_owned()),
        }
    }
}

/// Turns still marked `inProgress` on a thread that is not running them were cut off (a crash,
/// a kill): report them `interrupted` (R23).
pub(crate) fn normalize_stale_turns(turns: &mut [Turn], running_turn_id: Option<&str>) {
    for turn in turns {
        if turn.status == TurnStatus::InProgress && Some(turn.id.as_str()) != running_turn_id {
            turn.status = TurnStatus::Interrupted;
        }
    }
}
