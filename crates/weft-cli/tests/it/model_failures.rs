//! A model endpoint that fails: 500, 429, a cut stream, a hang, retries that recover. The turn
//! fails as the reference's does (`error` with `willRetry: false`, status `systemError`,
//! `turn/completed {failed}`), and the server keeps serving.

use serde_json::{Value, json};
use weft_test_support::mock::Script;

use crate::harness::{Harness, labels, run_turn, start_thread};

fn final_error(messages: &[Value]) -> Value {
    messages
        .iter()
        .rev()
        .find(|message| message["method"] == "error")
        .map(|message| message["params"].clone())
        .expect("an error notification")
}

async fn failing_turn(harness: &Harness) -> Vec<Value> {
    let mut client = harness.connect().await;
    let thread_id = start_thread(&mut client, json!({})).await;
    let messages = run_turn(&mut client, &thread_id, "hello").await;
    // The server still serves a normal turn on the same thread afterwards.
    let next = run_turn(&mut client, &thread_id, "hello again").await;
    assert_eq!(
        next.last().unwrap()["params"]["turn"]["status"],
        "completed"
    );
    messages
}

#[tokio::test]
async fn http_500_fails_the_turn() {
    let harness = Harness::start().await;
    harness
        .mock
        .push(Script::http_error(500, r#"{"error":{"message":"boom"}}"#));
    let messages = failing_turn(&harness).await;
    let tail: Vec<String> = labels(&messages).into_iter().rev().take(3).collect();
    assert_eq!(
        tail,
        vec!["turn/completed", "error", "thread/status/changed"],
        "as the reference: systemError status, then the error, then turn/completed"
    );
    let error = final_error(&messages);
    assert_eq!(error["willRetry"], false);
    assert_eq!(error["error"]["codexErrorInfo"], "internalServerError");
    let turn = &messages.last().unwrap()["params"]["turn"];
    assert_eq!(turn["status"], "failed");
    assert_eq!(turn["error"]["codexErrorInfo"], "internalServerError");
    let status = messages
        .iter()
        .rev()
        .find(|m| m["method"] == "thread/status/changed")
        .unwrap();
    assert_eq!(status["params"]["status"], json!({"type": "systemError"}));
}

#[tokio::test]
async fn http_429_without_retry_after_is_fatal() {
    let harness = Harness::start_with("stream_max_retries = 3").await;
    harness.mock.push(Script::http_error(
        429,
        r#"{"error":{"message":"slow down"}}"#,
    ));
    let messages = failing_turn(&harness).await;
    let error = final_error(&messages);
    assert_eq!(
        error["error"]["codexErrorInfo"],
        json!({"responseTooManyFailedAttempts": {"httpStatusCode": 429}})
    );
    assert!(
        !messages
            .iter()
            .any(|m| m["method"] == "error" && m["params"]["willRetry"] == true)
    );
    assert_eq!(harness.mock.requests().len(), 2, "429 is not retried");
}

#[tokio::test]
async fn cut_stream_fails_with_the_reference_text() {
    let harness = Harness::start().await;
    harness.mock.push(
        Script::new()
            .with_created()
            .with_message_added()
            .with_text_delta("half")
            .then_cut(),
    );
    let messages = failing_turn(&harness).await;
    let error = final_error(&messages);
    assert_eq!(
        error["error"]["message"],
        "stream disconnected before completion: stream closed before response.completed"
    );
    assert_eq!(error["error"]["codexErrorInfo"], "other");
}

#[tokio::test]
async fn cut_stream_is_retried_and_recovers() {
    let harness = Harness::start_with("stream_max_retries = 2").await;
    harness.mock.push(Script::new().with_created().then_cut());
    let mut client = harness.connect().await;
    let thread_id = start_thread(&mut client, json!({})).await;
    let messages = run_turn(&mut client, &thread_id, "hello").await;
    let retry = messages
        .iter()
        .find(|m| m["method"] == "error")
        .expect("a retry notice");
    assert_eq!(retry["params"]["willRetry"], true);
    assert_eq!(retry["params"]["error"]["message"], "Reconnecting... 1/2");
    assert_eq!(
        retry["params"]["error"]["codexErrorInfo"],
        json!({"responseStreamDisconnected": {"httpStatusCode": null}})
    );
    assert_eq!(
        messages.last().unwrap()["params"]["turn"]["status"],
        "completed"
    );
    assert_eq!(harness.mock.requests().len(), 2);
}

#[tokio::test]
async fn hanging_stream_hits_the_idle_timeout() {
    let harness = Harness::start_with("stream_idle_timeout_ms = 300").await;
    let mut script = Script::new().with_created();
    let _gate = script.gate();
    harness.mock.push(script.with_message("never"));
    let messages = failing_turn(&harness).await;
    let error = final_error(&messages);
    assert_eq!(
        error["error"]["message"],
        "stream disconnected before completion: idle timeout waiting for SSE"
    );
}

/// Issue 16, fault 4: an interrupt while the provider has accepted the request but sent no
/// headers yet is an interruption, not a failed turn.
#[tokio::test]
async fn an_interrupt_before_the_response_headers_reports_interrupted() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (accepted, mut accepted_rx) = tokio::sync::mpsc::channel::<()>(4);
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
            let _ = accepted.send(()).await;
        }
    });
    let harness =
        crate::harness::Harness::start_with(&format!("base_url = \"http://{addr}/v1\"")).await;
    let mut client = harness.connect().await;
    let thread_id = crate::harness::start_thread(&mut client, serde_json::json!({})).await;
    let turn_id = crate::harness::start_turn(&mut client, &thread_id, "hello?").await;
    accepted_rx
        .recv()
        .await
        .expect("the request reached the silent provider");
    let id = client
        .send_request(
            "turn/interrupt",
            serde_json::json!({"threadId": thread_id, "turnId": turn_id}),
        )
        .await;
    let (response, _) = client.response_to(id).await;
    assert_eq!(response["result"], serde_json::json!({}));
    let (completed, before) = client.wait_for("turn/completed").await;
    assert_eq!(completed["params"]["turn"]["status"], "interrupted");
    assert_eq!(
        completed["params"]["turn"]["error"],
        serde_json::Value::Null
    );
    assert!(
        before.iter().all(|message| message["method"] != "error"),
        "no error notification: {before:?}"
    );
}
