//! weft-model: the streaming client for the OpenAI Responses API.
//!
//! One sampling request goes in as a [`ModelRequest`]; [`ModelClient::stream`] POSTs it to
//! `{base_url}/responses` (or answers offline with the scripted provider) and hands back a
//! [`ResponseStream`] of [`ModelEvent`]s. The crate owns everything between those two points:
//! the request body and headers (core.md §2.1–§2.2), the bounded SSE parser, the mapping of
//! provider events and failures (§2.3), token usage parsing (§2.4) and the HTTP-layer retry of
//! the POST (§1.6). The stream-layer retry (`Reconnecting... n/max`) belongs to the core, which
//! decides from [`ModelError::is_retryable`], [`ModelError::retry_delay`] and [`backoff`].
//!
//! **Invariant:** weft-model knows nothing about threads, turns or the JSON-RPC wire; items stay
//! raw Responses JSON and the caller supplies every id that goes into a header.
//! **Invariant:** dropping a [`ResponseStream`] (or cancelling its token) aborts the HTTP
//! request at once; there is no background task that outlives it.
//! **Invariant:** every bound (event size, error body size, timeouts, retry caps) is a named
//! constant in [`limits`].

mod client;
mod error;
mod event;
mod http;
pub mod limits;
mod provider;
mod request;
mod retry;
mod scripted;
mod sse;
mod stream;
mod usage;

pub use client::ModelClient;
pub use error::ModelError;
pub use event::ModelEvent;
pub use http::HttpModelClient;
pub use provider::{EnvSource, ProviderConfig, Secret};
pub use request::{
    INCLUDE_REASONING_ENCRYPTED_CONTENT, ModelRequest, Reasoning, ReasoningEffort,
    ReasoningSummary, RequestHeaders,
};
pub use retry::backoff;
pub use scripted::ScriptedModelClient;
pub use stream::{IDLE_TIMEOUT_MESSAGE, ResponseStream, STREAM_CLOSED_MESSAGE};
pub use usage::TokenUsage;

pub use tokio_util::sync::CancellationToken;
