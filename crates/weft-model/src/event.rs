//! `ModelEvent`s and the mapping from one SSE `data` payload to one event (core.md §2.3).
//!
//! The mapping is a pure function of the JSON text so it can be tested (and fuzzed) without a
//! stream. The event's kind is taken from the payload's `type`, as the reference does (the SSE
//! `event:` line is ignored). Unknown kinds and payloads that do not parse are dropped with a
//! debug log.

use serde_json::Value;
use tracing::debug;

use crate::error::ModelError;
use crate::retry;
use crate::usage::TokenUsage;

/// One event of a model response stream, in the order the provider sent them.
///
/// Items are kept as raw Responses JSON (`Value`): the core owns their shapes and replays them
/// unchanged as `input`.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelEvent {
    /// `response.created`: the provider accepted the request.
    Created,
    /// `response.output_item.added`: an item started (message, reasoning, call, …).
    OutputItemAdded(Value),
    /// `response.output_text.delta` for the message `item_id`.
    OutputTextDelta {
        /// The message item id when the provider sent one.
        item_id: Option<String>,
        /// The text to append.
        delta: String,
    },
    /// `response.reasoning_summary_text.delta`.
    ReasoningSummaryTextDelta {
        /// The reasoning item id when the provider sent one.
        item_id: Option<String>,
        /// The summary text to append.
        delta: String,
        /// Which summary part it belongs to.
        summary_index: i64,
    },
    /// `response.reasoning_summary_part.added`: a new summary part begins.
    ReasoningSummaryPartAdded {
        /// The reasoning item id when the provider sent one.
        item_id: Option<String>,
        /// Index of the new part.
        summary_index: i64,
    },
    /// `response.reasoning_text.delta` (raw reasoning content).
    ReasoningTextDelta {
        /// The reasoning item id when the provider sent one.
        item_id: Option<String>,
        /// The text to append.
        delta: String,
        /// Which content part it belongs to.
        content_index: i64,
    },
    /// `response.output_item.done`: the item is final.
    OutputItemDone(Value),
    /// `response.completed`: the last event of a successful response.
    Completed {
        /// `response.id` (empty when absent).
        response_id: String,
        /// `response.usage`, when reported.
        usage: Option<TokenUsage>,
        /// `response.end_turn`, when reported (`false` asks for a follow-up request).
        end_turn: Option<bool>,
    },
}

/// What one SSE payload means to the stream.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Parsed {
    /// Not an event the core acts on.
    Ignored,
    /// An event; the stream goes on.
    Event(ModelEvent),
    /// `response.completed`; the stream ends successfully after it.
    Completed(ModelEvent),
    /// `response.failed` or `response.incomplete`; the stream ends with this error.
    Failed(ModelError),
}

/// Maps one SSE `data` payload.
pub(crate) fn parse_event(data: &str) -> Parsed {
    let payload: Value = match serde_json::from_str(data) {
        Ok(payload) => payload,
        Err(error) => {
            debug!(%error, "ignoring SSE data that is not JSON");
            return Parsed::Ignored;
        }
    };
    let Some(kind) = payload.get("type").and_then(Value::as_str) else {
        debug!("ignoring SSE payload without a type");
        return Parsed::Ignored;
    };
    match kind {
        "response.created" if payload.get("response").is_some() => {
            Parsed::Event(ModelEvent::Created)
        }
        "response.output_item.added" => item(&payload).map_or(Parsed::Ignored, |item| {
            Parsed::Event(ModelEvent::OutputItemAdded(item))
        }),
        "response.output_item.done" => item(&payload).map_or(Parsed::Ignored, |item| {
            Parsed::Event(ModelEvent::OutputItemDone(item))
        }),
        "response.output_text.delta" => text_delta(&payload),
        "response.reasoning_summary_text.delta" => summary_delta(&payload),
        "response.reasoning_summary_part.added" => summary_part(&payload),
        "response.reasoning_text.delta" => reasoning_delta(&payload),
        "response.completed" => completed(&payload),
        "response.failed" => Parsed::Failed(failed_error(payload.get("response"))),
        "response.incomplete" => Parsed::Failed(incomplete_error(payload.get("response"))),
        other => {
            debug!(kind = other, "ignoring SSE event");
            Parsed::Ignored
        }
    }
}

fn item(payload: &Value) -> Option<Value> {
    payload.get("item").filter(|item| item.is_object()).cloned()
}

fn string_field(payload: &Value, key: &str) -> Option<String> {
    payload.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn text_delta(payload: &Value) -> Parsed {
    let Some(delta) = string_field(payload, "delta") else {
        return Parsed::Ignored;
    };
    let item_id = string_field(payload, "item_id");
    Parsed::Event(ModelEvent::OutputTextDelta { item_id, delta })
}

fn summary_delta(payload: &Value) -> Parsed {
    let delta = string_field(payload, "delta");
    let summary_index = payload.get("summary_index").and_then(Value::as_i64);
    let (Some(delta), Some(summary_index)) = (delta, summary_index) else {
        return Parsed::Ignored;
    };
    let item_id = string_field(payload, "item_id");
    Parsed::Event(ModelEvent::ReasoningSummaryTextDelta {
        item_id,
        delta,
        summary_index,
    })
}

fn summary_part(payload: &Value) -> Parsed {
    let Some(summary_index) = payload.get("summary_index").and_then(Value::as_i64) else {
        return Parsed::Ignored;
    };
    let item_id = string_field(payload, "item_id");
    Parsed::Event(ModelEvent::ReasoningSummaryPartAdded {
        item_id,
        summary_index,
    })
}

fn reasoning_delta(payload: &Value) -> Parsed {
    let delta = string_field(payload, "delta");
    let content_index = payload.get("content_index").and_then(Value::as_i64);
    let (Some(delta), Some(content_index)) = (delta, content_index) else {
        return Parsed::Ignored;
    };
    let item_id = string_field(payload, "item_id");
    Parsed::Event(ModelEvent::ReasoningTextDelta {
        item_id,
        delta,
        content_index,
    })
}

fn completed(payload: &Value) -> Parsed {
    let Some(response) = payload
        .get("response")
        .filter(|response| response.is_object())
    else {
        // The reference records a parse error and ends with it when the stream closes.
        return Parsed::Failed(ModelError::stream("failed to parse ResponseCompleted"));
    };
    let response_id = string_field(response, "id").unwrap_or_default();
    let usage = response
        .get("usage")
        .and_then(TokenUsage::from_response_usage);
    let end_turn = response.get("end_turn").and_then(Value::as_bool);
    Parsed::Completed(ModelEvent::Completed {
        response_id,
        usage,
        end_turn,
    })
}

/// Maps `response.failed`'s `response.error` (core.md §2.3).
fn failed_error(response: Option<&Value>) -> ModelError {
    let Some(error) = response
        .and_then(|response| response.get("error"))
        .filter(|e| e.is_object())
    else {
        return ModelError::stream("response.failed event received");
    };
    let code = error
        .get("code")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let message = error
        .get("message")
        .and_then(Value::as_str)
        .filter(|message| !message.is_empty())
        .unwrap_or("response.failed event received")
        .to_owned();
    match code {
        "context_length_exceeded" => ModelError::ContextWindowExceeded,
        "insufficient_quota" => ModelError::QuotaExceeded,
        "usage_not_included" => ModelError::UsageNotIncluded,
        "server_is_overloaded" => ModelError::ServerOverloaded,
        "rate_limit_exceeded" => {
            let delay = retry::try_again_in(&message);
            ModelError::RateLimited { message, delay }
        }
        _ => ModelError::Stream {
            message,
            delay: None,
        },
    }
}

fn incomplete_error(response: Option<&Value>) -> ModelError {
    let reason = response
        .and_then(|response| response.pointer("/incomplete_details/reason"))
        .and_then(Value::as_str)
        .unwrap_or("unknown")
        .to_owned();
    ModelError::Incomplete { reason }
}

#[cfg(test)]
mod tests;
