//! `Thread` and `ThreadStatus` (protocol.md §6.1, §6.2).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::v2::common::SessionSource;
use crate::v2::turn::Turn;

/// A conversation as the wire shows it. Optional members are written as `null`, never omitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = require_project_id)]
pub struct Thread {
    /// Thread id (UUIDv7).
    pub id: String,
    /// Experimental: the thread's environments when loaded, else null.
    #[serde(default)]
    pub environments: Option<Vec<ThreadEnvironment>>,
    /// Experimental, always null.
    #[serde(default)]
    pub extra: Option<serde_json::Value>,
    /// Session id (= `id` for root threads).
    pub session_id: String,
    /// Source thread of a fork.
    #[serde(default)]
    pub forked_from_id: Option<String>,
    /// Experimental, always null.
    #[serde(default)]
    pub attached_to_thread_id: Option<String>,
    /// Parent of a sub-agent thread.
    #[serde(default)]
    pub parent_thread_id: Option<String>,
    /// Usually the first user message; `""` before any.
    pub preview: String,
    /// Never written to disk.
    pub ephemeral: bool,
    /// UI section, null unless sections are used.
    #[serde(default)]
    pub section: Option<serde_json::Value>,
    /// When the thread entered its section.
    #[serde(default)]
    pub section_entered_at: Option<i64>,
    /// Required but nullable: project assignment.
    pub project_id: Option<String>,
    /// `legacy` or `paginated`. The member is not nullable: absent is written as `legacy`, the
    /// reference's default.
    #[serde(default, serialize_with = "history_mode_or_legacy")]
    #[schemars(with = "ThreadHistoryMode")]
    pub history_mode: Option<String>,
    /// Model provider id.
    pub model_provider: String,
    /// Current model when loaded, else the last persisted one.
    #[serde(default)]
    pub model: Option<String>,
    /// Current reasoning effort.
    #[serde(default)]
    pub reasoning_effort: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub updated_at: i64,
    /// Unix seconds: creation, then each turn start.
    #[serde(default)]
    pub recency_at: Option<i64>,
    /// Live computed status.
    pub status: ThreadStatus,
    /// The rollout file; null when ephemeral.
    #[serde(default)]
    pub path: Option<String>,
    /// Absolute working directory.
    pub cwd: String,
    /// Version of the server that created the thread.
    pub cli_version: String,
    /// Originator recorded at creation.
    #[serde(default)]
    pub originator: Option<String>,
    /// Where the thread came from.
    pub source: SessionSource,
    /// Experimental: true in start/resume/read results, null in lists.
    #[serde(default)]
    pub can_accept_direct_input: Option<bool>,
    /// Client-supplied analytics classification.
    #[serde(default)]
    pub thread_source: Option<String>,
    /// Sub-agent nickname.
    #[serde(default)]
    pub agent_nickname: Option<String>,
    /// Sub-agent role.
    #[serde(default)]
    pub agent_role: Option<String>,
    /// Git metadata at creation.
    #[serde(default)]
    pub git_info: Option<GitInfo>,
    /// User-set title.
    #[serde(default)]
    pub name: Option<String>,
    /// Experimental, always null.
    #[serde(default)]
    pub daybreak_enabled: Option<bool>,
    /// Filled only by resume, fork and read with `includeTurns`.
    pub turns: Vec<Turn>,
}

/// The history contract of a thread (`ThreadHistoryMode`), the schema of `Thread.historyMode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum ThreadHistoryMode {
    /// Whole-history reads (`includeTurns`); the default.
    #[default]
    Legacy,
    /// Paged reads through `thread/turns/list` and `thread/items/list`.
    Paginated,
}

fn history_mode_or_legacy<S: serde::Serializer>(
    history_mode: &Option<String>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(history_mode.as_deref().unwrap_or("legacy"))
}

/// `projectId` is required but nullable in the reference; schemars makes `Option` members
/// optional, so the requirement is added here.
fn require_project_id(schema: &mut schemars::Schema) {
    let required = schema
        .ensure_object()
        .entry("required")
        .or_insert_with(|| serde_json::Value::Array(Vec::new()));
    if let serde_json::Value::Array(required) = required
        && !required.iter().any(|name| name == "projectId")
    {
        required.push(serde_json::Value::from("projectId"));
    }
}

/// Experimental `Thread.environments` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThreadEnvironment {
    /// `local`.
    pub environment_id: String,
    /// The environment's cwd.
    pub cwd: String,
    /// Workspace roots of the environment.
    pub runtime_workspace_roots: Vec<String>,
}

/// Git metadata of a thread.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GitInfo {
    /// Commit sha.
    #[serde(default)]
    pub sha: Option<String>,
    /// Branch name.
    #[serde(default)]
    pub branch: Option<String>,
    /// Origin URL.
    #[serde(default)]
    pub origin_url: Option<String>,
}

/// A thread's computed status (tag `type`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum ThreadStatus {
    /// Not held by a live runtime.
    NotLoaded,
    /// Loaded, nothing running.
    Idle,
    /// Loaded; the last turn failed fatally.
    SystemError,
    /// A turn is running or a server request is pending.
    #[serde(rename_all = "camelCase")]
    Active {
        /// Pending approval / user-input flags, in that order.
        active_flags: Vec<ThreadActiveFlag>,
    },
}

/// Flags of an active thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum ThreadActiveFlag {
    /// An approval or permission request is pending.
    WaitingOnApproval,
    /// A user-input request is pending.
    WaitingOnUserInput,
}
