//! The one place a thread's state is built: new (`thread/start`) or from its rollout (cold
//! resume). Whatever the origin, the result is a [`ThreadState`] that `thread::spawn` turns into a
//! running actor; nothing else constructs one.

use serde_json::Value;
use weft_protocol::v2::{
    ApprovalsReviewer, SandboxPolicy, SessionSource, SessionSourceName, ThreadSettingsOverrides,
    ThreadStartParams,
};
use weft_protocol::{PROTOCOL_VERSION, RpcError};
use weft_store::{RolloutDigest, SuspendedTurn, ThreadRow};

use crate::config::{CoreConfig, ThreadSettings};
use crate::ids::ThreadId;
use crate::services::ThreadServices;
use crate::thread::record;
use crate::thread::state::{Revival, ThreadMeta, ThreadState, Transcript, normalize_stale_turns};
use crate::turn::context::BASE_INSTRUCTIONS;

/// Settings of a thread: config defaults with the request's overrides.
pub(crate) fn settings_for(
    config: &CoreConfig,
    overrides: &ThreadSettingsOverrides,
) -> ThreadSettings {
    let sandbox_mode = overrides.sandbox.unwrap_or(config.sandbox_mode);
    ThreadSettings {
        model: overrides
            .model
            .clone()
            .unwrap_or_else(|| config.model.clone()),
        model_provider: overrides
            .model_provider
            .clone()
            .unwrap_or_else(|| config.model_provider.clone()),
        cwd: overrides.cwd.as_deref().map_or_else(
            || config.server_cwd.display().to_string(),
            |cwd| config.absolute_cwd(cwd),
        ),
        approval_policy: overrides
            .approval_policy
            .clone()
            .unwrap_or_else(|| config.approval_policy.clone()),
        approvals_reviewer: overrides
            .approvals_reviewer
            .unwrap_or(ApprovalsReviewer::User),
        sandbox: config.sandbox_policy_for(sandbox_mode),
        reasoning_effort: config.reasoning_effort.clone(),
        reasoning_summary: config.reasoning_summary,
        service_tier: overrides.service_tier.clone(),
        developer_instructions: overrides
            .developer_instructions
            .clone()
            .or_else(|| config.developer_instructions.clone()),
        base_instructions: overrides
            .base_instructions
            .clone()
            .or_else(|| config.base_instructions.clone())
            .unwrap_or_else(|| BASE_INSTRUCTIONS.to_owned()),
        collaboration_mode: "default".to_owned(),
    }
}

/// A new thread (`thread/start`): fresh id, no history; its rollout is written with the first
/// turn (the `session_meta` waits in `pending_session_meta`).
///
/// # Errors
/// `error creating thread: model provider `<id>` is not configured`.
pub(crate) fn new_thread(
    services: &ThreadServices,
    params: &ThreadStartParams,
) -> Result<ThreadState, RpcError> {
    let settings = settings_for(&services.config, &params.settings);
    if !services.models.has(&settings.model_provider) {
        return Err(RpcError::internal(format!(
            "error creating thread: model provider `{}` is not configured",
            settings.model_provider
        )));
    }
    let id = ThreadId::new();
    let created = chrono::Local::now();
    let ephemeral = params.ephemeral.unwrap_or(false);
    let path = (!ephemeral).then(|| services.persistence.rollout_path(id, created));
    let mut meta = ThreadMeta {
        id,
        session_id: id.to_string(),
        created_at: created.timestamp(),
        updated_at: created.timestamp(),
        recency_at: created.timestamp(),
        preview: String::new(),
        name: None,
        path,
        ephemeral,
        cli_version: PROTOCOL_VERSION.to_owned(),
        originator: Some(services.models.identity().originator),
        source: SessionSource::Named(SessionSourceName::Vscode),
        forked_from_id: None,
        history_mode: "paginated".to_owned(),
        git: None,
        pending_session_meta: None,
    };
    let created_text = weft_store::line::format_timestamp(created.with_timezone(&chrono::Utc));
    meta.pending_session_meta = Some(record::session_meta(&meta, &settings, &created_text));
    Ok(ThreadState {
        meta,
        settings,
        transcript: Transcript::resident(Vec::new(), Vec::new()),
        usage: None,
        system_error: false,
        resumed: false,
        raw_events: params.experimental_raw_events == Some(true),
        goal: None,
        revival: None,
    })
}

/// What the store knows of a thread besides its rollout.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    /// Unix seconds.
    pub updated_at: i64,
    /// Unix seconds.
    pub recency_at: i64,
    /// User-set name.
    pub name: Option<String>,
    /// The rollout; `None` for an ephemeral thread (a fork kept in memory).
    pub path: Option<std::path::PathBuf>,
    /// Git metadata as the index row has it (patches applied).
    pub git: Option<weft_protocol::v2::GitInfo>,
}

impl Stored {
    /// From an index row.
    pub(crate) fn from_row(row: &ThreadRow) -> Self {
        Self {
            updated_at: row.updated_at_ms.div_euclid(1000),
            recency_at: row.recency_at_ms.div_euclid(1000),
            name: row.name.clone(),
            path: Some(row.rollout_path.clone()),
            git: row.git.as_ref().map(|git| weft_protocol::v2::GitInfo {
                sha: git.sha.clone(),
                branch: git.branch.clone(),
                origin_url: git.origin_url.clone(),
            }),
        }
    }
}

/// A stored thread (cold resume, or a fork's copy): settings from the last `turn_context` unless
/// `overrides` say otherwise, history and turns from the rollout, stale turns reported
/// interrupted (R23) — except a turn `suspended` on server requests (R37), which is taken out
/// of the turns to be revived.
pub(crate) fn from_rollout(
    config: &CoreConfig,
    stored: Stored,
    rollout: RolloutDigest,
    overrides: &ThreadSettingsOverrides,
    suspended: Option<SuspendedTurn>,
) -> ThreadState {
    let meta = &rollout.meta;
    let requested = overrides;
    let mut overrides = overrides.clone();
    let context = rollout.last_turn_context.as_ref();
    let stored_key = |key: &str| {
        context
            .and_then(|ctx| ctx.get(key))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    overrides.model = overrides.model.or_else(|| rollout.last_model.clone());
    overrides.model_provider = overrides
        .model_provider
        .or_else(|| meta.model_provider.clone());
    overrides.cwd = overrides
        .cwd
        .or_else(|| stored_key("cwd"))
        .or_else(|| Some(meta.cwd.clone()));
    if overrides.approval_policy.is_none() {
        overrides.approval_policy = stored_key("approval_policy")
            .and_then(|policy| serde_json::from_value(Value::String(policy)).ok());
    }
    overrides.base_instructions = overrides
        .base_instructions
        .or_else(|| meta.base_instructions.clone());
    let mut settings = settings_for(config, &overrides);
    if requested.sandbox.is_none()
        && let Some(policy) = context
            .and_then(|ctx| ctx.get("sandbox_policy"))
            .and_then(stored_sandbox)
    {
        settings.sandbox = policy;
    }
    let mut turns = rollout.turns;
    let revival =
        suspended.and_then(|record| revival_of(&mut turns, &rollout.model_history, record));
    normalize_stale_turns(&mut turns, None);
    let usage = rollout.last_token_usage.map(|usage| {
        (
            usage,
            turns.last().map(|turn| turn.id.clone()).unwrap_or_default(),
        )
    });
    let ephemeral = stored.path.is_none();
    // The goal is the rollout's, under this thread's id (a fork's copy names its source); an
    // ephemeral thread has none (goals need a rollout).
    let goal = rollout
        .last_goal
        .filter(|_| !ephemeral)
        .map(|goal| weft_protocol::v2::ThreadGoal {
            thread_id: meta.id.to_string(),
            ..goal
        });
    ThreadState {
        meta: ThreadMeta {
            id: ThreadId::from_uuid(meta.id),
            session_id: meta
                .session_id
                .clone()
                .unwrap_or_else(|| meta.id.to_string()),
            created_at: meta.created_at.timestamp(),
            updated_at: stored.updated_at,
            recency_at: stored.recency_at,
            preview: rollout.preview,
            name: stored.name,
            ephemeral,
            path: stored.path,
            cli_version: meta.cli_version.clone(),
            originator: Some(meta.originator.clone()).filter(|originator| !originator.is_empty()),
            source: SessionSource::from_rollout(&meta.source),
            forked_from_id: meta.forked_from_id.map(|id| id.to_string()),
            history_mode: meta.history_mode.as_str().to_owned(),
            git: stored.git,
            pending_session_meta: None,
        },
        settings,
        transcript: Transcript::resident(rollout.model_history, turns),
        usage,
        system_error: false,
        resumed: true,
        raw_events: false,
        goal,
        revival,
    }
}

/// The turn a durable record says is suspended, taken out of `turns` — when it is the
/// rollout's unfinished last turn. Any other record is stale (the turn ended after it was
/// written) and ignored.
fn revival_of(
    turns: &mut Vec<weft_protocol::v2::Turn>,
    history: &[Value],
    record: SuspendedTurn,
) -> Option<Revival> {
    let last = turns.last()?;
    if last.id != record.turn_id
        || last.status != weft_protocol::v2::TurnStatus::InProgress
        || record.requests.is_empty()
    {
        tracing::info!(turn_id = %record.turn_id, "stale pending request record ignored");
        return None;
    }
    let calls = crate::turn::items::unanswered_calls(history);
    if calls.is_empty() {
        // Nothing would ask the questions again: the turn is over, as after any crash.
        tracing::warn!(turn_id = %record.turn_id, "pending request record without open calls; ignored");
        return None;
    }
    Some(Revival {
        turn: turns.pop()?,
        requests: record.requests,
        calls,
    })
}

/// The rollout's `sandbox_policy` (`{"type":"workspace-write",…}`) as a wire policy.
fn stored_sandbox(value: &Value) -> Option<SandboxPolicy> {
    let flag = |key: &str| value.get(key).and_then(Value::as_bool).unwrap_or(false);
    match value.get("type").and_then(Value::as_str)? {
        "danger-full-access" => Some(SandboxPolicy::DangerFullAccess),
        "read-only" => Some(SandboxPolicy::ReadOnly {
            network_access: flag("network_access"),
        }),
        "workspace-write" => Some(SandboxPolicy::WorkspaceWrite {
            writable_roots: value
                .get("writable_roots")
                .and_then(Value::as_array)
                .map(|roots| {
                    roots
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            network_access: flag("network_access"),
            exclude_tmpdir_env_var: flag("exclude_tmpdir_env_var"),
            exclude_slash_tmp: flag("exclude_slash_tmp"),
        }),
        _ => None,
    }
}
