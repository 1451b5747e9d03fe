//! Small enums and settings shared by several v2 messages.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// When the agent asks before acting (`AskForApproval`). No `on-failure` in 0.169.0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum AskForApproval {
    /// One of the named policies.
    Policy(ApprovalPolicyName),
    /// Experimental `{"granular": {…}}`, kept verbatim.
    Granular {
        /// The granular rules.
        granular: serde_json::Value,
    },
}

/// The named approval policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ApprovalPolicyName {
    /// Ask for everything that is not known to be safe.
    Untrusted,
    /// The model decides when to ask.
    OnRequest,
    /// Never ask.
    Never,
}

impl AskForApproval {
    /// The config-file spelling (`untrusted`, `on-request`, `never`, `granular`).
    #[must_use]
    pub fn as_config_str(&self) -> &'static str {
        match self {
            Self::Policy(ApprovalPolicyName::Untrusted) => "untrusted",
            Self::Policy(ApprovalPolicyName::OnRequest) => "on-request",
            Self::Policy(ApprovalPolicyName::Never) => "never",
            Self::Granular { .. } => "granular",
        }
    }
}

/// Sandbox mode names (kebab-case), as in `thread/start.sandbox` and `sandbox_mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SandboxMode {
    /// Read anywhere, write nowhere.
    ReadOnly,
    /// Write inside the workspace roots.
    WorkspaceWrite,
    /// No sandbox.
    DangerFullAccess,
}

impl SandboxMode {
    /// The config-file spelling.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReadOnly => "read-only",
            Self::WorkspaceWrite => "workspace-write",
            Self::DangerFullAccess => "danger-full-access",
        }
    }
}

/// The resolved sandbox policy (`SandboxPolicy`, tag `type`, camelCase).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum SandboxPolicy {
    /// No sandbox.
    DangerFullAccess,
    /// Read-only.
    #[serde(rename_all = "camelCase")]
    ReadOnly {
        /// Whether network access is allowed.
        #[serde(default)]
        network_access: bool,
    },
    /// Sandbox provided by the environment.
    #[serde(rename_all = "camelCase")]
    ExternalSandbox {
        /// `restricted` or `enabled`. Not nullable: absent is written as `restricted`, the
        /// reference's default.
        #[serde(default, serialize_with = "network_access_or_restricted")]
        #[schemars(with = "NetworkAccess")]
        network_access: Option<String>,
    },
    /// Write inside the workspace.
    #[serde(rename_all = "camelCase")]
    WorkspaceWrite {
        /// Extra writable roots.
        #[serde(default)]
        writable_roots: Vec<String>,
        /// Whether network access is allowed.
        #[serde(default)]
        network_access: bool,
        /// Do not make `$TMPDIR` writable.
        #[serde(default)]
        exclude_tmpdir_env_var: bool,
        /// Do not make `/tmp` writable.
        #[serde(default)]
        exclude_slash_tmp: bool,
    },
}

/// Network access of an external sandbox (`NetworkAccess`), the schema of its `networkAccess`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum NetworkAccess {
    /// No network (the default).
    #[default]
    Restricted,
    /// Network allowed.
    Enabled,
}

fn network_access_or_restricted<S: serde::Serializer>(
    network_access: &Option<String>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(network_access.as_deref().unwrap_or("restricted"))
}

impl SandboxPolicy {
    /// The policy a sandbox mode stands for, with default options.
    #[must_use]
    pub fn from_mode(mode: SandboxMode) -> Self {
        match mode {
            SandboxMode::ReadOnly => Self::ReadOnly {
                network_access: false,
            },
            SandboxMode::WorkspaceWrite => Self::WorkspaceWrite {
                writable_roots: Vec::new(),
                network_access: false,
                exclude_tmpdir_env_var: false,
                exclude_slash_tmp: false,
            },
            SandboxMode::DangerFullAccess => Self::DangerFullAccess,
        }
    }

    /// The mode name this policy belongs to (`read-only`, …); external counts as full access.
    #[must_use]
    pub fn mode(&self) -> SandboxMode {
        match self {
            Self::ReadOnly { .. } => SandboxMode::ReadOnly,
            Self::WorkspaceWrite { .. } => SandboxMode::WorkspaceWrite,
            Self::DangerFullAccess | Self::ExternalSandbox { .. } => SandboxMode::DangerFullAccess,
        }
    }
}

/// Who reviews approval requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalsReviewer {
    /// The user, through the client.
    #[default]
    User,
    /// An automatic reviewer.
    AutoReview,
    /// Legacy spelling of the automatic reviewer.
    GuardianSubagent,
}

/// Reasoning summary setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReasoningSummary {
    /// Let the model decide.
    Auto,
    /// Short summaries.
    Concise,
    /// Long summaries.
    Detailed,
    /// No summaries.
    None,
}

/// Sort direction of paginated lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SortDirection {
    /// Oldest first.
    Asc,
    /// Newest first (the default).
    #[default]
    Desc,
}

/// Sort key of `thread/list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ThreadSortKey {
    /// Creation time (the default).
    #[default]
    CreatedAt,
    /// Last update.
    UpdatedAt,
    /// Creation, then each turn start.
    RecencyAt,
    /// UI section order (weft: sorts as `created_at`).
    SectionPosition,
}

/// Where a thread came from (`SessionSource`): a name, or `{custom}` / `{subAgent}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum SessionSource {
    /// `cli`, `vscode`, `exec`, `appServer`, `unknown`.
    Named(SessionSourceName),
    /// `{"custom": name}`.
    Custom {
        /// The custom source name.
        custom: String,
    },
    /// `{"subAgent": …}`, kept verbatim.
    SubAgent {
        /// The sub-agent source.
        #[serde(rename = "subAgent")]
        sub_agent: serde_json::Value,
    },
}

/// The named session sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum SessionSourceName {
    /// The Codex TUI.
    Cli,
    /// An editor extension (what app-server clients record).
    Vscode,
    /// `codex exec`.
    Exec,
    /// A generic app-server client.
    AppServer,
    /// Unknown.
    Unknown,
}

impl SessionSource {
    /// The rollout's `session_meta.source` spelling mapped to the wire (`vscode` → `vscode`,
    /// `mcp` → `appServer`, anything unknown → `unknown`).
    #[must_use]
    pub fn from_rollout(source: &serde_json::Value) -> Self {
        match source.as_str() {
            Some("cli") => Self::Named(SessionSourceName::Cli),
            Some("vscode") => Self::Named(SessionSourceName::Vscode),
            Some("exec") => Self::Named(SessionSourceName::Exec),
            Some("mcp" | "app_server" | "appServer") => Self::Named(SessionSourceName::AppServer),
            Some(_) => Self::Named(SessionSourceName::Unknown),
            None if source.get("subagent").is_some() => Self::SubAgent {
                sub_agent: source["subagent"].clone(),
            },
            None => Self::Named(SessionSourceName::Unknown),
        }
    }

    /// The `sourceKinds` filter name of this source (`cli`, `vscode`, `exec`, `appServer`,
    /// `subAgent`, `custom`, `unknown`).
    #[must_use]
    pub fn kind_name(&self) -> &'static str {
        match self {
            Self::Named(SessionSourceName::Cli) => "cli",
            Self::Named(SessionSourceName::Vscode) => "vscode",
            Self::Named(SessionSourceName::Exec) => "exec",
            Self::Named(SessionSourceName::AppServer) => "appServer",
            Self::Named(SessionSourceName::Unknown) => "unknown",
            Self::Custom { .. } => "custom",
            Self::SubAgent { .. } => "subAgent",
        }
    }
}
