//! weft-core's own tests: the bounded client queue (R39) and its byte budget (issue 16). The wire behaviour of the core is
//! tested end to end in weft-cli's suite.

use std::sync::Arc;

use weft_core::limits::{
    CLIENT_QUEUE_BYTES_MAX, CLIENT_QUEUE_BYTES_RESUME, CLIENT_QUEUE_DEPTH,
    CLIENT_QUEUE_NOTIFICATION_BYTES_MAX,
};
use weft_core::{Core, CoreConfig, ReplyTo};
use weft_protocol::RequestId;
use weft_protocol::v2::{ServerNotification, ThreadIdNotification};

fn core(home: &std::path::Path) -> Core {
    let config = CoreConfig::offline(home);
    Core::new(config, std::collections::HashMap::new()).expect("core")
}

#[tokio::test]
async fn r39_a_client_that_does_not_read_is_cut_off_at_the_queue_bound() {
    let home = tempfile::tempdir().unwrap();
    let core = core(home.path());
    let (sink, mut receiver) = core.connect();
    let notification = Arc::new(ServerNotification::ThreadClosed(ThreadIdNotification {
        thread_id: "t".to_owned(),
    }));
    for _ in 0..CLIENT_QUEUE_DEPTH {
        assert!(sink.notify(Arc::clone(&notification)));
    }
    assert!(!sink.overflowed().is_cancelled());
    assert!(
        !sink.notify(Arc::clone(&notification)),
        "one past the bound is refused"
    );
    assert!(
        sink.overflowed().is_cancelled(),
        "the connection is told to close"
    );
    // Nothing beyond the bound was queued.
    let mut queued = 0;
    while receiver.try_recv().is_ok() {
        queued += 1;
    }
    assert_eq!(queued, CLIENT_QUEUE_DEPTH);
}

/// Issue 16: answers to the client's own requests are never refused, and they count in bytes,
/// so the connection can stop reading (backpressure) until its writer drained them.
#[tokio::test]
async fn answers_are_queued_past_the_budget_and_counted_in_bytes() {
    let home = tempfile::tempdir().unwrap();
    let core = core(home.path());
    let (sink, mut receiver) = core.connect();
    let load = sink.load();
    let answer = serde_json::value::to_raw_value(&"x".repeat(1 << 20)).unwrap();
    let mut sent = 0_i64;
    while !load.is_over_budget() {
        assert!(sink.reply(ReplyTo(RequestId::Integer(sent)), Ok(answer.clone())));
        sent += 1;
    }
    assert!(load.bytes() > CLIENT_QUEUE_BYTES_MAX);
    assert_eq!(
        sent, 8,
        "answers of just over 1 MiB: the eighth crosses 8 MiB"
    );
    // Past the budget answers are still queued: the bound is that the reader stops.
    assert!(sink.reply(ReplyTo(RequestId::Integer(sent)), Ok(answer.clone())));
    assert!(!sink.overflowed().is_cancelled());

    let waiter = tokio::spawn({
        let load = Arc::clone(&load);
        async move { load.drained().await }
    });
    tokio::task::yield_now().await;
    assert!(!waiter.is_finished(), "nothing was written yet");
    // The writer's part: take a message, write it, give its bytes back.
    while load.bytes() > CLIENT_QUEUE_BYTES_RESUME {
        let message = receiver.try_recv().expect("queued");
        load.written(message.queue_bytes());
    }
    waiter.await.expect("drained once at the resume mark");
    assert!(!load.is_over_budget());
    assert_eq!(load.peak_bytes(), 9 * (answer.get().len() + 64));
}

/// A notification that does not fit the byte bound closes the client, whatever its depth.
#[tokio::test]
async fn r39_notifications_are_bounded_in_bytes_too() {
    let home = tempfile::tempdir().unwrap();
    let core = core(home.path());
    let (sink, _receiver) = core.connect();
    sink.set_notification_depth(usize::MAX);
    let answer = serde_json::value::to_raw_value(&"x".repeat(1 << 20)).unwrap();
    for id in 0..64 {
        assert!(sink.reply(ReplyTo(RequestId::Integer(id)), Ok(answer.clone())));
    }
    assert!(sink.load().bytes() > CLIENT_QUEUE_NOTIFICATION_BYTES_MAX);
    let notification = Arc::new(ServerNotification::ThreadClosed(ThreadIdNotification {
        thread_id: "t".to_owned(),
    }));
    assert!(!sink.notify(notification));
    assert!(sink.overflowed().is_cancelled());
}
