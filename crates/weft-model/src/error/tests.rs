//! Unit tests for error classification: texts, retryability and `codexErrorInfo`
//! (core.md §1.6 tables).

use std::time::Duration;

use serde_json::json;

use super::*;

const URL: &str = "http://127.0.0.1:9/v1/responses";

fn http(status: u16, body: &str) -> ModelError {
    ModelError::from_http_status(status, body, URL, None)
}

#[test]
fn http_400_is_the_body_verbatim_and_fatal() {
    let body = format!(
        "{{\"error\": {{\"message\": \"bad\"}}, \"pad\": \"{}\"}}",
        "x".repeat(3000)
    );
    let error = http(400, &body);
    assert_eq!(error.message(), body);
    assert!(!error.is_retryable());
    assert_eq!(error.codex_error_info(), json!("other"));
    assert_eq!(error.http_status(), Some(400));
}

#[test]
fn http_400_context_length_is_context_window_exceeded() {
    let error = http(
        400,
        r#"{"error": {"code": "context_length_exceeded", "message": "x"}}"#,
    );
    assert_eq!(error, ModelError::ContextWindowExceeded);
    assert_eq!(
        error.message(),
        "Codex ran out of room in the model's context window. Start a new thread or clear earlier history before retrying."
    );
    assert_eq!(error.codex_error_info(), json!("contextWindowExceeded"));
    assert!(!error.is_retryable());
}

#[test]
fn http_500_is_high_demand() {
    let error = http(500, "oops");
    assert_eq!(
        error.message(),
        "We\u{2019}re currently experiencing high demand, which may cause temporary errors."
    );
    assert!(error.is_retryable());
    assert_eq!(error.codex_error_info(), json!("internalServerError"));
}

#[test]
fn http_502_names_status_message_and_url() {
    let error = http(502, r#"{"error": {"message": "upstream died"}}"#);
    assert_eq!(
        error.message(),
        format!("unexpected status 502 Bad Gateway: upstream died, url: {URL}")
    );
    assert!(error.is_retryable());
    assert_eq!(
        error.codex_error_info(),
        json!({"httpConnectionFailed": {"httpStatusCode": 502}})
    );
    let plain = http(503, "try later");
    assert_eq!(
        plain.message(),
        format!("unexpected status 503 Service Unavailable: try later, url: {URL}")
    );
}

#[test]
fn long_details_are_cut_at_1000_bytes() {
    let body = "é".repeat(800);
    let error = http(502, &body);
    let ModelError::UnexpectedStatus { detail, .. } = &error else {
        panic!("{error:?}")
    };
    assert!(detail.ends_with("..."));
    assert_eq!(detail.len(), 1000 + 3);
    assert!(body.starts_with(detail.trim_end_matches("...")));
}

#[test]
fn other_4xx_are_retried_by_the_stream_layer_only() {
    for status in [401, 403, 404, 422, 409] {
        let error = http(status, "no");
        assert!(error.is_retryable(), "{status}");
        assert_eq!(
            error.codex_error_info(),
            json!({"httpConnectionFailed": {"httpStatusCode": status}})
        );
    }
    assert_eq!(
        http(401, "no").message(),
        format!("unexpected status 401 Unauthorized: no, url: {URL}")
    );
}

#[test]
fn http_429_without_retry_after_is_fatal() {
    let error = http(429, r#"{"error": {"message": "Please try again in 2s"}}"#);
    assert_eq!(
        error.message(),
        "exceeded retry limit, last status: 429 Too Many Requests"
    );
    assert!(!error.is_retryable());
    assert_eq!(error.retry_delay(), None);
    assert_eq!(
        error.codex_error_info(),
        json!({"responseTooManyFailedAttempts": {"httpStatusCode": 429}})
    );
}

#[test]
fn http_429_with_retry_after_is_retryable_after_that_delay() {
    let error = ModelError::from_http_status(429, "{}", URL, Some(Duration::from_secs(3)));
    assert!(error.is_retryable());
    assert_eq!(error.retry_delay(), Some(Duration::from_secs(3)));
    assert_eq!(
        error.codex_error_info(),
        json!({"responseTooManyFailedAttempts": {"httpStatusCode": 429}})
    );
}

#[test]
fn http_429_usage_and_quota_errors() {
    let limit = http(
        429,
        r#"{"error": {"type": "usage_limit_reached", "plan_type": "plus", "resets_at": 1700000000}}"#,
    );
    assert_eq!(
        limit,
        ModelError::UsageLimitReached {
            plan_type: Some("plus".into()),
            resets_at: Some(1_700_000_000)
        }
    );
    assert_eq!(limit.codex_error_info(), json!("usageLimitExceeded"));
    assert!(!limit.is_retryable());
    let not_included = http(429, r#"{"error": {"type": "usage_not_included"}}"#);
    assert_eq!(not_included, ModelError::UsageNotIncluded);
    let quota = http(
        429,
        r#"{"error": {"code": "insufficient_quota", "type": "insufficient_quota"}}"#,
    );
    assert_eq!(
        quota.message(),
        "Quota exceeded. Check your plan and billing details."
    );
    assert_eq!(quota.codex_error_info(), json!("usageLimitExceeded"));
}

#[test]
fn overloaded_and_slow_down() {
    let overloaded = http(503, r#"{"error": {"code": "server_is_overloaded"}}"#);
    assert_eq!(
        overloaded.message(),
        "Selected model is at capacity. Please try a different model."
    );
    assert!(!overloaded.is_retryable());
    assert_eq!(overloaded.codex_error_info(), json!("serverOverloaded"));
    let slow = http(
        503,
        r#"{"error": {"code": "slow_down", "message": "easy"}}"#,
    );
    assert_eq!(slow.message(), "rate limit exceeded: easy");
    assert!(slow.is_retryable());
    assert_eq!(slow.codex_error_info(), json!("rateLimitExceeded"));
}

#[test]
fn missing_env_var_text() {
    let bare = ModelError::MissingEnvVar {
        var: "KEY".into(),
        instructions: None,
    };
    assert_eq!(bare.message(), "Missing environment variable: `KEY`.");
    let helped = ModelError::MissingEnvVar {
        var: "KEY".into(),
        instructions: Some("Create one at example.com.".into()),
    };
    assert_eq!(
        helped.message(),
        "Missing environment variable: `KEY`. Create one at example.com."
    );
    assert!(!helped.is_retryable());
    assert_eq!(helped.codex_error_info(), json!("other"));
}

#[test]
fn stream_errors_are_retryable_with_their_delay() {
    let cut = ModelError::stream("stream closed before response.completed");
    assert!(cut.is_retryable());
    assert_eq!(cut.codex_error_info(), json!("other"));
    assert_eq!(cut.http_status(), None);
    let limited = ModelError::RateLimited {
        message: "m".into(),
        delay: Some(Duration::from_secs(1)),
    };
    assert_eq!(limited.retry_delay(), Some(Duration::from_secs(1)));
    assert_eq!(limited.codex_error_info(), json!("rateLimitExceeded"));
    assert!(!ModelError::Interrupted.is_retryable());
    assert!(!ModelError::EventTooLarge { bytes_max: 1 }.is_retryable());
}
