//! Server requests end to end (lifecycle.md R29–R32, protocol.md §5): numbering, the waiting
//! flag, first answer wins, replay to a rejoining client, clearing on interrupt, and what the
//! model is told. Driven through `request_user_input` in Plan mode, the simplest tool that asks.

use serde_json::{Value, json};
use weft_test_support::mock::Script;

use crate::harness::{Client, Harness, labels, start_thread};

const QUESTIONS: &str = r#"{"questions":[{"id":"q1","header":"Pick","question":"Which one?","options":[{"label":"Yes","description":"do it"},{"label":"No","description":"skip it"}]}]}"#;

/// Starts a Plan-mode turn whose model asks one question; returns the thread id and the
/// server request as received.
pub(crate) async fn ask_question(
    harness: &Harness,
    client: &mut Client,
) -> (String, Value, Vec<Value>) {
    let cwd = harness.home.path().display().to_string();
    let thread_id = start_thread(client, json!({"cwd": cwd})).await;
    harness.mock.push(Script::function_call(
        "request_user_input",
        "call_q",
        QUESTIONS,
    ));
    let id = client
        .send_request(
            "turn/start",
            json!({
                "threadId": thread_id,
                "input": [{"type": "text", "text": "ask me"}],
                "collaborationMode": {"mode": "plan", "settings": {"model": "gpt-5.2-codex"}},
            }),
        )
        .await;
    let (request, before) = client
        .wait_for_server_request("item/tool/requestUserInput")
        .await;
    assert!(
        before
            .iter()
            .any(|message| message.get("id") == Some(&json!(id)))
    );
    (thread_id, request, before)
}

fn last_input(harness: &Harness, index: usize) -> Value {
    let requests = harness.mock.requests();
    requests[index].input().last().cloned().unwrap()
}

#[tokio::test]
async fn request_user_input_outside_plan_mode_is_refused_with_the_reference_text() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let cwd = harness.home.path().display().to_string();
    let thread_id = start_thread(&mut client, json!({"cwd": cwd})).await;
    harness.mock.push(Script::function_call(
        "request_user_input",
        "call_q",
        QUESTIONS,
    ));
    let messages = crate::harness::run_turn(&mut client, &thread_id, "ask me").await;
    assert!(
        messages
            .iter()
            .all(|message| message.get("id").is_none() || message.get("method").is_none()),
        "no server request outside Plan mode"
    );
    let output = last_input(&harness, 1);
    assert_eq!(output["type"], "function_call_output");
    assert_eq!(output["call_id"], "call_q");
    assert_eq!(
        output["output"],
        "request_user_input is unavailable in Default mode"
    );
}

#[tokio::test]
async fn r29_r30_user_input_round_trip_in_plan_mode() {
    let harness = Harness::start().await;
    let mut client = harness.connect_experimental().await;
    let (thread_id, request, before) = ask_question(&harness, &mut client).await;
    assert_eq!(request["id"], 0, "server request ids start at 0");
    let params = &request["params"];
    assert_eq!(params["threadId"], thread_id.as_str());
    assert_eq!(params["itemId"], "call_q");
    assert_eq!(params["isBlocking"], true);
    assert_eq!(params["questions"][0]["isOther"], true);
    assert_eq!(params["questions"][0]["options"][1]["label"], "No");
    let waiting = before
        .iter()
        .rev()
        .find(|message| message["method"] == "thread/status/changed")
        .unwrap();
    assert_eq!(
        waiting["params"]["status"],
        json!({"type": "active", "activeFlags": ["waitingOnUserInput"]})
    );

    client
        .answer(
            &request["id"],
            json!({"answers": {"q1": {"answers": ["Yes"]}}}),
        )
        .await;
    let (completed, after) = client.wait_for("turn/completed").await;
    assert_eq!(completed["params"]["turn"]["status"], "completed");
    let order = labels(&after);
    assert_eq!(
        order[..2],
        ["serverRequest/resolved", "thread/status/changed"],
        "resolved first, then the flag drops: {order:?}"
    );
    assert_eq!(
        after[0]["params"],
        json!({"threadId": thread_id, "requestId": 0})
    );
    assert_eq!(
        after[1]["params"]["status"],
        json!({"type": "active", "activeFlags": []})
    );
    let output = last_input(&harness, 1);
    assert_eq!(output["call_id"], "call_q");
    assert_eq!(
        serde_json::from_str::<Value>(output["output"].as_str().unwrap()).unwrap(),
        json!({"answers": {"q1": {"answers": ["Yes"]}}})
    );
}

#[tokio::test]
async fn r30_r32_first_answer_wins_and_a_rejoining_client_gets_the_replay() {
    let harness = Harness::start().await;
    let mut first = harness.connect_experimental().await;
    let (thread_id, request, _) = ask_question(&harness, &mut first).await;

    let mut second = harness.connect().await;
    let resume = second
        .send_request("thread/resume", json!({"threadId": thread_id}))
        .await;
    let (response, _) = second.response_to(resume).await;
    assert!(response.get("result").is_some(), "{response}");
    let (replayed, _) = second
        .wait_for_server_request("item/tool/requestUserInput")
        .await;
    assert_eq!(replayed["id"], request["id"], "same id");
    assert_eq!(replayed["params"], request["params"], "same params");

    second
        .answer(
            &request["id"],
            json!({"answers": {"q1": {"answers": ["No"]}}}),
        )
        .await;
    first
        .answer(
            &request["id"],
            json!({"answers": {"q1": {"answers": ["Yes"]}}}),
        )
        .await;
    for client in [&mut first, &mut second] {
        let (_, messages) = client.wait_for("turn/completed").await;
        let resolved = messages
            .iter()
            .filter(|message| message["method"] == "serverRequest/resolved")
            .count();
        assert_eq!(resolved, 1, "each subscriber hears once: {messages:?}");
        assert!(
            messages
                .iter()
                .all(|message| message.get("error").is_none()),
            "no error to either client"
        );
    }
    let output = last_input(&harness, 1);
    assert_eq!(
        serde_json::from_str::<Value>(output["output"].as_str().unwrap()).unwrap(),
        json!({"answers": {"q1": {"answers": ["No"]}}}),
        "the first answer (from the rejoined client) counts"
    );
}

#[tokio::test]
async fn r31_interrupt_clears_the_pending_request_and_a_late_answer_changes_nothing() {
    let harness = Harness::start().await;
    let mut client = harness.connect_experimental().await;
    let (thread_id, request, before) = ask_question(&harness, &mut client).await;
    let turn_id = before
        .iter()
        .find_map(|message| message["result"]["turn"]["id"].as_str())
        .unwrap()
        .to_owned();
    let interrupt = client
        .send_request(
            "turn/interrupt",
            json!({"threadId": thread_id, "turnId": turn_id}),
        )
        .await;
    let (response, _) = client.response_to(interrupt).await;
    assert_eq!(response["result"], json!({}));
    let (completed, _) = client.wait_for("turn/completed").await;
    assert_eq!(completed["params"]["turn"]["status"], "interrupted");
    let (resolved, _) = client.wait_for("serverRequest/resolved").await;
    assert_eq!(resolved["params"]["requestId"], request["id"]);

    client
        .answer(
            &request["id"],
            json!({"answers": {"q1": {"answers": ["Yes"]}}}),
        )
        .await;
    let (_, between) = client
        .call("thread/read", json!({"threadId": thread_id}))
        .await;
    assert!(between.is_empty(), "a late answer is ignored: {between:?}");
    assert_eq!(
        harness.mock.requests().len(),
        1,
        "the model was not asked again"
    );
    // The call keeps an output in history (pairing), so the next turn's request is valid.
    crate::harness::run_turn(&mut client, &thread_id, "again").await;
    let requests = harness.mock.requests();
    let input = requests[1].input();
    assert!(
        input
            .iter()
            .any(|item| item["type"] == "function_call_output" && item["call_id"] == "call_q")
    );
}

#[tokio::test]
async fn r30_error_reply_tells_the_model_the_request_failed() {
    let harness = Harness::start().await;
    let mut client = harness.connect_experimental().await;
    let (_thread_id, request, _) = ask_question(&harness, &mut client).await;
    client
        .answer_error(&request["id"], -32000, "dialog crashed")
        .await;
    let (completed, _) = client.wait_for("turn/completed").await;
    assert_eq!(completed["params"]["turn"]["status"], "completed");
    let output = last_input(&harness, 1);
    let text = output["output"].as_str().unwrap();
    assert!(
        text.starts_with("request_user_input failed: the client answered with an error"),
        "{text}"
    );
}

#[tokio::test]
async fn answers_to_unknown_ids_are_ignored_without_a_reply() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    client
        .answer(&json!(42), json!({"decision": "accept"}))
        .await;
    client.answer(&json!("nope"), json!({})).await;
    let (_, before) = client.call("thread/loaded/list", json!({})).await;
    assert!(before.is_empty(), "nothing is sent back: {before:?}");
}

#[tokio::test]
async fn r4_a_question_outlives_the_connection_that_was_asked() {
    let harness = Harness::start().await;
    let mut first = harness.connect_experimental().await;
    let (thread_id, request, _) = ask_question(&harness, &mut first).await;
    // A goes away mid-question: the thread keeps running and the question stays pending.
    first.close_input().await;
    while first.try_next().await.is_some() {}

    let mut second = harness.connect().await;
    let resumed = second
        .call_ok("thread/resume", json!({"threadId": thread_id}))
        .await;
    assert_eq!(
        resumed["thread"]["status"],
        json!({"type": "active", "activeFlags": ["waitingOnUserInput"]})
    );
    let (replayed, _) = second
        .wait_for_server_request("item/tool/requestUserInput")
        .await;
    assert_eq!(replayed["id"], request["id"]);
    assert_eq!(replayed["params"], request["params"]);
    second
        .answer(
            &request["id"],
            json!({"answers": {"q1": {"answers": ["Yes"]}}}),
        )
        .await;
    let (completed, _) = second.wait_for("turn/completed").await;
    assert_eq!(completed["params"]["turn"]["status"], "completed");

    // A comes back and finds the outcome.
    let mut again = harness.connect().await;
    let resumed = again
        .call_ok("thread/resume", json!({"threadId": thread_id}))
        .await;
    assert_eq!(resumed["thread"]["status"], json!({"type": "idle"}));
    let turn = &resumed["thread"]["turns"][0];
    assert_eq!(turn["status"], "completed");
    let kinds: Vec<&str> = turn["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["type"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"agentMessage"), "{kinds:?}");
    let output = last_input(&harness, 1);
    assert_eq!(output["call_id"], "call_q");
}
