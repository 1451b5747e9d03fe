//! `turn/steer` (core.md §1.4, protocol.md §3): input added to the running turn. While the model
//! streams, the steer cuts the response short and a new request goes out with it last. The cut
//! response has no usage of its own, but the thread's usage is reported again as it stands before
//! the steer's `userMessage` item, as the reference does (`bench/compat/lifecycle.py --only steer`).

use serde_json::{Value, json};
use weft_test_support::mock::Script;

use crate::harness::{Harness, labels, run_turn, start_thread, start_turn};

/// A thread whose next turn streams "one " and then waits (the gate is never opened).
async fn streaming_turn(
    harness: &Harness,
    client: &mut crate::harness::Client,
) -> (String, String) {
    let thread_id = start_thread(client, json!({})).await;
    let turn_id = streaming_turn_on(harness, client, &thread_id).await;
    (thread_id, turn_id)
}

/// Starts a turn on `thread_id` that streams "one " and then waits (the gate is never opened);
/// returns the turn id once the delta arrived.
async fn streaming_turn_on(
    harness: &Harness,
    client: &mut crate::harness::Client,
    thread_id: &str,
) -> String {
    let mut script = Script::new()
        .with_created()
        .with_message_added()
        .with_text_delta("one ");
    // Never released: the stream stays open after "one " until the steer cuts it.
    let _gate = script.gate();
    harness
        .mock
        .push(script.with_text_delta("two").with_message_done());
    let turn_id = start_turn(client, thread_id, "first").await;
    client.wait_for("item/agentMessage/delta").await;
    turn_id
}

/// The `totalTokens` of a `thread/tokenUsage/updated` notification's `total` and `last`.
fn usage_totals(message: &Value) -> (i64, i64) {
    let usage = &message["params"]["tokenUsage"];
    (
        usage["total"]["totalTokens"].as_i64().unwrap(),
        usage["last"]["totalTokens"].as_i64().unwrap(),
    )
}

fn steer(thread_id: &str, turn_id: &str, text: &str) -> Value {
    json!({
        "threadId": thread_id,
        "expectedTurnId": turn_id,
        "input": [{"type": "text", "text": text}],
        "clientUserMessageId": "client-msg-1",
    })
}

#[tokio::test]
async fn a_steer_while_streaming_cuts_the_response_and_goes_out_last() {
    let mut harness = Harness::start().await;
    let mut client = harness.connect().await;
    let (thread_id, turn_id) = streaming_turn(&harness, &mut client).await;
    let result = client
        .call_ok("turn/steer", steer(&thread_id, &turn_id, "also this"))
        .await;
    assert_eq!(result, json!({"turnId": turn_id}));

    let (completed, messages) = client.wait_for("turn/completed").await;
    assert_eq!(completed["params"]["turn"]["status"], "completed");
    let seen = labels(&messages);
    assert_eq!(
        seen.iter()
            .filter(|label| *label == "item/completed:agentMessage")
            .count(),
        1,
        "the cut message never completes, the answer to the steer does: {seen:?}"
    );
    // A thread without usage yet: the cut response reports none (the reference's token count
    // has no info then, which sends no notification); only the answer's usage comes.
    let usages: Vec<&Value> = messages
        .iter()
        .filter(|message| message["method"] == "thread/tokenUsage/updated")
        .collect();
    assert_eq!(usages.len(), 1, "{seen:?}");
    assert_eq!(usage_totals(usages[0]), (110, 110));
    let steered = messages
        .iter()
        .find(|message| {
            message["method"] == "item/completed"
                && message["params"]["item"]["type"] == "userMessage"
        })
        .expect("the steer's userMessage item");
    assert_eq!(steered["params"]["turnId"], turn_id.as_str());
    assert_eq!(steered["params"]["item"]["clientId"], "client-msg-1");
    assert_eq!(steered["params"]["item"]["content"][0]["text"], "also this");
    let answer = messages
        .iter()
        .find(|message| {
            message["method"] == "item/completed"
                && message["params"]["item"]["type"] == "agentMessage"
        })
        .unwrap();
    assert_eq!(
        answer["params"]["item"]["text"],
        "Hello from mock. You said: also this"
    );

    // The new request carries the steer last; the cut response is not in it.
    let requests = harness.mock.requests();
    let last = requests.last().unwrap().input().last().cloned().unwrap();
    assert_eq!(last["role"], "user");
    assert_eq!(last["content"][0]["text"], "also this");

    // The turn, as stored: both user messages and the one answer.
    let read = client
        .call_ok(
            "thread/read",
            json!({"threadId": thread_id, "includeTurns": true}),
        )
        .await;
    let kinds: Vec<&str> = read["thread"]["turns"][0]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["userMessage", "userMessage", "agentMessage"]);
    // And after a restart, from the rollout alone.
    harness.restart();
    let mut client = harness.connect().await;
    let reread = client
        .call_ok(
            "thread/read",
            json!({"threadId": thread_id, "includeTurns": true}),
        )
        .await;
    assert_eq!(
        reread["thread"]["turns"][0]["items"],
        read["thread"]["turns"][0]["items"]
    );
}

#[tokio::test]
async fn a_cut_response_reports_the_threads_usage_unchanged_before_the_steer() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let thread_id = start_thread(&mut client, json!({})).await;
    run_turn(&mut client, &thread_id, "hello").await;
    let turn_id = streaming_turn_on(&harness, &mut client, &thread_id).await;
    client
        .call_ok("turn/steer", steer(&thread_id, &turn_id, "also this"))
        .await;
    let (_, messages) = client.wait_for("turn/completed").await;
    let seen = labels(&messages);
    // The reference's order (bench/compat/lifecycle.py, steer step): the unchanged usage, then
    // the steer's item, then the answer and its usage.
    let position = |label: &str| {
        seen.iter()
            .position(|seen| seen == label)
            .unwrap_or_else(|| panic!("{label} missing: {seen:?}"))
    };
    let usage_at = position("thread/tokenUsage/updated");
    let steer_at = position("item/started:userMessage");
    let answer_at = position("item/completed:agentMessage");
    assert!(usage_at < steer_at && steer_at < answer_at, "{seen:?}");
    let usages: Vec<&Value> = messages
        .iter()
        .filter(|message| message["method"] == "thread/tokenUsage/updated")
        .collect();
    assert_eq!(usages.len(), 2, "{seen:?}");
    // The first turn's one response: total and last unchanged by the cut response.
    assert_eq!(usage_totals(usages[0]), (110, 110));
    assert_eq!(usages[0]["params"]["turnId"], turn_id.as_str());
    // The answer to the steer: the cut response added nothing.
    assert_eq!(usage_totals(usages[1]), (220, 110));
    assert!(
        seen[usage_at + 1..answer_at]
            .iter()
            .all(|label| label != "thread/tokenUsage/updated")
    );
}

#[tokio::test]
async fn steer_errors_come_in_the_reference_order_with_its_texts() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let idle = start_thread(&mut client, json!({})).await;
    run_turn(&mut client, &idle, "hello").await;
    let error = |response: Value| response["error"]["message"].as_str().unwrap().to_owned();

    let (response, _) = client.call("turn/steer", steer("nope", "t", "x")).await;
    assert!(error(response).starts_with("invalid thread id: "));
    let (response, _) = client.call("turn/steer", steer(&idle, "", "x")).await;
    assert_eq!(error(response), "expectedTurnId must not be empty");
    let (response, _) = client.call("turn/steer", steer(&idle, "t", "x")).await;
    assert_eq!(error(response), "no active turn to steer");

    let (thread_id, turn_id) = streaming_turn(&harness, &mut client).await;
    let (response, _) = client
        .call("turn/steer", steer(&thread_id, "other-turn", "x"))
        .await;
    assert_eq!(
        error(response),
        format!("expected active turn id `other-turn` but found `{turn_id}`")
    );
    let (response, _) = client
        .call(
            "turn/steer",
            json!({"threadId": thread_id, "expectedTurnId": turn_id, "input": []}),
        )
        .await;
    assert_eq!(error(response), "input must not be empty");
    let huge = "x".repeat(weft_protocol::errors::INPUT_CHARS_MAX + 1);
    let (response, _) = client
        .call("turn/steer", steer(&thread_id, &turn_id, &huge))
        .await;
    assert_eq!(response["error"]["code"], -32602);
}
