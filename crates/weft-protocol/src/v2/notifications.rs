//! Server notifications weft emits (protocol.md §4), as one enum tagged by `method`.
//!
//! Core code builds these values directly (one vocabulary, style.md §2); only the server wraps
//! them in an envelope with `emittedAtMs` and decides who receives them.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::v2::command_exec::CommandExecOutputDeltaNotification;
use crate::v2::goal::ThreadGoalUpdatedNotification;
use crate::v2::item::ThreadItem;
use crate::v2::read_state::ThreadReadStateChangedNotification;
use crate::v2::thread::{Thread, ThreadStatus};
use crate::v2::turn::{ThreadTokenUsage, Turn, TurnError};

/// A notification from server to client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "method", content = "params")]
#[allow(
    clippy::large_enum_variant,
    reason = "built and serialised once, never stored in bulk"
)]
pub enum ServerNotification {
    /// An error during a turn.
    #[serde(rename = "error")]
    Error(ErrorNotification),
    /// A thread was created.
    #[serde(rename = "thread/started")]
    ThreadStarted(ThreadStartedNotification),
    /// A loaded thread's status changed.
    #[serde(rename = "thread/status/changed")]
    ThreadStatusChanged(ThreadStatusChangedNotification),
    /// A thread was unloaded after being idle.
    #[serde(rename = "thread/closed")]
    ThreadClosed(ThreadIdNotification),
    /// A thread's rollout moved to the archived folder (after the `thread/archive` answer).
    #[serde(rename = "thread/archived")]
    ThreadArchived(ThreadIdNotification),
    /// An archived thread was restored (after the `thread/unarchive` answer).
    #[serde(rename = "thread/unarchived")]
    ThreadUnarchived(ThreadIdNotification),
    /// Experimental (`experimentalApi` connections of threads started with
    /// `experimentalRawEvents`): one item of the model's output as the model sent it.
    #[serde(rename = "rawResponseItem/completed")]
    #[schemars(skip)]
    RawResponseItemCompleted(RawResponseItemCompletedNotification),
    /// A thread and its rollout were deleted (after the `thread/delete` answer).
    #[serde(rename = "thread/deleted")]
    ThreadDeleted(ThreadIdNotification),
    /// A thread was renamed (after the `thread/name/set` answer).
    #[serde(rename = "thread/name/updated")]
    ThreadNameUpdated(ThreadNameUpdatedNotification),
    /// A thread's goal was created or changed (by a request, a goal tool, token accounting),
    /// or is the snapshot after a resume.
    #[serde(rename = "thread/goal/updated")]
    ThreadGoalUpdated(ThreadGoalUpdatedNotification),
    /// A thread's read state changed (an update, or a turn that ended with a result needing
    /// attention); only `experimentalApi` connections get it (weft-server's writer filters).
    #[serde(rename = "thread/readState/changed")]
    ThreadReadStateChanged(ThreadReadStateChangedNotification),
    /// The goal of a thread was removed, or there is none (snapshot after resume).
    #[serde(rename = "thread/goal/cleared")]
    ThreadGoalCleared(ThreadIdNotification),
    /// Token usage after a model response.
    #[serde(rename = "thread/tokenUsage/updated")]
    ThreadTokenUsageUpdated(ThreadTokenUsageUpdatedNotification),
    /// A turn began running.
    #[serde(rename = "turn/started")]
    TurnStarted(TurnNotification),
    /// A turn ended.
    #[serde(rename = "turn/completed")]
    TurnCompleted(TurnNotification),
    /// An item began.
    #[serde(rename = "item/started")]
    ItemStarted(ItemStartedNotification),
    /// An item reached its final state.
    #[serde(rename = "item/completed")]
    ItemCompleted(ItemCompletedNotification),
    /// Streamed agent text.
    #[serde(rename = "item/agentMessage/delta")]
    AgentMessageDelta(ItemDeltaNotification),
    /// Streamed reasoning summary text.
    #[serde(rename = "item/reasoning/summaryTextDelta")]
    ReasoningSummaryTextDelta(ReasoningSummaryTextDeltaNotification),
    /// A reasoning summary section starts.
    #[serde(rename = "item/reasoning/summaryPartAdded")]
    ReasoningSummaryPartAdded(ReasoningSummaryPartAddedNotification),
    /// Raw reasoning text.
    #[serde(rename = "item/reasoning/textDelta")]
    ReasoningTextDelta(ReasoningTextDeltaNotification),
    /// A non-fatal warning.
    #[serde(rename = "warning")]
    Warning(WarningNotification),
    /// A configuration problem, to one connection.
    #[serde(rename = "configWarning")]
    ConfigWarning(ConfigWarningNotification),
    /// A server request was answered or cleared; clients close its dialog.
    #[serde(rename = "serverRequest/resolved")]
    ServerRequestResolved(ServerRequestResolvedNotification),
    /// Streamed output of a running command.
    #[serde(rename = "item/commandExecution/outputDelta")]
    CommandExecutionOutputDelta(ItemDeltaNotification),
    /// The turn's aggregated diff changed.
    #[serde(rename = "turn/diff/updated")]
    TurnDiffUpdated(TurnDiffUpdatedNotification),
    /// The model updated its plan (`update_plan`).
    #[serde(rename = "turn/plan/updated")]
    TurnPlanUpdated(TurnPlanUpdatedNotification),
    /// Output of a streaming `command/exec`, to the connection that started it.
    #[serde(rename = "command/exec/outputDelta")]
    CommandExecOutputDelta(CommandExecOutputDeltaNotification),
}

impl ServerNotification {
    /// The wire method name.
    #[must_use]
    pub fn method(&self) -> &'static str {
        match self {
            Self::Error(_) => "error",
            Self::ThreadStarted(_) => "thread/started",
            Self::ThreadStatusChanged(_) => "thread/status/changed",
            Self::ThreadClosed(_) => "thread/closed",
            Self::ThreadArchived(_) => "thread/archived",
            Self::ThreadUnarchived(_) => "thread/unarchived",
            Self::ThreadDeleted(_) => "thread/deleted",
            Self::RawResponseItemCompleted(_) => "rawResponseItem/completed",
            Self::ThreadNameUpdated(_) => "thread/name/updated",
            Self::ThreadGoalUpdated(_) => "thread/goal/updated",
            Self::ThreadReadStateChanged(_) => "thread/readState/changed",
            Self::ThreadGoalCleared(_) => "thread/goal/cleared",
            Self::ThreadTokenUsageUpdated(_) => "thread/tokenUsage/updated",
            Self::TurnStarted(_) => "turn/started",
            Self::TurnCompleted(_) => "turn/completed",
            Self::ItemStarted(_) => "item/started",
            Self::ItemCompleted(_) => "item/completed",
            Self::AgentMessageDelta(_) => "item/agentMessage/delta",
            Self::ReasoningSummaryTextDelta(_) => "item/reasoning/summaryTextDelta",
            Self::ReasoningSummaryPartAdded(_) => "item/reasoning/summaryPartAdded",
            Self::ReasoningTextDelta(_) => "item/reasoning/textDelta",
            Self::Warning(_) => "warning",
            Self::ConfigWarning(_) => "configWarning",
            Self::ServerRequestResolved(_) => "serverRequest/resolved",
            Self::CommandExecutionOutputDelta(_) => "item/commandExecution/outputDelta",
            Self::TurnDiffUpdated(_) => "turn/diff/updated",
            Self::TurnPlanUpdated(_) => "turn/plan/updated",
            Self::CommandExecOutputDelta(_) => "command/exec/outputDelta",
        }
    }

    /// The params as JSON (the envelope adds `method` and `emittedAtMs`).
    ///
    /// # Errors
    /// Only if a value cannot be represented as JSON, which the types rule out.
    pub fn params_json(&self) -> Result<serde_json::Value, serde_json::Error> {
        let mut tagged = serde_json::to_value(self)?;
        Ok(tagged
            .get_mut("params")
            .map(serde_json::Value::take)
            .unwrap_or_default())
    }
}

/// `rawResponseItem/completed` params (experimental).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RawResponseItemCompletedNotification {
    /// The thread.
    pub thread_id: String,
    /// The turn.
    pub turn_id: String,
    /// The Responses API item, untouched.
    pub item: serde_json::Value,
}

/// `thread/name/updated` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThreadNameUpdatedNotification {
    /// The thread.
    pub thread_id: String,
    /// Its new name.
    pub thread_name: Option<String>,
}

/// `error` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorNotification {
    /// The error.
    pub error: TurnError,
    /// True when the server retries.
    pub will_retry: bool,
    /// The thread.
    pub thread_id: String,
    /// The turn.
    pub turn_id: String,
}

/// `thread/started` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ThreadStartedNotification {
    /// The new thread.
    pub thread: Thread,
}

/// `thread/status/changed` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThreadStatusChangedNotification {
    /// The thread.
    pub thread_id: String,
    /// Its new status.
    pub status: ThreadStatus,
}

/// Params that are only a thread id (`thread/closed`, `thread/goal/cleared`, …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThreadIdNotification {
    /// The thread.
    pub thread_id: String,
}

/// `thread/tokenUsage/updated` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThreadTokenUsageUpdatedNotification {
    /// The thread.
    pub thread_id: String,
    /// The turn whose response produced the usage.
    pub turn_id: String,
    /// Usage.
    pub token_usage: ThreadTokenUsage,
}

/// `turn/started` / `turn/completed` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TurnNotification {
    /// The thread.
    pub thread_id: String,
    /// The turn.
    pub turn: Turn,
}

/// `item/started` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ItemStartedNotification {
    /// The item, complete enough to render.
    pub item: ThreadItem,
    /// The thread.
    pub thread_id: String,
    /// The turn.
    pub turn_id: String,
    /// Unix ms.
    pub started_at_ms: i64,
}

/// `item/completed` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ItemCompletedNotification {
    /// The item's final state.
    pub item: ThreadItem,
    /// The thread.
    pub thread_id: String,
    /// The turn.
    pub turn_id: String,
    /// Native content tokens (null).
    pub content_token_count: Option<i64>,
    /// Unix ms.
    pub completed_at_ms: i64,
}

/// `item/agentMessage/delta` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ItemDeltaNotification {
    /// The thread.
    pub thread_id: String,
    /// The turn.
    pub turn_id: String,
    /// The item.
    pub item_id: String,
    /// Text to append.
    pub delta: String,
}

/// `item/reasoning/summaryTextDelta` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReasoningSummaryTextDeltaNotification {
    /// The thread.
    pub thread_id: String,
    /// The turn.
    pub turn_id: String,
    /// The item.
    pub item_id: String,
    /// Text to append.
    pub delta: String,
    /// Summary section.
    pub summary_index: i64,
}

/// `item/reasoning/summaryPartAdded` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReasoningSummaryPartAddedNotification {
    /// The thread.
    pub thread_id: String,
    /// The turn.
    pub turn_id: String,
    /// The item.
    pub item_id: String,
    /// The new section.
    pub summary_index: i64,
}

/// `item/reasoning/textDelta` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReasoningTextDeltaNotification {
    /// The thread.
    pub thread_id: String,
    /// The turn.
    pub turn_id: String,
    /// The item.
    pub item_id: String,
    /// Text to append.
    pub delta: String,
    /// Content part.
    pub content_index: i64,
}

/// `warning` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WarningNotification {
    /// The warning.
    pub message: String,
    /// The thread, when thread-scoped.
    pub thread_id: Option<String>,
}

/// `configWarning` params. `details` is always written (`null` when absent); `path` and `range`
/// are omitted unless the warning points into a config file, as the reference writes them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConfigWarningNotification {
    /// One-line summary.
    pub summary: String,
    /// Details.
    pub details: Option<String>,
    /// The config file the warning is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Where in that file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<TextRange>,
}

/// A place in a text file: 1-based line, 1-based column counted in Unicode scalar values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TextPosition {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column number (in Unicode scalar values).
    pub column: usize,
}

/// A span of a text file, both ends inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TextRange {
    /// The first character.
    pub start: TextPosition,
    /// The last character.
    pub end: TextPosition,
}

/// `serverRequest/resolved` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServerRequestResolvedNotification {
    /// The thread that asked.
    pub thread_id: String,
    /// The server request's id.
    pub request_id: crate::RequestId,
}

/// `turn/diff/updated` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TurnDiffUpdatedNotification {
    /// The thread.
    pub thread_id: String,
    /// The turn.
    pub turn_id: String,
    /// The turn's aggregated git-style diff.
    pub diff: String,
}

/// `turn/plan/updated` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TurnPlanUpdatedNotification {
    /// The thread.
    pub thread_id: String,
    /// The turn.
    pub turn_id: String,
    /// The model's explanation.
    pub explanation: Option<String>,
    /// The steps.
    pub plan: Vec<TurnPlanStep>,
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TurnPlanStep {
    /// The step.
    pub step: String,
    /// Its status.
    pub status: TurnPlanStepStatus,
}

/// Status of a plan step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum TurnPlanStepStatus {
    /// Not started.
    Pending,
    /// Being worked on.
    InProgress,
    /// Done.
    Completed,
}
