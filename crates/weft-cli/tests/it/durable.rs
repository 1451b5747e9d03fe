//! R37 ★: with `durable_approvals = true`, a question a turn waits on survives the process —
//! the drain deadline or a crash leaves the turn suspended, and after a restart a resume
//! shows it running, asks the same question again, and the answer lets the same turn go on.

use std::time::Duration;

use serde_json::{Value, json};

use weft_test_support::wire::WireClient;

use crate::harness::{Harness, config_toml};

const APPROVAL: &str = "item/commandExecution/requestApproval";

/// Switches `durable_approvals` on in the harness's config and restarts onto it.
fn with_durable_approvals(harness: &mut Harness) {
    let config = config_toml(&harness.mock.base_url(), "");
    std::fs::write(
        harness.home.path().join("config.toml"),
        format!("durable_approvals = true\n{config}"),
    )
    .unwrap();
    harness.restart();
}

/// Starts a thread under `untrusted` in `work` and a turn whose `RUN:` command waits on
/// approval; returns the thread, the turn and the request as sent.
async fn turn_waiting_on_approval<R, W>(
    client: &mut WireClient<R, W>,
    work: &std::path::Path,
    command: &str,
) -> (String, String, Value)
where
    R: tokio::io::AsyncRead + Unpin,
    W: tokio::io::AsyncWrite + Unpin,
{
    let thread = client
        .call_ok(
            "thread/start",
            json!({"cwd": work.display().to_string(), "approvalPolicy": "untrusted", "sandbox": "workspace-write"}),
        )
        .await;
    let thread_id = thread["thread"]["id"].as_str().unwrap().to_owned();
    let started = client
        .call_ok(
            "turn/start",
            json!({"threadId": thread_id, "input": [{"type": "text", "text": command}]}),
        )
        .await;
    let turn_id = started["turn"]["id"].as_str().unwrap().to_owned();
    let (request, _) = client.wait_for_server_request(APPROVAL).await;
    (thread_id, turn_id, request)
}

/// The status the turn's `commandExecution` item completed with.
fn command_status(messages: &[Value]) -> Value {
    messages
        .iter()
        .find(|message| {
            message["method"] == "item/completed"
                && message["params"]["item"]["type"] == "commandExecution"
        })
        .map(|message| message["params"]["item"]["status"].clone())
        .expect("the command item completed")
}

/// The `RUN:` text of a command that creates `marker`.
fn touch(marker: &std::path::Path) -> String {
    format!("RUN: touch {}", marker.display())
}

fn record_path(harness: &Harness, thread_id: &str) -> std::path::PathBuf {
    harness
        .home
        .path()
        .join("pending_requests")
        .join(format!("{thread_id}.json"))
}

#[tokio::test]
async fn r37_a_question_open_at_the_drain_deadline_is_asked_again_after_a_restart() {
    let mut harness = Harness::start().await;
    with_durable_approvals(&mut harness);
    let work = tempfile::tempdir().unwrap();
    let marker = work.path().join("ran");
    let mut first = harness.connect().await;
    let (thread_id, turn_id, request) =
        turn_waiting_on_approval(&mut first, work.path(), &touch(&marker)).await;
    assert!(record_path(&harness, &thread_id).exists());

    // Shutdown: the drain deadline passes with the question open. The turn is suspended, not
    // interrupted, and an answer that arrives now does not count.
    harness.core.begin_drain();
    harness.core.drain(Duration::ZERO).await;
    first
        .answer(&request["id"], json!({"decision": "accept"}))
        .await;
    let read = first
        .call_ok(
            "thread/read",
            json!({"threadId": thread_id, "includeTurns": true}),
        )
        .await;
    assert_eq!(read["thread"]["turns"][0]["status"], "inProgress");
    assert!(!marker.exists(), "an answer during shutdown runs nothing");
    let rollout = std::fs::read_to_string(read["thread"]["path"].as_str().unwrap()).unwrap();
    assert!(!rollout.contains("turn_aborted"), "{rollout}");
    drop(first);

    harness.restart();
    // Not loaded: the stored turn reads as suspended, not interrupted.
    let mut second = harness.connect().await;
    let stored = second
        .call_ok(
            "thread/read",
            json!({"threadId": thread_id, "includeTurns": true}),
        )
        .await;
    assert_eq!(stored["thread"]["status"], json!({"type": "notLoaded"}));
    assert_eq!(stored["thread"]["turns"][0]["status"], "inProgress");

    // B resumes: the turn runs, the thread waits on approval, the question comes again with
    // the payload it was sent with.
    let resumed = second
        .call_ok("thread/resume", json!({"threadId": thread_id}))
        .await;
    assert_eq!(
        resumed["thread"]["status"],
        json!({"type": "active", "activeFlags": ["waitingOnApproval"]})
    );
    let turns = resumed["thread"]["turns"].as_array().unwrap();
    assert_eq!(turns.len(), 1);
    assert_eq!(turns[0]["id"], turn_id.as_str());
    assert_eq!(turns[0]["status"], "inProgress");
    let (replayed, _) = second.wait_for_server_request(APPROVAL).await;
    assert_eq!(replayed["params"], request["params"]);
    assert!(!marker.exists());

    second
        .answer(&replayed["id"], json!({"decision": "accept"}))
        .await;
    let (completed, during) = second.wait_for("turn/completed").await;
    assert_eq!(completed["params"]["turn"]["id"], turn_id.as_str());
    assert_eq!(completed["params"]["turn"]["status"], "completed");
    let resolved = during
        .iter()
        .find(|message| message["method"] == "serverRequest/resolved")
        .expect("serverRequest/resolved");
    assert_eq!(resolved["params"]["requestId"], replayed["id"]);
    assert_eq!(command_status(&during), "completed");
    assert!(marker.exists(), "the accepted command ran");
    // The model got the command's output in the same turn.
    let requests = harness.mock.requests();
    let follow_up = requests.last().unwrap().input();
    assert_eq!(
        follow_up.last().unwrap()["type"],
        "function_call_output",
        "{follow_up:?}"
    );
    assert!(
        !record_path(&harness, &thread_id).exists(),
        "nothing waits any more"
    );

    // A comes back and sees the outcome.
    let mut again = harness.connect().await;
    let read = again
        .call_ok("thread/resume", json!({"threadId": thread_id}))
        .await;
    assert_eq!(read["thread"]["status"], json!({"type": "idle"}));
    let turns = read["thread"]["turns"].as_array().unwrap();
    assert_eq!(turns.len(), 1);
    assert_eq!(turns[0]["status"], "completed");
}

#[tokio::test]
async fn r37_without_the_option_the_open_question_ends_interrupted_as_in_the_reference() {
    let mut harness = Harness::start().await;
    let work = tempfile::tempdir().unwrap();
    let marker = work.path().join("ran");
    let mut first = harness.connect().await;
    let (thread_id, _, _) =
        turn_waiting_on_approval(&mut first, work.path(), &touch(&marker)).await;
    assert!(!record_path(&harness, &thread_id).exists());
    harness.core.begin_drain();
    harness.core.drain(Duration::ZERO).await;
    drop(first);
    harness.restart();
    let mut second = harness.connect().await;
    let resumed = second
        .call_ok("thread/resume", json!({"threadId": thread_id}))
        .await;
    assert_eq!(resumed["thread"]["status"], json!({"type": "idle"}));
    assert_eq!(resumed["thread"]["turns"][0]["status"], "interrupted");
    let read = second.call_ok("thread/loaded/list", json!({})).await;
    assert_eq!(read["data"], json!([thread_id]));
    assert!(!marker.exists());
    // The next turn's request pairs the call the crash left open with an output.
    second
        .call_ok(
            "turn/start",
            json!({"threadId": thread_id, "input": [{"type": "text", "text": "again"}]}),
        )
        .await;
    second.wait_for("turn/completed").await;
    let requests = harness.mock.requests();
    let input = requests.last().unwrap().input();
    for call in input.iter().filter(|item| item["type"] == "function_call") {
        assert!(
            input
                .iter()
                .any(|item| item["type"] == "function_call_output"
                    && item["call_id"] == call["call_id"]),
            "no output for {call} in {input:?}"
        );
    }
}

#[tokio::test]
async fn r37_decline_after_a_restart_completes_the_item_declined_and_the_turn_goes_on() {
    let mut harness = Harness::start().await;
    with_durable_approvals(&mut harness);
    let work = tempfile::tempdir().unwrap();
    let marker = work.path().join("ran");
    let mut first = harness.connect().await;
    let (thread_id, _, _) =
        turn_waiting_on_approval(&mut first, work.path(), &touch(&marker)).await;
    harness.core.begin_drain();
    harness.core.drain(Duration::ZERO).await;
    drop(first);
    harness.restart();
    let mut second = harness.connect().await;
    second
        .call_ok("thread/resume", json!({"threadId": thread_id}))
        .await;
    let (replayed, _) = second.wait_for_server_request(APPROVAL).await;
    second
        .answer(&replayed["id"], json!({"decision": "decline"}))
        .await;
    let (completed, during) = second.wait_for("turn/completed").await;
    assert_eq!(completed["params"]["turn"]["status"], "completed");
    assert_eq!(command_status(&during), "declined");
    assert!(!marker.exists(), "a declined command does not run");
}

/// The same across a crash of the real binary: SIGKILL while the question is open, start
/// again, resume, accept.
#[tokio::test]
async fn r37_a_question_open_when_the_binary_is_killed_is_asked_again_after_a_restart() {
    let mock = weft_test_support::mock::MockResponses::start().await;
    mock.set_run_yield_ms(30_000);
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("config.toml"),
        format!(
            "durable_approvals = true\n{}",
            config_toml(&mock.base_url(), "")
        ),
    )
    .unwrap();
    let work = tempfile::tempdir().unwrap();
    let marker = work.path().join("ran");
    let spawn = || crate::binary::spawn(home.path());

    let (mut child, mut client) = spawn();
    client.initialize("weft-durable-test").await;
    let (thread_id, _, request) =
        turn_waiting_on_approval(&mut client, work.path(), &touch(&marker)).await;
    child.start_kill().unwrap();
    child.wait().await.unwrap();
    drop(client);

    let (mut child, mut client) = spawn();
    client.initialize("weft-durable-test").await;
    let resumed = client
        .call_ok("thread/resume", json!({"threadId": thread_id}))
        .await;
    assert_eq!(
        resumed["thread"]["status"],
        json!({"type": "active", "activeFlags": ["waitingOnApproval"]})
    );
    let (replayed, _) = client.wait_for_server_request(APPROVAL).await;
    assert_eq!(replayed["params"], request["params"]);
    client
        .answer(&replayed["id"], json!({"decision": "accept"}))
        .await;
    let (completed, _) = client.wait_for("turn/completed").await;
    assert_eq!(completed["params"]["turn"]["status"], "completed");
    assert!(marker.exists(), "the accepted command ran");
    drop(client);
    child.wait().await.unwrap();
}

/// Without the option, a crash while a command waits on approval leaves the call without an
/// output in the rollout: after a restart the turn reads interrupted (R23), and the next
/// request gives the call the `aborted` output the reference gives it, so the model API
/// accepts the history.
#[tokio::test]
async fn r23_a_call_a_crash_left_open_is_sent_aborted_after_a_restart() {
    let mock = weft_test_support::mock::MockResponses::start().await;
    mock.set_run_yield_ms(30_000);
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("config.toml"),
        config_toml(&mock.base_url(), ""),
    )
    .unwrap();
    let work = tempfile::tempdir().unwrap();
    let (mut child, mut client) = crate::binary::spawn(home.path());
    client.initialize("weft-crash-test").await;
    let (thread_id, _, _) =
        turn_waiting_on_approval(&mut client, work.path(), "RUN: echo open").await;
    child.start_kill().unwrap();
    child.wait().await.unwrap();
    drop(client);

    let (mut child, mut client) = crate::binary::spawn(home.path());
    client.initialize("weft-crash-test").await;
    let resumed = client
        .call_ok("thread/resume", json!({"threadId": thread_id}))
        .await;
    assert_eq!(resumed["thread"]["turns"][0]["status"], "interrupted");
    client
        .call_ok(
            "turn/start",
            json!({"threadId": thread_id, "input": [{"type": "text", "text": "again"}]}),
        )
        .await;
    client.wait_for("turn/completed").await;
    let requests = mock.requests();
    let input = requests.last().unwrap().input();
    let call = input
        .iter()
        .position(|item| item["type"] == "function_call")
        .expect("the open call is in history");
    assert_eq!(input[call + 1]["type"], "function_call_output", "{input:?}");
    assert_eq!(input[call + 1]["call_id"], input[call]["call_id"]);
    assert_eq!(input[call + 1]["output"], "aborted");
    drop(client);
    child.wait().await.unwrap();
}
