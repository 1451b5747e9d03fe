//! The experimental-API gate (protocol.md §1.4 step 4, §2.3): a connection that did not set
//! `capabilities.experimentalApi` gets `-32600 <descriptor> requires experimentalApi capability`
//! for an experimental method or an experimental params member of a stable method, after the
//! params parsed and the connection is initialised, before any handler runs.

use serde_json::{Value, json};

use crate::harness::{Client, Harness, start_thread};

const UNKNOWN_THREAD: &str = "00000000-0000-0000-0000-000000000000";

/// A connection initialised with the given `experimentalApi` capability.
async fn connect(harness: &Harness, experimental_api: bool) -> Client {
    if experimental_api {
        return harness.connect_experimental().await;
    }
    let mut client = harness.connect_raw();
    client
        .call_ok(
            "initialize",
            json!({
                "clientInfo": {"name": "weft-test", "version": "1.0.0"},
                "capabilities": {"experimentalApi": false},
            }),
        )
        .await;
    client.notify("initialized").await;
    client
}

fn gate_error(descriptor: &str) -> Value {
    json!({
        "code": -32600,
        "message": format!("{descriptor} requires experimentalApi capability"),
    })
}

#[tokio::test]
async fn experimental_methods_need_the_capability() {
    let harness = Harness::start().await;
    let mut client = connect(&harness, false).await;
    for method in ["collaborationMode/list", "mock/experimentalMethod"] {
        let (response, _) = client.call(method, json!({})).await;
        assert_eq!(response["error"], gate_error(method), "{method}");
    }
    // Stable methods are unaffected.
    let models = client.call_ok("model/list", json!({})).await;
    assert!(models["data"].is_array());
}

#[tokio::test]
async fn an_experimental_connection_reaches_the_handlers() {
    let harness = Harness::start().await;
    let mut client = connect(&harness, true).await;
    // Experimental results are not in the stable schema bundle (startup.rs checks the shapes).
    client.validate = false;
    let modes = client.call_ok("collaborationMode/list", json!({})).await;
    client.validate = true;
    assert_eq!(modes["data"][0]["mode"], "plan");
    // Past the gate, a known method weft lacks says so.
    let (response, _) = client.call("mock/experimentalMethod", json!({})).await;
    assert_eq!(
        response["error"],
        json!({"code": -32601, "message": "mock/experimentalMethod is not supported yet"})
    );
    client.call_ok("model/list", json!({})).await;
}

/// Parsing and the handshake come first: an unknown method is still `unknown variant`, missing
/// params are still serde's text, and before `initialize` it is `Not initialized`.
#[tokio::test]
async fn the_gate_runs_after_parsing_and_the_handshake() {
    let harness = Harness::start().await;
    let mut client = harness.connect_raw();
    let (response, _) = client.call("collaborationMode/list", json!({})).await;
    assert_eq!(
        response["error"],
        json!({"code": -32600, "message": "Not initialized"})
    );
    client.initialize("weft-test").await;

    let (response, _) = client.call("no/such/method", json!({})).await;
    let message = response["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("Invalid request: unknown variant `no/such/method`, expected one of "),
        "{message}"
    );

    client
        .send_raw(r#"{"id":99,"method":"collaborationMode/list"}"#)
        .await;
    let response = client.next_message().await;
    assert_eq!(response["id"], 99);
    assert_eq!(
        response["error"],
        json!({"code": -32600, "message": "Invalid request: missing field `params`"})
    );
}

#[tokio::test]
async fn experimental_params_need_the_capability() {
    let harness = Harness::start().await;
    let mut client = connect(&harness, false).await;
    let cwd = harness.home.path().display().to_string();
    let tool = json!({
        "name": "lookup",
        "description": "Looks something up.",
        "inputSchema": {"type": "object"},
    });
    let granular = json!({"granular": {
        "sandbox_approval": true, "rules": true, "mcp_elicitations": false,
    }});

    let (response, _) = client
        .call("thread/start", json!({"cwd": cwd, "dynamicTools": [tool]}))
        .await;
    assert_eq!(response["error"], gate_error("thread/start.dynamicTools"));

    let (response, _) = client
        .call(
            "thread/start",
            json!({"cwd": cwd, "experimentalRawEvents": true}),
        )
        .await;
    assert_eq!(
        response["error"],
        gate_error("thread/start.experimentalRawEvents")
    );

    let (response, _) = client
        .call(
            "thread/start",
            json!({"cwd": cwd, "approvalPolicy": granular}),
        )
        .await;
    assert_eq!(response["error"], gate_error("askForApproval.granular"));

    // The gate answers before the handler looks for the thread.
    let (response, _) = client
        .call(
            "turn/start",
            json!({
                "threadId": UNKNOWN_THREAD,
                "input": [{"type": "text", "text": "hi"}],
                "approvalPolicy": granular,
            }),
        )
        .await;
    assert_eq!(response["error"], gate_error("askForApproval.granular"));

    // Stable values of the same members pass: `null`, a `false` flag, a named policy.
    start_thread(
        &mut client,
        json!({
            "cwd": cwd,
            "dynamicTools": null,
            "experimentalRawEvents": false,
            "approvalPolicy": "never",
        }),
    )
    .await;
}

#[tokio::test]
async fn an_experimental_connection_may_use_the_granular_policy() {
    let harness = Harness::start().await;
    let mut client = connect(&harness, true).await;
    let cwd = harness.home.path().display().to_string();
    let granular = json!({"granular": {
        "sandbox_approval": true, "rules": true, "mcp_elicitations": false,
    }});
    let result = client
        .call_ok(
            "thread/start",
            json!({"cwd": cwd, "approvalPolicy": granular}),
        )
        .await;
    assert!(
        result["approvalPolicy"].get("granular").is_some(),
        "{result}"
    );
}

#[tokio::test]
async fn r10_raw_items_only_for_flagged_threads_and_experimental_connections() {
    let harness = Harness::start().await;
    let mut client = connect(&harness, true).await;
    // rawResponseItem/completed is not in the stable schema bundle.
    client.validate = false;
    let flagged = start_thread(&mut client, json!({"experimentalRawEvents": true})).await;
    let plain = start_thread(&mut client, json!({})).await;
    let raw_of = |messages: &[Value]| -> Vec<Value> {
        messages
            .iter()
            .filter(|message| message["method"] == "rawResponseItem/completed")
            .map(|message| message["params"].clone())
            .collect()
    };
    let messages = crate::harness::run_turn(&mut client, &flagged, "hello").await;
    let raw = raw_of(&messages);
    assert_eq!(raw.len(), 1, "{messages:?}");
    assert_eq!(raw[0]["threadId"], flagged.as_str());
    assert_eq!(raw[0]["item"]["type"], "message");
    assert_eq!(raw[0]["item"]["role"], "assistant");
    let messages = crate::harness::run_turn(&mut client, &plain, "hello").await;
    assert!(raw_of(&messages).is_empty(), "no flag, no raw items");

    // A subscriber without experimentalApi never sees them.
    let mut stable = connect(&harness, false).await;
    stable
        .call_ok("thread/resume", json!({"threadId": flagged}))
        .await;
    crate::harness::run_turn(&mut client, &flagged, "again").await;
    let (_, messages) = stable.wait_for("turn/completed").await;
    assert!(raw_of(&messages).is_empty(), "{messages:?}");
}

#[tokio::test]
async fn plan_mode_is_experimental() {
    let harness = Harness::start().await;
    let mut client = connect(&harness, false).await;
    let thread_id = start_thread(&mut client, json!({})).await;
    let (response, _) = client
        .call(
            "turn/start",
            json!({
                "threadId": thread_id,
                "input": [{"type": "text", "text": "plan it"}],
                "collaborationMode": {"mode": "plan", "settings": {"model": "gpt-5.2-codex"}},
            }),
        )
        .await;
    assert_eq!(
        response["error"],
        gate_error("turn/start.collaborationMode")
    );
}
