//! Interrupts: dropping the stream or cancelling its token aborts the HTTP request at once.

use std::time::Duration;

use weft_model::{CancellationToken, ModelError, ModelEvent};
use weft_test_support::mock::{MockResponses, ReplyEnd, Script};

use crate::support::{client, client_for, provider, request};

/// A reply that sends one delta, stops at a gate, then would stream for a long time.
fn long_reply(mock: &MockResponses) -> weft_test_support::mock::Gate {
    let mut script = Script::new().with_message_added().with_text_delta("first ");
    let gate = script.gate();
    let mut script = script;
    for _ in 0..500 {
        script = script
            .with_delay(Duration::from_millis(1))
            .with_text_delta("more ");
    }
    mock.push(script);
    gate
}

#[tokio::test]
async fn dropping_the_stream_disconnects_from_the_provider() {
    let mock = MockResponses::start().await;
    let gate = long_reply(&mock);
    let mut stream = client(&mock).stream(&request("x"), None).await.unwrap();
    assert_eq!(stream.next_event().await, Some(Ok(ModelEvent::Created)));
    gate.reached().await;
    drop(stream);
    gate.release();
    assert_eq!(mock.wait_for_reply_end(0).await, ReplyEnd::Dropped);
}

#[tokio::test]
async fn cancelling_the_token_interrupts_and_disconnects() {
    let mock = MockResponses::start().await;
    let gate = long_reply(&mock);
    let token = CancellationToken::new();
    let mut stream = client(&mock)
        .stream(&request("x"), Some(token.clone()))
        .await
        .unwrap();
    assert_eq!(stream.next_event().await, Some(Ok(ModelEvent::Created)));
    gate.reached().await;
    token.cancel();
    let mut last = None;
    while let Some(item) = stream.next_event().await {
        last = Some(item);
    }
    assert_eq!(last, Some(Err(ModelError::Interrupted)));
    gate.release();
    assert_eq!(mock.wait_for_reply_end(0).await, ReplyEnd::Dropped);
    drop(stream);
}

#[tokio::test(start_paused = true)]
async fn cancelling_during_backoff_stops_retrying() {
    let mock = MockResponses::start().await;
    mock.push(Script::http_error(500, "x").header("Retry-After", "3600"));
    let token = CancellationToken::new();
    let client = client_for(provider(&mock, 5));
    let canceller = token.clone();
    let waiter = mock.wait_for_requests(1);
    let request = request("x");
    let (result, ()) = tokio::join!(client.stream(&request, Some(token)), async move {
        waiter.await;
        canceller.cancel();
    });
    assert_eq!(result.unwrap_err(), ModelError::Interrupted);
    assert_eq!(mock.requests().len(), 1);
}
