//! Thread goals end to end (protocol.md §3.1, lifecycle.md R27, R35, core.md §3.7):
//! `thread/goal/set|get|clear` with the reference's texts and limits on loaded and stored
//! threads, the goal snapshot after a resume, the model's goal tools, token accounting against
//! the mock's 110 tokens per response, and continuation turns with what stops them.
//!
//! Deterministic without sleeps: a request the thread's actor answers (`thread/goal/get` of a
//! loaded thread) is answered only after everything the actor did before it, so the messages
//! received before its answer show whether a turn started.

use serde_json::{Value, json};
use weft_test_support::mock::Script;
use weft_test_support::wire::methods;

use crate::harness::{Client, Harness, labels, run_turn, start_thread};

/// Sends `thread/goal/get` and returns its result and the messages received before it.
async fn get_goal(client: &mut Client, thread_id: &str) -> (Value, Vec<Value>) {
    let (response, before) = client
        .call("thread/goal/get", json!({"threadId": thread_id}))
        .await;
    let result = response
        .get("result")
        .unwrap_or_else(|| panic!("thread/goal/get failed: {response}"))
        .clone();
    (result, before)
}

/// The error message a goal request gets.
async fn goal_error(client: &mut Client, method: &str, params: Value) -> String {
    let (response, _) = client.call(method, params).await;
    assert_eq!(response["error"]["code"], -32600, "{response}");
    response["error"]["message"]
        .as_str()
        .expect("message")
        .to_owned()
}

/// `thread/goal/set`: its result, then the `thread/goal/updated` that follows it.
async fn set_goal(client: &mut Client, params: Value) -> (Value, Value) {
    let result = client.call_ok("thread/goal/set", params).await;
    let (updated, _) = client.wait_for("thread/goal/updated").await;
    (result["goal"].clone(), updated)
}

/// Messages up to and including the next `turn/completed`.
async fn until_turn_completed(client: &mut Client) -> Vec<Value> {
    let (completed, mut before) = client.wait_for("turn/completed").await;
    before.push(completed);
    before
}

fn goal_updates(messages: &[Value]) -> Vec<&Value> {
    messages
        .iter()
        .filter(|message| message["method"] == "thread/goal/updated")
        .collect()
}

fn turn_started_count(messages: &[Value]) -> usize {
    methods(messages)
        .iter()
        .filter(|method| *method == "turn/started")
        .count()
}

/// The text of the last input item of a model request.
fn last_input_text(request: &weft_test_support::mock::RecordedRequest) -> String {
    let last = request.input().last().cloned().expect("input");
    match last["type"].as_str() {
        Some("function_call_output") => last["output"].as_str().expect("text").to_owned(),
        _ => last["content"][0]["text"]
            .as_str()
            .expect("text")
            .to_owned(),
    }
}

#[tokio::test]
async fn r35_set_get_clear_texts_limits_and_broadcasts() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let mut observer = harness.connect().await;
    let thread_id = start_thread(&mut client, json!({})).await;
    let set = "thread/goal/set";

    let error = goal_error(
        &mut client,
        set,
        json!({"threadId": "nope", "objective": "x"}),
    )
    .await;
    assert!(error.starts_with("invalid thread id: "), "{error}");
    let unknown = "01a21030-0000-7000-8000-000000000000";
    for method in [set, "thread/goal/get", "thread/goal/clear"] {
        let error = goal_error(
            &mut client,
            method,
            json!({"threadId": unknown, "objective": "x"}),
        )
        .await;
        assert_eq!(error, format!("thread not found: {unknown}"));
    }
    let error = goal_error(
        &mut client,
        set,
        json!({"threadId": thread_id, "status": "paused"}),
    )
    .await;
    assert_eq!(
        error,
        format!("cannot update goal for thread {thread_id}: no goal exists")
    );
    let error = goal_error(
        &mut client,
        set,
        json!({"threadId": thread_id, "objective": " \n "}),
    )
    .await;
    assert_eq!(error, "goal objective must not be empty");
    let long = "x".repeat(4001);
    let error = goal_error(
        &mut client,
        set,
        json!({"threadId": thread_id, "objective": long}),
    )
    .await;
    assert_eq!(error, "goal objective must be at most 4000 characters");
    for budget in [0, -3] {
        let params = json!({"threadId": thread_id, "objective": "x", "tokenBudget": budget});
        let error = goal_error(&mut client, set, params).await;
        assert_eq!(error, "goal budgets must be positive when provided");
    }
    assert_eq!(
        get_goal(&mut client, &thread_id).await.0,
        json!({"goal": null})
    );

    // A paused goal: nothing continues, so only the request's own messages follow.
    let at_most = "é".repeat(4000);
    let (goal, updated) = set_goal(
        &mut client,
        json!({"threadId": thread_id, "objective": format!("  {at_most}\t"), "status": "paused", "tokenBudget": 1000, "origin": "user"}),
    )
    .await;
    assert_eq!(
        goal["objective"],
        at_most.as_str(),
        "trimmed, 4000 characters allowed"
    );
    assert_eq!(goal["threadId"], thread_id.as_str());
    assert_eq!(goal["status"], "paused");
    assert_eq!(goal["tokenBudget"], 1000);
    assert_eq!(
        (
            goal["tokensUsed"].as_i64(),
            goal["timeUsedSeconds"].as_i64()
        ),
        (Some(0), Some(0))
    );
    assert_eq!(goal["createdAt"], goal["updatedAt"]);
    assert_eq!(
        updated["params"],
        json!({"threadId": thread_id, "turnId": null, "goal": goal})
    );
    // R2: broadcast, also to a connection that never subscribed.
    let (seen, _) = observer.wait_for("thread/goal/updated").await;
    assert_eq!(seen["params"], updated["params"]);
    assert_eq!(get_goal(&mut client, &thread_id).await.0["goal"], goal);

    // `null` removes the budget; an absent member keeps what there is.
    let (unbudgeted, _) = set_goal(
        &mut client,
        json!({"threadId": thread_id, "tokenBudget": null}),
    )
    .await;
    assert_eq!(unbudgeted["tokenBudget"], Value::Null);
    assert_eq!(unbudgeted["objective"], goal["objective"]);
    assert_eq!(unbudgeted["status"], "paused");

    let cleared = client
        .call_ok("thread/goal/clear", json!({"threadId": thread_id}))
        .await;
    assert_eq!(cleared, json!({"cleared": true}));
    let (notice, _) = client.wait_for("thread/goal/cleared").await;
    assert_eq!(notice["params"], json!({"threadId": thread_id}));
    observer.wait_for("thread/goal/cleared").await;
    let cleared = client
        .call_ok("thread/goal/clear", json!({"threadId": thread_id}))
        .await;
    assert_eq!(cleared, json!({"cleared": false}));
    let (result, before) = get_goal(&mut client, &thread_id).await;
    assert_eq!(result, json!({"goal": null}));
    assert!(
        methods(&before).is_empty(),
        "nothing cleared twice: {before:?}"
    );

    let ephemeral = start_thread(&mut client, json!({"ephemeral": true})).await;
    for method in [set, "thread/goal/get", "thread/goal/clear"] {
        let error = goal_error(
            &mut client,
            method,
            json!({"threadId": ephemeral, "objective": "x"}),
        )
        .await;
        assert_eq!(
            error,
            format!("ephemeral thread does not support goals: {ephemeral}")
        );
    }
}

#[tokio::test]
async fn r35_goals_switched_off_answer_the_feature_text_and_offer_no_tools() {
    let harness = Harness::start_adjusted(|config| config.goals.enabled = false).await;
    let mut client = harness.connect().await;
    let thread_id = start_thread(&mut client, json!({})).await;
    for method in ["thread/goal/set", "thread/goal/get", "thread/goal/clear"] {
        let error = goal_error(
            &mut client,
            method,
            json!({"threadId": thread_id, "objective": "x"}),
        )
        .await;
        assert_eq!(error, "goals feature is disabled");
    }
    run_turn(&mut client, &thread_id, "hi").await;
    let tools = harness.mock.requests()[0].body["tools"].to_string();
    assert!(!tools.contains("goal"), "{tools}");
    // R27: no goal snapshot when goals are off.
    let mut other = harness.connect().await;
    let id = other
        .send_request("thread/resume", json!({"threadId": thread_id}))
        .await;
    other.response_to(id).await;
    let (_, after) = other.call("thread/loaded/list", json!({})).await;
    assert_eq!(labels(&after), vec!["thread/tokenUsage/updated"]);
}

#[tokio::test]
async fn r35_budget_crossing_makes_the_goal_budget_limited_and_no_further_turn_starts() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let thread_id = start_thread(&mut client, json!({})).await;
    // 110 tokens a response: 110 and 220 stay under 250, 330 crosses it.
    let (goal, _) = set_goal(
        &mut client,
        json!({"threadId": thread_id, "objective": "Keep improving the docs", "tokenBudget": 250}),
    )
    .await;
    assert_eq!(goal["status"], "active");
    let mut accounted = Vec::new();
    for turn in 0..3 {
        let messages = until_turn_completed(&mut client).await;
        let started = messages
            .iter()
            .find(|message| message["method"] == "turn/started")
            .unwrap_or_else(|| panic!("continuation turn {turn} started: {messages:?}"));
        let turn_id = started["params"]["turn"]["id"].clone();
        assert!(
            !labels(&messages).contains(&"item/started:userMessage".to_owned()),
            "a continuation has no user item"
        );
        let updates = goal_updates(&messages);
        assert_eq!(updates.len(), 1, "{messages:?}");
        assert_eq!(updates[0]["params"]["turnId"], turn_id);
        accounted.push((
            updates[0]["params"]["goal"]["tokensUsed"].as_i64().unwrap(),
            updates[0]["params"]["goal"]["status"]
                .as_str()
                .unwrap()
                .to_owned(),
        ));
    }
    assert_eq!(
        accounted,
        vec![
            (110, "active".to_owned()),
            (220, "active".to_owned()),
            (330, "budgetLimited".to_owned()),
        ]
    );
    let (result, before) = get_goal(&mut client, &thread_id).await;
    assert_eq!(result["goal"]["status"], "budgetLimited");
    assert_eq!(
        turn_started_count(&before),
        0,
        "no further turn: {before:?}"
    );
    let requests = harness.mock.requests();
    assert_eq!(requests.len(), 3);
    let prompt = last_input_text(&requests[2]);
    assert!(
        prompt.starts_with("<extension_context>\nContinue working toward the active thread goal."),
        "{prompt}"
    );
    assert!(
        prompt.contains("<untrusted_objective>\nKeep improving the docs\n</untrusted_objective>")
    );
    assert!(
        prompt.contains("- Tokens used: 220\n- Token budget: 250\n- Tokens remaining: 30\n"),
        "{prompt}"
    );
}

#[tokio::test]
async fn r35_pausing_the_goal_stops_continuation_at_once() {
    let harness = Harness::start().await;
    let mut script = Script::new()
        .with_message_added()
        .with_text_delta("working ");
    let gate = script.gate();
    harness
        .mock
        .push(script.with_text_delta("on it").with_message_done());
    let mut client = harness.connect().await;
    let thread_id = start_thread(&mut client, json!({})).await;
    set_goal(
        &mut client,
        json!({"threadId": thread_id, "objective": "Refactor the parser"}),
    )
    .await;
    client.wait_for("item/agentMessage/delta").await;
    let (paused, _) = set_goal(
        &mut client,
        json!({"threadId": thread_id, "status": "paused"}),
    )
    .await;
    assert_eq!(paused["status"], "paused");
    gate.release();
    let messages = until_turn_completed(&mut client).await;
    assert!(
        goal_updates(&messages).is_empty(),
        "a paused goal is not charged: {messages:?}"
    );
    let (result, before) = get_goal(&mut client, &thread_id).await;
    assert_eq!(result["goal"]["status"], "paused");
    assert_eq!(result["goal"]["tokensUsed"], 0);
    assert_eq!(turn_started_count(&before), 0, "{before:?}");
    assert_eq!(harness.mock.requests().len(), 1);
}

#[tokio::test]
async fn r35_interrupting_a_continuation_pauses_the_goal() {
    let harness = Harness::start().await;
    let mut script = Script::new()
        .with_message_added()
        .with_text_delta("working ");
    let _gate = script.gate();
    harness.mock.push(script.with_message_done());
    let mut client = harness.connect().await;
    let thread_id = start_thread(&mut client, json!({})).await;
    set_goal(
        &mut client,
        json!({"threadId": thread_id, "objective": "Refactor the parser"}),
    )
    .await;
    let (started, _) = client.wait_for("turn/started").await;
    let turn_id = started["params"]["turn"]["id"].clone();
    client.wait_for("item/agentMessage/delta").await;
    client
        .call_ok(
            "turn/interrupt",
            json!({"threadId": thread_id, "turnId": turn_id}),
        )
        .await;
    let (updated, before) = client.wait_for("thread/goal/updated").await;
    assert!(methods(&before).contains(&"turn/completed".to_owned()));
    assert_eq!(updated["params"]["turnId"], Value::Null);
    assert_eq!(updated["params"]["goal"]["status"], "paused");
    let (_, before) = get_goal(&mut client, &thread_id).await;
    assert_eq!(turn_started_count(&before), 0, "{before:?}");
}

#[tokio::test]
async fn r35_continuation_turns_in_a_row_are_bounded() {
    let harness = Harness::start_adjusted(|config| config.goals.continuation_turns_max = 2).await;
    let mut client = harness.connect().await;
    let thread_id = start_thread(&mut client, json!({})).await;
    set_goal(
        &mut client,
        json!({"threadId": thread_id, "objective": "Never done"}),
    )
    .await;
    until_turn_completed(&mut client).await;
    until_turn_completed(&mut client).await;
    let (warning, before) = client.wait_for("warning").await;
    let paused = goal_updates(&before);
    assert_eq!(paused.len(), 1, "{before:?}");
    assert_eq!(paused[0]["params"]["turnId"], Value::Null);
    assert_eq!(paused[0]["params"]["goal"]["status"], "paused");
    assert_eq!(paused[0]["params"]["goal"]["tokensUsed"], 220);
    let text = warning["params"]["message"].as_str().unwrap();
    assert!(
        text.starts_with("Goal paused after 2 automatic continuation turns"),
        "{text}"
    );
    assert_eq!(warning["params"]["threadId"], thread_id.as_str());
    let (_, before) = get_goal(&mut client, &thread_id).await;
    assert_eq!(turn_started_count(&before), 0);
    assert_eq!(harness.mock.requests().len(), 2);
}

#[tokio::test]
async fn goal_tools_create_read_and_complete_a_goal_across_a_continuation() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let thread_id = start_thread(&mut client, json!({})).await;
    let mock = &harness.mock;
    mock.push(Script::function_call(
        "create_goal",
        "call_create",
        r#"{"objective": "  write the docs ", "token_budget": 1000}"#,
    ));
    mock.push(Script::text("created"));
    // The continuation turn the active goal starts.
    mock.push(Script::function_call("get_goal", "call_get", "{}"));
    mock.push(Script::function_call(
        "create_goal",
        "call_again",
        r#"{"objective": "another"}"#,
    ));
    mock.push(Script::function_call(
        "update_goal",
        "call_done",
        r#"{"status": "complete"}"#,
    ));
    mock.push(Script::text("done"));

    let first = run_turn(&mut client, &thread_id, "set a goal to write the docs").await;
    let turn_id = first[0]["result"]["turn"]["id"].clone();
    let updates = goal_updates(&first);
    assert_eq!(
        updates.len(),
        2,
        "created, then the second response accounted"
    );
    for update in &updates {
        assert_eq!(update["params"]["turnId"], turn_id);
    }
    assert_eq!(updates[0]["params"]["goal"]["tokensUsed"], 0);
    assert_eq!(updates[1]["params"]["goal"]["tokensUsed"], 110);
    let continuation = until_turn_completed(&mut client).await;
    let (result, before) = get_goal(&mut client, &thread_id).await;
    assert_eq!(
        turn_started_count(&before),
        0,
        "a complete goal does not continue"
    );
    let goal = &result["goal"];
    assert_eq!(goal["status"], "complete");
    assert_eq!(goal["objective"], "write the docs");
    assert_eq!(goal["tokensUsed"], 440);

    let requests = mock.requests();
    assert_eq!(requests.len(), 6);
    let tools: Vec<&str> = requests[0].body["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|tool| tool["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        tools[tools.len() - 3..],
        ["get_goal", "create_goal", "update_goal"]
    );
    let update_goal = requests[0].body["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|tool| tool["name"] == "update_goal")
        .unwrap();
    assert_eq!(
        update_goal["parameters"]["properties"]["status"]["enum"],
        json!(["complete", "blocked", "paused"])
    );

    let output = |index: usize| -> Value {
        serde_json::from_str(&last_input_text(&requests[index])).expect("tool output is JSON")
    };
    let created = output(1);
    assert_eq!(created["goal"]["objective"], "write the docs");
    assert_eq!(created["goal"]["status"], "active");
    assert_eq!(created["goal"]["tokenBudget"], 1000);
    assert_eq!(created["remainingTokens"], 1000);
    assert_eq!(created["completionBudgetReport"], Value::Null);
    assert!(last_input_text(&requests[2]).starts_with("<extension_context>\n"));
    let read = output(3);
    assert_eq!(read["goal"]["tokensUsed"], 220);
    assert_eq!(read["remainingTokens"], 780);
    assert_eq!(
        last_input_text(&requests[4]),
        "cannot create a new goal because this thread has an unfinished goal; complete the existing goal first"
    );
    let completed = output(5);
    assert_eq!(completed["goal"]["status"], "complete");
    assert_eq!(completed["goal"]["tokensUsed"], 440);
    assert!(
        completed["completionBudgetReport"]
            .as_str()
            .unwrap()
            .starts_with("Goal achieved."),
        "{completed}"
    );
    let continuation_updates = goal_updates(&continuation);
    let last = continuation_updates.last().unwrap();
    assert_eq!(last["params"]["goal"]["status"], "complete");
    assert_ne!(
        last["params"]["turnId"], turn_id,
        "the continuation turn's id"
    );
}

#[tokio::test]
async fn r27_cold_resume_sends_the_goal_snapshot_after_the_token_usage() {
    let mut harness = Harness::start().await;
    let mut client = harness.connect().await;
    let thread_id = start_thread(&mut client, json!({})).await;
    run_turn(&mut client, &thread_id, "first").await;
    let (goal, _) = set_goal(
        &mut client,
        json!({"threadId": thread_id, "objective": "Port the tests", "status": "paused"}),
    )
    .await;
    harness.restart();
    let mut client = harness.connect().await;
    let id = client
        .send_request("thread/resume", json!({"threadId": thread_id}))
        .await;
    let (_, before) = client.response_to(id).await;
    assert_eq!(labels(&before), vec!["thread/status/changed"]);
    let (_, after) = client.call("thread/loaded/list", json!({})).await;
    assert_eq!(
        labels(&after),
        vec!["thread/tokenUsage/updated", "thread/goal/updated"]
    );
    assert_eq!(
        after[1]["params"],
        json!({"threadId": thread_id, "turnId": null, "goal": goal})
    );
}

#[tokio::test]
async fn r27_r35_a_cold_resume_continues_an_active_goal_only_after_the_snapshot() {
    let mut harness = Harness::start().await;
    let mut client = harness.connect().await;
    let thread_id = start_thread(&mut client, json!({})).await;
    run_turn(&mut client, &thread_id, "first").await;
    harness.restart();
    let mut client = harness.connect().await;
    // Set on the stored thread: recorded in its rollout, nothing runs.
    let (goal, _) = set_goal(
        &mut client,
        json!({"threadId": thread_id, "objective": "Finish the port", "tokenBudget": 100}),
    )
    .await;
    assert_eq!(goal["status"], "active");
    assert_eq!(harness.mock.requests().len(), 1);
    let id = client
        .send_request("thread/resume", json!({"threadId": thread_id}))
        .await;
    client.response_to(id).await;
    let messages = until_turn_completed(&mut client).await;
    let seen = labels(&messages);
    assert_eq!(
        seen[..4],
        [
            "thread/tokenUsage/updated",
            "thread/goal/updated",
            "thread/status/changed",
            "turn/started"
        ],
        "{seen:?}"
    );
    assert_eq!(messages[1]["params"]["turnId"], Value::Null);
    let charged = goal_updates(&messages);
    assert_eq!(
        charged.last().unwrap()["params"]["goal"]["status"],
        "budgetLimited"
    );
    let (_, before) = get_goal(&mut client, &thread_id).await;
    assert_eq!(turn_started_count(&before), 0);
}

#[tokio::test]
async fn r25_r27_rejoin_gets_response_usage_goal_snapshot_then_the_replayed_request() {
    let harness = Harness::start().await;
    let mut owner = harness.connect_experimental().await;
    let (thread_id, request, _) = crate::server_requests::ask_question(&harness, &mut owner).await;
    let (goal, _) = set_goal(
        &mut owner,
        json!({"threadId": thread_id, "objective": "Decide the layout", "status": "paused"}),
    )
    .await;
    let mut rejoiner = harness.connect().await;
    let id = rejoiner
        .send_request("thread/resume", json!({"threadId": thread_id}))
        .await;
    let (replayed, before) = rejoiner
        .wait_for_server_request("item/tool/requestUserInput")
        .await;
    assert_eq!(before[0]["id"], id, "the response first: {before:?}");
    assert_eq!(
        labels(&before[1..]),
        vec!["thread/tokenUsage/updated", "thread/goal/updated"]
    );
    assert_eq!(before[2]["params"]["goal"], goal);
    assert_eq!(before[2]["params"]["turnId"], Value::Null);
    assert_eq!(replayed["id"], request["id"]);
    assert_eq!(replayed["params"], request["params"]);
    // The snapshot is a broadcast: the owner gets its copy too.
    let (copy, _) = owner.wait_for("thread/goal/updated").await;
    assert_eq!(copy["params"], before[2]["params"]);
}

#[tokio::test]
async fn a_goal_survives_restarts_and_stored_threads_take_changes() {
    let mut harness = Harness::start().await;
    let mut client = harness.connect().await;
    let thread_id = start_thread(&mut client, json!({})).await;
    run_turn(&mut client, &thread_id, "first").await;
    let (goal, _) = set_goal(
        &mut client,
        json!({"threadId": thread_id, "objective": "Ship 1.0", "status": "paused", "tokenBudget": 500}),
    )
    .await;

    harness.restart();
    let mut client = harness.connect().await;
    let mut observer = harness.connect().await;
    assert_eq!(get_goal(&mut client, &thread_id).await.0["goal"], goal);
    let (raised, updated) = set_goal(
        &mut client,
        json!({"threadId": thread_id, "tokenBudget": 800}),
    )
    .await;
    assert_eq!(raised["tokenBudget"], 800);
    assert_eq!(raised["createdAt"], goal["createdAt"]);
    assert_eq!(updated["params"]["turnId"], Value::Null);
    let (seen, _) = observer.wait_for("thread/goal/updated").await;
    assert_eq!(seen["params"]["goal"], raised);
    let loaded = client.call_ok("thread/loaded/list", json!({})).await;
    assert_eq!(loaded["data"], json!([]), "a stored change loads nothing");

    harness.restart();
    let mut client = harness.connect().await;
    assert_eq!(get_goal(&mut client, &thread_id).await.0["goal"], raised);
    let cleared = client
        .call_ok("thread/goal/clear", json!({"threadId": thread_id}))
        .await;
    assert_eq!(cleared, json!({"cleared": true}));
    client.wait_for("thread/goal/cleared").await;

    harness.restart();
    let mut client = harness.connect().await;
    assert_eq!(
        get_goal(&mut client, &thread_id).await.0,
        json!({"goal": null})
    );
    // The rollout still reads and resumes as before.
    let read = client
        .call_ok(
            "thread/read",
            json!({"threadId": thread_id, "includeTurns": true}),
        )
        .await;
    assert_eq!(read["thread"]["turns"].as_array().unwrap().len(), 1);
    let listed = client.call_ok("thread/list", json!({})).await;
    assert_eq!(listed["data"][0]["id"], thread_id.as_str());
}

#[tokio::test]
async fn the_goals_feature_key_switches_goals_off() {
    let mut harness = Harness::start().await;
    harness.core = weft_cli::build_core(
        Some(harness.home.path()),
        &["features.goals=false".to_owned()],
    )
    .expect("core");
    let mut client = harness.connect().await;
    let thread_id = start_thread(&mut client, json!({})).await;
    let error = goal_error(
        &mut client,
        "thread/goal/get",
        json!({"threadId": thread_id}),
    )
    .await;
    assert_eq!(error, "goals feature is disabled");
}
