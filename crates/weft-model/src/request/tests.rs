//! Unit tests for the request body: key order and the reasoning/include rules.

use serde_json::json;

use super::*;

fn keys(body: &Value) -> Vec<String> {
    body.as_object().unwrap().keys().cloned().collect()
}

#[test]
fn body_keys_are_in_wire_order() {
    let request = ModelRequest {
        model: "gpt-5.2-codex".into(),
        reasoning: Some(Reasoning {
            effort: None,
            summary: Some(ReasoningSummary::Auto),
        }),
        prompt_cache_key: "thread-1".into(),
        ..ModelRequest::default()
    };
    let body = request.body().unwrap();
    assert_eq!(
        keys(&body),
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
    assert_eq!(body["stream"], json!(true));
    assert_eq!(body["store"], json!(false));
    assert_eq!(body["tool_choice"], json!("auto"));
    assert_eq!(body["reasoning"], json!({"summary": "auto"}));
    assert_eq!(body["include"], json!(["reasoning.encrypted_content"]));
}

#[test]
fn optional_keys_go_where_the_reference_puts_them() {
    let request = ModelRequest {
        service_tier: Some("flex".into()),
        text: Some(json!({"verbosity": "low"})),
        ..ModelRequest::default()
    };
    let body = request.body().unwrap();
    let keys = keys(&body);
    let position = |key: &str| keys.iter().position(|k| k == key).unwrap();
    assert_eq!(position("service_tier"), position("include") + 1);
    assert_eq!(position("text"), position("prompt_cache_key") + 1);
    assert_eq!(keys.last().map(String::as_str), Some("client_metadata"));
}

#[test]
fn no_reasoning_means_null_and_empty_include() {
    let body = ModelRequest::default().body().unwrap();
    assert_eq!(body["reasoning"], Value::Null);
    assert_eq!(body["include"], json!([]));
}

#[test]
fn summary_none_is_omitted_and_effort_none_is_literal() {
    let request = ModelRequest {
        reasoning: Some(Reasoning {
            effort: Some(ReasoningEffort::None),
            summary: Some(ReasoningSummary::None),
        }),
        ..ModelRequest::default()
    };
    assert_eq!(
        request.body().unwrap()["reasoning"],
        json!({"effort": "none"})
    );
    let request = ModelRequest {
        reasoning: Some(Reasoning {
            effort: Some(ReasoningEffort::XHigh),
            summary: Some(ReasoningSummary::Detailed),
        }),
        ..ModelRequest::default()
    };
    assert_eq!(
        request.body().unwrap()["reasoning"],
        json!({"effort": "xhigh", "summary": "detailed"})
    );
}

#[test]
fn body_bytes_match_body_value() {
    let request = ModelRequest {
        model: "m".into(),
        input: vec![json!({"type": "message", "role": "user", "content": []})],
        ..ModelRequest::default()
    };
    let parsed: Value = serde_json::from_slice(&request.body_bytes().unwrap()).unwrap();
    assert_eq!(parsed, request.body().unwrap());
}
