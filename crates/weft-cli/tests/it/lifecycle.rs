//! The lifecycle requirements the foundation covers (lifecycle.md R1, R21–R23, R28) plus
//! per-connection notification opt-outs (protocol.md §2.3).

use serde_json::{Value, json};
use weft_test_support::mock::Script;
use weft_test_support::wire::methods;

use crate::harness::{Harness, labels, run_turn, start_thread, start_turn};

/// Everything a client received up to the answer of a cheap request sent now.
async fn drain_messages(client: &mut crate::harness::Client) -> Vec<Value> {
    let (_, before) = client.call("thread/loaded/list", json!({})).await;
    before
}

#[tokio::test]
async fn r1_turn_start_does_not_subscribe() {
    let harness = Harness::start().await;
    let mut owner = harness.connect().await;
    let mut other = harness.connect().await;
    let thread_id = start_thread(&mut owner, json!({})).await;
    drain_messages(&mut other).await;
    let turn = other
        .call_ok(
            "turn/start",
            json!({"threadId": thread_id, "input": [{"type": "text", "text": "hi"}]}),
        )
        .await;
    assert_eq!(turn["turn"]["status"], "inProgress");
    let (completed, _) = owner.wait_for("turn/completed").await;
    assert_eq!(completed["params"]["turn"]["status"], "completed");
    let seen = methods(&drain_messages(&mut other).await);
    // R2: the other client gets the broadcasts (status changes), none of the thread's events.
    assert_eq!(seen, vec!["thread/status/changed", "thread/status/changed"]);
}

#[tokio::test]
async fn r21_cold_resume_order() {
    let mut harness = Harness::start().await;
    let mut client = harness.connect().await;
    let thread_id = start_thread(&mut client, json!({})).await;
    run_turn(&mut client, &thread_id, "first").await;
    harness.restart();
    let mut client = harness.connect().await;
    let id = client
        .send_request("thread/resume", json!({"threadId": thread_id}))
        .await;
    let (response, before) = client.response_to(id).await;
    assert_eq!(labels(&before), vec!["thread/status/changed"]);
    assert_eq!(before[0]["params"]["status"], json!({"type": "idle"}));
    assert_eq!(
        response["result"]["thread"]["status"],
        json!({"type": "idle"})
    );
    let after = drain_messages(&mut client).await;
    assert_eq!(
        labels(&after),
        vec!["thread/tokenUsage/updated", "thread/goal/cleared"]
    );
}

#[tokio::test]
async fn r8_r9_r22_rejoin_mid_turn_merges_the_active_turn() {
    let harness = Harness::start().await;
    let mut script = Script::new()
        .with_created()
        .with_message_added()
        .with_text_delta("one ");
    let gate = script.gate();
    harness
        .mock
        .push(script.with_text_delta("two").with_message_done());
    let mut owner = harness.connect().await;
    let thread_id = start_thread(&mut owner, json!({})).await;
    let turn_id = start_turn(&mut owner, &thread_id, "stream").await;
    owner.wait_for("item/agentMessage/delta").await;

    let mut other = harness.connect().await;
    let resumed = other
        .call_ok("thread/resume", json!({"threadId": thread_id}))
        .await;
    assert_eq!(resumed["thread"]["status"]["type"], "active");
    let turns = resumed["thread"]["turns"].as_array().unwrap();
    assert_eq!(turns.len(), 1, "the running turn appears once");
    assert_eq!(turns[0]["id"], turn_id.as_str());
    assert_eq!(turns[0]["status"], "inProgress");
    let kinds: Vec<&str> = turns[0]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec!["userMessage"],
        "the streaming message is not in the snapshot"
    );

    gate.release();
    let (completed, before) = other.wait_for("turn/completed").await;
    assert_eq!(completed["params"]["turn"]["status"], "completed");
    let seen = labels(&before);
    assert!(
        !seen.contains(&"item/started:agentMessage".to_owned()),
        "{seen:?}"
    );
    // R8: the rejoin was handled between events: the delta sent before it is in neither the
    // snapshot nor the stream, the one after it arrives once.
    let deltas: Vec<&str> = before
        .iter()
        .filter(|m| m["method"] == "item/agentMessage/delta")
        .map(|m| m["params"]["delta"].as_str().unwrap())
        .collect();
    assert_eq!(deltas, vec!["two"]);
    let done = before
        .iter()
        .find(|m| m["method"] == "item/completed")
        .unwrap();
    assert_eq!(done["params"]["item"]["text"], "one two");
}

#[tokio::test]
async fn r23_unfinished_turn_reads_interrupted_and_thread_idle() {
    let mut harness = Harness::start().await;
    let mut client = harness.connect().await;
    let thread_id = start_thread(&mut client, json!({})).await;
    run_turn(&mut client, &thread_id, "first").await;
    let thread = client
        .call_ok("thread/read", json!({"threadId": thread_id}))
        .await;
    let path = thread["thread"]["path"].as_str().unwrap().to_owned();
    // Cut the rollout after the agent message, as a kill -9 mid-turn would.
    let text = std::fs::read_to_string(&path).unwrap();
    let keep: Vec<&str> = text
        .lines()
        .take_while(|line| !line.contains("\"task_complete\""))
        .collect();
    std::fs::write(&path, keep.join("\n") + "\n").unwrap();
    harness.restart();
    let mut client = harness.connect().await;
    let read = client
        .call_ok(
            "thread/read",
            json!({"threadId": thread_id, "includeTurns": true}),
        )
        .await;
    assert_eq!(read["thread"]["status"], json!({"type": "notLoaded"}));
    assert_eq!(read["thread"]["turns"][0]["status"], "interrupted");
    let resumed = client
        .call_ok("thread/resume", json!({"threadId": thread_id}))
        .await;
    assert_eq!(resumed["thread"]["status"], json!({"type": "idle"}));
    assert_eq!(resumed["thread"]["turns"][0]["status"], "interrupted");
}

#[tokio::test]
async fn r28_resume_of_a_loaded_thread_without_rollout_is_refused() {
    let harness = Harness::start().await;
    let mut owner = harness.connect().await;
    let thread_id = start_thread(&mut owner, json!({})).await;
    let mut other = harness.connect().await;
    let (response, _) = other
        .call("thread/resume", json!({"threadId": thread_id}))
        .await;
    assert_eq!(
        response["error"]["message"],
        format!("no rollout found for thread id {thread_id}")
    );
}

#[tokio::test]
async fn opted_out_notifications_are_not_sent() {
    let harness = Harness::start().await;
    let mut client = harness.connect_raw();
    client
        .call_ok(
            "initialize",
            json!({"clientInfo": {"name": "quiet", "version": "1"}, "capabilities": {"optOutNotificationMethods": ["item/agentMessage/delta", "thread/started"]}}),
        )
        .await;
    let thread_id = start_thread(&mut client, json!({})).await;
    let messages = run_turn(&mut client, &thread_id, "hello").await;
    let seen = methods(&messages);
    assert!(
        !seen
            .iter()
            .any(|m| m == "item/agentMessage/delta" || m == "thread/started"),
        "{seen:?}"
    );
    assert!(seen.iter().any(|m| m == "item/completed"));
}

#[tokio::test]
async fn r2_lifecycle_notifications_reach_everyone_thread_events_only_subscribers() {
    let harness = Harness::start().await;
    let mut owner = harness.connect().await;
    let mut bystander = harness.connect().await;
    let thread_id = start_thread(&mut owner, json!({})).await;
    run_turn(&mut owner, &thread_id, "hello").await;
    let seen = drain_messages(&mut bystander).await;
    let methods = methods(&seen);
    assert_eq!(
        methods,
        vec![
            "thread/started",
            "thread/status/changed",
            "thread/status/changed"
        ],
        "broadcasts only: {methods:?}"
    );
    assert_eq!(seen[0]["params"]["thread"]["id"], thread_id.as_str());
}

#[tokio::test]
async fn r7_three_rejoins_share_one_listener_each_event_once_per_subscriber() {
    let harness = Harness::start().await;
    let mut owner = harness.connect().await;
    let thread_id = start_thread(&mut owner, json!({})).await;
    run_turn(&mut owner, &thread_id, "first").await;
    let mut others = Vec::new();
    for _ in 0..3 {
        let mut client = harness.connect().await;
        client
            .call_ok("thread/resume", json!({"threadId": thread_id}))
            .await;
        // A second resume of the same connection is idempotent (R1).
        client
            .call_ok("thread/resume", json!({"threadId": thread_id}))
            .await;
        others.push(client);
    }
    let (ids, _) = owner.call("thread/loaded/list", json!({})).await;
    assert_eq!(ids["result"]["data"], json!([thread_id]));
    run_turn(&mut owner, &thread_id, "second").await;
    for client in &mut others {
        let (_, messages) = client.wait_for("turn/completed").await;
        let started = messages
            .iter()
            .filter(|message| message["method"] == "turn/started")
            .count();
        let completed = messages
            .iter()
            .filter(|message| message["method"] == "item/completed")
            .count();
        assert_eq!(started, 1, "{messages:?}");
        assert_eq!(completed, 2, "user message and reply, once each");
    }
}

#[tokio::test]
async fn r24_a_rejoin_answers_with_the_reference_key_set() {
    let harness = Harness::start().await;
    let mut owner = harness.connect().await;
    let thread_id = start_thread(&mut owner, json!({})).await;
    run_turn(&mut owner, &thread_id, "hello").await;
    let mut other = harness.connect().await;
    let resumed = other
        .call_ok("thread/resume", json!({"threadId": thread_id}))
        .await;
    let mut keys: Vec<&str> = resumed
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    // The key set of the reference's `restart` transcript (no `permissionProfile`).
    assert_eq!(
        keys,
        vec![
            "activePermissionProfile",
            "approvalPolicy",
            "approvalsReviewer",
            "collaborationMode",
            "cwd",
            "disabledPluginIds",
            "initialTurnsPage",
            "instructionSources",
            "itemsBackwardsCursor",
            "model",
            "modelProvider",
            "multiAgentMode",
            "reasoningEffort",
            "runtimeWorkspaceRoots",
            "sandbox",
            "serviceTier",
            "thread",
            "turnsBackwardsCursor",
        ]
    );
    assert_eq!(
        resumed["thread"]["sessionId"], resumed["thread"]["id"],
        "the live session"
    );
}

#[tokio::test]
async fn r26_a_watched_loaded_thread_keeps_its_settings_on_resume() {
    let harness = Harness::start().await;
    let mut owner = harness.connect().await;
    let thread_id = start_thread(&mut owner, json!({})).await;
    run_turn(&mut owner, &thread_id, "hello").await;
    let mut other = harness.connect().await;
    let resumed = other
        .call_ok(
            "thread/resume",
            json!({"threadId": thread_id, "model": "another-model", "approvalPolicy": "untrusted"}),
        )
        .await;
    // The owner is subscribed: the overrides are ignored (and logged), the thread is rejoined.
    assert_eq!(resumed["model"], "gpt-5.2-codex");
    assert_eq!(resumed["approvalPolicy"], "never");
    assert_eq!(resumed["thread"]["turns"].as_array().map(Vec::len), Some(1));
}

/// The model of the mock's last request.
fn last_requested_model(harness: &Harness) -> Value {
    let requests = harness.mock.requests();
    requests.last().expect("a model request").body["model"].clone()
}

#[tokio::test]
async fn r26_an_idle_unwatched_loaded_thread_reloads_with_the_new_model() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let thread_id = start_thread(&mut client, json!({})).await;
    run_turn(&mut client, &thread_id, "hello").await;
    assert_eq!(last_requested_model(&harness), "gpt-5.2-codex");
    client
        .call_ok("thread/unsubscribe", json!({"threadId": thread_id}))
        .await;
    drain_messages(&mut client).await;
    let (response, before) = client
        .call(
            "thread/resume",
            json!({"threadId": thread_id, "model": "another-model"}),
        )
        .await;
    let resumed = &response["result"];
    assert_eq!(resumed["model"], "another-model", "{response}");
    assert_eq!(resumed["thread"]["turns"].as_array().map(Vec::len), Some(1));
    assert_eq!(resumed["thread"]["status"], json!({"type": "idle"}));
    // Shut down and loaded again: notLoaded, then idle; never thread/closed.
    let statuses: Vec<&Value> = before.iter().map(|message| &message["params"]).collect();
    assert_eq!(
        methods(&before),
        vec!["thread/status/changed", "thread/status/changed"],
        "{before:?}"
    );
    assert_eq!(
        statuses,
        vec![
            &json!({"threadId": thread_id, "status": {"type": "notLoaded"}}),
            &json!({"threadId": thread_id, "status": {"type": "idle"}}),
        ]
    );
    // One runtime, subscribed by the resumer: the next turn's events reach it.
    let loaded = client.call_ok("thread/loaded/list", json!({})).await;
    assert_eq!(loaded["data"], json!([thread_id]));
    let turn = run_turn(&mut client, &thread_id, "again").await;
    assert!(
        !methods(&turn)
            .iter()
            .any(|method| method == "thread/closed"),
        "{turn:?}"
    );
    assert_eq!(last_requested_model(&harness), "another-model");
}

#[tokio::test]
async fn r26_a_watched_thread_keeps_its_model() {
    let harness = Harness::start().await;
    let mut owner = harness.connect().await;
    let thread_id = start_thread(&mut owner, json!({})).await;
    run_turn(&mut owner, &thread_id, "hello").await;
    let mut other = harness.connect().await;
    drain_messages(&mut other).await;
    let (response, before) = other
        .call(
            "thread/resume",
            json!({"threadId": thread_id, "model": "another-model"}),
        )
        .await;
    // The owner is subscribed: a rejoin that keeps the model (the override is logged).
    assert_eq!(response["result"]["model"], "gpt-5.2-codex", "{response}");
    assert!(before.is_empty(), "no reload, no status change: {before:?}");
    run_turn(&mut other, &thread_id, "again").await;
    assert_eq!(last_requested_model(&harness), "gpt-5.2-codex");
    let seen = methods(&drain_messages(&mut owner).await);
    assert!(
        !seen
            .iter()
            .any(|method| method == "thread/closed" || method == "thread/started"),
        "{seen:?}"
    );
}

#[tokio::test]
async fn r26_resumes_racing_a_reload_never_see_two_runtimes() {
    let harness = Harness::start().await;
    let mut owner = harness.connect().await;
    let thread_id = start_thread(&mut owner, json!({})).await;
    run_turn(&mut owner, &thread_id, "hello").await;
    owner
        .call_ok("thread/unsubscribe", json!({"threadId": thread_id}))
        .await;
    let mut first = harness.connect().await;
    let mut second = harness.connect().await;
    let first_id = first
        .send_request(
            "thread/resume",
            json!({"threadId": thread_id, "model": "model-one"}),
        )
        .await;
    let second_id = second
        .send_request(
            "thread/resume",
            json!({"threadId": thread_id, "model": "model-two"}),
        )
        .await;
    let closing =
        format!("thread {thread_id} is closing; retry thread/resume after the thread is closed");
    let mut models = Vec::new();
    for (client, id) in [(&mut first, first_id), (&mut second, second_id)] {
        let (response, _) = client.response_to(id).await;
        match response.get("result") {
            Some(result) => models.push(result["model"].clone()),
            None => assert_eq!(
                response["error"],
                json!({"code": -32600, "message": closing}),
                "a racing resume waits or meets the closing text"
            ),
        }
    }
    assert!(!models.is_empty(), "at least one resume succeeds");
    let loaded = owner.call_ok("thread/loaded/list", json!({})).await;
    assert_eq!(loaded["data"], json!([thread_id]), "one runtime");
    // Whoever answered last saw the one runtime: the same model as any other success.
    models.dedup();
    assert_eq!(
        models.len(),
        1,
        "both successes saw one runtime: {models:?}"
    );
    run_turn(&mut first, &thread_id, "again").await;
    assert_eq!(last_requested_model(&harness), models[0]);
}

/// R25 step 1, as the reference does it (`send_thread_token_usage_update_to_connection` after
/// every rejoin and cold resume, checked side by side): the resuming connection gets the
/// thread's token usage right after the answer, also when it asked for no turns.
#[tokio::test]
async fn r25_a_resume_without_turns_still_gets_the_token_usage() {
    let mut harness = Harness::start().await;
    let mut owner = harness.connect().await;
    let thread_id = start_thread(&mut owner, json!({})).await;
    run_turn(&mut owner, &thread_id, "hello").await;
    for phase in ["rejoin", "cold"] {
        if phase == "cold" {
            drop(owner);
            harness.restart();
            owner = harness.connect().await;
        }
        let mut other = harness.connect().await;
        let resumed = other
            .call_ok(
                "thread/resume",
                json!({"threadId": thread_id, "excludeTurns": true}),
            )
            .await;
        assert_eq!(resumed["thread"]["turns"], json!([]), "{phase}");
        let next = other.next_message().await;
        assert_eq!(
            next["method"], "thread/tokenUsage/updated",
            "{phase}: {next}"
        );
        assert_eq!(next["params"]["threadId"], thread_id.as_str());
        assert!(
            next["params"]["tokenUsage"]["total"]["totalTokens"]
                .as_i64()
                .is_some_and(|tokens| tokens > 0),
            "{phase}: {next}"
        );
    }
}

/// Issue 13 item 9: a thread longer than `transcript_kept_items` (lowered here from
/// `TRANSCRIPT_KEPT_ITEMS_MAX` to a few items) drops its history when idle and reads it back
/// from the rollout when the next turn, a read or a rejoin needs it — live and after a restart
/// — and the model still gets the whole conversation.
#[tokio::test]
async fn item9_a_long_idle_thread_reads_its_history_back_whole() {
    let turns = 6;
    let short = |config: &mut weft_core::CoreConfig| config.transcript_kept_items = 8;
    let mut harness = Harness::start_adjusted(short).await;
    let mut client = harness.connect().await;
    let thread_id = start_thread(&mut client, json!({})).await;
    for turn in 0..turns {
        run_turn(&mut client, &thread_id, &format!("message {turn}")).await;
    }
    let user_texts = |harness: &Harness| -> Vec<String> {
        let requests = harness.mock.requests();
        requests
            .last()
            .unwrap()
            .input()
            .iter()
            .filter(|item| item["role"] == "user")
            .filter_map(|item| item["content"][0]["text"].as_str())
            .filter(|text| text.starts_with("message ") || text == &"last")
            .map(str::to_owned)
            .collect()
    };
    for phase in ["live", "after a restart"] {
        if phase == "after a restart" {
            drop(client);
            harness.restart_adjusted(short);
            client = harness.connect().await;
            client
                .call_ok(
                    "thread/resume",
                    json!({"threadId": thread_id, "excludeTurns": true}),
                )
                .await;
        }
        let read = client
            .call_ok(
                "thread/read",
                json!({"threadId": thread_id, "includeTurns": true}),
            )
            .await;
        let done = read["thread"]["turns"].as_array().unwrap().len();
        assert!(done >= turns, "{phase}: {done} turns read back");
        run_turn(&mut client, &thread_id, "last").await;
        let texts = user_texts(&harness);
        let expected: Vec<String> = (0..turns)
            .map(|turn| format!("message {turn}"))
            .chain(std::iter::repeat_n(
                "last".to_owned(),
                if phase == "live" { 1 } else { 2 },
            ))
            .collect();
        assert_eq!(texts, expected, "{phase}");
    }
}
