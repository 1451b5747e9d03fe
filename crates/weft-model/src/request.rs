//! One sampling request: the Responses API body and the per-request headers.
//!
//! The body's key order is part of the contract (core.md §2.2, §7 fact 2): `model, stream,
//! input, tools, tool_choice, parallel_tool_calls, reasoning, store, include, prompt_cache_key,
//! client_metadata`, with `service_tier` (after `include`) and `text` (after
//! `prompt_cache_key`) only when set. A private `#[derive(Serialize)]` struct fixes that order;
//! `input` and `tools` stay untyped JSON because the core owns those shapes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::ModelError;

/// The `include` entry that asks for encrypted reasoning (sent whenever `reasoning` is).
pub const INCLUDE_REASONING_ENCRYPTED_CONTENT: &str = "reasoning.encrypted_content";

/// Reasoning effort (`model_reasoning_effort`). `None` is sent literally as `"none"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReasoningEffort {
    /// `"none"`.
    None,
    /// `"minimal"`.
    Minimal,
    /// `"low"`.
    Low,
    /// `"medium"`.
    Medium,
    /// `"high"`.
    High,
    /// `"xhigh"`.
    #[serde(rename = "xhigh")]
    XHigh,
}

/// Reasoning summary mode (`model_reasoning_summary`). `None` omits the `summary` key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReasoningSummary {
    /// `"auto"` (what the reference sends by default).
    Auto,
    /// `"concise"`.
    Concise,
    /// `"detailed"`.
    Detailed,
    /// No summary: the key is left out of the body.
    None,
}

/// The `reasoning` object, present only for models that support reasoning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Reasoning {
    /// Sent as `effort` when set.
    pub effort: Option<ReasoningEffort>,
    /// Sent as `summary` when set and not [`ReasoningSummary::None`].
    pub summary: Option<ReasoningSummary>,
}

/// Headers whose values the caller supplies (they identify the client and the thread).
///
/// Empty strings and `None` are not sent. `extra` carries optional telemetry headers
/// (`x-codex-window-id`, `x-codex-turn-metadata`, …) in order, after the named ones.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RequestHeaders {
    /// `originator` (the client name, default `codex_cli_rs` in the reference).
    pub originator: String,
    /// `user-agent`.
    pub user_agent: String,
    /// `x-client-request-id` (the thread id in the reference).
    pub client_request_id: Option<String>,
    /// `session-id`.
    pub session_id: Option<String>,
    /// `thread-id`.
    pub thread_id: Option<String>,
    /// Further headers, sent as given.
    pub extra: Vec<(String, String)>,
}

/// Everything one POST to `/responses` needs, built by the core for each sampling request.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ModelRequest {
    /// Model slug.
    pub model: String,
    /// The full history as Responses items (`input[0]` is the base-instructions message).
    pub input: Vec<Value>,
    /// Tool specs offered on this request (may be empty).
    pub tools: Vec<Value>,
    /// Whether the model may emit several calls in one response.
    pub parallel_tool_calls: bool,
    /// Reasoning settings; `None` sends `"reasoning": null` and an empty `include`.
    pub reasoning: Option<Reasoning>,
    /// Prompt cache key (the thread id).
    pub prompt_cache_key: String,
    /// `client_metadata` strings (telemetry; sorted by key).
    pub client_metadata: BTreeMap<String, String>,
    /// `service_tier`, sent only when set.
    pub service_tier: Option<String>,
    /// `text` controls (output schema, verbosity), sent only when set.
    pub text: Option<Value>,
    /// Caller-supplied headers.
    pub headers: RequestHeaders,
}

#[derive(Serialize)]
struct ReasoningBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    effort: Option<ReasoningEffort>,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<ReasoningSummary>,
}

/// The wire body; field order here is the key order on the wire.
#[derive(Serialize)]
struct Body<'a> {
    model: &'a str,
    stream: bool,
    input: &'a [Value],
    tools: &'a [Value],
    tool_choice: &'static str,
    parallel_tool_calls: bool,
    reasoning: Option<ReasoningBody>,
    store: bool,
    include: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    service_tier: Option<&'a str>,
    prompt_cache_key: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<&'a Value>,
    client_metadata: &'a BTreeMap<String, String>,
}

impl ModelRequest {
    fn wire_body(&self) -> Body<'_> {
        let reasoning = self.reasoning.map(|reasoning| ReasoningBody {
            effort: reasoning.effort,
            summary: reasoning
                .summary
                .filter(|summary| *summary != ReasoningSummary::None),
        });
        let include = if reasoning.is_some() {
            vec![INCLUDE_REASONING_ENCRYPTED_CONTENT]
        } else {
            vec![]
        };
        Body {
            model: &self.model,
            stream: true,
            input: &self.input,
            tools: &self.tools,
            tool_choice: "auto",
            parallel_tool_calls: self.parallel_tool_calls,
            reasoning,
            store: false,
            include,
            service_tier: self.service_tier.as_deref(),
            prompt_cache_key: &self.prompt_cache_key,
            text: self.text.as_ref(),
            client_metadata: &self.client_metadata,
        }
    }

    /// The JSON body exactly as it is sent (keys in wire order).
    ///
    /// # Errors
    /// [`ModelError::Build`] if serialization fails (it cannot for these types; kept so that no
    /// path panics).
    pub fn body(&self) -> Result<Value, ModelError> {
        serde_json::to_value(self.wire_body()).map_err(build_error)
    }

    /// The body as the bytes that go on the wire.
    ///
    /// # Errors
    /// As [`ModelRequest::body`].
    pub fn body_bytes(&self) -> Result<Vec<u8>, ModelError> {
        serde_json::to_vec(&self.wire_body()).map_err(build_error)
    }
}

fn build_error(error: serde_json::Error) -> ModelError {
    ModelError::Build {
        message: error.to_string(),
    }
}

#[cfg(test)]
mod tests;
