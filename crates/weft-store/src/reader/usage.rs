//! Token usage from `token_count` events (core.md §2.4): file spelling to wire type.

use serde::Deserialize;
use serde_json::Value;
use weft_protocol::v2::{ThreadTokenUsage, TokenUsageBreakdown};

use crate::line::{RolloutLine, kind};

/// `TokenUsage` as the rollout spells it (snake_case; missing counters are 0).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct FileTokenUsage {
    input_tokens: i64,
    cached_input_tokens: i64,
    cache_write_input_tokens: i64,
    output_tokens: i64,
    reasoning_output_tokens: i64,
    total_tokens: i64,
}

#[derive(Debug, Deserialize)]
struct FileTokenUsageInfo {
    #[serde(default)]
    total_token_usage: FileTokenUsage,
    #[serde(default)]
    last_token_usage: FileTokenUsage,
    #[serde(default)]
    model_context_window: Option<i64>,
}

impl From<FileTokenUsage> for TokenUsageBreakdown {
    fn from(usage: FileTokenUsage) -> Self {
        TokenUsageBreakdown {
            total_tokens: usage.total_tokens,
            input_tokens: usage.input_tokens,
            cached_input_tokens: usage.cached_input_tokens,
            cache_write_input_tokens: usage.cache_write_input_tokens,
            output_tokens: usage.output_tokens,
            reasoning_output_tokens: usage.reasoning_output_tokens,
        }
    }
}

/// The usage carried by a `token_count` event line, when its `info` is not null.
pub(super) fn token_usage_of_line(line: &RolloutLine) -> Option<ThreadTokenUsage> {
    if line.kind != kind::EVENT_MSG || line.payload_kind() != Some("token_count") {
        return None;
    }
    let info = line.payload.get("info").filter(|info| !info.is_null())?;
    token_usage_of_info(info)
}

fn token_usage_of_info(info: &Value) -> Option<ThreadTokenUsage> {
    let info = FileTokenUsageInfo::deserialize(info).ok()?;
    Some(ThreadTokenUsage {
        total: info.total_token_usage.into(),
        last: info.last_token_usage.into(),
        model_context_window: info.model_context_window,
    })
}
