//! Failures and how they are classified: texts, retryability, delays, `codexErrorInfo`.

use std::time::Duration;

use serde_json::json;
use weft_model::{ModelError, ModelEvent};
use weft_test_support::mock::{MockResponses, Script};

use crate::support::{client, client_for, collect, error, provider, request};

#[tokio::test]
async fn http_400_is_the_body_verbatim() {
    let mock = MockResponses::start().await;
    let body =
        r#"{"error": {"message": "Invalid 'input[3]': bad", "type": "invalid_request_error"}}"#;
    mock.push(Script::http_error(400, body));
    let error = error(&client_for(provider(&mock, 3)), &request("x")).await;
    assert_eq!(error.message(), body);
    assert!(!error.is_retryable());
    assert_eq!(error.codex_error_info(), json!("other"));
    assert_eq!(mock.requests().len(), 1, "400 is not retried");
}

#[tokio::test]
async fn http_429_without_retry_after_is_fatal() {
    let mock = MockResponses::start().await;
    mock.push(Script::http_error(
        429,
        r#"{"error": {"message": "Please try again in 2s."}}"#,
    ));
    let error = error(&client_for(provider(&mock, 3)), &request("x")).await;
    assert_eq!(
        error.message(),
        "exceeded retry limit, last status: 429 Too Many Requests"
    );
    assert!(!error.is_retryable());
    assert_eq!(
        error.codex_error_info(),
        json!({"responseTooManyFailedAttempts": {"httpStatusCode": 429}})
    );
    assert_eq!(mock.requests().len(), 1);
}

#[tokio::test]
async fn http_429_with_retry_after_is_left_to_the_stream_layer() {
    let mock = MockResponses::start().await;
    mock.push(Script::http_error(429, "{}").header("Retry-After", "7"));
    let error = error(&client_for(provider(&mock, 3)), &request("x")).await;
    assert!(error.is_retryable());
    assert_eq!(error.retry_delay(), Some(Duration::from_secs(7)));
    assert_eq!(error.http_status(), Some(429));
    assert_eq!(mock.requests().len(), 1, "the HTTP layer never retries 429");
}

#[tokio::test]
async fn http_502_names_the_full_url() {
    let mock = MockResponses::start().await;
    mock.push(Script::http_error(
        502,
        r#"{"error": {"message": "bad gateway upstream"}}"#,
    ));
    let error = error(&client(&mock), &request("x")).await;
    assert_eq!(
        error.message(),
        format!(
            "unexpected status 502 Bad Gateway: bad gateway upstream, url: {}/responses",
            mock.base_url()
        )
    );
    assert!(error.is_retryable());
    assert_eq!(
        error.codex_error_info(),
        json!({"httpConnectionFailed": {"httpStatusCode": 502}})
    );
}

#[tokio::test]
async fn http_401_is_not_retried_by_the_http_layer() {
    let mock = MockResponses::start().await;
    mock.push(Script::http_error(401, "unauthorized"));
    let error = error(&client_for(provider(&mock, 3)), &request("x")).await;
    assert!(error.is_retryable(), "the stream layer retries 401");
    assert_eq!(
        error.codex_error_info(),
        json!({"httpConnectionFailed": {"httpStatusCode": 401}})
    );
    assert_eq!(mock.requests().len(), 1);
}

#[tokio::test]
async fn stream_cut_is_retryable_with_the_reference_text() {
    let mock = MockResponses::start().await;
    mock.push(Script::text("partial").then_cut());
    let items = collect(client(&mock).stream(&request("x"), None).await.unwrap()).await;
    assert!(items[..items.len() - 1].iter().all(Result::is_ok));
    let error = items.last().unwrap().clone().unwrap_err();
    assert_eq!(
        error.message(),
        "stream disconnected before completion: stream closed before response.completed"
    );
    assert!(error.is_retryable());
    assert_eq!(error.codex_error_info(), json!("other"));
    assert_eq!(error.http_status(), None);
}

#[tokio::test]
async fn connection_reset_mid_stream_is_a_retryable_stream_error() {
    let mock = MockResponses::start().await;
    mock.push(Script::text("partial").then_reset());
    let items = collect(client(&mock).stream(&request("x"), None).await.unwrap()).await;
    assert_eq!(items.first(), Some(&Ok(ModelEvent::Created)));
    let error = items.last().unwrap().clone().unwrap_err();
    assert!(matches!(error, ModelError::Stream { .. }), "{error:?}");
    assert!(
        error
            .message()
            .starts_with("stream disconnected before completion: ")
    );
    assert!(error.is_retryable());
}

#[tokio::test(start_paused = true)]
async fn silence_is_an_idle_timeout() {
    let mock = MockResponses::start().await;
    mock.push(Script::new().then_hang());
    let provider = weft_model::ProviderConfig {
        stream_idle_timeout_ms: Some(1_000),
        ..provider(&mock, 0)
    };
    let mut stream = client_for(provider)
        .stream(&request("x"), None)
        .await
        .unwrap();
    assert_eq!(stream.next_event().await, Some(Ok(ModelEvent::Created)));
    let started = tokio::time::Instant::now();
    let error = stream.next_event().await.unwrap().unwrap_err();
    assert_eq!(started.elapsed(), Duration::from_secs(1));
    assert_eq!(
        error.message(),
        "stream disconnected before completion: idle timeout waiting for SSE"
    );
    assert!(error.is_retryable());
    assert_eq!(error.codex_error_info(), json!("other"));
    assert_eq!(stream.next_event().await, None);
}

async fn failed_with(error_object: serde_json::Value) -> ModelError {
    let mock = MockResponses::start().await;
    mock.push(Script::text("partial").then_fail(error_object));
    error(&client(&mock), &request("x")).await
}

#[tokio::test]
async fn response_failed_context_window_is_fatal() {
    let error = failed_with(json!({"code": "context_length_exceeded",
        "message": "Your input exceeds the context window of this model."}))
    .await;
    assert_eq!(error, ModelError::ContextWindowExceeded);
    assert!(!error.is_retryable());
    assert_eq!(error.codex_error_info(), json!("contextWindowExceeded"));
}

#[tokio::test]
async fn response_failed_quota_and_usage_are_fatal() {
    let quota = failed_with(json!({"code": "insufficient_quota", "message": "q"})).await;
    assert_eq!(
        quota.message(),
        "Quota exceeded. Check your plan and billing details."
    );
    assert_eq!(quota.codex_error_info(), json!("usageLimitExceeded"));
    let usage = failed_with(json!({"code": "usage_not_included"})).await;
    assert!(!usage.is_retryable());
    assert_eq!(usage.codex_error_info(), json!("usageLimitExceeded"));
}

#[tokio::test]
async fn response_failed_rate_limit_is_retryable_after_the_given_delay() {
    let error = failed_with(json!({"code": "rate_limit_exceeded",
        "message": "Rate limit reached for gpt-5.1. Please try again in 1.898s. Visit …"}))
    .await;
    assert!(error.is_retryable());
    assert_eq!(error.retry_delay(), Some(Duration::from_secs_f64(1.898)));
    assert_eq!(error.codex_error_info(), json!("rateLimitExceeded"));
}

#[tokio::test]
async fn response_failed_generic_and_without_error() {
    let generic =
        failed_with(json!({"code": "server_error", "message": "An error occurred."})).await;
    assert_eq!(
        generic.message(),
        "stream disconnected before completion: An error occurred."
    );
    assert!(generic.is_retryable());
    assert_eq!(generic.codex_error_info(), json!("other"));
    let mock = MockResponses::start().await;
    mock.push(Script::new().then_fail_without_error());
    let bare = error(&client(&mock), &request("x")).await;
    assert_eq!(
        bare.message(),
        "stream disconnected before completion: response.failed event received"
    );
}

#[tokio::test]
async fn response_incomplete_is_fatal() {
    let mock = MockResponses::start().await;
    mock.push(Script::text("partial").then_incomplete("max_output_tokens"));
    let error = error(&client(&mock), &request("x")).await;
    assert_eq!(
        error.message(),
        "Incomplete response returned, reason: max_output_tokens"
    );
    assert!(!error.is_retryable());
    assert_eq!(error.codex_error_info(), json!("other"));
}
