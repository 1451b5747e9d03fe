//! A thread's read state (protocol.md §6.8, §8): the experimental `thread/readState/update`,
//! `readState` / `readStates` in `thread/read` and `thread/list`, `thread/readState/changed`
//! (experimental connections only) after an update and at the end of a user turn, before
//! `thread/status/changed {idle}`, and durability across a restart.

use serde_json::{Value, json};
use weft_test_support::mock::Script;
use weft_test_support::wire::methods;

use crate::harness::{Client, Harness, labels, run_turn, start_thread, start_turn};

const UNKNOWN_THREAD: &str = "00000000-0000-0000-0000-000000000000";

/// `thread/readState/update`, whose result the stable schema does not describe (experimental).
async fn update(client: &mut Client, thread_id: &str, revision: &str, operation: &str) -> Value {
    client.validate = false;
    let (response, _) = client
        .call(
            "thread/readState/update",
            json!({
                "threadId": thread_id,
                "expectedRevision": revision,
                "operation": {"type": operation},
            }),
        )
        .await;
    client.validate = true;
    response
}

async fn read_state(client: &mut Client, thread_id: &str) -> Value {
    let read = client
        .call_ok("thread/read", json!({"threadId": thread_id}))
        .await;
    read["readState"].clone()
}

async fn listed_state(client: &mut Client, thread_id: &str) -> Value {
    let listed = client.call_ok("thread/list", json!({})).await;
    listed["readStates"][thread_id].clone()
}

fn revision(state: &Value) -> String {
    state["revision"].as_str().expect("revision").to_owned()
}

#[tokio::test]
async fn a_thread_never_marked_is_read_at_its_initial_revision() {
    let harness = Harness::start().await;
    let mut client = harness.connect_experimental().await;
    let thread_id = start_thread(&mut client, json!({})).await;
    let expected = json!({"firstUnread": null, "revision": format!("initial:{thread_id}")});
    assert_eq!(read_state(&mut client, &thread_id).await, expected);

    // Marking it unread before any turn is allowed (the whole thread).
    let response = update(&mut client, &thread_id, &revision(&expected), "unread").await;
    let state = &response["result"]["readState"];
    assert_eq!(state["firstUnread"], json!({"type": "threadStart"}));
    assert_ne!(revision(state), revision(&expected));
    assert_eq!(read_state(&mut client, &thread_id).await, *state);
}

#[tokio::test]
async fn read_state_update_shows_in_thread_read_and_thread_list() {
    let harness = Harness::start().await;
    let mut client = harness.connect_experimental().await;
    let thread_id = start_thread(&mut client, json!({})).await;
    let messages = run_turn(&mut client, &thread_id, "hello").await;
    let turn_id = messages.last().expect("turn/completed")["params"]["turn"]["id"].clone();

    // The turn's answer is unread from that turn.
    let unread = read_state(&mut client, &thread_id).await;
    assert_eq!(
        unread["firstUnread"],
        json!({"type": "turn", "turnId": turn_id})
    );
    assert_eq!(listed_state(&mut client, &thread_id).await, unread);

    let response = update(&mut client, &thread_id, &revision(&unread), "read").await;
    let read = response["result"]["readState"].clone();
    assert_eq!(read["firstUnread"], Value::Null);
    assert_ne!(revision(&read), revision(&unread));
    assert_eq!(read_state(&mut client, &thread_id).await, read);
    assert_eq!(listed_state(&mut client, &thread_id).await, read);

    // A stale revision is refused with the current state, which stays.
    let response = update(&mut client, &thread_id, &revision(&unread), "unread").await;
    assert_eq!(
        response["error"],
        json!({
            "code": -32600,
            "message": "read state changed",
            "data": {"reason": "readStateConflict", "readState": read},
        })
    );
    assert_eq!(read_state(&mut client, &thread_id).await, read);
}

#[tokio::test]
async fn read_state_changed_reaches_experimental_subscribers_only() {
    let harness = Harness::start().await;
    let mut owner = harness.connect_experimental().await;
    let mut plain = harness.connect().await;
    let thread_id = start_thread(&mut owner, json!({})).await;
    // A thread can be rejoined once its rollout exists.
    run_turn(&mut owner, &thread_id, "hello").await;
    plain
        .call_ok("thread/resume", json!({"threadId": thread_id}))
        .await;
    let initial = read_state(&mut owner, &thread_id).await;

    owner.validate = false;
    let (response, before) = owner
        .call(
            "thread/readState/update",
            json!({
                "threadId": thread_id,
                "expectedRevision": revision(&initial),
                "operation": {"type": "unread"},
            }),
        )
        .await;
    owner.validate = true;
    let state = response["result"]["readState"].clone();
    // Told before the answer, with the state the answer carries.
    let changed = before
        .iter()
        .find(|message| message["method"] == "thread/readState/changed")
        .expect("thread/readState/changed before the answer");
    assert_eq!(
        changed["params"],
        json!({"threadId": thread_id, "readState": state})
    );

    // A later event of the same thread reaches the plain subscriber with nothing before it
    // about the read state.
    owner
        .call_ok(
            "thread/name/set",
            json!({"threadId": thread_id, "name": "Sentinel"}),
        )
        .await;
    let (_, seen) = plain.wait_for("thread/name/updated").await;
    assert!(
        !methods(&seen).contains(&"thread/readState/changed".to_owned()),
        "{seen:?}"
    );
}

#[tokio::test]
async fn a_turn_end_sends_read_state_changed_before_status_idle() {
    let harness = Harness::start().await;
    let mut client = harness.connect_experimental().await;
    let mut plain = harness.connect().await;
    let thread_id = start_thread(&mut client, json!({})).await;
    let first = run_turn(&mut client, &thread_id, "hello").await;
    let first_turn_id = first.last().expect("turn/completed")["params"]["turn"]["id"].clone();
    plain
        .call_ok("thread/resume", json!({"threadId": thread_id}))
        .await;
    let messages = run_turn(&mut client, &thread_id, "again").await;
    let order = labels(&messages);
    let position = |label: &str| {
        order
            .iter()
            .position(|seen| seen == label)
            .unwrap_or_else(|| panic!("{label} missing from {order:?}"))
    };
    let changed = position("thread/readState/changed");
    assert!(
        changed > position("item/completed:agentMessage"),
        "{order:?}"
    );
    assert_eq!(
        &order[changed + 1..],
        ["thread/status/changed", "turn/completed"],
        "{order:?}"
    );
    let notification = messages
        .iter()
        .find(|message| message["method"] == "thread/readState/changed")
        .expect("changed");
    // The earliest unread result stays the first unread position; the revision is new.
    assert_eq!(
        notification["params"]["readState"]["firstUnread"],
        json!({"type": "turn", "turnId": first_turn_id})
    );
    let before = first
        .iter()
        .find(|message| message["method"] == "thread/readState/changed")
        .expect("the first turn's change");
    assert_ne!(
        notification["params"]["readState"]["revision"],
        before["params"]["readState"]["revision"]
    );
    assert_eq!(
        notification["params"]["readState"],
        read_state(&mut client, &thread_id).await
    );

    let (_, seen) = plain.wait_for("turn/completed").await;
    assert!(
        !methods(&seen).contains(&"thread/readState/changed".to_owned()),
        "{seen:?}"
    );
}

#[tokio::test]
async fn read_state_survives_a_restart() {
    let mut harness = Harness::start().await;
    let mut client = harness.connect_experimental().await;
    let thread_id = start_thread(&mut client, json!({})).await;
    run_turn(&mut client, &thread_id, "hello").await;
    let unread = read_state(&mut client, &thread_id).await;
    let response = update(&mut client, &thread_id, &revision(&unread), "read").await;
    let read = response["result"]["readState"].clone();

    harness.restart();
    let mut client = harness.connect_experimental().await;
    assert_eq!(read_state(&mut client, &thread_id).await, read);
    assert_eq!(listed_state(&mut client, &thread_id).await, read);
    // The thread is not loaded; its state is still changed, guarded by the same revision.
    let response = update(&mut client, &thread_id, &revision(&read), "unread").await;
    assert_eq!(
        response["result"]["readState"]["firstUnread"],
        json!({"type": "threadStart"})
    );
}

#[tokio::test]
async fn read_state_update_errors() {
    let harness = Harness::start().await;
    let mut client = harness.connect_experimental().await;

    let response = update(&mut client, UNKNOWN_THREAD, "initial:x", "read").await;
    assert_eq!(
        response["error"],
        json!({"code": -32600, "message": format!("thread not loaded: {UNKNOWN_THREAD}")})
    );

    let response = update(&mut client, "not-a-uuid", "initial:x", "read").await;
    assert_eq!(response["error"]["code"], -32602);
    let message = response["error"]["message"].as_str().expect("message");
    assert!(message.starts_with("invalid thread id: "), "{message}");

    let (response, _) = client
        .call(
            "thread/readState/update",
            json!({"threadId": UNKNOWN_THREAD, "expectedRevision": "r"}),
        )
        .await;
    assert_eq!(
        response["error"],
        json!({"code": -32600, "message": "Invalid request: missing field `operation`"})
    );

    let (response, _) = client
        .call(
            "thread/readState/update",
            json!({
                "threadId": UNKNOWN_THREAD,
                "expectedRevision": "r",
                "operation": {"type": "skim"},
            }),
        )
        .await;
    let message = response["error"]["message"].as_str().expect("message");
    assert!(
        message.starts_with("Invalid request: unknown variant `skim`"),
        "{message}"
    );

    // The method is experimental.
    let mut plain = harness.connect().await;
    let (response, _) = plain
        .call(
            "thread/readState/update",
            json!({
                "threadId": UNKNOWN_THREAD,
                "expectedRevision": "r",
                "operation": {"type": "read"},
            }),
        )
        .await;
    assert_eq!(
        response["error"],
        json!({
            "code": -32600,
            "message": "thread/readState/update requires experimentalApi capability",
        })
    );
}

/// The reference does not mark a turn end while an active goal will continue the thread: goal
/// continuation turns mark nothing until the goal stops; the next user turn does.
#[tokio::test]
async fn goal_continuation_turns_do_not_mark_the_thread_unread() {
    let harness = Harness::start_adjusted(|config| config.goals.continuation_turns_max = 2).await;
    let mut client = harness.connect_experimental().await;
    let thread_id = start_thread(&mut client, json!({})).await;
    let initial = read_state(&mut client, &thread_id).await;
    client
        .call_ok(
            "thread/goal/set",
            json!({"threadId": thread_id, "objective": "Never done"}),
        )
        .await;
    // Two continuation turns, then the bound pauses the goal with a warning.
    let (_, before) = client.wait_for("warning").await;
    let seen = methods(&before);
    assert_eq!(
        seen.iter()
            .filter(|method| *method == "turn/completed")
            .count(),
        2,
        "{seen:?}"
    );
    assert!(
        !seen.contains(&"thread/readState/changed".to_owned()),
        "{seen:?}"
    );
    assert_eq!(read_state(&mut client, &thread_id).await, initial);

    // The goal is paused now: a user turn's answer needs attention again.
    let messages = run_turn(&mut client, &thread_id, "status?").await;
    assert!(
        methods(&messages).contains(&"thread/readState/changed".to_owned()),
        "{messages:?}"
    );
}

/// A failed turn needs attention (its error is the result); a turn interrupted before any
/// answer completed does not.
#[tokio::test]
async fn a_failed_turn_marks_the_thread_and_an_interrupted_one_without_an_answer_does_not() {
    let harness = Harness::start().await;
    harness
        .mock
        .push(Script::http_error(500, r#"{"error":{"message":"boom"}}"#));
    let mut client = harness.connect_experimental().await;
    let thread_id = start_thread(&mut client, json!({})).await;
    let failed = run_turn(&mut client, &thread_id, "hello").await;
    assert_eq!(
        failed.last().expect("turn/completed")["params"]["turn"]["status"],
        "failed"
    );
    let order = labels(&failed);
    let changed = order
        .iter()
        .position(|label| label == "thread/readState/changed")
        .unwrap_or_else(|| panic!("{order:?}"));
    // The status became systemError with the error already; the mark precedes the turn's end.
    assert!(
        changed
            > order
                .iter()
                .position(|label| label == "error")
                .expect("error")
    );
    assert_eq!(&order[changed + 1..], ["turn/completed"], "{order:?}");
    let state = read_state(&mut client, &thread_id).await;

    let mut script = Script::new()
        .with_message_added()
        .with_text_delta("working ");
    let _gate = script.gate();
    harness.mock.push(script.with_message_done());
    let turn_id = start_turn(&mut client, &thread_id, "again").await;
    client.wait_for("item/agentMessage/delta").await;
    client
        .call_ok(
            "turn/interrupt",
            json!({"threadId": thread_id, "turnId": turn_id}),
        )
        .await;
    let (_, before) = client.wait_for("turn/completed").await;
    assert!(
        !methods(&before).contains(&"thread/readState/changed".to_owned()),
        "{before:?}"
    );
    assert_eq!(read_state(&mut client, &thread_id).await, state);
}
