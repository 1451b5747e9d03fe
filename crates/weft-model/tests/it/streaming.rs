//! Successful responses: text, reasoning, function calls, usage, ignored events.

use serde_json::json;
use weft_model::{ModelEvent, TokenUsage};
use weft_test_support::mock::{MockResponses, Script};

use crate::support::{client, events, request, text};

#[tokio::test]
async fn streams_text_deltas_items_and_usage() {
    let mock = MockResponses::start().await;
    let events = events(&client(&mock), &request("hi there")).await;
    assert_eq!(events[0], ModelEvent::Created);
    let ModelEvent::OutputItemAdded(added) = &events[1] else {
        panic!("{events:?}")
    };
    assert_eq!(added["id"], "msg_2");
    assert_eq!(added["role"], "assistant");
    assert_eq!(
        events[2],
        ModelEvent::OutputTextDelta {
            item_id: Some("msg_2".into()),
            delta: "Hello ".into()
        }
    );
    assert_eq!(text(&events), "Hello from mock. You said: hi there");
    let ModelEvent::OutputItemDone(done) = &events[events.len() - 2] else {
        panic!()
    };
    assert_eq!(
        done["content"][0]["text"],
        "Hello from mock. You said: hi there"
    );
    assert_eq!(
        events.last(),
        Some(&ModelEvent::Completed {
            response_id: "resp_1".into(),
            usage: Some(TokenUsage {
                input_tokens: 100,
                output_tokens: 10,
                total_tokens: 110,
                ..TokenUsage::default()
            }),
            end_turn: None,
        })
    );
}

#[tokio::test]
async fn streams_reasoning_summary_and_raw_text_deltas() {
    let mock = MockResponses::start().await;
    mock.push(
        Script::new()
            .with_reasoning(&["first part", "second part"], Some("raw thoughts"))
            .with_message("ok"),
    );
    let events = events(&client(&mock), &request("think")).await;
    let rs = Some("rs_2".to_owned());
    let expected_middle = [
        ModelEvent::ReasoningSummaryPartAdded {
            item_id: rs.clone(),
            summary_index: 0,
        },
        ModelEvent::ReasoningSummaryTextDelta {
            item_id: rs.clone(),
            delta: "first part".into(),
            summary_index: 0,
        },
        ModelEvent::ReasoningSummaryPartAdded {
            item_id: rs.clone(),
            summary_index: 1,
        },
        ModelEvent::ReasoningSummaryTextDelta {
            item_id: rs.clone(),
            delta: "second part".into(),
            summary_index: 1,
        },
        ModelEvent::ReasoningTextDelta {
            item_id: rs,
            delta: "raw thoughts".into(),
            content_index: 0,
        },
    ];
    assert_eq!(events[2..7], expected_middle);
    let ModelEvent::OutputItemDone(reasoning) = &events[7] else {
        panic!("{events:?}")
    };
    assert_eq!(reasoning["type"], "reasoning");
    assert_eq!(reasoning["encrypted_content"], "enc_rs_2");
    assert_eq!(text(&events), "ok");
}

#[tokio::test]
async fn function_calls_arrive_as_added_and_done_items() {
    let mock = MockResponses::start().await;
    let events = events(&client(&mock), &request("RUN: echo hi")).await;
    assert_eq!(events.len(), 4);
    let ModelEvent::OutputItemAdded(added) = &events[1] else {
        panic!("{events:?}")
    };
    assert_eq!(added["status"], "in_progress");
    let ModelEvent::OutputItemDone(call) = &events[2] else {
        panic!("{events:?}")
    };
    assert_eq!(call["type"], "function_call");
    assert_eq!(call["name"], "exec_command");
    assert_eq!(call["call_id"], "call_3");
    assert_eq!(
        call["arguments"],
        "{\"cmd\": \"echo hi\", \"yield_time_ms\": 2000}"
    );
}

#[tokio::test]
async fn unknown_events_malformed_data_and_comments_are_skipped() {
    let mock = MockResponses::start().await;
    mock.push(
        Script::raw()
            .with_raw(": keep-alive\n\n")
            .with_raw("event: response.output_text.delta\ndata: {not json\n\n")
            .with_event("response.in_progress", json!({"response": {}}))
            .with_event(
                "response.function_call_arguments.delta",
                json!({"delta": "{"}),
            )
            .with_created()
            .with_message("fine")
            .with_usage(
                json!({"input_tokens": 3, "input_tokens_details": {"cached_tokens": 1},
                "output_tokens": 2, "output_tokens_details": {"reasoning_tokens": 1},
                "total_tokens": 5}),
            ),
    );
    let events = events(&client(&mock), &request("x")).await;
    assert_eq!(events[0], ModelEvent::Created);
    assert_eq!(text(&events), "fine");
    let Some(ModelEvent::Completed {
        usage: Some(usage), ..
    }) = events.last()
    else {
        panic!("{events:?}")
    };
    assert_eq!(
        *usage,
        TokenUsage {
            input_tokens: 3,
            cached_input_tokens: 1,
            cache_write_input_tokens: 0,
            output_tokens: 2,
            reasoning_output_tokens: 1,
            total_tokens: 5
        }
    );
}

#[tokio::test]
async fn completed_without_usage_and_end_turn_false() {
    let mock = MockResponses::start().await;
    mock.push(Script::text("a").without_usage().with_end_turn(false));
    let events = events(&client(&mock), &request("x")).await;
    let Some(ModelEvent::Completed {
        usage, end_turn, ..
    }) = events.last()
    else {
        panic!()
    };
    assert_eq!((*usage, *end_turn), (None, Some(false)));
}
