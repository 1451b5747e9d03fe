//! What goes on the wire: path, query, body key order, headers, authentication.

use std::collections::BTreeMap;

use serde_json::json;
use weft_model::{EnvSource, HttpModelClient, ModelError, ProviderConfig, Secret};
use weft_test_support::mock::MockResponses;

use crate::support::{client, client_for, events, http, provider, request};

#[tokio::test]
async fn body_keys_and_constants_match_the_reference() {
    let mock = MockResponses::start().await;
    events(&client(&mock), &request("hi")).await;
    let requests = mock.wait_for_requests(1).await;
    let sent = &requests[0];
    assert_eq!(
        (sent.method.as_str(), sent.path.as_str()),
        ("POST", "/v1/responses")
    );
    assert_eq!(sent.query, None);
    assert_eq!(
        sent.body_keys(),
        [
            "model",
            "stream",
            "input",
            "tools",
            "tool_choice",
            "parallel_tool_calls",
            "reasoning",
            "store",
            "include",
            "prompt_cache_key",
            "client_metadata"
        ]
    );
    assert_eq!(sent.body["model"], "gpt-5.2-codex");
    assert_eq!(sent.body["stream"], true);
    assert_eq!(sent.body["tools"], json!([]));
    assert_eq!(sent.body["tool_choice"], "auto");
    assert_eq!(sent.body["parallel_tool_calls"], true);
    assert_eq!(sent.body["reasoning"], json!({"summary": "auto"}));
    assert_eq!(sent.body["store"], false);
    assert_eq!(sent.body["include"], json!(["reasoning.encrypted_content"]));
    assert_eq!(sent.body["prompt_cache_key"], "thread-1");
    assert_eq!(sent.body["client_metadata"], json!({}));
    assert_eq!(sent.last_user_text().as_deref(), Some("hi"));
}

#[tokio::test]
async fn headers_carry_identity_and_no_authorization_for_a_keyless_provider() {
    let mock = MockResponses::start().await;
    events(&client(&mock), &request("hi")).await;
    let sent = &mock.wait_for_requests(1).await[0];
    assert_eq!(sent.header("content-type"), Some("application/json"));
    assert_eq!(sent.header("accept"), Some("text/event-stream"));
    assert_eq!(sent.header("originator"), Some("drive"));
    assert_eq!(
        sent.header("user-agent"),
        Some("drive/0.169.0 (Debian 12.0.0; x86_64) xterm (drive; 1.0.0)")
    );
    assert_eq!(sent.header("x-client-request-id"), Some("thread-1"));
    assert_eq!(sent.header("session-id"), Some("thread-1"));
    assert_eq!(sent.header("thread-id"), Some("thread-1"));
    assert_eq!(sent.header("x-codex-window-id"), Some("thread-1:0"));
    assert_eq!(sent.header("authorization"), None);
}

#[tokio::test]
async fn provider_headers_query_params_and_env_key_are_sent() {
    let mock = MockResponses::start().await;
    let provider = ProviderConfig {
        env_key: Some("WEFT_TEST_KEY".into()),
        query_params: BTreeMap::from([("api-version".into(), "2025-01-01".into())]),
        http_headers: BTreeMap::from([("x-static".into(), "yes".into())]),
        env_http_headers: BTreeMap::from([
            ("x-from-env".into(), "WEFT_TEST_HEADER".into()),
            ("x-unset".into(), "WEFT_TEST_UNSET".into()),
        ]),
        ..provider(&mock, 0)
    };
    let env = EnvSource::from_pairs([("WEFT_TEST_KEY", "sk-test"), ("WEFT_TEST_HEADER", "hello")]);
    let client = HttpModelClient::new(provider, http()).with_env(env);
    events(&client, &request("hi")).await;
    let sent = &mock.wait_for_requests(1).await[0];
    assert_eq!(sent.query.as_deref(), Some("api-version=2025-01-01"));
    assert_eq!(sent.header("authorization"), Some("Bearer sk-test"));
    assert_eq!(sent.header("x-static"), Some("yes"));
    assert_eq!(sent.header("x-from-env"), Some("hello"));
    assert_eq!(sent.header("x-unset"), None);
}

#[tokio::test]
async fn experimental_bearer_token_is_used_without_env_key() {
    let mock = MockResponses::start().await;
    let provider = ProviderConfig {
        experimental_bearer_token: Some(Secret::new("tok")),
        ..provider(&mock, 0)
    };
    events(&client_for(provider), &request("hi")).await;
    let sent = &mock.wait_for_requests(1).await[0];
    assert_eq!(sent.header("authorization"), Some("Bearer tok"));
}

#[tokio::test]
async fn missing_env_key_fails_before_any_request() {
    let mock = MockResponses::start().await;
    let provider = ProviderConfig {
        env_key: Some("WEFT_TEST_MISSING_KEY".into()),
        env_key_instructions: Some("Export it first.".into()),
        ..provider(&mock, 0)
    };
    let client = HttpModelClient::new(provider.clone(), http())
        .with_env(EnvSource::from_pairs([("WEFT_TEST_MISSING_KEY", "  ")]));
    let error = client.stream(&request("hi"), None).await.unwrap_err();
    assert_eq!(
        error,
        ModelError::MissingEnvVar {
            var: "WEFT_TEST_MISSING_KEY".into(),
            instructions: Some("Export it first.".into())
        }
    );
    assert_eq!(
        error.message(),
        "Missing environment variable: `WEFT_TEST_MISSING_KEY`. Export it first."
    );
    assert!(!error.is_retryable());
    assert_eq!(error.codex_error_info(), json!("other"));
    assert!(mock.requests().is_empty());
}

#[test]
fn secrets_are_redacted_in_debug_output() {
    let provider = ProviderConfig {
        experimental_bearer_token: Some(Secret::new("sk-very-secret")),
        http_headers: BTreeMap::from([("api-key".into(), "sk-header-secret".into())]),
        ..ProviderConfig::new("p", "http://127.0.0.1:1/v1")
    };
    let debug = format!("{provider:?}");
    assert!(!debug.contains("sk-very-secret"), "{debug}");
    assert!(!debug.contains("sk-header-secret"), "{debug}");
    assert!(debug.contains("api-key"), "{debug}");
    assert_eq!(Secret::new("x").to_string(), "[REDACTED]");
    let client = HttpModelClient::new(provider, http());
    assert!(!format!("{client:?}").contains("sk-very-secret"));
}

#[test]
fn provider_defaults_caps_and_deserialization() {
    let provider: ProviderConfig = serde_json::from_value(json!({
        "name": "Mock", "base_url": "http://127.0.0.1:1/v1/", "wire_api": "responses",
        "request_max_retries": 1000, "stream_max_retries": 0, "stream_idle_timeout_ms": 50
    }))
    .unwrap();
    assert_eq!(provider.request_max_retries(), 100);
    assert_eq!(provider.stream_max_retries(), 0);
    assert_eq!(
        provider.stream_idle_timeout(),
        std::time::Duration::from_millis(50)
    );
    assert_eq!(provider.responses_url(), "http://127.0.0.1:1/v1/responses");
    let defaults = ProviderConfig::new("x", "http://h/v1");
    assert_eq!(defaults.request_max_retries(), 4);
    assert_eq!(defaults.stream_max_retries(), 5);
    assert_eq!(
        defaults.stream_idle_timeout(),
        std::time::Duration::from_secs(300)
    );
    assert_eq!(
        ProviderConfig::openai().env_key.as_deref(),
        Some("OPENAI_API_KEY")
    );
}
