//! Unit and property tests for the SSE payload → `ModelEvent` mapping.

use std::time::Duration;

use proptest::prelude::*;
use serde_json::json;

use super::*;

fn parse(value: Value) -> Parsed {
    parse_event(&value.to_string())
}

#[test]
fn maps_the_events_the_core_uses() {
    assert_eq!(
        parse(json!({"type": "response.created", "response": {"id": "r"}})),
        Parsed::Event(ModelEvent::Created)
    );
    let item = json!({"type": "message", "id": "msg_1", "role": "assistant", "content": []});
    assert_eq!(
        parse(json!({"type": "response.output_item.added", "item": item})),
        Parsed::Event(ModelEvent::OutputItemAdded(item.clone()))
    );
    assert_eq!(
        parse(json!({"type": "response.output_item.done", "item": item})),
        Parsed::Event(ModelEvent::OutputItemDone(item))
    );
    assert_eq!(
        parse(json!({"type": "response.output_text.delta", "item_id": "msg_1", "delta": "Hi"})),
        Parsed::Event(ModelEvent::OutputTextDelta {
            item_id: Some("msg_1".into()),
            delta: "Hi".into()
        })
    );
    assert_eq!(
        parse(
            json!({"type": "response.reasoning_summary_text.delta", "delta": "t",
            "summary_index": 1, "item_id": "rs_1"})
        ),
        Parsed::Event(ModelEvent::ReasoningSummaryTextDelta {
            item_id: Some("rs_1".into()),
            delta: "t".into(),
            summary_index: 1
        })
    );
    assert_eq!(
        parse(json!({"type": "response.reasoning_summary_part.added", "summary_index": 0})),
        Parsed::Event(ModelEvent::ReasoningSummaryPartAdded {
            item_id: None,
            summary_index: 0
        })
    );
    assert_eq!(
        parse(json!({"type": "response.reasoning_text.delta", "delta": "r", "content_index": 2})),
        Parsed::Event(ModelEvent::ReasoningTextDelta {
            item_id: None,
            delta: "r".into(),
            content_index: 2
        })
    );
}

#[test]
fn completed_carries_id_usage_and_end_turn() {
    let parsed = parse(json!({"type": "response.completed", "response": {
        "id": "resp_1", "end_turn": false,
        "usage": {"input_tokens": 100, "output_tokens": 10, "total_tokens": 110}}}));
    let Parsed::Completed(ModelEvent::Completed {
        response_id,
        usage,
        end_turn,
    }) = parsed
    else {
        panic!("unexpected {parsed:?}");
    };
    assert_eq!(response_id, "resp_1");
    assert_eq!(usage.map(|u| u.total_tokens), Some(110));
    assert_eq!(end_turn, Some(false));
    assert_eq!(
        parse(json!({"type": "response.completed", "response": {"id": "r"}})),
        Parsed::Completed(ModelEvent::Completed {
            response_id: "r".into(),
            usage: None,
            end_turn: None
        })
    );
}

#[test]
fn incomplete_fields_and_unknown_events_are_ignored() {
    for payload in [
        json!({"type": "response.created"}),
        json!({"type": "response.output_item.added"}),
        json!({"type": "response.output_item.done", "item": "text"}),
        json!({"type": "response.output_text.delta"}),
        json!({"type": "response.reasoning_summary_text.delta", "delta": "x"}),
        json!({"type": "response.reasoning_summary_part.added"}),
        json!({"type": "response.reasoning_text.delta", "delta": "x"}),
        json!({"type": "response.function_call_arguments.delta", "delta": "{"}),
        json!({"type": "response.in_progress", "response": {}}),
        json!({"no": "type"}),
        json!([1, 2]),
    ] {
        assert_eq!(parse(payload.clone()), Parsed::Ignored, "{payload}");
    }
    assert_eq!(parse_event("not json"), Parsed::Ignored);
    assert_eq!(parse_event(""), Parsed::Ignored);
}

fn failed(error: Value) -> ModelError {
    match parse(json!({"type": "response.failed", "response": {"id": "r", "error": error}})) {
        Parsed::Failed(error) => error,
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn response_failed_mapping() {
    assert_eq!(
        failed(json!({"code": "context_length_exceeded", "message": "too long"})),
        ModelError::ContextWindowExceeded
    );
    assert_eq!(
        failed(json!({"code": "insufficient_quota"})),
        ModelError::QuotaExceeded
    );
    assert_eq!(
        failed(json!({"code": "usage_not_included"})),
        ModelError::UsageNotIncluded
    );
    assert_eq!(
        failed(json!({"code": "server_is_overloaded"})),
        ModelError::ServerOverloaded
    );
    let message = "Rate limit reached. Please try again in 11.054s. Visit …";
    assert_eq!(
        failed(json!({"code": "rate_limit_exceeded", "message": message})),
        ModelError::RateLimited {
            message: message.into(),
            delay: Some(Duration::from_secs_f64(11.054))
        }
    );
    let generic = failed(json!({"code": "server_error", "message": "boom"}));
    assert_eq!(
        generic.message(),
        "stream disconnected before completion: boom"
    );
    assert!(generic.is_retryable());
    assert_eq!(generic.codex_error_info(), json!("other"));
}

#[test]
fn response_failed_without_error_object() {
    let Parsed::Failed(error) = parse(json!({"type": "response.failed", "response": {}})) else {
        panic!("expected failure");
    };
    assert_eq!(
        error.message(),
        "stream disconnected before completion: response.failed event received"
    );
    let Parsed::Failed(error) = parse(json!({"type": "response.failed"})) else {
        panic!("expected failure");
    };
    assert!(error.is_retryable());
}

#[test]
fn response_incomplete_is_fatal_with_reason() {
    let payload = json!({"type": "response.incomplete",
        "response": {"incomplete_details": {"reason": "max_output_tokens"}}});
    let Parsed::Failed(error) = parse(payload) else {
        panic!("expected failure")
    };
    assert_eq!(
        error.message(),
        "Incomplete response returned, reason: max_output_tokens"
    );
    assert!(!error.is_retryable());
    assert_eq!(error.codex_error_info(), json!("other"));
    let Parsed::Failed(error) = parse(json!({"type": "response.incomplete"})) else {
        panic!("expected failure")
    };
    assert_eq!(
        error.message(),
        "Incomplete response returned, reason: unknown"
    );
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
        prop_oneof![
            Just("response.completed"),
            Just("response.failed"),
            Just("response.incomplete"),
            Just("response.output_text.delta"),
            Just("response.output_item.done"),
            Just("response.reasoning_summary_text.delta"),
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("type".to_owned()),
                    Just("response".to_owned()),
                    Just("error".to_owned()),
                    Just("usage".to_owned()),
                    Just("delta".to_owned()),
                    Just("item".to_owned()),
                    ".{0,6}"
                ],
                inner,
                0..5
            )
            .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn never_panics_on_arbitrary_text(data in ".{0,300}") {
        let _ = parse_event(&data);
    }

    #[test]
    fn never_panics_on_arbitrary_json(value in json_value()) {
        let _ = parse_event(&value.to_string());
    }
}
