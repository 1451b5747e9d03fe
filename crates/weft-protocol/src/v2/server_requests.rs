//! Server requests (server → client) and what clients answer (protocol.md §5).
//!
//! Every method of the reference's `ServerRequest.json` has a variant. The ones weft sends today
//! (command and file-change approvals, user input, dynamic tool calls) have typed params and
//! typed answers; the others carry their params as JSON until the feature that sends them lands
//! (MCP elicitation, permission requests, ChatGPT token refresh, attestation, and the two v1
//! legacy approvals, which v2 flows never send). Ids are not part of these types: the core
//! numbers requests and the server wraps them in `{"method","id","params"}`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A request from server to client, tagged by `method`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "method", content = "params")]
pub enum ServerRequest {
    /// Ask the user to approve a command.
    #[serde(rename = "item/commandExecution/requestApproval")]
    CommandExecutionRequestApproval(CommandExecutionRequestApprovalParams),
    /// Ask the user to approve a patch.
    #[serde(rename = "item/fileChange/requestApproval")]
    FileChangeRequestApproval(FileChangeRequestApprovalParams),
    /// Ask the user questions (`request_user_input` tool).
    #[serde(rename = "item/tool/requestUserInput")]
    ToolRequestUserInput(ToolRequestUserInputParams),
    /// Forward an MCP server's elicitation (params kept as JSON until MCP lands).
    #[serde(rename = "mcpServer/elicitation/request")]
    McpServerElicitationRequest(Value),
    /// Ask for additional permissions (params kept as JSON until the tool lands).
    #[serde(rename = "item/permissions/requestApproval")]
    PermissionsRequestApproval(Value),
    /// Run a client-provided (dynamic) tool.
    #[serde(rename = "item/tool/call")]
    DynamicToolCall(DynamicToolCallParams),
    /// Refresh ChatGPT tokens (not used by a self-hosted server).
    #[serde(rename = "account/chatgptAuthTokens/refresh")]
    ChatgptAuthTokensRefresh(Value),
    /// Produce an attestation token (not used by a self-hosted server).
    #[serde(rename = "attestation/generate")]
    AttestationGenerate(Value),
    /// v1 legacy patch approval; never sent by weft.
    #[serde(rename = "applyPatchApproval")]
    ApplyPatchApproval(Value),
    /// v1 legacy command approval; never sent by weft.
    #[serde(rename = "execCommandApproval")]
    ExecCommandApproval(Value),
}

impl ServerRequest {
    /// The wire method name.
    #[must_use]
    pub fn method(&self) -> &'static str {
        match self {
            Self::CommandExecutionRequestApproval(_) => "item/commandExecution/requestApproval",
            Self::FileChangeRequestApproval(_) => "item/fileChange/requestApproval",
            Self::ToolRequestUserInput(_) => "item/tool/requestUserInput",
            Self::McpServerElicitationRequest(_) => "mcpServer/elicitation/request",
            Self::PermissionsRequestApproval(_) => "item/permissions/requestApproval",
            Self::DynamicToolCall(_) => "item/tool/call",
            Self::ChatgptAuthTokensRefresh(_) => "account/chatgptAuthTokens/refresh",
            Self::AttestationGenerate(_) => "attestation/generate",
            Self::ApplyPatchApproval(_) => "applyPatchApproval",
            Self::ExecCommandApproval(_) => "execCommandApproval",
        }
    }

    /// The item the request is about (`itemId`; `callId` for a dynamic tool call), which
    /// names it across a restart: a tool that runs again asks again about the same item.
    #[must_use]
    pub fn item_id(&self) -> Option<&str> {
        match self {
            Self::CommandExecutionRequestApproval(params) => Some(&params.item_id),
            Self::FileChangeRequestApproval(params) => Some(&params.item_id),
            Self::ToolRequestUserInput(params) => Some(&params.item_id),
            Self::DynamicToolCall(params) => Some(&params.call_id),
            Self::McpServerElicitationRequest(params)
            | Self::PermissionsRequestApproval(params)
            | Self::ApplyPatchApproval(params)
            | Self::ExecCommandApproval(params) => params.get("itemId").and_then(Value::as_str),
            Self::ChatgptAuthTokensRefresh(_) | Self::AttestationGenerate(_) => None,
        }
    }

    /// Whether answering it is a decision on an approval: the thread shows
    /// `waitingOnApproval` while it is pending (protocol.md §5.1); user input shows
    /// `waitingOnUserInput`; the rest show nothing.
    #[must_use]
    pub fn waiting_flag(&self) -> Option<crate::v2::ThreadActiveFlag> {
        use crate::v2::ThreadActiveFlag;
        match self {
            Self::CommandExecutionRequestApproval(_)
            | Self::FileChangeRequestApproval(_)
            | Self::PermissionsRequestApproval(_)
            | Self::ApplyPatchApproval(_)
            | Self::ExecCommandApproval(_) => Some(ThreadActiveFlag::WaitingOnApproval),
            Self::ToolRequestUserInput(_) | Self::McpServerElicitationRequest(_) => {
                Some(ThreadActiveFlag::WaitingOnUserInput)
            }
            Self::DynamicToolCall(_)
            | Self::ChatgptAuthTokensRefresh(_)
            | Self::AttestationGenerate(_) => None,
        }
    }
}

/// `item/commandExecution/requestApproval` params (protocol.md §5.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommandExecutionRequestApprovalParams {
    /// `command` (ordinary), `writeStdin` or `humanCommand`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The thread.
    pub thread_id: String,
    /// The turn.
    pub turn_id: String,
    /// The `commandExecution` item (= the model's call id).
    pub item_id: String,
    /// Unix ms when the request started.
    pub started_at_ms: i64,
    /// Fresh id for a retry approval of the same item; absent for the first one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_id: Option<String>,
    /// `local`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment_id: Option<String>,
    /// Display string of the command.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// Working directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// Parsed actions, wire JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command_actions: Option<Vec<Value>>,
    /// Why the approval is asked (the model's justification, or a retry reason).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `{host, protocol}` for a network approval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_approval_context: Option<Value>,
    /// The prefix the user may allow permanently.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposed_execpolicy_amendment: Option<Vec<String>>,
    /// Network rules the user may persist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposed_network_policy_amendments: Option<Vec<Value>>,
    /// Experimental: the decisions the client may offer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_decisions: Option<Vec<Value>>,
}

/// A decision on a command approval (`CommandExecutionApprovalDecision`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum CommandExecutionApprovalDecision {
    /// Run it once.
    Accept,
    /// Run it, and the same command again this session without asking.
    AcceptForSession,
    /// Run it and allow the prefix permanently.
    AcceptWithExecpolicyAmendment {
        /// The allowed argv prefix.
        execpolicy_amendment: Vec<String>,
    },
    /// Persist a network rule; `deny` counts as a decline.
    ApplyNetworkPolicyAmendment {
        /// `{host, action}`.
        network_policy_amendment: NetworkPolicyAmendment,
    },
    /// Do not run it; the turn goes on.
    Decline,
    /// Do not run it; interrupt the turn.
    Cancel,
}

/// A network rule the user chose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct NetworkPolicyAmendment {
    /// The host.
    pub host: String,
    /// `allow` or `deny`.
    pub action: String,
}

/// `item/commandExecution/requestApproval` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CommandExecutionRequestApprovalResponse {
    /// The decision.
    pub decision: CommandExecutionApprovalDecision,
}

/// `item/fileChange/requestApproval` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FileChangeRequestApprovalParams {
    /// The thread.
    pub thread_id: String,
    /// The turn.
    pub turn_id: String,
    /// The `fileChange` item.
    pub item_id: String,
    /// Unix ms when the request started.
    pub started_at_ms: i64,
    /// Why (the model's justification), if any.
    #[serde(default)]
    pub reason: Option<String>,
    /// A root the patch wants to make writable for the session.
    #[serde(default)]
    pub grant_root: Option<String>,
}

/// A decision on a patch approval (`FileChangeApprovalDecision`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum FileChangeApprovalDecision {
    /// Apply it.
    Accept,
    /// Apply it, and later changes to the same files without asking.
    AcceptForSession,
    /// Do not apply it; the turn goes on.
    Decline,
    /// Do not apply it; interrupt the turn.
    Cancel,
}

/// `item/fileChange/requestApproval` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FileChangeRequestApprovalResponse {
    /// The decision.
    pub decision: FileChangeApprovalDecision,
}

/// `item/tool/requestUserInput` params (experimental in the schema).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ToolRequestUserInputParams {
    /// The thread.
    pub thread_id: String,
    /// The turn.
    pub turn_id: String,
    /// The tool call.
    pub item_id: String,
    /// Whether the turn waits for the answer.
    pub is_blocking: bool,
    /// The questions.
    pub questions: Vec<UserInputQuestion>,
}

/// One question of `request_user_input`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserInputQuestion {
    /// Stable id the answers map uses.
    pub id: String,
    /// Short header.
    pub header: String,
    /// The question.
    pub question: String,
    /// Choices.
    #[serde(default)]
    pub options: Option<Vec<UserInputOption>>,
    /// The client adds a free-form "Other" option.
    #[serde(default)]
    pub is_other: bool,
    /// The answer is a secret.
    #[serde(default)]
    pub is_secret: bool,
}

/// One choice of a question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct UserInputOption {
    /// Label.
    pub label: String,
    /// Impact of the choice.
    pub description: String,
}

/// `item/tool/requestUserInput` answer: question id → answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ToolRequestUserInputResponse {
    /// Answers by question id.
    pub answers: std::collections::BTreeMap<String, UserInputAnswer>,
}

/// The answers to one question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct UserInputAnswer {
    /// Chosen labels or free text.
    pub answers: Vec<String>,
}

/// `item/tool/call` params (dynamic tools; experimental).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DynamicToolCallParams {
    /// The thread.
    pub thread_id: String,
    /// The turn.
    pub turn_id: String,
    /// The model's call id.
    pub call_id: String,
    /// Tool name.
    pub tool: String,
    /// Tool namespace.
    #[serde(default)]
    pub namespace: Option<String>,
    /// Arguments as the model sent them (parsed JSON).
    pub arguments: Value,
}
