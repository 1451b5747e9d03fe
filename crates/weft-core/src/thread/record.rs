//! Payloads of the rollout lines the core writes (core.md §5.2, §5.4), in the reference's
//! shapes so that the reference codex and weft read each other's files.

use serde_json::{Value, json};
use weft_protocol::v2::{ThreadItem, TokenUsageBreakdown, TurnError};

use crate::config::ThreadSettings;
use crate::thread::state::ThreadMeta;

/// Rollout line kinds.
pub(crate) mod kind {
    /// An item of model history.
    pub(crate) const RESPONSE_ITEM: &str = "response_item";
    /// Per-turn settings.
    pub(crate) const TURN_CONTEXT: &str = "turn_context";
    /// An event.
    pub(crate) const EVENT_MSG: &str = "event_msg";
    /// Per-response token usage.
    pub(crate) const TOKEN_USAGE_RECORD: &str = "token_usage_record";
}

/// `session_meta` payload.
#[must_use]
pub(crate) fn session_meta(
    meta: &ThreadMeta,
    settings: &ThreadSettings,
    created_rfc3339: &str,
) -> Value {
    json!({
        "session_id": meta.session_id,
        "id": meta.id.to_string(),
        "forked_from_id": meta.forked_from_id,
        "timestamp": created_rfc3339,
        "cwd": settings.cwd,
        "runtime_workspace_roots": [settings.cwd],
        "originator": meta.originator.clone().unwrap_or_default(),
        "cli_version": meta.cli_version,
        "source": "vscode",
        "model_provider": settings.model_provider,
        "base_instructions": {"text": settings.base_instructions},
        "history_mode": meta.history_mode,
    })
}

/// `event_msg` `task_started`.
#[must_use]
pub(crate) fn task_started(turn_id: &str, started_at: i64, context_window: i64) -> Value {
    json!({
        "type": "task_started",
        "turn_id": turn_id,
        "root_turn_id": turn_id,
        "started_at": started_at,
        "model_context_window": context_window,
        "collaboration_mode_kind": "default",
    })
}

/// `turn_context` payload.
#[must_use]
pub(crate) fn turn_context(turn_id: &str, settings: &ThreadSettings) -> Value {
    json!({
        "turn_id": turn_id,
        "root_turn_id": turn_id,
        "cwd": settings.cwd,
        "approval_policy": settings.approval_policy.as_config_str(),
        "approvals_reviewer": "user",
        "sandbox_policy": sandbox_policy(settings),
        "model": settings.model,
        "effort": settings.reasoning_effort,
        "summary": settings.reasoning_summary.map_or("auto", summary_name),
    })
}

fn summary_name(summary: weft_protocol::v2::ReasoningSummary) -> &'static str {
    use weft_protocol::v2::ReasoningSummary;
    match summary {
        ReasoningSummary::Auto => "auto",
        ReasoningSummary::Concise => "concise",
        ReasoningSummary::Detailed => "detailed",
        ReasoningSummary::None => "none",
    }
}

fn sandbox_policy(settings: &ThreadSettings) -> Value {
    use weft_protocol::v2::SandboxPolicy;
    match &settings.sandbox {
        SandboxPolicy::DangerFullAccess | SandboxPolicy::ExternalSandbox { .. } => {
            json!({"type": "danger-full-access"})
        }
        SandboxPolicy::ReadOnly { .. } => json!({"type": "read-only"}),
        SandboxPolicy::WorkspaceWrite {
            writable_roots,
            network_access,
            exclude_tmpdir_env_var,
            exclude_slash_tmp,
        } => json!({
            "type": "workspace-write",
            "writable_roots": writable_roots,
            "network_access": network_access,
            "exclude_tmpdir_env_var": exclude_tmpdir_env_var,
            "exclude_slash_tmp": exclude_slash_tmp,
        }),
    }
}

/// `event_msg` `item_completed` for a wire item, or `None` for items the rollout does not
/// record as events. The encoding of each item type lives in weft-store, next to its decoding.
#[must_use]
pub(crate) fn item_completed(thread_id: &str, turn_id: &str, item: &ThreadItem) -> Option<Value> {
    weft_store::item_completed_payload(thread_id, turn_id, item)
}

/// A snake_case token usage object.
#[must_use]
pub(crate) fn usage(usage: &TokenUsageBreakdown) -> Value {
    json!({
        "input_tokens": usage.input_tokens,
        "cached_input_tokens": usage.cached_input_tokens,
        "cache_write_input_tokens": usage.cache_write_input_tokens,
        "output_tokens": usage.output_tokens,
        "reasoning_output_tokens": usage.reasoning_output_tokens,
        "total_tokens": usage.total_tokens,
    })
}

/// `token_usage_record` payload.
#[must_use]
pub(crate) fn token_usage_record(
    thread_id: &str,
    turn_id: &str,
    response_id: &str,
    last: &TokenUsageBreakdown,
    turn_total: &TokenUsageBreakdown,
    thread_total: &TokenUsageBreakdown,
) -> Value {
    json!({
        "thread_id": thread_id,
        "turn_id": turn_id,
        "session_id": thread_id,
        "root_turn_id": turn_id,
        "response_id": response_id,
        "usage": usage(last),
        "turn_token_usage": usage(turn_total),
        "thread_token_usage": usage(thread_total),
    })
}

/// `event_msg` `token_count`; `None` info is written for an interrupted turn.
#[must_use]
pub(crate) fn token_count(
    info: Option<(&TokenUsageBreakdown, &TokenUsageBreakdown, i64)>,
) -> Value {
    let info = info.map(|(total, last, window)| {
        json!({
            "total_token_usage": usage(total),
            "last_token_usage": usage(last),
            "last_usage_includes_reasoning": false,
            "model_context_window": window,
        })
    });
    json!({"type": "token_count", "info": info, "rate_limits": null})
}

/// `event_msg` `task_complete`; a failed turn carries `error`.
#[must_use]
pub(crate) fn task_complete(
    turn_id: &str,
    last_agent_message: Option<&str>,
    started_at: i64,
    completed_at: i64,
    duration_ms: i64,
    error: Option<&TurnError>,
) -> Value {
    let mut payload = json!({
        "type": "task_complete",
        "turn_id": turn_id,
        "root_turn_id": turn_id,
        "last_agent_message": last_agent_message,
        "started_at": started_at,
        "completed_at": completed_at,
        "duration_ms": duration_ms,
    });
    if let Some(error) = error {
        payload["error"] = json!({
            "message": error.message,
            "codex_error_info": error.codex_error_info.as_ref().map(snake_error_info),
        });
    }
    payload
}

/// `event_msg` `turn_aborted`.
#[must_use]
pub(crate) fn turn_aborted(
    turn_id: &str,
    started_at: i64,
    completed_at: i64,
    duration_ms: i64,
) -> Value {
    json!({
        "type": "turn_aborted",
        "turn_id": turn_id,
        "root_turn_id": turn_id,
        "reason": "interrupted",
        "started_at": started_at,
        "completed_at": completed_at,
        "duration_ms": duration_ms,
    })
}

/// The rollout spells `codexErrorInfo` in snake_case (`"other"`, `{"http_connection_failed":…}`).
fn snake_error_info(info: &Value) -> Value {
    match info {
        Value::String(name) => Value::String(weft_store::item_codec::camel_to_snake(name)),
        other => weft_store::item_codec::snakify_keys(other),
    }
}
