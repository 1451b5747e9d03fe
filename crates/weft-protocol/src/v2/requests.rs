//! Params and results of the methods weft implements (protocol.md §3.1).
//!
//! Params accept `null` or absence for every optional member; results write `null` for absent
//! optional members, as the reference does.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::v2::common::{
    ApprovalsReviewer, AskForApproval, ReasoningSummary, SandboxMode, SandboxPolicy, SortDirection,
    ThreadSortKey,
};
use crate::v2::item::{ThreadItem, UserInput};
use crate::v2::read_state::ThreadReadState;
use crate::v2::thread::Thread;
use crate::v2::turn::{Turn, TurnItemsView};

/// Settings overrides shared by `thread/start` and `thread/resume`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThreadSettingsOverrides {
    /// Model slug.
    #[serde(default)]
    pub model: Option<String>,
    /// Model provider id.
    #[serde(default)]
    pub model_provider: Option<String>,
    /// Service tier.
    #[serde(default)]
    pub service_tier: Option<String>,
    /// Working directory.
    #[serde(default)]
    pub cwd: Option<String>,
    /// Approval policy.
    #[serde(default)]
    pub approval_policy: Option<AskForApproval>,
    /// Approvals reviewer.
    #[serde(default)]
    pub approvals_reviewer: Option<ApprovalsReviewer>,
    /// Sandbox mode.
    #[serde(default)]
    pub sandbox: Option<SandboxMode>,
    /// Config-key overrides.
    #[serde(default)]
    pub config: Option<serde_json::Map<String, serde_json::Value>>,
    /// Replaces the base instructions.
    #[serde(default)]
    pub base_instructions: Option<String>,
    /// Developer instructions.
    #[serde(default)]
    pub developer_instructions: Option<String>,
    /// Deprecated personality.
    #[serde(default)]
    pub personality: Option<String>,
}

/// `thread/start` params.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThreadStartParams {
    /// Settings.
    #[serde(flatten)]
    pub settings: ThreadSettingsOverrides,
    /// Never write a rollout.
    #[serde(default)]
    pub ephemeral: Option<bool>,
    /// Service name (analytics).
    #[serde(default)]
    pub service_name: Option<String>,
    /// `startup` or `clear`.
    #[serde(default)]
    pub session_start_source: Option<String>,
    /// Analytics classification.
    #[serde(default)]
    pub thread_source: Option<String>,
    /// Experimental (`experimentalApi` only): send the model's raw items as
    /// `rawResponseItem/completed` to this thread's subscribers (lifecycle.md R10). Left out of
    /// the stable schema, as the reference leaves it out.
    #[serde(default)]
    #[schemars(skip)]
    pub experimental_raw_events: Option<bool>,
}

/// `thread/start` result; `thread/resume` shares most of it.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThreadStartResponse {
    /// The new thread.
    pub thread: Thread,
    /// Model slug.
    pub model: String,
    /// Model provider id.
    pub model_provider: String,
    /// Service tier.
    pub service_tier: Option<String>,
    /// Disabled plugin ids.
    #[serde(default)]
    pub disabled_plugin_ids: Vec<String>,
    /// Working directory.
    pub cwd: String,
    /// Experimental: workspace roots.
    pub runtime_workspace_roots: Vec<String>,
    /// Instruction files loaded.
    #[serde(default)]
    pub instruction_sources: Vec<String>,
    /// Approval policy.
    pub approval_policy: AskForApproval,
    /// Approvals reviewer.
    pub approvals_reviewer: ApprovalsReviewer,
    /// Resolved sandbox policy.
    pub sandbox: SandboxPolicy,
    /// Experimental, null.
    pub active_permission_profile: Option<serde_json::Value>,
    /// Reasoning effort.
    pub reasoning_effort: Option<String>,
    /// Experimental: `explicitRequestOnly`.
    pub multi_agent_mode: Option<String>,
}

/// `thread/resume` params.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThreadResumeParams {
    /// The thread to resume.
    pub thread_id: String,
    /// Settings overrides.
    #[serde(flatten)]
    pub settings: ThreadSettingsOverrides,
    /// Return metadata only, no turns.
    #[serde(default)]
    pub exclude_turns: Option<bool>,
    /// ★ Re-subscribe after this position of the thread's event stream (lifecycle.md R38):
    /// the notifications after it follow the response, and nothing before it is sent again.
    /// Honoured for connections that opted into `weftEventStream`; not in the reference's
    /// schema.
    #[serde(default)]
    #[schemars(skip)]
    pub weft_after_seq: Option<crate::v2::EventPosition>,
}

/// `thread/resume` result.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThreadResumeResponse {
    /// Everything `thread/start` answers.
    #[serde(flatten)]
    pub base: ThreadStartResponse,
    /// Collaboration mode (null).
    pub collaboration_mode: Option<serde_json::Value>,
    /// Experimental initial page (null).
    pub initial_turns_page: Option<serde_json::Value>,
    /// Cursor for `thread/turns/list` backwards.
    pub turns_backwards_cursor: Option<String>,
    /// Cursor for `thread/items/list` backwards.
    pub items_backwards_cursor: Option<String>,
}

/// `cwd` filter of `thread/list`: one path or several.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum CwdFilter {
    /// One path.
    One(String),
    /// Several paths.
    Many(Vec<String>),
}

/// `thread/list` params.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThreadListParams {
    /// Opaque cursor from a previous page.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Page size (default 25, clamped to 1…100).
    #[serde(default)]
    pub limit: Option<u32>,
    /// Sort key.
    #[serde(default)]
    pub sort_key: Option<ThreadSortKey>,
    /// Sort direction.
    #[serde(default)]
    pub sort_direction: Option<SortDirection>,
    /// Provider filter (absent → the configured provider; `[]` → all).
    #[serde(default)]
    pub model_providers: Option<Vec<String>>,
    /// Source-kind filter (absent or `[]` → interactive sources).
    #[serde(default)]
    pub source_kinds: Option<Vec<String>>,
    /// Archived filter.
    #[serde(default)]
    pub archived: Option<bool>,
    /// cwd filter.
    #[serde(default)]
    pub cwd: Option<CwdFilter>,
    /// Case-sensitive title substring.
    #[serde(default)]
    pub search_term: Option<String>,
    /// Section filter (ignored).
    #[serde(default)]
    pub section_id: Option<serde_json::Value>,
    /// Skip scan-and-repair.
    #[serde(default)]
    pub use_state_db_only: Option<bool>,
    /// Account filter (ignored locally).
    #[serde(default)]
    pub current_account_only: Option<bool>,
    /// Ids to leave out (≤ 100).
    #[serde(default)]
    pub excluded_thread_ids: Option<Vec<String>>,
    /// Originator filter (rejected when non-empty).
    #[serde(default)]
    pub originators: Option<Vec<String>>,
}

/// `thread/list` result.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThreadListResponse {
    /// The page.
    pub data: Vec<Thread>,
    /// Cursor of the next page; null on the last.
    pub next_cursor: Option<String>,
    /// Cursor for the reversed direction.
    pub backwards_cursor: Option<String>,
    /// Experimental: the read state of each durable thread of the page, by thread id.
    #[serde(default)]
    pub read_states: Option<std::collections::BTreeMap<String, ThreadReadState>>,
}

/// `thread/read` params.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThreadReadParams {
    /// The thread.
    pub thread_id: String,
    /// Include turns rebuilt from history.
    #[serde(default)]
    pub include_turns: Option<bool>,
}

/// `thread/read` result.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThreadReadResponse {
    /// The thread.
    pub thread: Thread,
    /// Experimental: its read state; `null` for a thread without one (ephemeral, sub-agent).
    #[serde(default)]
    pub read_state: Option<ThreadReadState>,
}

/// `thread/turns/list` params.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThreadTurnsListParams {
    /// The thread.
    pub thread_id: String,
    /// Opaque cursor.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Page size.
    #[serde(default)]
    pub limit: Option<u32>,
    /// Default descending.
    #[serde(default)]
    pub sort_direction: Option<SortDirection>,
    /// Default summary.
    #[serde(default)]
    pub items_view: Option<TurnItemsView>,
}

/// `thread/turns/list` result.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThreadTurnsListResponse {
    /// The page.
    pub data: Vec<Turn>,
    /// Next page cursor.
    pub next_cursor: Option<String>,
    /// Reverse-direction cursor.
    pub backwards_cursor: Option<String>,
}

/// `thread/items/list` params.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThreadItemsListParams {
    /// The thread.
    pub thread_id: String,
    /// Only this turn's items.
    #[serde(default)]
    pub turn_id: Option<String>,
    /// Opaque cursor (a string; anchors are not supported yet).
    #[serde(default)]
    pub cursor: Option<serde_json::Value>,
    /// Page size.
    #[serde(default)]
    pub limit: Option<u32>,
    /// Default ascending.
    #[serde(default)]
    pub sort_direction: Option<SortDirection>,
    /// Output deferral (ignored).
    #[serde(default)]
    pub defer_output: Option<serde_json::Value>,
}

/// One entry of `thread/items/list`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThreadItemEntry {
    /// The item's turn.
    pub turn_id: String,
    /// The item.
    pub item: ThreadItem,
    /// Unix ms.
    pub started_at_ms: Option<i64>,
    /// Unix ms.
    pub completed_at_ms: Option<i64>,
}

/// `thread/items/list` result.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThreadItemsListResponse {
    /// The page.
    pub data: Vec<ThreadItemEntry>,
    /// Next page cursor.
    pub next_cursor: Option<String>,
    /// Reverse-direction cursor.
    pub backwards_cursor: Option<String>,
}

/// `thread/loaded/list` params.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThreadLoadedListParams {
    /// A thread id; the page starts after it.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Page size (default: all).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// `thread/loaded/list` result.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThreadLoadedListResponse {
    /// Loaded thread ids, ascending.
    pub data: Vec<String>,
    /// Last id of the page when more remain.
    pub next_cursor: Option<String>,
}

/// `thread/unsubscribe` params.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThreadUnsubscribeParams {
    /// The thread.
    pub thread_id: String,
}

/// `thread/unsubscribe` result.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ThreadUnsubscribeResponse {
    /// What happened.
    pub status: UnsubscribeStatus,
}

/// Outcome of `thread/unsubscribe`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum UnsubscribeStatus {
    /// The thread is not loaded.
    NotLoaded,
    /// Loaded, the caller was not subscribed.
    NotSubscribed,
    /// Removed.
    Unsubscribed,
}

/// `turn/start` params.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TurnStartParams {
    /// The thread.
    pub thread_id: String,
    /// The user's input.
    pub input: Vec<UserInput>,
    /// Sticky model override.
    #[serde(default)]
    pub model: Option<String>,
    /// Sticky reasoning effort.
    #[serde(default)]
    pub effort: Option<String>,
    /// Sticky reasoning summary.
    #[serde(default)]
    pub summary: Option<ReasoningSummary>,
    /// Sticky cwd.
    #[serde(default)]
    pub cwd: Option<String>,
    /// Sticky approval policy.
    #[serde(default)]
    pub approval_policy: Option<AskForApproval>,
    /// Sticky reviewer.
    #[serde(default)]
    pub approvals_reviewer: Option<ApprovalsReviewer>,
    /// Sticky sandbox policy.
    #[serde(default)]
    pub sandbox_policy: Option<SandboxPolicy>,
    /// Sticky service tier.
    #[serde(default)]
    pub service_tier: Option<String>,
    /// Deprecated.
    #[serde(default)]
    pub personality: Option<String>,
    /// One-turn service tier.
    #[serde(default)]
    pub service_tier_for_turn: Option<String>,
    /// JSON Schema for the final message.
    #[serde(default)]
    pub output_schema: Option<serde_json::Value>,
    /// Echoed as the user item's `clientId`.
    #[serde(default)]
    pub client_user_message_id: Option<String>,
    /// Parent turn of delegated work.
    #[serde(default)]
    pub parent_turn_id: Option<String>,
    /// Root of the chain of work.
    #[serde(default)]
    pub root_turn_id: Option<String>,
    /// Analytics classification.
    #[serde(default)]
    pub turn_trigger: Option<String>,
    /// Tool output settings (accepted, not used yet).
    #[serde(default)]
    pub tool_output: Option<serde_json::Value>,
    /// Experimental: sticky collaboration mode `{mode, settings}` (`plan` enables
    /// `request_user_input`).
    #[serde(default)]
    pub collaboration_mode: Option<serde_json::Value>,
    /// Disabled plugins (accepted, not used yet).
    #[serde(default)]
    pub disabled_plugin_ids: Option<Vec<String>>,
}

/// `turn/start` result.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct TurnStartResponse {
    /// The new turn, `inProgress`, no items.
    pub turn: Turn,
}

/// `turn/interrupt` params.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TurnInterruptParams {
    /// The thread.
    pub thread_id: String,
    /// The running turn.
    pub turn_id: String,
}

/// `turn/interrupt` result: always `{}`, sent once the turn has stopped.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct TurnInterruptResponse {}

/// `turn/steer` params: more input for the running turn.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TurnSteerParams {
    /// The thread.
    pub thread_id: String,
    /// The input to add.
    pub input: Vec<UserInput>,
    /// The running turn the client means; the steer fails when another one runs.
    pub expected_turn_id: String,
    /// Echoed as the `userMessage` item's `clientId`.
    #[serde(default)]
    pub client_user_message_id: Option<String>,
}

/// `turn/steer` result.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TurnSteerResponse {
    /// The turn the input went to.
    pub turn_id: String,
}

/// `model/list` params.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ModelListParams {
    /// Opaque cursor.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Page size.
    #[serde(default)]
    pub limit: Option<u32>,
    /// Include hidden models.
    #[serde(default)]
    pub include_hidden: Option<bool>,
    /// Provider to list.
    #[serde(default)]
    pub model_provider: Option<String>,
}

/// One model of `model/list`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Model {
    /// Id (= slug).
    pub id: String,
    /// Slug sent to the provider.
    pub model: String,
    /// Display name.
    pub display_name: String,
    /// Description.
    pub description: String,
    /// Hidden from the default picker.
    pub hidden: bool,
    /// The configured default.
    pub is_default: bool,
    /// Default reasoning effort.
    pub default_reasoning_effort: String,
    /// Supported efforts, in order.
    pub supported_reasoning_efforts: Vec<ReasoningEffortOption>,
    /// `text`, `image`, `audio`.
    #[serde(default)]
    pub input_modalities: Vec<String>,
    /// Service tiers.
    #[serde(default)]
    pub service_tiers: Vec<serde_json::Value>,
    /// Default service tier.
    pub default_service_tier: Option<String>,
    /// Deprecated.
    #[serde(default)]
    pub additional_speed_tiers: Vec<String>,
    /// Upgrade target.
    pub upgrade: Option<String>,
    /// Upgrade details.
    pub upgrade_info: Option<serde_json::Value>,
    /// Availability notice.
    pub availability_nux: Option<serde_json::Value>,
    /// Access programs.
    pub available_access_programs: Option<serde_json::Value>,
    /// Specialty.
    pub model_specialty: Option<String>,
    /// Multi-agent runtime version.
    pub multi_agent_version: Option<String>,
    /// Always false.
    #[serde(default)]
    pub supports_personality: bool,
}

/// A reasoning effort with its description.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReasoningEffortOption {
    /// The effort.
    pub reasoning_effort: String,
    /// What it means.
    pub description: String,
}

/// `model/list` result.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ModelListResponse {
    /// The page.
    pub data: Vec<Model>,
    /// Next page cursor.
    pub next_cursor: Option<String>,
}

/// `config/read` params.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConfigReadParams {
    /// Include project layers for this directory.
    #[serde(default)]
    pub cwd: Option<String>,
    /// Return the layers too.
    #[serde(default)]
    pub include_layers: Option<bool>,
}

/// `config/read` result: the effective config with snake_case keys as in `config.toml`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConfigReadResponse {
    /// Effective config.
    pub config: serde_json::Map<String, serde_json::Value>,
    /// Dotted key → `{name: layer source, version}`.
    pub origins: serde_json::Map<String, serde_json::Value>,
    /// Layers, when asked.
    pub layers: Option<Vec<serde_json::Value>>,
}
