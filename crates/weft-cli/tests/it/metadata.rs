//! Stored thread metadata: `thread/metadata/update` (Git info patches, under the thread-list
//! permit, R33) on stored and loaded threads, kept across re-indexing and restarts; and R34, a
//! rollout without a model provider listed and read with the configured one.

use serde_json::{Value, json};
use weft_test_support::wire::methods;

use crate::harness::{Client, Harness, run_turn, start_thread};

const UNKNOWN_THREAD: &str = "00000000-0000-0000-0000-000000000000";

async fn patch(client: &mut Client, thread_id: &str, git_info: Value) -> Value {
    let (response, _) = client
        .call(
            "thread/metadata/update",
            json!({"threadId": thread_id, "gitInfo": git_info}),
        )
        .await;
    response
}

async fn read_git(client: &mut Client, thread_id: &str) -> Value {
    let read = client
        .call_ok("thread/read", json!({"threadId": thread_id}))
        .await;
    read["thread"]["gitInfo"].clone()
}

async fn listed_git(client: &mut Client, thread_id: &str) -> Value {
    let listed = client.call_ok("thread/list", json!({})).await;
    let row = listed["data"]
        .as_array()
        .expect("data")
        .iter()
        .find(|thread| thread["id"] == thread_id)
        .expect("listed");
    row["gitInfo"].clone()
}

#[tokio::test]
async fn metadata_update_patches_a_stored_thread_and_survives_a_restart() {
    let mut harness = Harness::start().await;
    let mut client = harness.connect().await;
    let thread_id = start_thread(&mut client, json!({})).await;
    run_turn(&mut client, &thread_id, "hello").await;
    // Answered once the turn's end is persisted.
    client
        .call_ok("thread/read", json!({"threadId": thread_id}))
        .await;
    harness.restart();
    let mut client = harness.connect().await;

    let response = patch(
        &mut client,
        &thread_id,
        json!({"branch": "  feature/sidebar  ", "sha": "abc123"}),
    )
    .await;
    let thread = &response["result"]["thread"];
    assert_eq!(thread["id"], thread_id);
    assert_eq!(thread["status"], json!({"type": "notLoaded"}));
    assert_eq!(thread["turns"], json!([]));
    let expected = json!({"sha": "abc123", "branch": "feature/sidebar", "originUrl": null});
    assert_eq!(thread["gitInfo"], expected);
    assert_eq!(read_git(&mut client, &thread_id).await, expected);
    assert_eq!(listed_git(&mut client, &thread_id).await, expected);
    assert_eq!(
        client.call_ok("thread/loaded/list", json!({})).await["data"],
        json!([]),
        "the update does not load the thread"
    );

    // `null` clears one field, absence keeps the others.
    let response = patch(&mut client, &thread_id, json!({"sha": null})).await;
    let expected = json!({"sha": null, "branch": "feature/sidebar", "originUrl": null});
    assert_eq!(response["result"]["thread"]["gitInfo"], expected);

    harness.restart();
    let mut client = harness.connect().await;
    assert_eq!(listed_git(&mut client, &thread_id).await, expected);
    // A resumed thread reports it too, and a turn's re-index keeps it.
    let resumed = client
        .call_ok("thread/resume", json!({"threadId": thread_id}))
        .await;
    assert_eq!(resumed["thread"]["gitInfo"], expected);
    run_turn(&mut client, &thread_id, "again").await;
    assert_eq!(read_git(&mut client, &thread_id).await, expected);
    assert_eq!(listed_git(&mut client, &thread_id).await, expected);

    // Clearing every field leaves no Git info.
    let response = patch(&mut client, &thread_id, json!({"branch": null})).await;
    assert_eq!(response["result"]["thread"]["gitInfo"], Value::Null);
    assert_eq!(read_git(&mut client, &thread_id).await, Value::Null);
}

#[tokio::test]
async fn metadata_update_patches_a_loaded_thread_before_its_first_turn() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let thread_id = start_thread(&mut client, json!({})).await;

    let (response, before) = client
        .call(
            "thread/metadata/update",
            json!({"threadId": thread_id, "gitInfo": {"branch": "feature/loaded"}}),
        )
        .await;
    // Only the thread's own start announcement; the update itself announces nothing.
    assert!(
        methods(&before)
            .iter()
            .all(|method| method == "thread/started"),
        "{before:?}"
    );
    let thread = &response["result"]["thread"];
    assert_eq!(thread["status"], json!({"type": "idle"}));
    let expected = json!({"sha": null, "branch": "feature/loaded", "originUrl": null});
    assert_eq!(thread["gitInfo"], expected);
    assert_eq!(read_git(&mut client, &thread_id).await, expected);

    // The rollout written by the first turn is indexed with the patch.
    run_turn(&mut client, &thread_id, "hello").await;
    // The actor answers the read once the turn's end is persisted (row indexed included).
    assert_eq!(read_git(&mut client, &thread_id).await, expected);
    assert_eq!(listed_git(&mut client, &thread_id).await, expected);
}

#[tokio::test]
async fn metadata_update_errors() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let thread_id = start_thread(&mut client, json!({})).await;
    let invalid = |message: &str| json!({"code": -32600, "message": message});

    let response = patch(&mut client, UNKNOWN_THREAD, json!({"branch": "main"})).await;
    assert_eq!(
        response["error"],
        invalid(&format!("no rollout found for thread id {UNKNOWN_THREAD}"))
    );

    let response = patch(&mut client, "not-a-uuid", json!({"branch": "main"})).await;
    let message = response["error"]["message"].as_str().expect("message");
    assert!(message.starts_with("invalid thread id: "), "{message}");

    // An empty patch names `gitInfo`; none at all (absent or `null`) names the update, as in
    // the reference (bench/compat/lifecycle.py).
    let response = patch(&mut client, &thread_id, json!({})).await;
    assert_eq!(
        response["error"],
        invalid("gitInfo must include at least one field")
    );
    let response = patch(&mut client, &thread_id, Value::Null).await;
    assert_eq!(
        response["error"],
        invalid("thread metadata update must include at least one field")
    );
    let (response, _) = client
        .call("thread/metadata/update", json!({"threadId": thread_id}))
        .await;
    assert_eq!(
        response["error"],
        invalid("thread metadata update must include at least one field")
    );

    let response = patch(&mut client, &thread_id, json!({"branch": "   "})).await;
    assert_eq!(
        response["error"],
        invalid("gitInfo.branch must not be empty")
    );
    let response = patch(&mut client, &thread_id, json!({"originUrl": ""})).await;
    assert_eq!(
        response["error"],
        invalid("gitInfo.originUrl must not be empty")
    );

    let (response, _) = client
        .call(
            "thread/metadata/update",
            json!({"threadId": thread_id, "gitInfo": {"branch": 5}}),
        )
        .await;
    let message = response["error"]["message"].as_str().expect("message");
    assert!(
        message.starts_with("Invalid request: invalid type: integer `5`"),
        "{message}"
    );
    // Nothing was stored by the refused requests.
    assert_eq!(read_git(&mut client, &thread_id).await, Value::Null);
}

/// R34: a rollout whose `session_meta` records no model provider is listed by a default
/// `thread/list` (which filters on the configured provider) and read with the configured id.
#[tokio::test]
async fn r34_a_rollout_without_a_provider_is_listed_and_read_with_the_configured_one() {
    let mut harness = Harness::start().await;
    let mut client = harness.connect().await;
    let thread_id = start_thread(&mut client, json!({})).await;
    run_turn(&mut client, &thread_id, "hello").await;
    let read = client
        .call_ok("thread/read", json!({"threadId": thread_id}))
        .await;
    let path = std::path::PathBuf::from(read["thread"]["path"].as_str().expect("path"));

    // Written by an older version: no provider in the session_meta line.
    let text = std::fs::read_to_string(&path).expect("rollout");
    let mut lines: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).expect("json"))
        .collect();
    assert_eq!(lines[0]["type"], "session_meta");
    let removed = lines[0]["payload"]
        .as_object_mut()
        .expect("payload")
        .remove("model_provider");
    assert_eq!(removed, Some(json!("mock")));
    // A visible change too, so the test shows the restarted index read the rewritten line.
    lines[0]["payload"]["cli_version"] = json!("0.1.0");
    let rewritten: String = lines
        .iter()
        .map(|line| format!("{line}\n"))
        .collect::<String>();
    std::fs::write(&path, rewritten).expect("rewrite");

    harness.restart();
    let mut client = harness.connect().await;
    let listed = client.call_ok("thread/list", json!({})).await;
    let row = listed["data"]
        .as_array()
        .expect("data")
        .iter()
        .find(|thread| thread["id"] == thread_id)
        .unwrap_or_else(|| panic!("default list lacks the thread: {listed}"));
    assert_eq!(
        row["cliVersion"], "0.1.0",
        "the rewritten rollout was re-read"
    );
    assert_eq!(row["modelProvider"], "mock");
    let read = client
        .call_ok("thread/read", json!({"threadId": thread_id}))
        .await;
    assert_eq!(read["thread"]["modelProvider"], "mock");
    let resumed = client
        .call_ok("thread/resume", json!({"threadId": thread_id}))
        .await;
    assert_eq!(resumed["thread"]["modelProvider"], "mock");
}

/// R33: `thread/metadata/update` and archive/unarchive of the same thread, sent together, are
/// serialised by the thread-list permit: every request succeeds and no patch is lost to a
/// rollout move.
#[tokio::test]
async fn r33_metadata_updates_racing_archive_moves_all_stand() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let thread_id = start_thread(&mut client, json!({})).await;
    run_turn(&mut client, &thread_id, "hello").await;
    client
        .call_ok("thread/read", json!({"threadId": thread_id}))
        .await;
    for round in 0..20 {
        let mover = if round % 2 == 0 {
            "thread/archive"
        } else {
            "thread/unarchive"
        };
        let moved = client
            .send_request(mover, json!({"threadId": thread_id}))
            .await;
        let patched = client
            .send_request(
                "thread/metadata/update",
                json!({"threadId": thread_id, "gitInfo": {"branch": format!("b{round}")}}),
            )
            .await;
        let mut pending = vec![moved, patched];
        while !pending.is_empty() {
            let message = client.next_message().await;
            let Some(id) = message.get("id").and_then(Value::as_i64) else {
                continue;
            };
            if message.get("method").is_some() {
                continue;
            }
            assert!(message.get("result").is_some(), "{mover}: {message}");
            pending.retain(|waiting| *waiting != id);
        }
    }
    // Twenty moves leave it unarchived, with the last patch.
    let read = client
        .call_ok("thread/read", json!({"threadId": thread_id}))
        .await;
    assert_eq!(read["thread"]["gitInfo"]["branch"], "b19");
    assert_eq!(listed_git(&mut client, &thread_id).await["branch"], "b19");
}

/// An ephemeral thread has no stored metadata: `thread/name/set` and `thread/metadata/update`
/// are refused with the reference's text, and no `thread/name/updated` is sent
/// (bench/compat/lifecycle.py, steps `name` and `metadata`).
#[tokio::test]
async fn name_and_metadata_of_an_ephemeral_thread_are_refused() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let thread_id = start_thread(&mut client, json!({"ephemeral": true})).await;
    let refused = json!({
        "code": -32600,
        "message": format!("ephemeral thread does not support metadata updates: {thread_id}"),
    });

    let (response, _) = client
        .call(
            "thread/name/set",
            json!({"threadId": thread_id, "name": "a name"}),
        )
        .await;
    assert_eq!(response["error"], refused);
    let response = patch(&mut client, &thread_id, json!({"branch": "main"})).await;
    assert_eq!(response["error"], refused);

    // Anything broadcast after the refusals would arrive before this answer.
    let (_, before) = client.call("thread/loaded/list", json!({})).await;
    assert!(
        !methods(&before).iter().any(|m| m == "thread/name/updated"),
        "{before:?}"
    );
    let read = client
        .call_ok("thread/read", json!({"threadId": thread_id}))
        .await;
    assert_eq!(read["thread"]["name"], Value::Null);
    assert_eq!(read["thread"]["gitInfo"], Value::Null);
}

/// The answer to `thread/metadata/update` of a loaded thread is the reference's stored view:
/// `canAcceptDirectInput` is `null` there (it is `true` in `thread/read`).
#[tokio::test]
async fn metadata_update_of_a_loaded_thread_leaves_can_accept_direct_input_null() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let thread_id = start_thread(&mut client, json!({})).await;
    run_turn(&mut client, &thread_id, "hello").await;

    let response = patch(&mut client, &thread_id, json!({"branch": "main"})).await;
    let thread = &response["result"]["thread"];
    assert_eq!(thread["gitInfo"]["branch"], "main");
    assert_eq!(thread["canAcceptDirectInput"], Value::Null);
    let read = client
        .call_ok("thread/read", json!({"threadId": thread_id}))
        .await;
    assert_eq!(read["thread"]["canAcceptDirectInput"], true);
}
