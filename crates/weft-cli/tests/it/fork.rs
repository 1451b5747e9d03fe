//! `thread/fork` (protocol.md §3): a copy of another thread's history under a new id.

use serde_json::{Value, json};
use weft_test_support::mock::Script;
use weft_test_support::wire::methods;

use crate::harness::{Harness, run_turn, start_thread, start_turn};

fn turn_ids(thread: &Value) -> Vec<String> {
    thread["turns"]
        .as_array()
        .expect("turns")
        .iter()
        .map(|turn| turn["id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn fork_copies_the_history_subscribes_and_announces() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let mut watcher = harness.connect().await;
    let source = start_thread(&mut client, json!({})).await;
    run_turn(&mut client, &source, "first").await;
    run_turn(&mut client, &source, "second").await;
    let original = client
        .call_ok(
            "thread/read",
            json!({"threadId": source, "includeTurns": true}),
        )
        .await;

    let id = client
        .send_request("thread/fork", json!({"threadId": source}))
        .await;
    let (response, _) = client.response_to(id).await;
    let thread = &response["result"]["thread"];
    let fork = thread["id"].as_str().expect("id").to_owned();
    assert_ne!(fork, source);
    assert_eq!(thread["forkedFromId"], source.as_str());
    assert_eq!(thread["status"], json!({"type": "idle"}));
    assert_eq!(turn_ids(thread), turn_ids(&original["thread"]));
    assert!(
        thread["path"]
            .as_str()
            .is_some_and(|path| path.contains(&fork))
    );
    // Then the caller's token usage, then the broadcast.
    let (started, before) = client.wait_for("thread/started").await;
    assert_eq!(methods(&before), vec!["thread/tokenUsage/updated"]);
    assert_eq!(before[0]["params"]["threadId"], fork.as_str());
    assert_eq!(started["params"]["thread"]["id"], fork.as_str());
    loop {
        let (started, _) = watcher.wait_for("thread/started").await;
        if started["params"]["thread"]["id"] == fork.as_str() {
            assert_eq!(started["params"]["thread"]["forkedFromId"], source.as_str());
            break;
        }
    }

    let listed = client.call_ok("thread/list", json!({})).await;
    let ids: Vec<&str> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|thread| thread["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&fork.as_str()) && ids.contains(&source.as_str()),
        "{ids:?}"
    );

    // The fork's next turn sends the copied history to the model; the source is untouched.
    run_turn(&mut client, &fork, "third").await;
    let requests = harness.mock.requests();
    let last = requests.last().expect("a model request");
    let texts: Vec<String> = last
        .input()
        .iter()
        .filter(|item| item["role"] == "user")
        .map(|item| {
            item["content"][0]["text"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    for text in ["first", "second", "third"] {
        assert!(texts.iter().any(|t| t == text), "{text} in {texts:?}");
    }
    let source_now = client
        .call_ok(
            "thread/read",
            json!({"threadId": source, "includeTurns": true}),
        )
        .await;
    assert_eq!(turn_ids(&source_now["thread"]).len(), 2);
    let forked = client
        .call_ok(
            "thread/read",
            json!({"threadId": fork, "includeTurns": true}),
        )
        .await;
    assert_eq!(turn_ids(&forked["thread"]).len(), 3);
}

#[tokio::test]
async fn fork_at_a_turn_keeps_the_turns_through_it() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let source = start_thread(&mut client, json!({})).await;
    run_turn(&mut client, &source, "first").await;
    run_turn(&mut client, &source, "second").await;
    let original = client
        .call_ok(
            "thread/read",
            json!({"threadId": source, "includeTurns": true}),
        )
        .await;
    let first = turn_ids(&original["thread"])[0].clone();
    let forked = client
        .call_ok(
            "thread/fork",
            json!({"threadId": source, "lastTurnId": first, "excludeTurns": true}),
        )
        .await;
    assert_eq!(forked["thread"]["turns"], json!([]), "excludeTurns");
    let fork = forked["thread"]["id"].as_str().unwrap().to_owned();
    let read = client
        .call_ok(
            "thread/read",
            json!({"threadId": fork, "includeTurns": true}),
        )
        .await;
    assert_eq!(turn_ids(&read["thread"]), vec![first]);

    let (response, _) = client
        .call(
            "thread/fork",
            json!({"threadId": source, "lastTurnId": "no-such-turn"}),
        )
        .await;
    assert_eq!(
        response["error"]["message"], "turn not found: no-such-turn",
        "the reference's text"
    );
}

#[tokio::test]
async fn fork_of_a_running_thread_ends_the_copied_turn_interrupted() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let source = start_thread(&mut client, json!({})).await;
    run_turn(&mut client, &source, "before").await;
    let mut script = Script::new()
        .with_created()
        .with_message_added()
        .with_text_delta("one ");
    let gate = script.gate();
    harness
        .mock
        .push(script.with_text_delta("two").with_message_done());
    let running = start_turn(&mut client, &source, "streaming").await;
    client.wait_for("item/agentMessage/delta").await;

    let forked = client
        .call_ok("thread/fork", json!({"threadId": source}))
        .await;
    let turns = forked["thread"]["turns"].as_array().unwrap();
    assert_eq!(turns.len(), 2);
    assert_eq!(turns[1]["id"], running.as_str());
    assert_eq!(turns[1]["status"], "interrupted");
    let (response, _) = client
        .call(
            "thread/fork",
            json!({"threadId": source, "lastTurnId": running}),
        )
        .await;
    // The reference's text (bench/compat/lifecycle.py, step `steer`).
    assert_eq!(
        response["error"],
        json!({
            "code": -32600,
            "message": format!("lastTurnId '{running}' identifies an in-progress turn"),
        })
    );

    gate.release();
    let (completed, _) = client.wait_for("turn/completed").await;
    assert_eq!(completed["params"]["threadId"], source.as_str());
    assert_eq!(completed["params"]["turn"]["status"], "completed");
}

#[tokio::test]
async fn an_ephemeral_fork_has_no_rollout_and_errors_name_the_source() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let source = start_thread(&mut client, json!({})).await;
    let (response, _) = client
        .call("thread/fork", json!({"threadId": source}))
        .await;
    assert_eq!(
        response["error"]["message"],
        format!("no rollout found for thread id {source}"),
        "nothing to copy before the first turn"
    );
    run_turn(&mut client, &source, "first").await;
    let forked = client
        .call_ok(
            "thread/fork",
            json!({"threadId": source, "ephemeral": true}),
        )
        .await;
    assert_eq!(forked["thread"]["ephemeral"], true);
    assert_eq!(forked["thread"]["path"], Value::Null);
    assert_eq!(forked["thread"]["turns"].as_array().map(Vec::len), Some(1));
    let fork = forked["thread"]["id"].as_str().unwrap().to_owned();
    run_turn(&mut client, &fork, "second").await;
    let listed = client.call_ok("thread/list", json!({})).await;
    assert_eq!(listed["data"].as_array().map(Vec::len), Some(1), "{listed}");

    client
        .call_ok("thread/archive", json!({"threadId": source}))
        .await;
    let (response, _) = client
        .call("thread/fork", json!({"threadId": source}))
        .await;
    assert_eq!(
        response["error"]["message"],
        format!(
            "session {source} is archived. Run `codex unarchive {source}` to unarchive it first."
        )
    );
}

/// A fork of a thread whose turn waits on a command's approval: the copied turn ends
/// interrupted, and the call it had not answered gets the output an interrupt gives it, so the
/// fork's next request pairs every call with its output.
#[tokio::test]
async fn a_fork_through_an_open_tool_call_pairs_it_with_an_aborted_output() {
    let harness = Harness::start().await;
    let work = tempfile::tempdir().unwrap();
    let mut client = harness.connect().await;
    let source = start_thread(
        &mut client,
        json!({"cwd": work.path().display().to_string(), "approvalPolicy": "untrusted", "sandbox": "workspace-write"}),
    )
    .await;
    start_turn(&mut client, &source, "RUN: echo waiting").await;
    client
        .wait_for_server_request("item/commandExecution/requestApproval")
        .await;
    let forked = client
        .call_ok("thread/fork", json!({"threadId": source}))
        .await;
    let fork_id = forked["thread"]["id"].as_str().unwrap().to_owned();
    assert_eq!(forked["thread"]["turns"][0]["status"], "interrupted");
    run_turn(&mut client, &fork_id, "go on").await;
    let requests = harness.mock.requests();
    let input = requests.last().unwrap().input();
    let calls: Vec<&str> = input
        .iter()
        .filter(|item| item["type"] == "function_call")
        .map(|item| item["call_id"].as_str().unwrap())
        .collect();
    assert!(!calls.is_empty(), "{input:?}");
    for call in calls {
        let output = input
            .iter()
            .find(|item| item["type"] == "function_call_output" && item["call_id"] == call)
            .unwrap_or_else(|| panic!("no output for {call} in {input:?}"));
        assert_eq!(output["output"], "aborted by user");
    }
}
