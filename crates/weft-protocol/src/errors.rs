//! JSON-RPC error codes and the exact error texts the reference sends.
//!
//! Clients match on these strings (the Codex TUI retries on "closing", SDKs surface them
//! verbatim), so they are constants here and pinned by tests; handlers never spell them inline.

use serde::{Deserialize, Serialize};

/// `-32700`: a frame that is not JSON (JSON-RPC 2.0), answered only when its id can be read.
pub const PARSE_ERROR: i64 = -32700;
/// `-32600`: the reference's catch-all for bad requests, unknown methods and state conflicts.
pub const INVALID_REQUEST: i64 = -32600;
/// `-32601`: a method the protocol knows but this build does not implement yet.
pub const METHOD_NOT_FOUND: i64 = -32601;
/// `-32602`: input too large and a few filter errors.
pub const INVALID_PARAMS: i64 = -32602;
/// `-32603`: internal failures (store, serialisation).
pub const INTERNAL_ERROR: i64 = -32603;
/// `-32001`: the ingress queue is full; the client should retry with backoff.
pub const SERVER_OVERLOADED: i64 = -32001;

/// Any request before `initialize` succeeded on this connection.
pub const NOT_INITIALIZED: &str = "Not initialized";
/// A second `initialize` on a connection.
pub const ALREADY_INITIALIZED: &str = "Already initialized";
/// What follows the descriptor in the experimental gate's text (protocol.md §1.4 step 4).
pub const REQUIRES_EXPERIMENTAL_API: &str = "requires experimentalApi capability";
/// Ingress queue full.
pub const OVERLOADED_TEXT: &str = "Server overloaded; retry later.";
/// `turn/interrupt` on a thread with no running turn.
pub const NO_ACTIVE_TURN_TO_INTERRUPT: &str = "no active turn to interrupt";
/// `turn/steer` with no running turn.
pub const NO_ACTIVE_TURN_TO_STEER: &str = "no active turn to steer";
/// `turn/steer` with an empty `expectedTurnId`.
pub const EXPECTED_TURN_ID_EMPTY: &str = "expectedTurnId must not be empty";
/// `turn/steer` with no input.
pub const INPUT_EMPTY: &str = "input must not be empty";

/// The maximum number of text characters in one `turn/start` / `turn/steer` input.
pub const INPUT_CHARS_MAX: usize = 1_048_576;
/// `data.input_error_code` of the input-too-large error.
pub const INPUT_TOO_LARGE_CODE: &str = "input_too_large";
/// `thread/list` with a non-empty `originators` filter.
pub const ORIGINATOR_FILTER_UNSUPPORTED: &str =
    "originator filtering is not supported by the local app-server";
/// Requests that would start work while the server drains for shutdown.
pub const SERVER_DRAINING: &str = "Server is draining; retry after reconnecting";

/// Longest goal objective, in characters (after trimming): the reference's
/// `MAX_THREAD_GOAL_OBJECTIVE_CHARS`.
pub const GOAL_OBJECTIVE_CHARS_MAX: usize = 4000;
/// A goal objective that is empty after trimming.
pub const GOAL_OBJECTIVE_EMPTY: &str = "goal objective must not be empty";
/// A goal token budget of zero or less.
pub const GOAL_BUDGET_NOT_POSITIVE: &str = "goal budgets must be positive when provided";
/// Any `thread/goal/*` method while goals are switched off (`[features] goals = false`).
pub const GOALS_DISABLED: &str = "goals feature is disabled";

/// `thread/readState/update` with a revision other than the current one (`data` carries the
/// current state and `reason: "readStateConflict"`).
pub const READ_STATE_CHANGED: &str = "read state changed";
/// `thread/readState/update` on a thread that has no durable read state (ephemeral, a
/// sub-agent's, or of an unknown source).
pub const READ_STATE_UNAVAILABLE: &str = "thread read state unavailable";
/// `thread/metadata/update` without `gitInfo`, or with an empty one.
pub const GIT_INFO_EMPTY: &str = "gitInfo must include at least one field";

/// `thread/metadata/update` without `gitInfo` (with an empty one: [`GIT_INFO_EMPTY`]).
pub const METADATA_UPDATE_EMPTY: &str = "thread metadata update must include at least one field";

/// `<field> must not be empty` (`thread/metadata/update`, a Git field blank once trimmed;
/// `field` is e.g. `gitInfo.branch`).
#[must_use]
pub fn git_field_empty(field: &str) -> String {
    format!("{field} must not be empty")
}

/// `goal objective must be at most 4000 characters`.
#[must_use]
pub fn goal_objective_too_long() -> String {
    format!("goal objective must be at most {GOAL_OBJECTIVE_CHARS_MAX} characters")
}

/// The error object of a JSON-RPC error response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RpcError {
    /// One of the codes above.
    pub code: i64,
    /// Human-readable text; exact where the reference fixes it.
    pub message: String,
    /// Structured details, only when there are some.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<serde_json::Value>,
}

impl RpcError {
    /// A `-32600` error with the given text.
    #[must_use]
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self {
            code: INVALID_REQUEST,
            message: message.into(),
            data: None,
        }
    }

    /// A `-32602` error with the given text.
    #[must_use]
    pub fn invalid_params(message: impl Into<String>) -> Self {
        Self {
            code: INVALID_PARAMS,
            message: message.into(),
            data: None,
        }
    }

    /// A `-32603` error with the given text.
    #[must_use]
    pub fn internal(message: impl Into<String>) -> Self {
        Self {
            code: INTERNAL_ERROR,
            message: message.into(),
            data: None,
        }
    }

    /// `Invalid request: <serde text>` for a request that did not parse into a method + params.
    #[must_use]
    pub fn unparsable_request(serde_text: &str) -> Self {
        Self::invalid_request(format!("Invalid request: {serde_text}"))
    }

    /// `-32601 <method> is not supported yet`.
    #[must_use]
    pub fn not_supported_yet(operation: &str) -> Self {
        Self {
            code: METHOD_NOT_FOUND,
            message: format!("{operation} is not supported yet"),
            data: None,
        }
    }

    /// `-32001 Server overloaded; retry later.`
    #[must_use]
    pub fn overloaded() -> Self {
        Self {
            code: SERVER_OVERLOADED,
            message: OVERLOADED_TEXT.to_owned(),
            data: None,
        }
    }

    /// `Invalid clientInfo.name: '<name>'. Must be a valid HTTP header value.`
    #[must_use]
    pub fn invalid_client_name(name: &str) -> Self {
        Self::invalid_request(format!(
            "Invalid clientInfo.name: '{name}'. Must be a valid HTTP header value."
        ))
    }

    /// `<descriptor> requires experimentalApi capability`: an experimental method, params member
    /// or variant from a connection that did not set `capabilities.experimentalApi`.
    #[must_use]
    pub fn requires_experimental_api(descriptor: &str) -> Self {
        Self::invalid_request(format!("{descriptor} {REQUIRES_EXPERIMENTAL_API}"))
    }

    /// `-32602 Input exceeds the maximum length of 1048576 characters.` with its `data`.
    #[must_use]
    pub fn input_too_large(actual_chars: usize) -> Self {
        Self {
            code: INVALID_PARAMS,
            message: format!("Input exceeds the maximum length of {INPUT_CHARS_MAX} characters."),
            data: Some(serde_json::json!({
                "input_error_code": INPUT_TOO_LARGE_CODE,
                "max_chars": INPUT_CHARS_MAX,
                "actual_chars": actual_chars,
            })),
        }
    }

    /// `invalid thread id: <err>` (thread/read, unsubscribe, turn/*).
    #[must_use]
    pub fn invalid_thread_id(err: &str) -> Self {
        Self::invalid_request(format!("invalid thread id: {err}"))
    }

    /// `invalid session id: <err>` (thread/resume, fork, archive).
    #[must_use]
    pub fn invalid_session_id(err: &str) -> Self {
        Self::invalid_request(format!("invalid session id: {err}"))
    }

    /// `thread not found: <id>` (turn/* on a thread that is not loaded).
    #[must_use]
    pub fn thread_not_found(id: &str) -> Self {
        Self::invalid_request(format!("thread not found: {id}"))
    }

    /// `thread not loaded: <id>` (thread/read of a thread that exists nowhere).
    #[must_use]
    pub fn thread_not_loaded(id: &str) -> Self {
        Self::invalid_request(format!("thread not loaded: {id}"))
    }

    /// `no rollout found for thread id <id>` (resume of an unknown thread).
    #[must_use]
    pub fn no_rollout_found(id: &str) -> Self {
        Self::invalid_request(format!("no rollout found for thread id {id}"))
    }

    /// `no archived rollout found for thread id <id>` (`thread/unarchive` of a thread that is
    /// not archived or unknown; -32600 as in the reference).
    #[must_use]
    pub fn no_archived_rollout_found(id: &str) -> Self {
        Self::invalid_request(format!("no archived rollout found for thread id {id}"))
    }

    /// `ephemeral thread does not support metadata updates: <id>` (`thread/name/set` and
    /// `thread/metadata/update` of an ephemeral thread).
    #[must_use]
    pub fn ephemeral_metadata(id: &str) -> Self {
        Self::invalid_request(format!(
            "ephemeral thread does not support metadata updates: {id}"
        ))
    }

    /// `turn not found: <turn id>` (`thread/fork` with a `lastTurnId` the source does not have).
    #[must_use]
    pub fn turn_not_found(turn_id: &str) -> Self {
        Self::invalid_request(format!("turn not found: {turn_id}"))
    }

    /// `lastTurnId '<turn id>' identifies an in-progress turn` (`thread/fork` through the turn
    /// that is still running).
    #[must_use]
    pub fn fork_turn_in_progress(turn_id: &str) -> Self {
        Self::invalid_request(format!(
            "lastTurnId '{turn_id}' identifies an in-progress turn"
        ))
    }

    /// `thread <id> is closing; retry thread/resume after the thread is closed`.
    #[must_use]
    pub fn thread_closing_resume(id: &str) -> Self {
        Self::invalid_request(format!(
            "thread {id} is closing; retry thread/resume after the thread is closed"
        ))
    }

    /// `thread <id> is closing; retry after the thread is closed` (any other subscribe).
    #[must_use]
    pub fn thread_closing(id: &str) -> Self {
        Self::invalid_request(format!(
            "thread {id} is closing; retry after the thread is closed"
        ))
    }

    /// ``expected active turn id `<expected>` but found `<actual>` `` (`turn/steer`).
    #[must_use]
    pub fn steer_turn_mismatch(expected: &str, actual: &str) -> Self {
        Self::invalid_request(format!(
            "expected active turn id `{expected}` but found `{actual}`"
        ))
    }

    /// `expected active turn id <turnId> but found <activeId>` (turn/interrupt; no back-quotes).
    #[must_use]
    pub fn interrupt_turn_mismatch(expected: &str, actual: &str) -> Self {
        Self::invalid_request(format!(
            "expected active turn id {expected} but found {actual}"
        ))
    }

    /// `list_turns is not supported yet` for a thread with no rollout yet.
    #[must_use]
    pub fn list_turns_unavailable() -> Self {
        Self::not_supported_yet("list_turns")
    }

    /// `cannot update goal for thread <id>: no goal exists` (`thread/goal/set` without an
    /// objective on a thread that has no goal).
    #[must_use]
    pub fn no_goal_exists(thread_id: &str) -> Self {
        Self::invalid_request(format!(
            "cannot update goal for thread {thread_id}: no goal exists"
        ))
    }

    /// `ephemeral thread does not support goals: <id>`.
    #[must_use]
    pub fn ephemeral_goal(thread_id: &str) -> Self {
        Self::invalid_request(format!(
            "ephemeral thread does not support goals: {thread_id}"
        ))
    }

    /// ★ R38: `thread/resume` after an event position the thread can no longer replay from;
    /// `data` names the reason and the oldest position still available (none when the thread
    /// is not loaded: its stream ended with its runtime).
    #[must_use]
    pub fn event_stream_gap(
        thread_id: &str,
        asked: &crate::v2::EventPosition,
        oldest: Option<&crate::v2::EventPosition>,
        loaded: bool,
    ) -> Self {
        let available = match oldest {
            Some(oldest) => format!(
                "the oldest event still available is {}/{}",
                oldest.epoch, oldest.seq
            ),
            None if loaded => "no event of this thread is kept".to_owned(),
            None => "the thread is not loaded, so its event stream has ended".to_owned(),
        };
        Self {
            code: INVALID_REQUEST,
            message: format!(
                "cannot resume thread {thread_id} after event {}/{}: {available}; resume without weftAfterSeq to reload the thread",
                asked.epoch, asked.seq
            ),
            data: Some(serde_json::json!({
                "reason": crate::v2::EVENT_STREAM_GAP,
                "oldestAvailable": oldest,
            })),
        }
    }

    /// `-32600 read state changed` with the current state, for an update whose expected
    /// revision is stale (the reference never retries it: its author has not seen the change).
    #[must_use]
    pub fn read_state_conflict(current: &crate::v2::ThreadReadState) -> Self {
        Self {
            code: INVALID_REQUEST,
            message: READ_STATE_CHANGED.to_owned(),
            data: Some(serde_json::json!({
                "reason": "readStateConflict",
                "readState": current,
            })),
        }
    }

    /// `-32600 failed to load configuration: <details>`: `thread/start` while the server runs on
    /// defaults because its config file could not be used.
    #[must_use]
    pub fn failed_to_load_configuration(details: &str) -> Self {
        Self::invalid_request(format!("failed to load configuration: {details}"))
    }

    /// `-32700 Parse error: <detail>` (JSON-RPC 2.0), for a frame that is not JSON but whose
    /// id could be read (issue 16, fault 5; the reference sends nothing).
    #[must_use]
    pub fn parse_error(detail: &str) -> Self {
        Self {
            code: PARSE_ERROR,
            message: format!("Parse error: {detail}"),
            data: None,
        }
    }

    /// `-32600 Invalid Request: <detail>` (JSON-RPC 2.0), for JSON that is not a request weft
    /// can serve (a bad id, a non-string method, a batch).
    #[must_use]
    pub fn invalid_rpc_request(detail: &str) -> Self {
        Self::invalid_request(format!("Invalid Request: {detail}"))
    }

    /// `-32600 Server is draining; retry after reconnecting` with its `data`.
    #[must_use]
    pub fn draining() -> Self {
        Self {
            code: INVALID_REQUEST,
            message: SERVER_DRAINING.to_owned(),
            data: Some(serde_json::json!({"reason": "serverShuttingDown"})),
        }
    }
}
