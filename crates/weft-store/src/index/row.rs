//! One thread's row in the index, and its wire `Thread`.

use std::path::PathBuf;

use serde_json::Value;
use uuid::Uuid;
use weft_protocol::v2::{GitInfo as WireGitInfo, SessionSource, Thread, ThreadStatus};

use crate::layout::RolloutFile;
use crate::reader::{GitInfo, HistoryMode};
use crate::summary::RolloutSummary;

/// What the index knows about one thread: the listing columns plus the file facts used to
/// detect that the row is stale.
///
/// Rows are derived from rollouts (and `session_index.jsonl` for `name`); the index owns them,
/// callers get copies.
#[derive(Debug, Clone, PartialEq)]
pub struct ThreadRow {
    /// Thread id.
    pub id: Uuid,
    /// The rollout file.
    pub rollout_path: PathBuf,
    /// Creation, Unix ms (`session_meta.timestamp`).
    pub created_at_ms: i64,
    /// Last write, Unix ms (last line, else file mtime).
    pub updated_at_ms: i64,
    /// Creation, then each turn start, Unix ms.
    pub recency_at_ms: i64,
    /// `session_meta.source` in the file's spelling (`"vscode"`, `{"subagent":…}`).
    pub source: Value,
    /// The `thread/list` source kind (`cli`, `vscode`, `exec`, `appServer`, `subAgent…`,
    /// `unknown`).
    pub source_kind: String,
    /// `thread_source`, when a string.
    pub thread_source: Option<String>,
    /// Model provider id; `""` when the rollout records none (reported as the configured
    /// default, lifecycle.md R34).
    pub model_provider: String,
    /// Model of the latest turn.
    pub model: Option<String>,
    /// Reasoning effort of the latest turn.
    pub reasoning_effort: Option<String>,
    /// Working folder.
    pub cwd: String,
    /// First user message (`""`: hidden from listings).
    pub preview: String,
    /// User-set name (`session_index.jsonl`).
    pub name: Option<String>,
    /// Whether the rollout lies in `archived_sessions/`.
    pub archived: bool,
    /// Writer version.
    pub cli_version: String,
    /// Client name at creation.
    pub originator: String,
    /// Source thread of a fork.
    pub forked_from_id: Option<Uuid>,
    /// Parent of a sub-agent thread.
    pub parent_thread_id: Option<Uuid>,
    /// Sub-agent nickname.
    pub agent_nickname: Option<String>,
    /// Sub-agent role.
    pub agent_role: Option<String>,
    /// Sub-agent path.
    pub agent_path: Option<String>,
    /// How the rollout numbers its lines.
    pub history_mode: HistoryMode,
    /// Git facts at creation.
    pub git: Option<GitInfo>,
    /// Rollout size when the row was made (staleness check).
    pub file_size: u64,
    /// Rollout mtime when the row was made, Unix ms (staleness check).
    pub file_mtime_ms: i64,
}

impl ThreadRow {
    /// The row for a summarised rollout file (no name: names come from the session index).
    pub fn from_summary(summary: &RolloutSummary, file: &RolloutFile) -> ThreadRow {
        let meta = &summary.meta;
        let created_at_ms = meta.created_at.timestamp_millis();
        let updated_at_ms = summary
            .last_line_at
            .map_or(file.modified_ms, |time| time.timestamp_millis())
            .max(created_at_ms);
        let recency_at_ms = summary
            .last_turn_started_at
            .map_or(created_at_ms, |time| time.timestamp_millis())
            .max(created_at_ms);
        ThreadRow {
            id: meta.id,
            rollout_path: file.path.clone(),
            created_at_ms,
            updated_at_ms,
            recency_at_ms,
            source: meta.source.clone(),
            source_kind: meta.source_kind().to_owned(),
            thread_source: meta
                .thread_source
                .as_ref()
                .and_then(Value::as_str)
                .map(str::to_owned),
            model_provider: meta.model_provider.clone().unwrap_or_default(),
            model: summary.model.clone(),
            reasoning_effort: summary.reasoning_effort.clone(),
            cwd: meta.cwd.clone(),
            preview: summary.preview.clone(),
            name: None,
            archived: file.archived,
            cli_version: meta.cli_version.clone(),
            originator: meta.originator.clone(),
            forked_from_id: meta.forked_from_id,
            parent_thread_id: meta.parent_thread_id,
            agent_nickname: meta.agent_nickname.clone(),
            agent_role: meta.agent_role.clone(),
            agent_path: meta.agent_path.clone(),
            history_mode: meta.history_mode,
            git: meta.git.clone(),
            file_size: file.size,
            file_mtime_ms: file.modified_ms,
        }
    }

    /// The wire `Thread` of a stored thread: status `notLoaded`, no turns, experimental
    /// members null (as the reference lists them). `default_provider` stands in for a missing
    /// provider (lifecycle.md R34). The caller overrides status and live fields of loaded
    /// threads.
    pub fn to_thread(&self, default_provider: &str) -> Thread {
        let provider = if self.model_provider.is_empty() {
            default_provider.to_owned()
        } else {
            self.model_provider.clone()
        };
        Thread {
            id: self.id.to_string(),
            environments: None,
            extra: None,
            session_id: self.id.to_string(),
            forked_from_id: self.forked_from_id.map(|id| id.to_string()),
            attached_to_thread_id: None,
            parent_thread_id: self.parent_thread_id.map(|id| id.to_string()),
            preview: self.preview.clone(),
            ephemeral: false,
            section: None,
            section_entered_at: None,
            project_id: None,
            history_mode: Some(self.history_mode.as_str().to_owned()),
            model_provider: provider,
            model: self.model.clone(),
            reasoning_effort: self.reasoning_effort.clone(),
            created_at: self.created_at_ms.div_euclid(1000),
            updated_at: self.updated_at_ms.div_euclid(1000),
            recency_at: Some(self.recency_at_ms.div_euclid(1000)),
            status: ThreadStatus::NotLoaded,
            path: Some(self.rollout_path.to_string_lossy().into_owned()),
            cwd: self.cwd.clone(),
            cli_version: self.cli_version.clone(),
            originator: Some(self.originator.clone()).filter(|originator| !originator.is_empty()),
            source: SessionSource::from_rollout(&self.source),
            can_accept_direct_input: None,
            thread_source: self.thread_source.clone(),
            agent_nickname: self.agent_nickname.clone(),
            agent_role: self.agent_role.clone(),
            git_info: self.git.as_ref().map(|git| WireGitInfo {
                sha: git.sha.clone(),
                branch: git.branch.clone(),
                origin_url: git.origin_url.clone(),
            }),
            name: self.name.clone(),
            daybreak_enabled: None,
            turns: Vec::new(),
        }
    }
}
