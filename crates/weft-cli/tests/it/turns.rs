//! Whole turns from the wire: order of notifications, items, token usage, interruption.

use serde_json::json;
use weft_test_support::mock::Script;

use crate::harness::{Harness, labels, run_turn, start_thread, start_turn};

#[tokio::test]
async fn basic_turn_matches_reference_order() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let cwd = harness.home.path().display().to_string();
    let (response, _) = client.call("thread/start", json!({"cwd": cwd})).await;
    let thread = &response["result"]["thread"];
    assert_eq!(thread["status"], json!({"type": "idle"}));
    assert_eq!(thread["preview"], "");
    assert_eq!(thread["turns"], json!([]));
    assert_eq!(response["result"]["approvalPolicy"], "never");
    assert_eq!(response["result"]["sandbox"]["type"], "workspaceWrite");
    let thread_id = thread["id"].as_str().unwrap().to_owned();
    let (started, _) = client.wait_for("thread/started").await;
    assert_eq!(started["params"]["thread"]["id"], thread_id.as_str());

    let messages = run_turn(&mut client, &thread_id, "hi there").await;
    assert_eq!(
        labels(&messages),
        vec![
            "response 3",
            "thread/status/changed",
            "turn/started",
            "item/started:userMessage",
            "item/completed:userMessage",
            "item/started:agentMessage",
            "item/agentMessage/delta",
            "item/completed:agentMessage",
            "thread/tokenUsage/updated",
            "thread/status/changed",
            "turn/completed",
        ]
    );
    let deltas: String = messages
        .iter()
        .filter(|message| message["method"] == "item/agentMessage/delta")
        .map(|message| message["params"]["delta"].as_str().unwrap().to_owned())
        .collect();
    let completed_text = messages
        .iter()
        .find(|message| {
            message["method"] == "item/completed"
                && message["params"]["item"]["type"] == "agentMessage"
        })
        .map(|message| message["params"]["item"]["text"].clone())
        .unwrap();
    assert_eq!(completed_text, "Hello from mock. You said: hi there");
    assert_eq!(deltas, "Hello from mock. You said: hi there");
    let usage = messages
        .iter()
        .find(|m| m["method"] == "thread/tokenUsage/updated")
        .unwrap();
    assert_eq!(usage["params"]["tokenUsage"]["total"]["totalTokens"], 110);
    assert_eq!(usage["params"]["tokenUsage"]["modelContextWindow"], 258_400);
    let turn = &messages.last().unwrap()["params"]["turn"];
    assert_eq!(turn["status"], "completed");
    assert_eq!(turn["itemsView"], "summary");
    assert_eq!(
        turn["items"][0]["text"],
        "Hello from mock. You said: hi there"
    );
}

#[tokio::test]
async fn model_request_body_follows_core_spec() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let thread_id = start_thread(&mut client, json!({})).await;
    run_turn(&mut client, &thread_id, "first").await;
    run_turn(&mut client, &thread_id, "second").await;
    let requests = harness.mock.requests();
    assert_eq!(requests.len(), 2);
    let first = &requests[0];
    assert_eq!(first.path, "/v1/responses");
    assert_eq!(first.header("accept"), Some("text/event-stream"));
    assert_eq!(
        first.header("x-client-request-id"),
        Some(thread_id.as_str())
    );
    assert_eq!(
        first.body_keys(),
        vec![
            "model",
            "stream",
            "input",
            "tools",
            "tool_choice",
            "parallel_tool_calls",
            "reasoning",
            "store",
            "include",
            "prompt_cache_key",
            "client_metadata"
        ]
    );
    assert_eq!(first.body["store"], false);
    assert_eq!(first.body["prompt_cache_key"], thread_id.as_str());
    let input = first.input();
    assert_eq!(input[0]["role"], "developer");
    assert_eq!(input[1]["role"], "developer");
    assert!(
        input[2]["content"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("<environment_context>")
    );
    assert_eq!(input[3]["content"][0]["text"], "first");
    // The second request replays the first turn and keeps input[0] byte-identical.
    let second = requests[1].input();
    assert_eq!(second[0], input[0]);
    assert_eq!(second[4]["role"], "assistant");
    assert_eq!(second[4]["status"], "completed");
    assert_eq!(second.last().unwrap()["content"][0]["text"], "second");
}

#[tokio::test]
async fn unsupported_tool_call_gets_output_and_follow_up() {
    let harness = Harness::start().await;
    harness
        .mock
        .push(Script::function_call("no_such_tool", "call_9", "{}"));
    let mut client = harness.connect().await;
    let thread_id = start_thread(&mut client, json!({})).await;
    let messages = run_turn(&mut client, &thread_id, "use a tool").await;
    assert_eq!(
        messages.last().unwrap()["params"]["turn"]["status"],
        "completed"
    );
    let requests = harness.mock.requests();
    assert_eq!(
        requests.len(),
        2,
        "a function call needs a follow-up request"
    );
    let input = requests[1].input();
    let call = &input[input.len() - 2];
    let output = &input[input.len() - 1];
    assert_eq!(call["type"], "function_call");
    assert_eq!(call["call_id"], "call_9");
    assert_eq!(output["type"], "function_call_output");
    assert_eq!(output["call_id"], "call_9");
    assert_eq!(output["output"], "unsupported call: no_such_tool");
    let usage_updates = messages
        .iter()
        .filter(|m| m["method"] == "thread/tokenUsage/updated")
        .count();
    assert_eq!(usage_updates, 2);
}

#[tokio::test]
async fn interrupt_stops_stream_and_answers_before_completion() {
    let harness = Harness::start().await;
    let mut script = Script::new()
        .with_created()
        .with_message_added()
        .with_text_delta("partial ");
    let gate = script.gate();
    harness
        .mock
        .push(script.with_text_delta("never sent").with_message_done());
    let mut client = harness.connect().await;
    let thread_id = start_thread(&mut client, json!({})).await;
    let turn_id = start_turn(&mut client, &thread_id, "SLOW").await;
    client.wait_for("item/agentMessage/delta").await;
    let id = client
        .send_request(
            "turn/interrupt",
            json!({"threadId": thread_id, "turnId": turn_id}),
        )
        .await;
    let (response, _) = client.response_to(id).await;
    assert_eq!(response["result"], json!({}));
    let (completed, between) = client.wait_for("turn/completed").await;
    assert_eq!(labels(&between), vec!["thread/status/changed"]);
    assert_eq!(between[0]["params"]["status"], json!({"type": "idle"}));
    assert_eq!(completed["params"]["turn"]["status"], "interrupted");
    assert_eq!(completed["params"]["turn"]["items"], json!([]));
    drop(gate);

    // The next request carries the abort marker and not the cut message.
    run_turn(&mut client, &thread_id, "again").await;
    let requests = harness.mock.requests();
    let input = requests.last().unwrap().input();
    let texts: Vec<String> = input
        .iter()
        .map(|item| {
            item["content"][0]["text"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert!(
        texts.iter().any(|text| text.starts_with("<turn_aborted>")),
        "{texts:?}"
    );
    assert!(
        !input.iter().any(|item| item["role"] == "assistant"),
        "the cut message is not replayed"
    );
}

#[tokio::test]
async fn reasoning_streams_and_is_replayed() {
    let harness = Harness::start().await;
    harness.mock.push(
        Script::new()
            .with_created()
            .with_reasoning(&["thinking hard"], Some("raw thought"))
            .with_message("answer"),
    );
    let mut client = harness.connect().await;
    let thread_id = start_thread(&mut client, json!({})).await;
    let messages = run_turn(&mut client, &thread_id, "think").await;
    let seen = labels(&messages);
    let started = seen
        .iter()
        .position(|m| m == "item/started:reasoning")
        .expect("reasoning started");
    let summary = seen
        .iter()
        .position(|m| m == "item/reasoning/summaryTextDelta")
        .expect("summary delta");
    let completed = seen
        .iter()
        .position(|m| m == "item/completed:reasoning")
        .expect("reasoning completed");
    assert!(started < summary && summary < completed, "{seen:?}");
    let item = messages
        .iter()
        .find(|m| m["method"] == "item/completed" && m["params"]["item"]["type"] == "reasoning")
        .unwrap();
    assert_eq!(item["params"]["item"]["summary"], json!(["thinking hard"]));
    run_turn(&mut client, &thread_id, "again").await;
    let input = harness.mock.requests()[1].input().to_vec();
    assert!(
        input.iter().any(|item| item["type"] == "reasoning"),
        "reasoning is replayed"
    );
}

#[tokio::test]
async fn config_overrides_apply() {
    let mock = weft_test_support::mock::MockResponses::start().await;
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("config.toml"),
        crate::harness::config_toml(&mock.base_url(), ""),
    )
    .unwrap();
    let core = weft_cli::build_core(
        Some(home.path()),
        &[
            "model=\"other-model\"".to_owned(),
            "approval_policy=untrusted".to_owned(),
        ],
    )
    .unwrap();
    let config = core.config_read(&weft_protocol::v2::ConfigReadParams::default());
    assert_eq!(config.config["model"], "other-model");
    assert_eq!(config.config["approval_policy"], "untrusted");
    let bad = weft_cli::build_core(Some(home.path()), &["model_provider=nowhere".to_owned()]);
    let message = format!("{:#}", bad.unwrap_err());
    assert!(
        message.contains("model_provider `nowhere` is not defined"),
        "{message}"
    );
}

#[tokio::test]
async fn account_and_config_requirements_answer_as_a_self_hosted_server() {
    // The Codex TUI reads both before it shows its prompt.
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let account = client.call_ok("account/read", json!({})).await;
    assert_eq!(
        account,
        json!({"account": null, "requiresOpenaiAuth": false}),
        "the mock provider has no key: no account, and no OpenAI login needed"
    );
    let requirements = client.call_ok("configRequirements/read", json!({})).await;
    assert_eq!(requirements, json!({"requirements": null}));
}
