//! Tests for the mock server itself, driven with a plain HTTP client.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::json;
use tokio::time::Instant;

use super::*;

fn user(text: &str) -> Value {
    json!({"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]})
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

async fn post(mock: &MockResponses, body: &Value) -> reqwest::Response {
    client()
        .post(format!("{}/responses", mock.base_url()))
        .json(body)
        .send()
        .await
        .unwrap()
}

/// The `data:` payloads of an SSE body.
fn payloads(text: &str) -> Vec<Value> {
    text.lines()
        .filter_map(|line| line.strip_prefix("data: "))
        .map(|data| serde_json::from_str(data).unwrap())
        .collect()
}

async fn events(mock: &MockResponses, input: Vec<Value>) -> Vec<Value> {
    let response = post(mock, &json!({"model": "m", "input": input})).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    payloads(&response.text().await.unwrap())
}

fn kinds(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|event| event["type"].as_str().unwrap())
        .collect()
}

fn deltas(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .filter(|event| event["type"] == "response.output_text.delta")
        .map(|event| event["delta"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn default_reply_greets_with_reference_shapes_and_ids() {
    let mock = MockResponses::start().await;
    let events = events(&mock, vec![user("hi there")]).await;
    assert_eq!(
        kinds(&events),
        [
            "response.created",
            "response.output_item.added",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_item.done",
            "response.completed"
        ]
    );
    assert_eq!(
        deltas(&events),
        [
            "Hello ", "from ", "mock. ", "You ", "said: ", "hi ", "there"
        ]
    );
    assert_eq!(events[0]["response"]["id"], "resp_1");
    assert_eq!(events[1]["item"]["id"], "msg_2");
    assert_eq!(events[2]["item_id"], "msg_2");
    assert_eq!(
        events[9]["item"]["content"],
        json!([{"type": "output_text", "text": "Hello from mock. You said: hi there", "annotations": []}])
    );
    assert_eq!(events[10]["response"]["usage"], default_usage());
}

#[tokio::test]
async fn run_marker_then_tool_output_follow_the_reference_numbering() {
    let mock = MockResponses::start().await;
    let first = events(&mock, vec![user("RUN: echo hello-approval")]).await;
    assert_eq!(
        kinds(&first),
        [
            "response.created",
            "response.output_item.added",
            "response.output_item.done",
            "response.completed"
        ]
    );
    let call = first[2]["item"].clone();
    assert_eq!(
        call,
        json!({"type": "function_call", "id": "fc_2", "status": "completed", "name": "exec_command",
            "arguments": "{\"cmd\": \"echo hello-approval\", \"yield_time_ms\": 2000}",
            "call_id": "call_3"})
    );
    let output = json!({"type": "function_call_output", "call_id": "call_3",
        "output": "Chunk ID: d760cd\nWall time: 0.0000 seconds\nProcess exited with code 0\n"});
    let second = events(&mock, vec![user("RUN: echo hello-approval"), call, output]).await;
    assert_eq!(second[0]["response"]["id"], "resp_4");
    assert_eq!(second[1]["item"]["id"], "msg_5");
    assert_eq!(
        deltas(&second),
        [
            "done: ",
            "Chunk ",
            "ID: ",
            "d760cd\nWall ",
            "time: ",
            "0.0000 ",
            "secon"
        ]
    );
}

#[tokio::test]
async fn patch_marker_builds_an_apply_patch_heredoc() {
    let mock = MockResponses::start().await;
    let events = events(&mock, vec![user("PATCH: hello.txt")]).await;
    let arguments: Value =
        serde_json::from_str(events[2]["item"]["arguments"].as_str().unwrap()).unwrap();
    assert_eq!(
        arguments["cmd"],
        "apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: hello.txt\n+hello from mock\n*** End Patch\nEOF"
    );
    assert_eq!(arguments["yield_time_ms"], 2000);
}

#[tokio::test(start_paused = true)]
async fn slow_streams_twenty_deltas_250_ms_apart() {
    let mock = MockResponses::start().await;
    let started = Instant::now();
    let events = events(&mock, vec![user("SLOW please")]).await;
    assert_eq!(deltas(&events), vec!["slow "; SLOW_DELTAS]);
    assert!(
        started.elapsed() >= SLOW_DELTA_INTERVAL * 20,
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn requests_are_recorded_in_order_with_headers_and_json_body() {
    let mock = MockResponses::start().await;
    let response = client()
        .post(format!("{}/responses?api-version=1", mock.base_url()))
        .header("originator", "drive")
        .json(&json!({"model": "m", "stream": true, "input": [user("one")]}))
        .send()
        .await
        .unwrap();
    response.text().await.unwrap();
    post(&mock, &json!({"model": "m", "input": [user("two")]}))
        .await
        .text()
        .await
        .unwrap();
    let requests = mock.wait_for_requests(2).await;
    assert_eq!(requests.len(), 2);
    let first = &requests[0];
    assert_eq!(
        (first.method.as_str(), first.path.as_str()),
        ("POST", "/v1/responses")
    );
    assert_eq!(first.query.as_deref(), Some("api-version=1"));
    assert_eq!(first.header("Originator"), Some("drive"));
    assert_eq!(first.header("content-type"), Some("application/json"));
    assert_eq!(first.body_keys(), ["model", "stream", "input"]);
    assert_eq!(first.last_user_text().as_deref(), Some("one"));
    assert_eq!(requests[1].input().len(), 1);
}

#[tokio::test]
async fn queued_scripts_are_used_in_order_then_the_rules_resume() {
    let mock = MockResponses::start().await;
    mock.push(Script::text("first script"));
    mock.push(
        Script::http_error(429, r#"{"error": {"message": "slow down"}}"#)
            .header("Retry-After", "2"),
    );
    let first = events(&mock, vec![user("x")]).await;
    assert_eq!(deltas(&first), ["first ", "script"]);
    let second = post(&mock, &json!({"input": [user("x")]})).await;
    assert_eq!(second.status(), 429);
    assert_eq!(second.headers()["retry-after"], "2");
    assert_eq!(second.headers()["content-type"], "application/json");
    assert_eq!(
        second.text().await.unwrap(),
        r#"{"error": {"message": "slow down"}}"#
    );
    let third = events(&mock, vec![user("back")]).await;
    assert_eq!(deltas(&third).concat(), "Hello from mock. You said: back");
}

#[tokio::test]
async fn gate_holds_the_stream_until_released() {
    let mock = MockResponses::start().await;
    let mut script = Script::new()
        .with_message_added()
        .with_text_delta("before ");
    let gate = script.gate();
    mock.push(script.with_text_delta("after").with_message_done());
    let response = post(&mock, &json!({"input": []})).await;
    let mut body = response.bytes_stream();
    gate.reached().await;
    assert!(gate.is_reached());
    let mut received = String::new();
    while !received.contains("before ") {
        received.push_str(&String::from_utf8_lossy(
            &body.next().await.unwrap().unwrap(),
        ));
    }
    assert!(!received.contains("after"));
    gate.release();
    while let Some(chunk) = body.next().await {
        received.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
    }
    let events = payloads(&received);
    assert_eq!(deltas(&events), ["before ", "after"]);
    assert_eq!(events.last().unwrap()["type"], "response.completed");
    assert_eq!(mock.wait_for_reply_end(0).await, ReplyEnd::Finished);
}

#[tokio::test]
async fn then_cut_closes_without_completed() {
    let mock = MockResponses::start().await;
    mock.push(Script::text("partial").then_cut());
    let events = events(&mock, vec![]).await;
    assert_eq!(events.last().unwrap()["type"], "response.output_item.done");
    assert_eq!(mock.wait_for_reply_end(0).await, ReplyEnd::Finished);
}

#[tokio::test]
async fn then_reset_breaks_the_connection() {
    let mock = MockResponses::start().await;
    mock.push(Script::text("partial").then_reset());
    let response = post(&mock, &json!({})).await;
    assert!(response.text().await.is_err());
}

#[tokio::test]
async fn a_client_that_goes_away_is_reported_as_dropped() {
    let mock = MockResponses::start().await;
    let mut script = Script::new().with_message_added();
    let gate = script.gate();
    let mut script = script;
    for _ in 0..1000 {
        script = script
            .with_text_delta("tick ")
            .with_delay(Duration::from_millis(1));
    }
    mock.push(script);
    let response = post(&mock, &json!({})).await;
    gate.reached().await;
    drop(response);
    gate.release();
    assert_eq!(mock.wait_for_reply_end(0).await, ReplyEnd::Dropped);
}

#[tokio::test]
async fn endings_and_builders_render_the_documented_events() {
    let mock = MockResponses::start().await;
    mock.push(Script::reasoning("thinking", "answer").with_end_turn(false));
    mock.push(Script::new().then_fail(json!({"code": "context_length_exceeded", "message": "x"})));
    mock.push(Script::new().then_incomplete("max_output_tokens"));
    mock.push(Script::text("no usage").without_usage());
    mock.push(
        Script::raw()
            .with_raw(": comment\n\n")
            .with_event("response.custom", json!({"a": 1}))
            .with_usage(json!({"input_tokens": 1})),
    );
    let reasoning = events(&mock, vec![]).await;
    assert_eq!(reasoning[1]["item"]["type"], "reasoning");
    assert_eq!(
        reasoning[2]["type"],
        "response.reasoning_summary_part.added"
    );
    assert_eq!(reasoning[3]["delta"], "thinking");
    assert_eq!(
        reasoning[4]["item"]["summary"],
        json!([{"type": "summary_text", "text": "thinking"}])
    );
    assert!(reasoning[4]["item"]["encrypted_content"].is_string());
    assert_eq!(reasoning.last().unwrap()["response"]["end_turn"], false);
    let failed = events(&mock, vec![]).await;
    assert_eq!(failed[1]["type"], "response.failed");
    assert_eq!(
        failed[1]["response"]["error"]["code"],
        "context_length_exceeded"
    );
    let incomplete = events(&mock, vec![]).await;
    assert_eq!(
        incomplete[1]["response"]["incomplete_details"]["reason"],
        "max_output_tokens"
    );
    let no_usage = events(&mock, vec![]).await;
    assert!(no_usage.last().unwrap()["response"].get("usage").is_none());
    let raw = events(&mock, vec![]).await;
    assert_eq!(kinds(&raw), ["response.custom", "response.completed"]);
    assert_eq!(raw[1]["response"]["usage"], json!({"input_tokens": 1}));
}

#[tokio::test]
async fn function_call_script_keeps_the_given_call_id() {
    let mock = MockResponses::start().await;
    mock.push(Script::function_call("shell", "call_x", "{not json"));
    let events = events(&mock, vec![]).await;
    assert_eq!(events[2]["item"]["call_id"], "call_x");
    assert_eq!(events[2]["item"]["arguments"], "{not json");
    assert_eq!(events[2]["item"]["id"], "fc_2");
}

#[tokio::test]
async fn other_paths_are_recorded_and_answered_404() {
    let mock = MockResponses::start().await;
    let response = client()
        .get(format!("{}/models", mock.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let requests = mock.wait_for_requests(1).await;
    assert_eq!(
        (requests[0].method.as_str(), requests[0].path.as_str()),
        ("GET", "/v1/models")
    );
    assert_eq!(requests[0].body, Value::Null);
}

#[test]
fn sse_event_puts_the_type_first() {
    assert_eq!(
        sse_event("response.created", &json!({"response": {"id": "r"}})),
        "event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"id\":\"r\"}}\n\n"
    );
    assert_eq!(
        sse_event("x", &json!({"type": "y"})),
        "event: x\ndata: {\"type\":\"y\"}\n\n"
    );
}
