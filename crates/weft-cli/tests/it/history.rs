//! Durable history through the wire: list, read and resume after a restart; threads written by
//! the reference codex; a rollout cut mid-line by a crash.

use serde_json::{Value, json};

use crate::harness::{Harness, run_turn, start_thread};

const SAMPLE_ID: &str = "01a21024-af31-7412-8f78-454e24c7944a";

fn sample_rollout() -> String {
    let path = format!(
        "{}/../../reference/codex-0.169.0-home-sample/rollout-sample.jsonl",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("read {path}: {err}"))
}

/// Puts the reference's rollout into the home, where codex would have written it.
fn install_sample(harness: &Harness, text: &str) -> std::path::PathBuf {
    let dir = harness.home.path().join("sessions/2026/11/25");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("rollout-2026-11-25T00-39-29-{SAMPLE_ID}.jsonl"));
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test]
async fn restart_lists_reads_and_resumes() {
    let mut harness = Harness::start().await;
    let mut client = harness.connect().await;
    let thread_id = start_thread(&mut client, json!({})).await;
    let live = run_turn(&mut client, &thread_id, "first message").await;
    let live_items: Vec<Value> = live
        .iter()
        .filter(|m| m["method"] == "item/completed")
        .map(|m| m["params"]["item"]["id"].clone())
        .collect();
    drop(client);
    harness.restart();

    let mut client = harness.connect().await;
    let list = client.call_ok("thread/list", json!({})).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    let row = &list["data"][0];
    assert_eq!(row["id"], thread_id.as_str());
    assert_eq!(row["preview"], "first message");
    assert_eq!(row["status"], json!({"type": "notLoaded"}));
    assert_eq!(list["nextCursor"], Value::Null);

    let read = client
        .call_ok(
            "thread/read",
            json!({"threadId": thread_id, "includeTurns": true}),
        )
        .await;
    let turns = read["thread"]["turns"].as_array().unwrap();
    assert_eq!(turns.len(), 1);
    assert_eq!(turns[0]["status"], "completed");
    let read_items: Vec<Value> = turns[0]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].clone())
        .collect();
    assert_eq!(read_items, live_items, "item ids survive the restart");

    let (response, before) = client
        .call("thread/resume", json!({"threadId": thread_id}))
        .await;
    assert!(
        before
            .iter()
            .any(|m| m["method"] == "thread/status/changed"
                && m["params"]["status"]["type"] == "idle")
    );
    assert_eq!(
        response["result"]["thread"]["turns"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let (usage, _) = client.wait_for("thread/tokenUsage/updated").await;
    assert_eq!(usage["params"]["tokenUsage"]["total"]["totalTokens"], 110);

    run_turn(&mut client, &thread_id, "second message").await;
    let requests = harness.mock.requests();
    let first_input = requests[0].input().to_vec();
    let resumed_input = requests.last().unwrap().input().to_vec();
    assert_eq!(
        resumed_input[..4],
        first_input[..4],
        "context items are not re-sent, only replayed"
    );
    assert_eq!(resumed_input[4]["role"], "assistant");
    assert_eq!(resumed_input[5]["content"][0]["text"], "second message");
    assert_eq!(
        requests.last().unwrap().body["prompt_cache_key"],
        thread_id.as_str()
    );
}

#[tokio::test]
async fn reference_rollout_is_listed_read_and_resumed() {
    let mut harness = Harness::start().await;
    let path = install_sample(&harness, &sample_rollout());
    // The index picks up files other processes wrote when the server starts.
    harness.restart();
    let mut client = harness.connect().await;
    let list = client.call_ok("thread/list", json!({})).await;
    assert_eq!(list["data"][0]["id"], SAMPLE_ID);
    assert_eq!(list["data"][0]["preview"], "RUN: echo hello-approval");

    let read = client
        .call_ok(
            "thread/read",
            json!({"threadId": SAMPLE_ID, "includeTurns": true}),
        )
        .await;
    let items = read["thread"]["turns"][0]["items"].as_array().unwrap();
    let kinds: Vec<&str> = items
        .iter()
        .map(|item| item["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec!["userMessage", "commandExecution", "agentMessage"]
    );

    client
        .call_ok("thread/resume", json!({"threadId": SAMPLE_ID}))
        .await;
    run_turn(&mut client, SAMPLE_ID, "more").await;
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let ordinals: Vec<u64> = lines
        .iter()
        .map(|line| line["ordinal"].as_u64().unwrap())
        .collect();
    assert_eq!(
        ordinals,
        (0..ordinals.len() as u64).collect::<Vec<_>>(),
        "ordinals continue without gaps"
    );
    assert_eq!(lines[19]["payload"]["type"], "task_started");
    // The new request replays the reference's history, function call and output included.
    let input = harness.mock.requests().last().unwrap().input().to_vec();
    assert!(
        input
            .iter()
            .any(|item| item["type"] == "function_call" && item["call_id"] == "call_2")
    );
    assert!(input.iter().all(|item| {
        item.get("internal_chat_message_metadata_passthrough")
            .is_none()
    }));
}

#[tokio::test]
async fn r23_truncated_last_line_keeps_everything_before_it() {
    let harness = Harness::start().await;
    let full = sample_rollout();
    let cut = &full[..full.len() - 40];
    install_sample(&harness, cut);
    let mut client = harness.connect().await;
    let read = client
        .call_ok(
            "thread/read",
            json!({"threadId": SAMPLE_ID, "includeTurns": true}),
        )
        .await;
    let turn = &read["thread"]["turns"][0];
    // task_complete was cut off: the turn reads as interrupted, its items are all there.
    assert_eq!(turn["status"], "interrupted");
    assert_eq!(turn["items"].as_array().unwrap().len(), 3);
    client
        .call_ok("thread/resume", json!({"threadId": SAMPLE_ID}))
        .await;
    let messages = run_turn(&mut client, SAMPLE_ID, "after the crash").await;
    assert_eq!(
        messages.last().unwrap()["params"]["turn"]["status"],
        "completed"
    );
}
