//! The v2 surface: threads, turns, items, their methods and notifications.

mod command_exec;
mod common;
mod event_stream;
mod goal;
mod item;
mod notifications;
mod read_state;
mod requests;
mod server_requests;
mod thread;
mod turn;

pub use command_exec::{
    COMMAND_EMPTY, CommandExecOutputDeltaNotification, CommandExecOutputStream, CommandExecParams,
    CommandExecResizeParams, CommandExecResizeResponse, CommandExecResponse,
    CommandExecTerminalSize, CommandExecTerminateParams, CommandExecTerminateResponse,
    CommandExecWriteParams, CommandExecWriteResponse, OUTPUT_CAP_CONFLICT, PROCESS_ID_REQUIRED,
    SIZE_REQUIRES_TTY, SIZE_ZERO, STDIN_CLOSED, STDIN_NOT_STREAMING, TIMEOUT_CONFLICT,
    ThreadShellCommandParams, ThreadShellCommandResponse, WRITE_NEEDS_INPUT,
};
pub use common::{
    ApprovalPolicyName, ApprovalsReviewer, AskForApproval, NetworkAccess, ReasoningSummary,
    SandboxMode, SandboxPolicy, SessionSource, SessionSourceName, SortDirection, ThreadSortKey,
};
pub use event_stream::{EVENT_STREAM_GAP, EventPosition};
pub use goal::{
    ThreadGoal, ThreadGoalClearParams, ThreadGoalClearResponse, ThreadGoalGetParams,
    ThreadGoalGetResponse, ThreadGoalMutationOrigin, ThreadGoalSetParams, ThreadGoalSetResponse,
    ThreadGoalStatus, ThreadGoalUpdatedNotification, validate_goal_budget, validate_goal_objective,
};
pub use item::{
    CommandExecutionSource, FileUpdateChange, ItemBody, PatchChangeKind, ThreadItem, UserInput,
};
pub use notifications::{
    ConfigWarningNotification, ErrorNotification, ItemCompletedNotification, ItemDeltaNotification,
    ItemStartedNotification, RawResponseItemCompletedNotification,
    ReasoningSummaryPartAddedNotification, ReasoningSummaryTextDeltaNotification,
    ReasoningTextDeltaNotification, ServerNotification, ServerRequestResolvedNotification,
    TextPosition, TextRange, ThreadIdNotification, ThreadNameUpdatedNotification,
    ThreadStartedNotification, ThreadStatusChangedNotification,
    ThreadTokenUsageUpdatedNotification, TurnDiffUpdatedNotification, TurnNotification,
    TurnPlanStep, TurnPlanStepStatus, TurnPlanUpdatedNotification, WarningNotification,
};
pub use read_state::{
    ThreadMetadataGitInfoUpdateParams, ThreadMetadataUpdateParams, ThreadMetadataUpdateResponse,
    ThreadReadState, ThreadReadStateChangedNotification, ThreadReadStateOperation,
    ThreadReadStateUpdateParams, ThreadReadStateUpdateResponse, ThreadUnreadPosition,
    initial_read_state_revision,
};
pub use requests::{
    ConfigReadParams, ConfigReadResponse, CwdFilter, Model, ModelListParams, ModelListResponse,
    ReasoningEffortOption, ThreadItemEntry, ThreadItemsListParams, ThreadItemsListResponse,
    ThreadListParams, ThreadListResponse, ThreadLoadedListParams, ThreadLoadedListResponse,
    ThreadReadParams, ThreadReadResponse, ThreadResumeParams, ThreadResumeResponse,
    ThreadSettingsOverrides, ThreadStartParams, ThreadStartResponse, ThreadTurnsListParams,
    ThreadTurnsListResponse, ThreadUnsubscribeParams, ThreadUnsubscribeResponse,
    TurnInterruptParams, TurnInterruptResponse, TurnStartParams, TurnStartResponse,
    TurnSteerParams, TurnSteerResponse, UnsubscribeStatus,
};
pub use server_requests::{
    CommandExecutionApprovalDecision, CommandExecutionRequestApprovalParams,
    CommandExecutionRequestApprovalResponse, DynamicToolCallParams, FileChangeApprovalDecision,
    FileChangeRequestApprovalParams, FileChangeRequestApprovalResponse, NetworkPolicyAmendment,
    ServerRequest, ToolRequestUserInputParams, ToolRequestUserInputResponse, UserInputAnswer,
    UserInputOption, UserInputQuestion,
};
pub use thread::{
    GitInfo, Thread, ThreadActiveFlag, ThreadEnvironment, ThreadHistoryMode, ThreadStatus,
};
pub use turn::{ThreadTokenUsage, TokenUsageBreakdown, Turn, TurnError, TurnItemsView, TurnStatus};
