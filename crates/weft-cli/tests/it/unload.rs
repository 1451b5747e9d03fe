//! Subscriptions and idle unload (lifecycle.md §A, §C) on the in-process server. Timing runs
//! on tokio's paused clock, switched on once the model traffic is over: the unload delay is
//! advanced, never slept.

use std::time::Duration;

use serde_json::{Value, json};
use weft_core::config::THREAD_UNLOAD_DELAY_DEFAULT;
use weft_test_support::mock::Script;
use weft_test_support::wire::methods;

use crate::harness::{Client, Harness, run_turn, start_thread};
use crate::server_requests::ask_question;

const DELAY: Duration = THREAD_UNLOAD_DELAY_DEFAULT;
const TICK: Duration = Duration::from_millis(1);

/// `thread/loaded/list` and the messages that arrived before its answer.
async fn loaded(client: &mut Client) -> (Vec<String>, Vec<Value>) {
    let (response, before) = client.call("thread/loaded/list", json!({})).await;
    let ids = response["result"]["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|id| id.as_str().expect("id").to_owned())
        .collect();
    (ids, before)
}

async fn unsubscribe(client: &mut Client, thread_id: &str) -> String {
    let result = client
        .call_ok("thread/unsubscribe", json!({"threadId": thread_id}))
        .await;
    result["status"].as_str().expect("status").to_owned()
}

/// Waits for `thread/closed` and checks it came right after `thread/status/changed
/// {notLoaded}` for the same thread (R18).
async fn expect_closed(client: &mut Client, thread_id: &str) {
    let (closed, before) = client.wait_for("thread/closed").await;
    assert_eq!(closed["params"], json!({"threadId": thread_id}));
    let status = before.last().expect("a status change before thread/closed");
    assert_eq!(status["method"], "thread/status/changed");
    assert_eq!(
        status["params"],
        json!({"threadId": thread_id, "status": {"type": "notLoaded"}})
    );
}

/// A thread that has run one turn, then the clock paused.
async fn thread_with_history(harness: &Harness, client: &mut Client) -> String {
    let thread_id = start_thread(client, json!({})).await;
    run_turn(client, &thread_id, "hello").await;
    let _ = harness;
    tokio::time::pause();
    thread_id
}

#[tokio::test]
async fn r3_unsubscribe_twice_then_not_loaded() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let thread_id = start_thread(&mut client, json!({})).await;
    assert_eq!(unsubscribe(&mut client, &thread_id).await, "unsubscribed");
    assert_eq!(unsubscribe(&mut client, &thread_id).await, "notSubscribed");
    let (ids, _) = loaded(&mut client).await;
    assert_eq!(
        ids,
        vec![thread_id.clone()],
        "unsubscribe never unloads by itself"
    );
    let other = "01a21030-87ee-7c51-8c6a-58b50d45c74d";
    assert_eq!(unsubscribe(&mut client, other).await, "notLoaded");
}

#[tokio::test]
async fn r12_r18_unload_exactly_one_delay_after_the_last_unsubscribe() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let mut watcher = harness.connect().await;
    let thread_id = thread_with_history(&harness, &mut client).await;
    assert_eq!(unsubscribe(&mut client, &thread_id).await, "unsubscribed");

    tokio::time::advance(DELAY - TICK).await;
    let (ids, before) = loaded(&mut client).await;
    assert_eq!(
        ids,
        vec![thread_id.clone()],
        "still loaded 1 ms before the delay"
    );
    assert!(!methods(&before).contains(&"thread/closed".to_owned()));

    tokio::time::advance(TICK).await;
    expect_closed(&mut client, &thread_id).await;
    // R2: lifecycle notifications reach every connection, subscribed or not.
    expect_closed(&mut watcher, &thread_id).await;
    let (ids, _) = loaded(&mut client).await;
    assert!(ids.is_empty(), "{ids:?}");
}

#[tokio::test]
async fn r12_a_subscriber_that_comes_and_goes_restarts_the_clock() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let thread_id = thread_with_history(&harness, &mut client).await;
    assert_eq!(unsubscribe(&mut client, &thread_id).await, "unsubscribed");
    tokio::time::advance(DELAY / 2).await;

    let mut visitor = harness.connect().await;
    visitor
        .call_ok("thread/resume", json!({"threadId": thread_id}))
        .await;
    tokio::time::advance(DELAY).await;
    let (ids, _) = loaded(&mut client).await;
    assert_eq!(ids, vec![thread_id.clone()], "a subscriber keeps it loaded");

    // R4: a connection that closes unsubscribes; the countdown starts from then. Its output
    // ends once the thread let go of it, which is when the thread saw it leave.
    visitor.close_input().await;
    while visitor.try_next().await.is_some() {}
    tokio::time::advance(DELAY - TICK).await;
    let (ids, _) = loaded(&mut client).await;
    assert_eq!(ids, vec![thread_id.clone()]);
    tokio::time::advance(TICK).await;
    expect_closed(&mut client, &thread_id).await;
}

#[tokio::test]
async fn r12_a_pending_request_keeps_the_thread_then_the_turn_end_starts_the_clock() {
    let harness = Harness::start().await;
    let mut client = harness.connect_experimental().await;
    let (thread_id, _request, before) = ask_question(&harness, &mut client).await;
    let turn_id = before
        .iter()
        .find_map(|message| message["result"]["turn"]["id"].as_str())
        .expect("turn/start answered")
        .to_owned();
    tokio::time::pause();
    assert_eq!(unsubscribe(&mut client, &thread_id).await, "unsubscribed");
    tokio::time::advance(DELAY * 3).await;
    let (ids, _) = loaded(&mut client).await;
    assert_eq!(
        ids,
        vec![thread_id.clone()],
        "waiting on an answer is active"
    );

    client
        .call_ok(
            "turn/interrupt",
            json!({"threadId": thread_id, "turnId": turn_id}),
        )
        .await;
    // The turn ends when the thread has recorded it; a read is answered after that.
    client
        .call_ok("thread/read", json!({"threadId": thread_id}))
        .await;
    tokio::time::advance(DELAY - TICK).await;
    let (ids, _) = loaded(&mut client).await;
    assert_eq!(
        ids,
        vec![thread_id.clone()],
        "the clock started at the turn's end"
    );
    tokio::time::advance(TICK).await;
    expect_closed(&mut client, &thread_id).await;
}

#[tokio::test]
async fn r13_delay_zero_unloads_as_soon_as_idle_and_unwatched() {
    let harness =
        Harness::start_adjusted(|config| config.thread_unload_delay = Duration::ZERO).await;
    let mut client = harness.connect().await;
    let thread_id = start_thread(&mut client, json!({})).await;
    run_turn(&mut client, &thread_id, "hello").await;
    let (ids, _) = loaded(&mut client).await;
    assert_eq!(ids, vec![thread_id.clone()], "subscribed: stays");
    assert_eq!(unsubscribe(&mut client, &thread_id).await, "unsubscribed");
    expect_closed(&mut client, &thread_id).await;
}

/// The `configWarning` right after `initialize` on a new connection.
async fn config_warning_on_initialize(harness: &Harness) -> (Client, Value) {
    let mut client = harness.connect_raw();
    let (response, before) = client
        .call(
            "initialize",
            json!({"clientInfo": {"name": "weft-test", "version": "1.0.0"}}),
        )
        .await;
    assert!(response.get("result").is_some(), "{response}");
    assert!(before.is_empty(), "nothing before the response: {before:?}");
    let warning = client.next_message().await;
    assert_eq!(warning["method"], "configWarning", "{warning}");
    client.notify("initialized").await;
    (client, warning["params"].clone())
}

#[tokio::test]
async fn r13_a_bad_delay_value_warns_every_connection_and_fails_thread_start() {
    // (value, the parser's message, the value's last column on line 1).
    let cases = [
        ("\"abc\"", "invalid type: string \"abc\", expected u64", 32),
        ("-1", "invalid value: integer `-1`, expected u64", 29),
        (
            "1.5",
            "invalid type: floating point `1.5`, expected u64",
            30,
        ),
    ];
    for (value, message, end_column) in cases {
        let harness =
            Harness::start_with_top_level(&format!("thread_unload_delay_secs = {value}")).await;
        let path = harness
            .home
            .path()
            .join("config.toml")
            .display()
            .to_string();
        let details = format!("{path}:1:28: {message}");
        let expected = json!({
            "summary": "Invalid configuration; using defaults.",
            "details": details,
            "path": path,
            "range": {"start": {"line": 1, "column": 28}, "end": {"line": 1, "column": end_column}},
        });
        let (mut first, warning) = config_warning_on_initialize(&harness).await;
        assert_eq!(warning, expected, "{value}");
        let (mut second, warning) = config_warning_on_initialize(&harness).await;
        assert_eq!(warning, expected, "{value}: every connection is warned");
        let (response, _) = first.call("thread/start", json!({})).await;
        assert_eq!(
            response["error"],
            json!({"code": -32600, "message": format!("failed to load configuration: {details}")}),
            "{value}"
        );
        let listed = second.call_ok("thread/list", json!({})).await;
        assert_eq!(
            listed["data"],
            json!([]),
            "{value}: the server keeps serving"
        );
        let (ids, _) = loaded(&mut first).await;
        assert!(ids.is_empty(), "{value}: no thread was started");
    }
}

#[tokio::test]
async fn r13_an_integer_too_large_for_toml_warns_at_its_place_too() {
    let harness =
        Harness::start_with_top_level("thread_unload_delay_secs = 18446744073709551615").await;
    let path = harness
        .home
        .path()
        .join("config.toml")
        .display()
        .to_string();
    let (mut client, warning) = config_warning_on_initialize(&harness).await;
    assert_eq!(warning["summary"], "Invalid configuration; using defaults.");
    assert_eq!(warning["path"], path.as_str());
    assert_eq!(warning["range"]["start"], json!({"line": 1, "column": 28}));
    let details = warning["details"].as_str().expect("details").to_owned();
    assert!(details.starts_with(&format!("{path}:1:28: ")), "{details}");
    let (response, _) = client.call("thread/start", json!({})).await;
    assert_eq!(
        response["error"]["message"],
        format!("failed to load configuration: {details}")
    );
}

#[tokio::test]
async fn r5_a_thread_whose_creator_left_still_unloads() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let mut creator = harness.connect().await;
    tokio::time::pause();
    creator.send_request("thread/start", json!({})).await;
    creator.close_input().await;
    let (started, _) = client.wait_for("thread/started").await;
    let thread_id = started["params"]["thread"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    tokio::time::advance(DELAY).await;
    expect_closed(&mut client, &thread_id).await;
    let (ids, _) = loaded(&mut client).await;
    assert!(ids.is_empty());
}

#[tokio::test]
async fn r19_after_closed_resume_loads_the_thread_again_from_disk() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let thread_id = thread_with_history(&harness, &mut client).await;
    assert_eq!(unsubscribe(&mut client, &thread_id).await, "unsubscribed");
    tokio::time::advance(DELAY).await;
    expect_closed(&mut client, &thread_id).await;

    let read = client
        .call_ok(
            "thread/read",
            json!({"threadId": thread_id, "includeTurns": true}),
        )
        .await;
    assert_eq!(read["thread"]["status"], json!({"type": "notLoaded"}));
    assert_eq!(read["thread"]["turns"].as_array().map(Vec::len), Some(1));

    let (response, before) = client
        .call("thread/resume", json!({"threadId": thread_id}))
        .await;
    assert_eq!(
        before.last().map(|message| message["params"].clone()),
        Some(json!({"threadId": thread_id, "status": {"type": "idle"}}))
    );
    let thread = &response["result"]["thread"];
    assert_eq!(thread["status"], json!({"type": "idle"}));
    assert_eq!(thread["turns"][0]["status"], "completed");
    let (ids, _) = loaded(&mut client).await;
    assert_eq!(ids, vec![thread_id.clone()]);
}

#[tokio::test]
async fn r19_an_unloaded_ephemeral_thread_is_gone() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let thread_id = start_thread(&mut client, json!({"ephemeral": true})).await;
    tokio::time::pause();
    assert_eq!(unsubscribe(&mut client, &thread_id).await, "unsubscribed");
    tokio::time::advance(DELAY).await;
    expect_closed(&mut client, &thread_id).await;
    let (response, _) = client
        .call("thread/resume", json!({"threadId": thread_id}))
        .await;
    assert_eq!(
        response["error"]["message"],
        format!("no rollout found for thread id {thread_id}")
    );
}

#[tokio::test]
async fn r16_a_closing_thread_refuses_resume_and_turns_with_the_closing_texts() {
    let harness =
        Harness::start_adjusted(|config| config.thread_unload_delay = Duration::ZERO).await;
    let mut client = harness.connect().await;
    let thread_id = start_thread(&mut client, json!({"sandbox": "danger-full-access"})).await;
    // A background command that ignores SIGTERM keeps the unload busy for weft-exec's kill
    // grace, so the thread stays closing for a while.
    harness.mock.push(Script::function_call(
        "exec_command",
        "call_stubborn",
        r#"{"cmd": "trap '' TERM; echo started; sleep 30", "yield_time_ms": 1500, "login": false}"#,
    ));
    run_turn(&mut client, &thread_id, "start it").await;
    // With no delay the thread marks itself closing right after it answers, before anything
    // else can reach it.
    assert_eq!(unsubscribe(&mut client, &thread_id).await, "unsubscribed");

    let (response, _) = client
        .call("thread/resume", json!({"threadId": thread_id}))
        .await;
    assert_eq!(response["error"]["code"], -32600);
    assert_eq!(
        response["error"]["message"],
        format!("thread {thread_id} is closing; retry thread/resume after the thread is closed")
    );
    let (response, _) = client
        .call(
            "turn/start",
            json!({"threadId": thread_id, "input": [{"type": "text", "text": "hi"}]}),
        )
        .await;
    assert_eq!(
        response["error"]["message"],
        format!("thread {thread_id} is closing; retry after the thread is closed")
    );
    let (ids, _) = loaded(&mut client).await;
    assert_eq!(ids, vec![thread_id.clone()], "still loaded while closing");

    expect_closed(&mut client, &thread_id).await;
    let resumed = client
        .call_ok("thread/resume", json!({"threadId": thread_id}))
        .await;
    assert_eq!(resumed["thread"]["status"], json!({"type": "idle"}));
}

#[tokio::test]
async fn r14_a_running_turn_is_never_unloaded_even_unwatched_with_no_delay() {
    let harness =
        Harness::start_adjusted(|config| config.thread_unload_delay = Duration::ZERO).await;
    let mut script = Script::new()
        .with_created()
        .with_message_added()
        .with_text_delta("one ");
    let gate = script.gate();
    harness
        .mock
        .push(script.with_text_delta("two").with_message_done());
    let mut client = harness.connect().await;
    let thread_id = start_thread(&mut client, json!({})).await;
    client
        .call_ok(
            "turn/start",
            json!({"threadId": thread_id, "input": [{"type": "text", "text": "stream"}]}),
        )
        .await;
    client.wait_for("item/agentMessage/delta").await;
    // Nobody watches and the delay is 0, but the thread is working: it stays. (weft's status is
    // computed by the thread itself from its running turn, so it cannot lag the runtime.)
    assert_eq!(unsubscribe(&mut client, &thread_id).await, "unsubscribed");
    let (ids, before) = loaded(&mut client).await;
    assert_eq!(ids, vec![thread_id.clone()]);
    assert!(!methods(&before).contains(&"thread/closed".to_owned()));
    gate.release();
    // The turn ends (the status change reaches everyone), then the thread unloads at once.
    let (closed, before) = client.wait_for("thread/closed").await;
    assert_eq!(closed["params"]["threadId"], thread_id.as_str());
    let statuses: Vec<&Value> = before
        .iter()
        .filter(|message| message["method"] == "thread/status/changed")
        .map(|message| &message["params"]["status"])
        .collect();
    assert_eq!(
        statuses,
        vec![&json!({"type": "idle"}), &json!({"type": "notLoaded"})]
    );
}
