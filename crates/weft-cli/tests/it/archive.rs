//! `thread/archive` and `thread/unarchive` (protocol.md §3, lifecycle.md R20): the rollout moves,
//! a loaded thread is unloaded first without `thread/closed`, and everyone hears about it.

use serde_json::{Value, json};
use weft_test_support::wire::methods;

use crate::harness::{Client, Harness, run_turn, start_thread};
use crate::server_requests::ask_question;

async fn list(client: &mut Client, archived: bool) -> Vec<String> {
    let result = client
        .call_ok("thread/list", json!({"archived": archived}))
        .await;
    result["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|thread| thread["id"].as_str().expect("id").to_owned())
        .collect()
}

async fn loaded(client: &mut Client) -> Value {
    client.call_ok("thread/loaded/list", json!({})).await["data"].clone()
}

#[tokio::test]
async fn r20_archive_of_a_loaded_thread_unloads_it_without_thread_closed() {
    let harness = Harness::start().await;
    let mut owner = harness.connect().await;
    let mut watcher = harness.connect().await;
    let thread_id = start_thread(&mut owner, json!({})).await;
    run_turn(&mut owner, &thread_id, "hello").await;
    let read = owner
        .call_ok("thread/read", json!({"threadId": thread_id}))
        .await;
    let path = std::path::PathBuf::from(read["thread"]["path"].as_str().expect("path"));

    let (response, before) = owner
        .call("thread/archive", json!({"threadId": thread_id}))
        .await;
    assert_eq!(response["result"], json!({}));
    let status = before.last().expect("status change before the answer");
    assert_eq!(
        status["params"],
        json!({"threadId": thread_id, "status": {"type": "notLoaded"}})
    );
    let (archived, between) = owner.wait_for("thread/archived").await;
    assert_eq!(archived["params"], json!({"threadId": thread_id}));
    assert!(between.is_empty(), "{between:?}");
    let (_, seen) = watcher.wait_for("thread/archived").await;
    assert!(!methods(&seen).contains(&"thread/closed".to_owned()));

    assert_eq!(loaded(&mut owner).await, json!([]));
    assert!(!path.exists(), "moved away from sessions/");
    let moved = harness
        .home
        .path()
        .join("archived_sessions")
        .join(path.file_name().expect("file name"));
    assert!(moved.exists(), "{}", moved.display());
    assert!(!list(&mut owner, false).await.contains(&thread_id));
    assert!(list(&mut owner, true).await.contains(&thread_id));

    let (response, _) = owner
        .call("thread/resume", json!({"threadId": thread_id}))
        .await;
    assert_eq!(
        response["error"]["message"],
        format!(
            "session {thread_id} is archived. Run `codex unarchive {thread_id}` to unarchive it first."
        )
    );
}

#[tokio::test]
async fn r11_unarchive_restores_the_thread_and_a_fresh_listener_serves_it() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let thread_id = start_thread(&mut client, json!({})).await;
    run_turn(&mut client, &thread_id, "hello").await;
    client
        .call_ok("thread/archive", json!({"threadId": thread_id}))
        .await;

    let result = client
        .call_ok("thread/unarchive", json!({"threadId": thread_id}))
        .await;
    assert_eq!(result["thread"]["id"], thread_id.as_str());
    assert_eq!(result["thread"]["status"], json!({"type": "notLoaded"}));
    let (unarchived, _) = client.wait_for("thread/unarchived").await;
    assert_eq!(unarchived["params"], json!({"threadId": thread_id}));
    assert!(list(&mut client, false).await.contains(&thread_id));

    let resumed = client
        .call_ok("thread/resume", json!({"threadId": thread_id}))
        .await;
    assert_eq!(resumed["thread"]["status"], json!({"type": "idle"}));
    assert_eq!(resumed["thread"]["turns"][0]["status"], "completed");
    let messages = run_turn(&mut client, &thread_id, "again").await;
    assert_eq!(
        messages.last().expect("turn/completed")["params"]["turn"]["status"],
        "completed"
    );
}

#[tokio::test]
async fn archive_needs_a_rollout_and_unarchive_an_archived_thread() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let thread_id = start_thread(&mut client, json!({})).await;
    let (response, _) = client
        .call("thread/archive", json!({"threadId": thread_id}))
        .await;
    assert_eq!(
        response["error"]["message"],
        format!("no rollout found for thread id {thread_id}")
    );
    assert_eq!(
        loaded(&mut client).await,
        json!([thread_id]),
        "still loaded"
    );
    let (response, _) = client
        .call("thread/unarchive", json!({"threadId": thread_id}))
        .await;
    // -32600 and the bare store text, as in the reference (bench/compat/lifecycle.py).
    assert_eq!(
        response["error"],
        json!({"code": -32600, "message": format!("no archived rollout found for thread id {thread_id}")})
    );
    let (response, _) = client
        .call("thread/archive", json!({"threadId": "nope"}))
        .await;
    assert!(
        response["error"]["message"]
            .as_str()
            .expect("message")
            .starts_with("invalid session id: "),
        "{response}"
    );
}

#[tokio::test]
async fn r20_archive_interrupts_a_waiting_turn_and_drops_its_question() {
    let harness = Harness::start().await;
    let mut owner = harness.connect_experimental().await;
    let (thread_id, _request, _) = ask_question(&harness, &mut owner).await;
    let mut other = harness.connect().await;
    other
        .call_ok("thread/archive", json!({"threadId": thread_id}))
        .await;
    // The owner saw its turn end (interrupted, question resolved) before the thread unloaded.
    let (completed, _) = owner.wait_for("turn/completed").await;
    assert_eq!(completed["params"]["turn"]["status"], "interrupted");
    let (_, before) = owner.wait_for("thread/archived").await;
    assert!(
        before
            .iter()
            .any(|message| message["params"]["status"]["type"] == "notLoaded"),
        "{before:?}"
    );
    other
        .call_ok("thread/unarchive", json!({"threadId": thread_id}))
        .await;
    let resumed = other
        .call_ok("thread/resume", json!({"threadId": thread_id}))
        .await;
    assert_eq!(resumed["thread"]["turns"][0]["status"], "interrupted");
}

#[tokio::test]
async fn name_set_is_stored_shared_with_the_reference_and_announced_to_everyone() {
    let mut harness = Harness::start().await;
    let mut owner = harness.connect().await;
    let mut watcher = harness.connect().await;
    let thread_id = start_thread(&mut owner, json!({})).await;
    // Named before its first turn: the name survives the rollout's creation.
    let (response, _) = owner
        .call(
            "thread/name/set",
            json!({"threadId": thread_id, "name": "  Parser work  "}),
        )
        .await;
    assert_eq!(response["result"], json!({}));
    let (updated, _) = owner.wait_for("thread/name/updated").await;
    assert_eq!(
        updated["params"],
        json!({"threadId": thread_id, "threadName": "Parser work"})
    );
    let (updated, _) = watcher.wait_for("thread/name/updated").await;
    assert_eq!(updated["params"]["threadName"], "Parser work");
    run_turn(&mut owner, &thread_id, "hello").await;
    let read = owner
        .call_ok("thread/read", json!({"threadId": thread_id}))
        .await;
    assert_eq!(read["thread"]["name"], "Parser work");

    let names = std::fs::read_to_string(harness.home.path().join("session_index.jsonl"))
        .expect("session_index.jsonl");
    assert!(names.contains("\"thread_name\":\"Parser work\""), "{names}");

    harness.restart();
    let mut client = harness.connect().await;
    let listed = client.call_ok("thread/list", json!({})).await;
    assert_eq!(listed["data"][0]["name"], "Parser work");
    // A stored thread is renamed without loading it.
    client
        .call_ok(
            "thread/name/set",
            json!({"threadId": thread_id, "name": "Renamed"}),
        )
        .await;
    let read = client
        .call_ok("thread/read", json!({"threadId": thread_id}))
        .await;
    assert_eq!(read["thread"]["name"], "Renamed");
    assert_eq!(read["thread"]["status"], json!({"type": "notLoaded"}));
}

#[tokio::test]
async fn name_set_errors_have_the_reference_texts() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let thread_id = start_thread(&mut client, json!({})).await;
    let (response, _) = client
        .call(
            "thread/name/set",
            json!({"threadId": thread_id, "name": "   "}),
        )
        .await;
    assert_eq!(
        response["error"]["message"],
        "thread name must not be empty"
    );
    let unknown = "01a21030-87ee-7c51-8c6a-58b50d45c74d";
    let (response, _) = client
        .call("thread/name/set", json!({"threadId": unknown, "name": "x"}))
        .await;
    assert_eq!(
        response["error"]["message"],
        format!("no rollout found for thread id {unknown}")
    );
}

#[tokio::test]
async fn r33_archive_and_resume_race_without_half_moved_rollouts() {
    const ROUNDS: usize = 30;
    let harness = Harness::start().await;
    let mut archiver = harness.connect().await;
    let mut resumer = harness.connect().await;
    let thread_id = start_thread(&mut archiver, json!({})).await;
    run_turn(&mut archiver, &thread_id, "hello").await;
    let archived_text = format!(
        "session {thread_id} is archived. Run `codex unarchive {thread_id}` to unarchive it first."
    );
    let closing_text =
        format!("thread {thread_id} is closing; retry thread/resume after the thread is closed");
    let (mut resumed, mut refused) = (0, 0);
    for _ in 0..ROUNDS {
        let archive = archiver
            .send_request("thread/archive", json!({"threadId": thread_id}))
            .await;
        let resume = resumer
            .send_request("thread/resume", json!({"threadId": thread_id}))
            .await;
        let (archive, _) = archiver.response_to(archive).await;
        assert_eq!(archive["result"], json!({}), "{archive}");
        let (resume, _) = resumer.response_to(resume).await;
        match resume.get("error") {
            None => {
                assert_eq!(
                    resume["result"]["thread"]["turns"][0]["status"],
                    "completed"
                );
                resumed += 1;
            }
            Some(error) => {
                let message = error["message"].as_str().unwrap_or_default();
                assert!(
                    message == archived_text || message == closing_text,
                    "resume failed otherwise: {error}"
                );
                refused += 1;
            }
        }
        // Whatever the order, the rollout is whole and in one place.
        let unarchived = archiver
            .call_ok("thread/unarchive", json!({"threadId": thread_id}))
            .await;
        assert_eq!(unarchived["thread"]["id"], thread_id.as_str());
        let read = archiver
            .call_ok(
                "thread/read",
                json!({"threadId": thread_id, "includeTurns": true}),
            )
            .await;
        assert_eq!(read["thread"]["turns"].as_array().map(Vec::len), Some(1));
    }
    assert_eq!(resumed + refused, ROUNDS);
}

#[tokio::test]
async fn r20_delete_of_a_loaded_thread_unloads_it_and_removes_its_rollout() {
    let mut harness = Harness::start().await;
    let mut owner = harness.connect().await;
    let mut watcher = harness.connect().await;
    let thread_id = start_thread(&mut owner, json!({})).await;
    run_turn(&mut owner, &thread_id, "hello").await;
    let read = owner
        .call_ok("thread/read", json!({"threadId": thread_id}))
        .await;
    let path = std::path::PathBuf::from(read["thread"]["path"].as_str().expect("path"));
    assert!(path.exists());

    let (response, before) = owner
        .call("thread/delete", json!({"threadId": thread_id}))
        .await;
    assert_eq!(response["result"], json!({}));
    assert_eq!(
        before.last().expect("status change")["params"],
        json!({"threadId": thread_id, "status": {"type": "notLoaded"}})
    );
    let (deleted, _) = owner.wait_for("thread/deleted").await;
    assert_eq!(deleted["params"], json!({"threadId": thread_id}));
    let (_, seen) = watcher.wait_for("thread/deleted").await;
    assert!(!methods(&seen).contains(&"thread/closed".to_owned()));
    assert!(!path.exists(), "the rollout is gone");
    assert_eq!(loaded(&mut owner).await, json!([]));
    assert!(!list(&mut owner, false).await.contains(&thread_id));
    let (response, _) = owner
        .call("thread/resume", json!({"threadId": thread_id}))
        .await;
    assert_eq!(
        response["error"]["message"],
        format!("no rollout found for thread id {thread_id}")
    );
    // Gone for good: a restart (index rebuilt from the folders) does not bring it back.
    harness.restart();
    let mut client = harness.connect().await;
    assert!(!list(&mut client, false).await.contains(&thread_id));
    let (response, _) = client
        .call("thread/delete", json!({"threadId": thread_id}))
        .await;
    assert_eq!(
        response["error"]["message"],
        format!("no rollout found for thread id {thread_id}")
    );
}

/// An archived thread has no name to set: `thread/name/set` answers the reference's
/// `no rollout found` and nothing is announced; after unarchiving, the thread has no name
/// (bench/compat/lifecycle.py, step `archive`).
#[tokio::test]
async fn name_set_of_an_archived_thread_is_not_found() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let thread_id = start_thread(&mut client, json!({})).await;
    run_turn(&mut client, &thread_id, "hello").await;
    client
        .call_ok("thread/archive", json!({"threadId": thread_id}))
        .await;

    let (response, _) = client
        .call(
            "thread/name/set",
            json!({"threadId": thread_id, "name": "archived name"}),
        )
        .await;
    assert_eq!(
        response["error"],
        json!({"code": -32600, "message": format!("no rollout found for thread id {thread_id}")})
    );
    let (response, before) = client
        .call("thread/unarchive", json!({"threadId": thread_id}))
        .await;
    assert!(
        !methods(&before).iter().any(|m| m == "thread/name/updated"),
        "{before:?}"
    );
    assert_eq!(response["result"]["thread"]["name"], Value::Null);
}

/// `thread/list` rows of loaded threads carry their live `environments`, those of stored
/// threads `null`, as in the reference (protocol.md §6.8; bench/compat/lifecycle.py).
#[tokio::test]
async fn list_rows_of_loaded_threads_carry_their_environments() {
    let mut harness = Harness::start().await;
    let mut client = harness.connect().await;
    let thread_id = start_thread(&mut client, json!({})).await;
    run_turn(&mut client, &thread_id, "hello").await;
    let read = client
        .call_ok("thread/read", json!({"threadId": thread_id}))
        .await;
    let cwd = read["thread"]["cwd"].clone();
    assert_eq!(
        read["thread"]["environments"],
        json!([{"environmentId": "local", "cwd": cwd, "runtimeWorkspaceRoots": [cwd]}])
    );

    let listed = client.call_ok("thread/list", json!({})).await;
    assert_eq!(listed["data"][0]["id"], thread_id.as_str());
    assert_eq!(
        listed["data"][0]["environments"],
        read["thread"]["environments"]
    );

    harness.restart();
    let mut client = harness.connect().await;
    let listed = client.call_ok("thread/list", json!({})).await;
    assert_eq!(listed["data"][0]["id"], thread_id.as_str());
    assert_eq!(listed["data"][0]["environments"], Value::Null);
}
