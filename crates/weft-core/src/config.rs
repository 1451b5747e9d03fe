//! The settings the core runs with, resolved by weft-cli from `config.toml`, `-c` overrides and
//! flags, and the per-thread settings derived from them.

use std::path::PathBuf;

use weft_protocol::v2::{
    ApprovalsReviewer, AskForApproval, ReasoningSummary, SandboxMode, SandboxPolicy, TextRange,
};

/// Process-wide settings, created once in `main` and shared read-only.
#[derive(Debug, Clone)]
pub struct CoreConfig {
    /// The home folder (`$WEFT_HOME`, else `$CODEX_HOME`, else `~/.weft`).
    pub home: PathBuf,
    /// The server's working directory (default thread cwd; base for relative paths).
    pub server_cwd: PathBuf,
    /// Default model slug.
    pub model: String,
    /// Default model provider id.
    pub model_provider: String,
    /// Default approval policy.
    pub approval_policy: AskForApproval,
    /// Default sandbox mode.
    pub sandbox_mode: SandboxMode,
    /// Default reasoning effort (`model_reasoning_effort`).
    pub reasoning_effort: Option<String>,
    /// Default reasoning summary (`model_reasoning_summary`).
    pub reasoning_summary: Option<ReasoningSummary>,
    /// `developer_instructions`.
    pub developer_instructions: Option<String>,
    /// `instructions` / `model_instructions_file`: replaces weft's base instructions.
    pub base_instructions: Option<String>,
    /// `model_context_window` override.
    pub model_context_window: Option<i64>,
    /// The effective config as snake_case JSON, for `config/read`.
    pub effective: serde_json::Map<String, serde_json::Value>,
    /// Where each effective key came from (`config/read` origins).
    pub origins: serde_json::Map<String, serde_json::Value>,
    /// Models offered by `model/list` (slugs), the default first.
    pub models: Vec<String>,
    /// The `workspace-write` policy with `[sandbox_workspace_write]` applied (writable roots,
    /// network, tmp exclusions); used when a thread asks for `workspace-write` by name.
    pub workspace_write: SandboxPolicy,
    /// `include_apply_patch_tool`: offer `apply_patch` as a JSON function tool (patches are
    /// always accepted through `exec_command` too).
    pub include_apply_patch_tool: bool,
    /// `include_plan_tool`: offer `update_plan`.
    pub include_plan_tool: bool,
    /// Whether this kernel can enforce the sandbox, probed once at start. Without it,
    /// sandboxed commands are refused (never run unsandboxed) and clients get a `configWarning`.
    pub sandbox_support: weft_sandbox::Support,
    /// `thread_unload_delay_secs`: how long a loaded thread with no subscribers and nothing
    /// running stays in memory before it is unloaded (lifecycle.md R12, R13; default
    /// [`THREAD_UNLOAD_DELAY_DEFAULT`]).
    pub thread_unload_delay: std::time::Duration,
    /// Thread goals (`thread/goal/*`, the goal tools, continuation turns).
    pub goals: GoalsConfig,
    /// `durable_approvals` (lifecycle.md R37 ★, off by default): server requests a turn waits
    /// on are recorded durably, so a restart finds the turn suspended on them rather than
    /// interrupted, and a resume asks again.
    pub durable_approvals: bool,
    /// Set when `config.toml` could not be used and the server runs on defaults instead
    /// (lifecycle.md R13): every client is warned after `initialize` and `thread/start` fails.
    pub invalid_config: Option<InvalidConfig>,
    /// How long a transcript an idle thread keeps in memory may be
    /// ([`crate::limits::TRANSCRIPT_KEPT_ITEMS_MAX`] unless a test lowers it).
    pub transcript_kept_items: usize,
}

/// The `configWarning` summary for a `config.toml` that could not be used, as the reference
/// words it.
pub const INVALID_CONFIG_SUMMARY: &str = "Invalid configuration; using defaults.";

/// Why `config.toml` could not be used (lifecycle.md R13). The reference keeps serving on its
/// defaults in that case, warns every connection and refuses `thread/start`; so does weft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidConfig {
    /// `<path>:<line>:<col>: <message>` when the place is known, else the message alone: the
    /// warning's `details` and the tail of `thread/start`'s error.
    pub details: String,
    /// The file, when the problem is in one.
    pub path: Option<String>,
    /// Where in that file.
    pub range: Option<TextRange>,
}

/// Thread goals (protocol.md §3.1, lifecycle.md R35). On by default, as in the reference
/// 0.169.0 (its `goals` feature is stable and enabled by default); `[features] goals = false`
/// switches them off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GoalsConfig {
    /// Goals are served: off, `thread/goal/*` answer `goals feature is disabled`, the model is
    /// not offered the goal tools and no thread continues by itself.
    pub enabled: bool,
    /// Most continuation turns in a row without user input
    /// ([`crate::limits::GOAL_CONTINUATION_TURNS_MAX`] unless a test lowers it).
    pub continuation_turns_max: usize,
}

impl Default for GoalsConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            continuation_turns_max: crate::limits::GOAL_CONTINUATION_TURNS_MAX,
        }
    }
}

/// The reference 0.169.0's unload delay: its README documents 60 s and its `unload` transcript
/// shows `thread/closed` 60 s after `thread/unsubscribe` (the seed's 30 minutes is `1800`).
pub const THREAD_UNLOAD_DELAY_DEFAULT: std::time::Duration = std::time::Duration::from_secs(60);

/// Settings of one thread; `turn/start` overrides stick for later turns.
#[derive(Debug, Clone, PartialEq)]
pub struct ThreadSettings {
    /// Model slug.
    pub model: String,
    /// Provider id.
    pub model_provider: String,
    /// Working directory (absolute).
    pub cwd: String,
    /// Approval policy.
    pub approval_policy: AskForApproval,
    /// Reviewer.
    pub approvals_reviewer: ApprovalsReviewer,
    /// Sandbox policy.
    pub sandbox: SandboxPolicy,
    /// Reasoning effort.
    pub reasoning_effort: Option<String>,
    /// Reasoning summary.
    pub reasoning_summary: Option<ReasoningSummary>,
    /// Service tier.
    pub service_tier: Option<String>,
    /// Developer instructions.
    pub developer_instructions: Option<String>,
    /// Base instructions (the model's system prompt).
    pub base_instructions: String,
    /// Collaboration mode (`default`, `plan`); `request_user_input` works in `plan` only.
    pub collaboration_mode: String,
}

/// The context window the fallback model metadata gives (core.md §2.4: 272000 × 95 %).
pub const FALLBACK_CONTEXT_WINDOW: i64 = 272_000;

/// Share of the context window reported as usable (`effective_context_window_percent`).
pub const EFFECTIVE_CONTEXT_WINDOW_PERCENT: i64 = 95;

impl CoreConfig {
    /// The settings of a core with no `config.toml`: model `m` of provider `p`, approvals
    /// `never`, a read-only sandbox, defaults elsewhere. For tests and tools that build a core
    /// by hand; `weft-cli` resolves the real one.
    #[must_use]
    pub fn offline(home: &std::path::Path) -> Self {
        Self {
            home: home.to_path_buf(),
            server_cwd: home.to_path_buf(),
            model: "m".to_owned(),
            model_provider: "p".to_owned(),
            approval_policy: AskForApproval::Policy(weft_protocol::v2::ApprovalPolicyName::Never),
            sandbox_mode: SandboxMode::ReadOnly,
            reasoning_effort: None,
            reasoning_summary: None,
            developer_instructions: None,
            base_instructions: None,
            model_context_window: None,
            effective: serde_json::Map::new(),
            origins: serde_json::Map::new(),
            models: vec!["m".to_owned()],
            workspace_write: SandboxPolicy::from_mode(SandboxMode::WorkspaceWrite),
            include_apply_patch_tool: false,
            include_plan_tool: false,
            sandbox_support: weft_sandbox::support(),
            thread_unload_delay: THREAD_UNLOAD_DELAY_DEFAULT,
            goals: GoalsConfig::default(),
            durable_approvals: false,
            invalid_config: None,
            transcript_kept_items: crate::limits::TRANSCRIPT_KEPT_ITEMS_MAX,
        }
    }

    /// The sandbox policy a mode name stands for here: `workspace-write` with
    /// `[sandbox_workspace_write]` applied, the others as they are.
    #[must_use]
    pub fn sandbox_policy_for(&self, mode: SandboxMode) -> SandboxPolicy {
        if mode == SandboxMode::WorkspaceWrite {
            self.workspace_write.clone()
        } else {
            SandboxPolicy::from_mode(mode)
        }
    }

    /// An absolute cwd: relative paths resolve against the server's cwd.
    #[must_use]
    pub fn absolute_cwd(&self, cwd: &str) -> String {
        let path = std::path::Path::new(cwd);
        if path.is_absolute() {
            path.display().to_string()
        } else {
            self.server_cwd.join(path).display().to_string()
        }
    }

    /// `modelContextWindow` reported with token usage.
    #[must_use]
    pub fn model_context_window(&self) -> i64 {
        self.model_context_window.unwrap_or(FALLBACK_CONTEXT_WINDOW)
            * EFFECTIVE_CONTEXT_WINDOW_PERCENT
            / 100
    }
}
