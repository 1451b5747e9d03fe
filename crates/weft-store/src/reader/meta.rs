//! The `session_meta` payload: a thread's identity, typed leniently.
//!
//! Only `id` and `timestamp` are required; everything else defaults, because weft must read
//! rollouts from older reference versions (no `session_id`, `instructions` instead of
//! `base_instructions`, no `history_mode`) and from foreign writers. The raw payload is kept so
//! nothing is lost when a caller needs a field this type does not name.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use crate::line::parse_timestamp;

/// How a rollout's lines are numbered and how the reference reads it back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HistoryMode {
    /// No ordinals; turns and items come from legacy events (older files, and the default
    /// when `history_mode` is absent).
    #[default]
    Legacy,
    /// Lines carry contiguous ordinals (0.169.0's default).
    Paginated,
}

impl HistoryMode {
    /// The wire and file spelling: `"legacy"` or `"paginated"`.
    pub fn as_str(self) -> &'static str {
        match self {
            HistoryMode::Legacy => "legacy",
            HistoryMode::Paginated => "paginated",
        }
    }

    /// Parses the file spelling; anything but `"paginated"` is legacy.
    pub fn parse(text: Option<&str>) -> HistoryMode {
        if text == Some("paginated") {
            HistoryMode::Paginated
        } else {
            HistoryMode::Legacy
        }
    }
}

/// Git facts recorded at thread creation (`session_meta.git`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct GitInfo {
    /// `commit_hash`.
    #[serde(default, rename = "commit_hash")]
    pub sha: Option<String>,
    /// `branch`.
    #[serde(default)]
    pub branch: Option<String>,
    /// `repository_url`.
    #[serde(default, rename = "repository_url")]
    pub origin_url: Option<String>,
}

/// The identity of a thread, from the first `session_meta` line of its rollout.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionMeta {
    /// Thread id.
    pub id: Uuid,
    /// `session_id` (equals `id` for root threads; absent in older files).
    pub session_id: Option<String>,
    /// Creation time as written (RFC 3339 ms UTC).
    pub timestamp: String,
    /// Creation time parsed.
    pub created_at: DateTime<Utc>,
    /// Working folder at creation (`""` when absent).
    pub cwd: String,
    /// Client name of the creating connection (`""` when absent).
    pub originator: String,
    /// Version of the writer (`""` when absent).
    pub cli_version: String,
    /// `source`, in the file's (core) spelling: `"vscode"`, `"cli"`, `"exec"`, `"mcp"`,
    /// `{"subagent": …}`; `"unknown"` when absent. See [`source_kind`].
    pub source: Value,
    /// `thread_source`, when present.
    pub thread_source: Option<Value>,
    /// Model provider id; `None` when absent or empty (callers fall back to the configured
    /// default, lifecycle.md R34).
    pub model_provider: Option<String>,
    /// `base_instructions.text` (or legacy `instructions`).
    pub base_instructions: Option<String>,
    /// How lines are numbered.
    pub history_mode: HistoryMode,
    /// Source thread of a fork.
    pub forked_from_id: Option<Uuid>,
    /// Parent of a spawned sub-agent thread (top level, or inside a `thread_spawn` source).
    pub parent_thread_id: Option<Uuid>,
    /// Sub-agent nickname.
    pub agent_nickname: Option<String>,
    /// Sub-agent role.
    pub agent_role: Option<String>,
    /// Sub-agent path.
    pub agent_path: Option<String>,
    /// `memory_mode` (`"disabled"`), when present.
    pub memory_mode: Option<String>,
    /// `dynamic_tools` specs, untouched.
    pub dynamic_tools: Option<Value>,
    /// Git facts at creation.
    pub git: Option<GitInfo>,
    /// The whole payload, untouched.
    pub payload: Value,
}

/// Why a `session_meta` payload is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetaError {
    /// The payload is not an object of the expected field types.
    #[error("invalid session metadata: {0}")]
    Shape(String),
    /// `id` is not a UUID.
    #[error("invalid session id `{0}`")]
    Id(String),
    /// `timestamp` is not RFC 3339.
    #[error("invalid session timestamp `{0}`")]
    Timestamp(String),
}

#[derive(Deserialize)]
struct RawMeta {
    id: String,
    timestamp: String,
    #[serde(default)]
    session_id: Option<String>,
    #[serde(default)]
    cwd: Option<String>,
    #[serde(default)]
    originator: Option<String>,
    #[serde(default)]
    cli_version: Option<String>,
    #[serde(default)]
    source: Option<Value>,
    #[serde(default)]
    thread_source: Option<Value>,
    #[serde(default)]
    model_provider: Option<String>,
    #[serde(default)]
    base_instructions: Option<Value>,
    #[serde(default)]
    instructions: Option<String>,
    #[serde(default)]
    history_mode: Option<String>,
    #[serde(default)]
    forked_from_id: Option<String>,
    #[serde(default)]
    parent_thread_id: Option<String>,
    #[serde(default)]
    agent_nickname: Option<String>,
    #[serde(default)]
    agent_role: Option<String>,
    #[serde(default)]
    agent_path: Option<String>,
    #[serde(default)]
    memory_mode: Option<String>,
    #[serde(default)]
    dynamic_tools: Option<Value>,
    #[serde(default)]
    git: Option<GitInfo>,
}

impl SessionMeta {
    /// Types a `session_meta` payload.
    ///
    /// # Errors
    /// When `id` or `timestamp` is missing or malformed, or a named field has the wrong type.
    pub fn from_payload(payload: &Value) -> Result<SessionMeta, MetaError> {
        let raw =
            RawMeta::deserialize(payload).map_err(|error| MetaError::Shape(error.to_string()))?;
        let id = Uuid::try_parse(&raw.id).map_err(|_| MetaError::Id(raw.id.clone()))?;
        let created_at = parse_timestamp(&raw.timestamp)
            .ok_or_else(|| MetaError::Timestamp(raw.timestamp.clone()))?;
        let source = raw
            .source
            .unwrap_or_else(|| Value::String("unknown".to_owned()));
        let spawn = thread_spawn(&source);
        let from_spawn = |key: &str| {
            spawn
                .and_then(|spawn| spawn.get(key))
                .and_then(Value::as_str)
        };
        Ok(SessionMeta {
            id,
            session_id: raw.session_id,
            timestamp: raw.timestamp,
            created_at,
            cwd: raw.cwd.unwrap_or_default(),
            originator: raw.originator.unwrap_or_default(),
            cli_version: raw.cli_version.unwrap_or_default(),
            thread_source: raw.thread_source,
            model_provider: raw.model_provider.filter(|provider| !provider.is_empty()),
            base_instructions: instructions_text(raw.base_instructions.as_ref())
                .or(raw.instructions),
            history_mode: HistoryMode::parse(raw.history_mode.as_deref()),
            forked_from_id: raw.forked_from_id.as_deref().and_then(parse_id),
            parent_thread_id: raw
                .parent_thread_id
                .as_deref()
                .or_else(|| from_spawn("parent_thread_id"))
                .and_then(parse_id),
            agent_nickname: raw
                .agent_nickname
                .or_else(|| from_spawn("agent_nickname").map(str::to_owned)),
            agent_role: raw
                .agent_role
                .or_else(|| from_spawn("agent_role").map(str::to_owned)),
            agent_path: raw
                .agent_path
                .or_else(|| from_spawn("agent_path").map(str::to_owned)),
            memory_mode: raw.memory_mode,
            dynamic_tools: raw.dynamic_tools,
            git: raw.git,
            source,
            payload: payload.clone(),
        })
    }

    /// The `thread/list` source kind of this thread (see [`source_kind`]).
    pub fn source_kind(&self) -> &'static str {
        source_kind(&self.source)
    }
}

fn parse_id(text: &str) -> Option<Uuid> {
    Uuid::try_parse(text).ok()
}

fn instructions_text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(text) => Some(text.clone()),
        Value::Object(object) => object
            .get("text")
            .and_then(Value::as_str)
            .map(str::to_owned),
        _ => None,
    }
}

fn subagent(source: &Value) -> Option<&Value> {
    source.get("subagent").or_else(|| source.get("subAgent"))
}

fn thread_spawn(source: &Value) -> Option<&Value> {
    subagent(source)?.get("thread_spawn")
}

/// The `ThreadSourceKind` (wire spelling) of a `session_meta.source` value, as `thread/list`
/// filters on it: `cli`, `vscode`, `exec`, `appServer`, `subAgent…`, or `unknown`.
pub fn source_kind(source: &Value) -> &'static str {
    match source {
        Value::String(text) => match text.as_str() {
            "cli" => "cli",
            "vscode" => "vscode",
            "exec" => "exec",
            "mcp" | "app_server" | "appServer" => "appServer",
            _ => "unknown",
        },
        Value::Object(_) => match subagent(source) {
            Some(Value::String(kind)) if kind == "review" => "subAgentReview",
            Some(Value::String(kind)) if kind == "compact" => "subAgentCompact",
            Some(inner) if inner.get("thread_spawn").is_some() => "subAgentThreadSpawn",
            Some(_) => "subAgentOther",
            None => "unknown",
        },
        _ => "unknown",
    }
}

/// The wire `SessionSource` of a `session_meta.source` value: `"mcp"` becomes `"appServer"`,
/// `{"subagent": x}` becomes `{"subAgent": x}`; other values pass through.
pub fn wire_session_source(source: &Value) -> Value {
    match source {
        Value::String(text) if text == "mcp" || text == "app_server" => {
            Value::String("appServer".to_owned())
        }
        Value::Object(object) => match object.get("subagent") {
            Some(inner) => serde_json::json!({ "subAgent": inner }),
            None => source.clone(),
        },
        _ => source.clone(),
    }
}
