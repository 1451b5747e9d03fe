//! weft-core's own tests: the bounded client queue (R39). The wire behaviour of the core is
//! tested end to end in weft-cli's suite.

use std::sync::Arc;

use weft_core::limits::CLIENT_QUEUE_DEPTH;
use weft_core::{Core, CoreConfig};
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
