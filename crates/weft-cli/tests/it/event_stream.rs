//! R38 ★: the resumable event stream. A connection that opts in (`weftEventStream`) sees a
//! `weftSeq` position on every notification a thread emits, and after a reconnect resumes right
//! after the last one it processed: no gap, no duplicate. Positions of an ended runtime are
//! refused with a clear error.

use serde_json::{Value, json};

use crate::harness::{Client, Harness};

/// A connection that opted into the event stream, with `experimentalApi` so that it receives
/// every notification (positions of notifications a connection does not receive are skipped).
async fn connect_streaming(harness: &Harness) -> Client {
    let mut client = harness.connect_raw();
    client
        .call_ok(
            "initialize",
            json!({
                "clientInfo": {"name": "weft-stream-test", "version": "1.0.0"},
                "capabilities": {"weftEventStream": true, "experimentalApi": true},
            }),
        )
        .await;
    client.notify("initialized").await;
    client
}

fn seq(message: &Value) -> Option<u64> {
    message["weftSeq"]["seq"].as_u64()
}

/// The positions in `messages`, checked to follow each other from `after + 1`.
fn consecutive_after(after: u64, messages: &[Value]) -> u64 {
    let mut last = after;
    for message in messages.iter().filter(|message| seq(message).is_some()) {
        assert_eq!(
            seq(message),
            Some(last + 1),
            "gap or duplicate at {message}"
        );
        last += 1;
    }
    last
}

async fn text_turn(client: &mut Client, thread_id: &str, text: &str) -> Vec<Value> {
    let (response, mut messages) = client
        .call(
            "turn/start",
            json!({"threadId": thread_id, "input": [{"type": "text", "text": text}]}),
        )
        .await;
    assert!(response.get("result").is_some(), "{response}");
    let (completed, before) = client.wait_for("turn/completed").await;
    messages.extend(before);
    messages.push(completed);
    messages
}

#[tokio::test]
async fn r38_a_reconnecting_client_gets_exactly_what_it_missed_then_the_live_stream() {
    let harness = Harness::start().await;
    let mut first = connect_streaming(&harness).await;
    let (started, mut seen) = first.call("thread/start", json!({})).await;
    let thread_id = started["result"]["thread"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (thread_started, before) = first.wait_for("thread/started").await;
    seen.extend(before);
    seen.push(thread_started);
    seen.extend(text_turn(&mut first, &thread_id, "one").await);
    // Positions start at 1 and follow each other, deltas included.
    assert!(
        seen.iter()
            .any(|message| message["method"] == "item/agentMessage/delta")
    );
    let epoch = seen
        .iter()
        .find_map(|message| message["weftSeq"]["epoch"].as_str())
        .expect("numbered notifications")
        .to_owned();
    let last_seen = consecutive_after(0, &seen);

    // A goes away; B (an ordinary client) runs a turn meanwhile.
    drop(first);
    let mut second = harness.connect().await;
    second
        .call_ok(
            "thread/resume",
            json!({"threadId": thread_id, "excludeTurns": true}),
        )
        .await;
    let missed = text_turn(&mut second, &thread_id, "two").await;
    assert!(
        missed
            .iter()
            .all(|message| message.get("weftSeq").is_none()),
        "no positions for a connection that did not opt in"
    );

    // A comes back after its last position: the response, then exactly the notifications of
    // turn two, then live ones.
    let mut again = connect_streaming(&harness).await;
    again
        .call_ok(
            "thread/resume",
            json!({
                "threadId": thread_id,
                "excludeTurns": true,
                "weftAfterSeq": {"epoch": epoch, "seq": last_seen},
            }),
        )
        .await;
    let (replayed_end, mut replayed) = again.wait_for("turn/completed").await;
    replayed.push(replayed_end);
    let after_replay = consecutive_after(last_seen, &replayed);
    let methods: Vec<&str> = replayed
        .iter()
        .map(|message| message["method"].as_str().unwrap_or_default())
        .collect();
    // B's rejoin (its goal snapshot is a broadcast) and turn two, as they happened.
    assert_eq!(methods.first(), Some(&"thread/goal/cleared"), "{methods:?}");
    assert!(methods.contains(&"thread/status/changed"), "{methods:?}");
    assert!(methods.contains(&"turn/started"), "{methods:?}");
    assert!(methods.contains(&"item/agentMessage/delta"), "{methods:?}");
    // What B saw of turn two, A now saw too, in the same order.
    let turn_two: Vec<&str> = missed
        .iter()
        .filter(|message| message["method"] == "item/agentMessage/delta")
        .map(|message| message["params"]["delta"].as_str().unwrap())
        .collect();
    let replayed_deltas: Vec<&str> = replayed
        .iter()
        .filter(|message| message["method"] == "item/agentMessage/delta")
        .map(|message| message["params"]["delta"].as_str().unwrap())
        .collect();
    assert_eq!(replayed_deltas, turn_two);

    // Live: the next turn continues the numbering without a gap.
    let live = text_turn(&mut again, &thread_id, "three").await;
    assert_eq!(live.iter().find_map(seq), Some(after_replay + 1));
    consecutive_after(after_replay, &live);
}

#[tokio::test]
async fn r38_an_up_to_date_position_replays_nothing_and_an_ended_runtime_is_refused() {
    let mut harness = Harness::start().await;
    let mut client = connect_streaming(&harness).await;
    let started = client.call_ok("thread/start", json!({})).await;
    let thread_id = started["thread"]["id"].as_str().unwrap().to_owned();
    let turn = text_turn(&mut client, &thread_id, "one").await;
    let last = turn.last().unwrap();
    let position = last["weftSeq"].clone();
    assert!(position["seq"].as_u64().is_some(), "{last}");

    // Up to date: nothing is replayed; the next message is the next live one.
    let mut again = connect_streaming(&harness).await;
    let (_, before) = again
        .call(
            "thread/resume",
            json!({"threadId": thread_id, "excludeTurns": true, "weftAfterSeq": position}),
        )
        .await;
    assert!(before.iter().all(|message| seq(message).is_none()));
    let live = text_turn(&mut again, &thread_id, "two").await;
    let first_live = live.iter().find_map(seq).unwrap();
    assert_eq!(first_live, position["seq"].as_u64().unwrap() + 1);

    // Another epoch, or a position never reached: refused, naming the oldest kept.
    let (refused, _) = again
        .call(
            "thread/resume",
            json!({"threadId": thread_id, "weftAfterSeq": {"epoch": "gone", "seq": 1}}),
        )
        .await;
    assert_eq!(refused["error"]["code"], -32600, "{refused}");
    assert_eq!(refused["error"]["data"]["reason"], "eventStreamGap");
    assert_eq!(refused["error"]["data"]["oldestAvailable"]["seq"], 1);
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with(&format!(
            "cannot resume thread {thread_id} after event gone/1: the oldest event still available is "
        )),
        "{message}"
    );

    // After a restart the runtime that numbered the position is gone.
    drop(again);
    drop(client);
    harness.restart();
    let mut after_restart = connect_streaming(&harness).await;
    let (refused, _) = after_restart
        .call(
            "thread/resume",
            json!({"threadId": thread_id, "weftAfterSeq": position}),
        )
        .await;
    assert_eq!(refused["error"]["data"]["reason"], "eventStreamGap");
    assert_eq!(refused["error"]["data"]["oldestAvailable"], Value::Null);
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("the thread is not loaded, so its event stream has ended"),
        "{refused}"
    );
    // Without the position the thread loads as usual.
    let resumed = after_restart
        .call_ok("thread/resume", json!({"threadId": thread_id}))
        .await;
    assert_eq!(resumed["thread"]["turns"].as_array().unwrap().len(), 2);
}
