//! `Turn`, its status and error, and token usage (protocol.md §6.3, §6.5).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::v2::item::ThreadItem;

/// One turn: everything between `turn/start` and `turn/completed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Turn {
    /// Turn id (UUIDv7).
    pub id: String,
    /// First turn of the chain of work (= own id for user turns).
    #[serde(default)]
    pub root_turn_id: Option<String>,
    /// Items included in this payload (see `items_view`).
    pub items: Vec<ThreadItem>,
    /// How much of `items` is loaded.
    #[serde(default = "TurnItemsView::full")]
    pub items_view: TurnItemsView,
    /// Turn status.
    pub status: TurnStatus,
    /// Set when the turn failed.
    #[serde(default)]
    pub error: Option<TurnError>,
    /// Unix seconds.
    #[serde(default)]
    pub started_at: Option<i64>,
    /// Unix seconds.
    #[serde(default)]
    pub completed_at: Option<i64>,
    /// Milliseconds between start and completion.
    #[serde(default)]
    pub duration_ms: Option<i64>,
}

/// Status of a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum TurnStatus {
    /// Finished normally.
    Completed,
    /// Stopped by `turn/interrupt`, a `cancel` decision, or a crash.
    Interrupted,
    /// Ended by a model or transport error.
    Failed,
    /// Still running.
    InProgress,
}

/// How much of a turn's items a payload carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum TurnItemsView {
    /// `items` intentionally empty.
    NotLoaded,
    /// Only a display summary (the final agent message).
    Summary,
    /// Every item.
    Full,
}

impl TurnItemsView {
    fn full() -> Self {
        Self::Full
    }
}

/// Why a turn failed, or a non-fatal error during a turn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TurnError {
    /// User-facing text.
    pub message: String,
    /// Machine-readable class: a string (`"other"`) or an object
    /// (`{"httpConnectionFailed":{"httpStatusCode":502}}`), kept as JSON.
    #[serde(default)]
    pub codex_error_info: Option<serde_json::Value>,
    /// The underlying error text.
    #[serde(default)]
    pub additional_details: Option<String>,
    /// Explanation of a misalignment-policy stop (always null in weft).
    #[serde(default)]
    pub misalignment: Option<serde_json::Value>,
}

/// Token counts of one model response or of a sum of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenUsageBreakdown {
    /// Total tokens.
    pub total_tokens: i64,
    /// Input tokens.
    pub input_tokens: i64,
    /// Cached input tokens.
    pub cached_input_tokens: i64,
    /// Input tokens written to the cache.
    #[serde(default)]
    pub cache_write_input_tokens: i64,
    /// Output tokens.
    pub output_tokens: i64,
    /// Reasoning output tokens.
    pub reasoning_output_tokens: i64,
}

impl TokenUsageBreakdown {
    /// Field-wise sum.
    #[must_use]
    pub fn add(&self, other: &Self) -> Self {
        Self {
            total_tokens: self.total_tokens + other.total_tokens,
            input_tokens: self.input_tokens + other.input_tokens,
            cached_input_tokens: self.cached_input_tokens + other.cached_input_tokens,
            cache_write_input_tokens: self.cache_write_input_tokens
                + other.cache_write_input_tokens,
            output_tokens: self.output_tokens + other.output_tokens,
            reasoning_output_tokens: self.reasoning_output_tokens + other.reasoning_output_tokens,
        }
    }
}

/// `ThreadTokenUsage`: running total, latest response, context window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThreadTokenUsage {
    /// Sum over the thread's life.
    pub total: TokenUsageBreakdown,
    /// The latest model response.
    pub last: TokenUsageBreakdown,
    /// Effective context window of the model.
    #[serde(default)]
    pub model_context_window: Option<i64>,
}
