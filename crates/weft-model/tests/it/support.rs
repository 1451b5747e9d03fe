//! Shared helpers: a client pointed at the mock, requests, and event collection.

use serde_json::{Value, json};
use weft_model::{
    EnvSource, HttpModelClient, ModelError, ModelEvent, ModelRequest, ProviderConfig, Reasoning,
    ReasoningSummary, RequestHeaders, ResponseStream,
};
use weft_test_support::mock::MockResponses;

/// A provider for the mock with the given HTTP-layer retry count.
pub(crate) fn provider(mock: &MockResponses, request_max_retries: u64) -> ProviderConfig {
    ProviderConfig {
        request_max_retries: Some(request_max_retries),
        ..ProviderConfig::new("mock", mock.base_url())
    }
}

/// A reqwest client that never goes through a proxy (tests talk to loopback only).
pub(crate) fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("reqwest client")
}

/// A client for `provider` with an empty environment.
pub(crate) fn client_for(provider: ProviderConfig) -> HttpModelClient {
    HttpModelClient::new(provider, http())
        .with_env(EnvSource::from_pairs(Vec::<(String, String)>::new()))
}

/// A client for the mock without HTTP-layer retries.
pub(crate) fn client(mock: &MockResponses) -> HttpModelClient {
    client_for(provider(mock, 0))
}

/// A user message item.
pub(crate) fn user(text: &str) -> Value {
    json!({"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]})
}

/// A request like the core's first request of a thread, with `text` as the user input.
pub(crate) fn request(text: &str) -> ModelRequest {
    ModelRequest {
        model: "gpt-5.2-codex".into(),
        input: vec![user(text)],
        parallel_tool_calls: true,
        reasoning: Some(Reasoning {
            effort: None,
            summary: Some(ReasoningSummary::Auto),
        }),
        prompt_cache_key: "thread-1".into(),
        headers: RequestHeaders {
            originator: "drive".into(),
            user_agent: "drive/0.169.0 (Debian 12.0.0; x86_64) xterm (drive; 1.0.0)".into(),
            client_request_id: Some("thread-1".into()),
            session_id: Some("thread-1".into()),
            thread_id: Some("thread-1".into()),
            extra: vec![("x-codex-window-id".into(), "thread-1:0".into())],
        },
        ..ModelRequest::default()
    }
}

/// Every item of a stream until it ends.
pub(crate) async fn collect(mut stream: ResponseStream) -> Vec<Result<ModelEvent, ModelError>> {
    let mut items = Vec::new();
    while let Some(item) = stream.next_event().await {
        items.push(item);
    }
    items
}

/// Streams `request` and returns the events, panicking on any error.
pub(crate) async fn events(client: &HttpModelClient, request: &ModelRequest) -> Vec<ModelEvent> {
    let stream = client.stream(request, None).await.expect("stream starts");
    collect(stream)
        .await
        .into_iter()
        .map(|item| item.expect("event"))
        .collect()
}

/// Streams `request` and returns the error the stream (or its start) ended with.
pub(crate) async fn error(client: &HttpModelClient, request: &ModelRequest) -> ModelError {
    match client.stream(request, None).await {
        Err(error) => error,
        Ok(stream) => {
            let items = collect(stream).await;
            match items.last() {
                Some(Err(error)) => error.clone(),
                other => panic!("expected an error, got {other:?}"),
            }
        }
    }
}

/// The concatenated text deltas.
pub(crate) fn text(events: &[ModelEvent]) -> String {
    events
        .iter()
        .filter_map(|event| match event {
            ModelEvent::OutputTextDelta { delta, .. } => Some(delta.as_str()),
            _ => None,
        })
        .collect()
}
