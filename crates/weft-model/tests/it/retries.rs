//! The HTTP-layer retry loop: what it retries, how often, and how long it waits.

use std::time::Duration;

use tokio::time::Instant;
use weft_model::{ModelError, ModelEvent};
use weft_test_support::mock::{MockResponses, Script};

use crate::support::{client_for, error, events, provider, request, text};

#[tokio::test(start_paused = true)]
async fn http_500_then_success_is_retried_after_backoff() {
    let mock = MockResponses::start().await;
    mock.push(Script::http_error(500, "boom"));
    let started = Instant::now();
    let events = events(&client_for(provider(&mock, 2)), &request("again")).await;
    let waited = started.elapsed();
    assert_eq!(text(&events), "Hello from mock. You said: again");
    assert_eq!(mock.requests().len(), 2);
    assert!(
        waited >= Duration::from_millis(180) && waited < Duration::from_millis(220),
        "{waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn http_500_until_retries_run_out_reports_high_demand() {
    let mock = MockResponses::start().await;
    for _ in 0..4 {
        mock.push(Script::http_error(500, "boom"));
    }
    let started = Instant::now();
    let error = error(&client_for(provider(&mock, 3)), &request("x")).await;
    let waited = started.elapsed();
    assert_eq!(error, ModelError::InternalServerError { retry_after: None });
    assert_eq!(
        error.codex_error_info(),
        serde_json::json!("internalServerError")
    );
    assert!(error.is_retryable(), "the stream layer may still retry");
    assert_eq!(mock.requests().len(), 4);
    // 200 + 400 + 800 ms, each ±10 %.
    assert!(
        waited >= Duration::from_millis(1260) && waited < Duration::from_millis(1540),
        "{waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn retry_after_on_a_5xx_replaces_the_backoff() {
    let mock = MockResponses::start().await;
    mock.push(Script::http_error(503, "busy").header("Retry-After", "7"));
    let started = Instant::now();
    let events = events(&client_for(provider(&mock, 1)), &request("x")).await;
    assert_eq!(started.elapsed(), Duration::from_secs(7));
    assert!(matches!(events.last(), Some(ModelEvent::Completed { .. })));
}

#[tokio::test]
async fn zero_retries_sends_once() {
    let mock = MockResponses::start().await;
    mock.push(Script::http_error(502, "x"));
    let error = error(&client_for(provider(&mock, 0)), &request("x")).await;
    assert_eq!(error.http_status(), Some(502));
    assert_eq!(mock.requests().len(), 1);
}

#[tokio::test]
async fn overloaded_is_not_retried_by_the_http_layer() {
    let mock = MockResponses::start().await;
    mock.push(Script::http_error(
        503,
        r#"{"error": {"code": "server_is_overloaded"}}"#,
    ));
    let error = error(&client_for(provider(&mock, 3)), &request("x")).await;
    assert_eq!(error, ModelError::ServerOverloaded);
    assert!(!error.is_retryable());
    assert_eq!(mock.requests().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn connection_refused_is_retried_then_reported() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}/v1", listener.local_addr().unwrap());
    drop(listener);
    let provider = weft_model::ProviderConfig {
        request_max_retries: Some(2),
        ..weft_model::ProviderConfig::new("dead", base_url)
    };
    let started = Instant::now();
    let error = error(&client_for(provider), &request("x")).await;
    let waited = started.elapsed();
    assert!(matches!(error, ModelError::Stream { .. }), "{error:?}");
    assert!(error.is_retryable());
    assert!(
        error
            .message()
            .starts_with("stream disconnected before completion: "),
        "{error}"
    );
    assert!(
        waited >= Duration::from_millis(540) && waited < Duration::from_millis(660),
        "{waited:?}"
    );
}
