//! Unit tests for the body → event stream machinery (no network).

use std::time::Duration;

use futures_util::stream;
use serde_json::json;

use super::*;

fn chunk(text: &str) -> Result<Bytes, String> {
    Ok(Bytes::from(text.to_owned()))
}

fn sse(value: serde_json::Value) -> String {
    let kind = value["type"].as_str().unwrap().to_owned();
    format!("event: {kind}\ndata: {value}\n\n")
}

fn body_stream(chunks: Vec<Result<Bytes, String>>) -> ResponseStream {
    from_body(
        stream::iter(chunks),
        Duration::from_secs(300),
        1 << 20,
        None,
    )
}

async fn collect(mut stream: ResponseStream) -> Vec<Result<ModelEvent, ModelError>> {
    let mut out = Vec::new();
    while let Some(item) = stream.next_event().await {
        out.push(item);
    }
    out
}

fn completed() -> String {
    sse(json!({"type": "response.completed", "response": {"id": "resp_1"}}))
}

#[tokio::test]
async fn events_split_across_chunks_and_unknown_ones_skipped() {
    let text = sse(json!({"type": "response.output_text.delta", "item_id": "m", "delta": "Hi"}));
    let (first, second) = text.split_at(7);
    let chunks = vec![
        chunk(&sse(json!({"type": "response.created", "response": {}}))),
        chunk(&sse(
            json!({"type": "response.in_progress", "response": {}}),
        )),
        chunk("data: not json\n\n"),
        chunk(first),
        chunk(second),
        chunk(&completed()),
        chunk(&sse(json!({"type": "response.created", "response": {}}))),
    ];
    let events = collect(body_stream(chunks)).await;
    assert_eq!(
        events,
        [
            Ok(ModelEvent::Created),
            Ok(ModelEvent::OutputTextDelta {
                item_id: Some("m".into()),
                delta: "Hi".into()
            }),
            Ok(ModelEvent::Completed {
                response_id: "resp_1".into(),
                usage: None,
                end_turn: None
            }),
        ]
    );
}

#[tokio::test]
async fn end_without_completed_is_a_retryable_stream_error() {
    let events = collect(body_stream(vec![chunk(&sse(
        json!({"type": "response.created", "response": {}}),
    ))]))
    .await;
    assert_eq!(events.len(), 2);
    let error = events[1].clone().unwrap_err();
    assert_eq!(
        error.message(),
        "stream disconnected before completion: stream closed before response.completed"
    );
    assert!(error.is_retryable());
}

#[tokio::test]
async fn transport_error_mid_stream_is_a_stream_error() {
    let events = collect(body_stream(vec![Err("connection reset".into())])).await;
    assert_eq!(events, [Err(ModelError::stream("connection reset"))]);
}

#[tokio::test]
async fn failed_event_ends_the_stream() {
    let failed = sse(json!({"type": "response.failed", "response": {"error": {
        "code": "context_length_exceeded", "message": "x"}}}));
    let events = collect(body_stream(vec![chunk(&failed), chunk(&completed())])).await;
    assert_eq!(events, [Err(ModelError::ContextWindowExceeded)]);
}

#[tokio::test]
async fn oversized_event_fails_with_the_limit() {
    let stream = from_body(
        stream::iter(vec![chunk(&"x".repeat(64))]),
        Duration::from_secs(1),
        32,
        None,
    );
    let events = collect(stream).await;
    assert_eq!(events, [Err(ModelError::EventTooLarge { bytes_max: 32 })]);
    assert!(!events[0].clone().unwrap_err().is_retryable());
}

#[tokio::test(start_paused = true)]
async fn silence_hits_the_idle_timeout() {
    let body = stream::iter(vec![chunk(&sse(
        json!({"type": "response.created", "response": {}}),
    ))])
    .chain(stream::pending());
    let mut stream = from_body(body, Duration::from_secs(300), 1 << 20, None);
    assert_eq!(stream.next_event().await, Some(Ok(ModelEvent::Created)));
    let started = Instant::now();
    let error = stream.next_event().await.unwrap().unwrap_err();
    assert_eq!(started.elapsed(), Duration::from_secs(300));
    assert_eq!(
        error.message(),
        "stream disconnected before completion: idle timeout waiting for SSE"
    );
    assert!(error.is_retryable());
    assert_eq!(stream.next_event().await, None);
}

#[tokio::test(start_paused = true)]
async fn comments_do_not_reset_the_idle_timer_but_events_do() {
    let ticks = stream::unfold(0u32, |n| async move {
        if n >= 3 {
            std::future::pending::<()>().await;
        }
        tokio::time::sleep(Duration::from_secs(100)).await;
        let text = if n == 1 {
            sse(json!({"type": "response.unknown"}))
        } else {
            ": keep-alive\n\n".to_owned()
        };
        Some((chunk(&text), n + 1))
    });
    let mut stream = from_body(ticks, Duration::from_secs(250), 1 << 20, None);
    let started = Instant::now();
    let error = stream.next_event().await.unwrap().unwrap_err();
    // Comment at 100 s (no reset), unknown event at 200 s (reset), timeout at 450 s.
    assert_eq!(started.elapsed(), Duration::from_secs(450));
    assert_eq!(error, ModelError::stream(IDLE_TIMEOUT_MESSAGE));
}

#[tokio::test]
async fn cancellation_interrupts_a_waiting_stream() {
    let token = CancellationToken::new();
    let mut stream = from_body(
        stream::pending(),
        Duration::from_secs(300),
        1 << 20,
        Some(token.clone()),
    );
    token.cancel();
    assert_eq!(
        stream.next_event().await,
        Some(Err(ModelError::Interrupted))
    );
    assert_eq!(stream.next_event().await, None);
}
