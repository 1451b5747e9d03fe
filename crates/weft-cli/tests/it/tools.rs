//! Tools from the wire (core.md §3–§4): commands with approvals, patches, the sandbox, and the
//! exact outputs the model reads next. The recorded `approval` and `patch` scenarios of the
//! reference are replayed against weft with the same mock rules (`RUN:` / `PATCH:`).

use serde_json::{Value, json};
use weft_test_support::mock::Script;

use crate::harness::{Client, Harness, labels, run_turn, start_thread};

/// A workspace folder for the thread's cwd, apart from the home.
fn workspace() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

async fn thread_in(client: &mut Client, cwd: &std::path::Path, policy: &str) -> String {
    start_thread(
        client,
        json!({"cwd": cwd.display().to_string(), "approvalPolicy": policy, "sandbox": "workspace-write"}),
    )
    .await
}

/// Whether Landlock is here; prints why a sandbox test is skipped when it is not.
#[expect(
    clippy::print_stderr,
    reason = "a skipped test says why, on the test's output"
)]
fn sandbox_available() -> bool {
    let support = weft_sandbox::support();
    if !support.is_available() {
        eprintln!("skipped: the kernel cannot enforce the sandbox: {support:?}");
    }
    support.is_available()
}

/// Starts a turn whose sandbox writes only the thread's cwd (not `/tmp`, not `$TMPDIR`), so any
/// other temporary folder is outside it; waits for the `turn/start` response.
async fn start_turn_confined(client: &mut Client, thread_id: &str, text: &str) {
    let policy = json!({"type": "workspaceWrite", "writableRoots": [], "networkAccess": false, "excludeTmpdirEnvVar": true, "excludeSlashTmp": true});
    let id = client
        .send_request(
            "turn/start",
            json!({"threadId": thread_id, "sandboxPolicy": policy, "input": [{"type": "text", "text": text}]}),
        )
        .await;
    let (response, _) = client.response_to(id).await;
    assert!(
        response.get("result").is_some(),
        "turn/start failed: {response}"
    );
}

/// The `function_call_output` the model got in request `index`.
fn tool_output(harness: &Harness, index: usize) -> String {
    let requests = harness.mock.requests();
    let last = requests[index].input().last().cloned().unwrap();
    assert_eq!(last["type"], "function_call_output", "{last}");
    last["output"].as_str().unwrap().to_owned()
}

fn item<'a>(messages: &'a [Value], method: &str, kind: &str) -> &'a Value {
    messages
        .iter()
        .find(|message| message["method"] == method && message["params"]["item"]["type"] == kind)
        .map(|message| &message["params"]["item"])
        .unwrap_or_else(|| panic!("no {method} {kind} in {messages:?}"))
}

/// Checks the unified exec output layout and returns the text after `Output:\n`.
fn exec_output_body(text: &str) -> &str {
    let lines: Vec<&str> = text.splitn(5, '\n').collect();
    assert!(
        lines[0].starts_with("Chunk ID: ") && lines[0].len() == 16,
        "{text}"
    );
    assert!(
        lines[1].starts_with("Wall time: ") && lines[1].ends_with(" seconds"),
        "{text}"
    );
    assert!(lines[2].starts_with("Process exited with code "), "{text}");
    assert!(lines[3].starts_with("Original token count: "), "{text}");
    lines[4].strip_prefix("Output:\n").unwrap()
}

#[tokio::test]
async fn approval_scenario_matches_the_reference() {
    let harness = Harness::start().await;
    let work = workspace();
    let mut client = harness.connect().await;
    let thread_id = thread_in(&mut client, work.path(), "untrusted").await;
    let turn = client
        .send_request(
            "turn/start",
            json!({"threadId": thread_id, "input": [{"type": "text", "text": "RUN: echo hello-approval"}]}),
        )
        .await;
    let (request, before) = client
        .wait_for_server_request("item/commandExecution/requestApproval")
        .await;
    let order = labels(&before);
    assert_eq!(
        order[order.len() - 2..],
        ["thread/status/changed", "item/started:commandExecution"],
        "{order:?}"
    );
    assert!(
        before
            .iter()
            .any(|message| message.get("id") == Some(&json!(turn)))
    );
    let waiting = &before[before.len() - 2]["params"]["status"];
    assert_eq!(
        *waiting,
        json!({"type": "active", "activeFlags": ["waitingOnApproval"]})
    );
    let started = &before[before.len() - 1]["params"]["item"];
    assert_eq!(started["command"], "/bin/bash -lc 'echo hello-approval'");
    assert_eq!(started["source"], "agent");
    assert_eq!(started["processId"], Value::Null);
    assert_eq!(
        started["commandActions"],
        json!([{"type": "unknown", "command": "echo hello-approval"}])
    );
    assert_eq!(request["id"], 0);
    let params = &request["params"];
    assert_eq!(params["itemId"], started["id"]);
    assert_eq!(params["kind"], "command");
    assert_eq!(params["command"], "/bin/bash -lc 'echo hello-approval'");
    assert_eq!(params["cwd"], work.path().display().to_string());
    assert_eq!(
        params["proposedExecpolicyAmendment"],
        json!(["echo", "hello-approval"])
    );
    assert_eq!(
        params["availableDecisions"],
        json!(["accept", {"acceptWithExecpolicyAmendment": {"execpolicy_amendment": ["echo", "hello-approval"]}}, "cancel"])
    );

    client
        .answer(&request["id"], json!({"decision": "accept"}))
        .await;
    let (completed, after) = client.wait_for("turn/completed").await;
    assert_eq!(completed["params"]["turn"]["status"], "completed");
    let order: Vec<String> = labels(&after)
        .into_iter()
        .filter(|label| label != "item/commandExecution/outputDelta")
        .collect();
    assert_eq!(
        order,
        [
            "serverRequest/resolved",
            "thread/status/changed",
            "item/completed:commandExecution",
            "thread/tokenUsage/updated",
            "item/started:agentMessage",
            "item/agentMessage/delta",
            "item/completed:agentMessage",
            "thread/tokenUsage/updated",
            "thread/status/changed",
        ]
    );
    let done = item(&after, "item/completed", "commandExecution");
    assert_eq!(done["status"], "completed");
    assert_eq!(done["exitCode"], 0);
    assert_eq!(done["source"], "unifiedExecStartup");
    assert!(done["processId"].as_str().unwrap().parse::<u32>().is_ok());
    assert!(
        done["aggregatedOutput"]
            .as_str()
            .unwrap()
            .ends_with("hello-approval\n")
    );
    let deltas: String = after
        .iter()
        .filter(|message| message["method"] == "item/commandExecution/outputDelta")
        .map(|message| message["params"]["delta"].as_str().unwrap())
        .collect();
    assert_eq!(
        deltas,
        done["aggregatedOutput"].as_str().unwrap(),
        "deltas add up to the output"
    );

    let output = tool_output(&harness, 1);
    assert!(
        exec_output_body(&output).ends_with("hello-approval\n"),
        "{output}"
    );
    assert!(output.contains("\nProcess exited with code 0\n"));
}

#[tokio::test]
async fn decline_completes_the_item_declined_and_the_turn_goes_on() {
    let harness = Harness::start().await;
    let work = workspace();
    let mut client = harness.connect().await;
    let thread_id = thread_in(&mut client, work.path(), "untrusted").await;
    let marker = work.path().join("ran");
    let command = format!("RUN: touch {}", marker.display());
    client
        .send_request(
            "turn/start",
            json!({"threadId": thread_id, "input": [{"type": "text", "text": command}]}),
        )
        .await;
    let (request, _) = client
        .wait_for_server_request("item/commandExecution/requestApproval")
        .await;
    client
        .answer(&request["id"], json!({"decision": "decline"}))
        .await;
    let (completed, after) = client.wait_for("turn/completed").await;
    assert_eq!(completed["params"]["turn"]["status"], "completed");
    assert_eq!(
        item(&after, "item/completed", "commandExecution")["status"],
        "declined"
    );
    assert_eq!(tool_output(&harness, 1), "rejected by user");
    assert!(!marker.exists(), "a declined command does not run");
}

#[tokio::test]
async fn cancel_declines_and_interrupts_the_turn() {
    let harness = Harness::start().await;
    let work = workspace();
    let mut client = harness.connect().await;
    let thread_id = thread_in(&mut client, work.path(), "untrusted").await;
    client
        .send_request(
            "turn/start",
            json!({"threadId": thread_id, "input": [{"type": "text", "text": "RUN: echo no"}]}),
        )
        .await;
    let (request, _) = client
        .wait_for_server_request("item/commandExecution/requestApproval")
        .await;
    client
        .answer(&request["id"], json!({"decision": "cancel"}))
        .await;
    let (completed, after) = client.wait_for("turn/completed").await;
    assert_eq!(completed["params"]["turn"]["status"], "interrupted");
    assert_eq!(
        item(&after, "item/completed", "commandExecution")["status"],
        "declined"
    );
    assert_eq!(
        harness.mock.requests().len(),
        1,
        "the model is not sampled again"
    );
}

#[tokio::test]
async fn r30_an_unparsable_decision_fails_the_item_and_says_so() {
    let harness = Harness::start().await;
    let work = workspace();
    let mut client = harness.connect().await;
    let thread_id = thread_in(&mut client, work.path(), "untrusted").await;
    client
        .send_request(
            "turn/start",
            json!({"threadId": thread_id, "input": [{"type": "text", "text": "RUN: echo no"}]}),
        )
        .await;
    let (request, _) = client
        .wait_for_server_request("item/commandExecution/requestApproval")
        .await;
    client
        .answer(&request["id"], json!({"decision": "bogus"}))
        .await;
    let (_, after) = client.wait_for("turn/completed").await;
    assert_eq!(
        item(&after, "item/completed", "commandExecution")["status"],
        "failed"
    );
    let output = tool_output(&harness, 1);
    assert!(
        output.starts_with("approval request failed: invalid decision"),
        "{output}"
    );
}

#[tokio::test]
async fn accept_for_session_is_remembered_for_the_thread() {
    let harness = Harness::start().await;
    let work = workspace();
    let mut client = harness.connect().await;
    let thread_id = thread_in(&mut client, work.path(), "untrusted").await;
    client
        .send_request(
            "turn/start",
            json!({"threadId": thread_id, "input": [{"type": "text", "text": "RUN: echo again"}]}),
        )
        .await;
    let (request, _) = client
        .wait_for_server_request("item/commandExecution/requestApproval")
        .await;
    client
        .answer(&request["id"], json!({"decision": "acceptForSession"}))
        .await;
    client.wait_for("turn/completed").await;
    let messages = run_turn(&mut client, &thread_id, "RUN: echo again").await;
    assert!(
        messages
            .iter()
            .all(|message| message["method"] != "item/commandExecution/requestApproval"),
        "not asked twice"
    );
    assert_eq!(
        item(&messages, "item/completed", "commandExecution")["exitCode"],
        0
    );
}

#[tokio::test]
async fn an_execpolicy_amendment_is_persisted_and_applies_to_new_threads() {
    let harness = Harness::start().await;
    let work = workspace();
    let mut client = harness.connect().await;
    let thread_id = thread_in(&mut client, work.path(), "untrusted").await;
    client
        .send_request("turn/start", json!({"threadId": thread_id, "input": [{"type": "text", "text": "RUN: echo allowed"}]}))
        .await;
    let (request, _) = client
        .wait_for_server_request("item/commandExecution/requestApproval")
        .await;
    let amendment = request["params"]["availableDecisions"][1].clone();
    client
        .answer(&request["id"], json!({"decision": amendment}))
        .await;
    client.wait_for("turn/completed").await;
    let rules = std::fs::read_to_string(harness.home.path().join("rules/default.rules")).unwrap();
    assert_eq!(
        rules,
        "prefix_rule(pattern=[\"echo\",\"allowed\"], decision=\"allow\")\n"
    );

    let other = thread_in(&mut client, work.path(), "untrusted").await;
    let messages = run_turn(&mut client, &other, "RUN: echo allowed twice").await;
    assert!(
        messages
            .iter()
            .all(|message| message["method"] != "item/commandExecution/requestApproval"),
        "the allowed prefix runs without asking"
    );
}

#[tokio::test]
async fn patch_scenario_matches_the_reference() {
    let harness = Harness::start().await;
    let work = workspace();
    // The workspace is a repository, as in the recording: diff paths are relative to its root.
    std::fs::create_dir(work.path().join(".git")).unwrap();
    let mut client = harness.connect().await;
    let thread_id = thread_in(&mut client, work.path(), "never").await;
    let messages = run_turn(&mut client, &thread_id, "PATCH: hello.txt").await;
    let order: Vec<String> = labels(&messages);
    assert_eq!(
        order,
        [
            "response 3",
            "thread/status/changed",
            "turn/started",
            "item/started:userMessage",
            "item/completed:userMessage",
            "item/started:fileChange",
            "item/completed:fileChange",
            "turn/diff/updated",
            "thread/tokenUsage/updated",
            "turn/diff/updated",
            "item/started:agentMessage",
            "item/agentMessage/delta",
            "item/completed:agentMessage",
            "thread/tokenUsage/updated",
            "turn/diff/updated",
            "thread/status/changed",
            "turn/completed",
        ]
    );
    let path = work.path().join("hello.txt");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "hello from mock\n");
    let change = item(&messages, "item/completed", "fileChange");
    assert_eq!(change["status"], "completed");
    assert_eq!(
        change["changes"],
        json!([{"path": path.display().to_string(), "kind": {"type": "add"}, "diff": "hello from mock\n"}])
    );
    let diff = messages
        .iter()
        .find(|message| message["method"] == "turn/diff/updated")
        .unwrap();
    assert_eq!(
        diff["params"]["diff"],
        "diff --git a/hello.txt b/hello.txt\nnew file mode 100644\nindex 0000000000000000000000000000000000000000..afd462e78b9932fc0c9a245a16ead5f5cc9f8831\n--- /dev/null\n+++ b/hello.txt\n@@ -0,0 +1 @@\n+hello from mock\n"
    );
    let output = tool_output(&harness, 1);
    let (outer, inner) = output
        .split_once("\nOutput:\nExit code: 0\nWall time: ")
        .unwrap();
    assert!(
        outer.starts_with("Wall time: ") && outer.ends_with(" seconds"),
        "{output}"
    );
    assert!(
        inner.ends_with(" seconds\nOutput:\nSuccess. Updated the following files:\nA hello.txt\n"),
        "{output}"
    );
}

#[tokio::test]
async fn a_patch_outside_the_workspace_is_rejected_under_never() {
    let harness = Harness::start().await;
    let work = workspace();
    let outside = tempfile::tempdir_in(harness.home.path()).unwrap();
    let target = outside.path().join("escape.txt");
    let mut client = harness.connect().await;
    let thread_id = start_thread(
        &mut client,
        json!({"cwd": work.path().display().to_string(), "approvalPolicy": "never", "sandbox": "read-only"}),
    )
    .await;
    let messages = run_turn(
        &mut client,
        &thread_id,
        &format!("PATCH: {}", target.display()),
    )
    .await;
    assert_eq!(
        item(&messages, "item/completed", "fileChange")["status"],
        "declined"
    );
    assert!(!target.exists());
    let output = tool_output(&harness, 1);
    assert!(
        output.contains("writing outside of the project; rejected by user approval settings"),
        "{output}"
    );
}

#[tokio::test]
async fn the_sandbox_denies_a_write_outside_the_workspace_under_never() {
    if !sandbox_available() {
        return;
    }
    let harness = Harness::start().await;
    let work = workspace();
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("escape.txt");
    let mut client = harness.connect().await;
    let thread_id = thread_in(&mut client, work.path(), "never").await;
    let text = format!("RUN: echo x > {}", target.display());
    start_turn_confined(&mut client, &thread_id, &text).await;
    let (_, messages) = client.wait_for("turn/completed").await;
    let done = item(&messages, "item/completed", "commandExecution");
    assert_eq!(done["status"], "failed");
    assert_ne!(done["exitCode"], 0);
    assert!(!target.exists(), "the kernel refused the write");
    assert!(
        messages
            .iter()
            .all(|message| message["method"] != "item/commandExecution/requestApproval"),
        "never asks"
    );
    let inside = work.path().join("sub");
    std::fs::create_dir(&inside).unwrap();
    let messages = run_turn(
        &mut client,
        &thread_id,
        &format!("RUN: echo ok > {}/file", inside.display()),
    )
    .await;
    assert_eq!(
        item(&messages, "item/completed", "commandExecution")["exitCode"],
        0
    );
    assert_eq!(
        std::fs::read_to_string(inside.join("file")).unwrap(),
        "ok\n"
    );
}

#[tokio::test]
async fn an_interrupted_long_command_leaves_no_process_behind() {
    let harness = Harness::start().await;
    let work = workspace();
    let mut client = harness.connect().await;
    let thread_id = thread_in(&mut client, work.path(), "never").await;
    let script = Script::function_call(
        "exec_command",
        "call_sleep",
        // Not a login shell: a shell killed while it sources the login profile can leave that
        // profile's locks behind (pyenv's, here), which would hang every later login shell.
        r#"{"cmd": "sleep 1000 & sleep 1000", "yield_time_ms": 30000, "login": false}"#,
    );
    harness.mock.push(script);
    let id = client
        .send_request(
            "turn/start",
            json!({"threadId": thread_id, "input": [{"type": "text", "text": "sleep"}]}),
        )
        .await;
    let (response, _) = client.response_to(id).await;
    let turn_id = response["result"]["turn"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (started, _) = client.wait_for("item/started").await;
    let mut started = started;
    while started["params"]["item"]["type"] != "commandExecution" {
        started = client.wait_for("item/started").await.0;
    }
    let pids_before = sleepers();
    let interrupt = client
        .send_request(
            "turn/interrupt",
            json!({"threadId": thread_id, "turnId": turn_id}),
        )
        .await;
    client.response_to(interrupt).await;
    let (completed, _) = client.wait_for("turn/completed").await;
    assert_eq!(completed["params"]["turn"]["status"], "interrupted");
    let left: Vec<u32> = sleepers()
        .into_iter()
        .filter(|pid| pids_before.contains(pid))
        .collect();
    assert!(left.is_empty(), "sleep processes left behind: {left:?}");
    // The call keeps its output (pairing) for the next request.
    run_turn(&mut client, &thread_id, "after").await;
    let requests = harness.mock.requests();
    let paired = requests[1]
        .input()
        .iter()
        .find(|item| item["call_id"] == "call_sleep" && item["type"] == "function_call_output")
        .cloned()
        .unwrap();
    assert!(
        paired["output"]
            .as_str()
            .unwrap()
            .ends_with("aborted by user"),
        "{paired}"
    );
}

/// Pids of `sleep 1000` processes whose parent chain is ours.
fn sleepers() -> Vec<u32> {
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        if cmdline == b"sleep\x001000\x00" {
            pids.push(pid);
        }
    }
    pids
}

#[tokio::test]
async fn a_client_that_never_answers_blocks_only_its_own_turn() {
    let harness = Harness::start().await;
    let work = workspace();
    let mut client = harness.connect().await;
    let waiting = thread_in(&mut client, work.path(), "untrusted").await;
    client
        .send_request(
            "turn/start",
            json!({"threadId": waiting, "input": [{"type": "text", "text": "RUN: echo wait"}]}),
        )
        .await;
    client
        .wait_for_server_request("item/commandExecution/requestApproval")
        .await;
    let other = thread_in(&mut client, work.path(), "never").await;
    let messages = run_turn(&mut client, &other, "RUN: echo free").await;
    assert_eq!(
        item(&messages, "item/completed", "commandExecution")["exitCode"],
        0
    );
    let listed = client
        .call_ok("thread/read", json!({"threadId": waiting}))
        .await;
    assert_eq!(
        listed["thread"]["status"],
        json!({"type": "active", "activeFlags": ["waitingOnApproval"]})
    );
}

/// A 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
    0x42, 0x60, 0x82,
];

#[tokio::test]
async fn view_image_sends_the_image_to_the_model_and_shows_an_image_view_item() {
    use base64::Engine as _;
    let harness = Harness::start().await;
    let work = workspace();
    std::fs::write(work.path().join("dot.png"), PNG).unwrap();
    let mut client = harness.connect().await;
    let thread_id = thread_in(&mut client, work.path(), "never").await;
    harness.mock.push(Script::function_call(
        "view_image",
        "call_img",
        r#"{"path": "dot.png"}"#,
    ));
    harness.mock.push(Script::text("a dot"));
    let messages = run_turn(&mut client, &thread_id, "look").await;
    let shown = item(&messages, "item/completed", "imageView");
    assert_eq!(
        shown["path"],
        work.path().join("dot.png").display().to_string()
    );
    let requests = harness.mock.requests();
    let output = requests[1].input().last().cloned().unwrap();
    assert_eq!(output["call_id"], "call_img");
    let expected = format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(PNG)
    );
    assert_eq!(
        output["output"],
        json!([{"type": "input_image", "image_url": expected}])
    );

    harness.mock.push(Script::function_call(
        "view_image",
        "call_missing",
        r#"{"path": "nope.png"}"#,
    ));
    harness.mock.push(Script::text("no image"));
    run_turn(&mut client, &thread_id, "look again").await;
    let requests = harness.mock.requests();
    let output = requests[3].input().last().cloned().unwrap();
    let text = output["output"].as_str().unwrap();
    assert!(text.starts_with("unable to locate image at `"), "{text}");
}

#[tokio::test]
async fn update_plan_is_offered_when_configured_and_reports_the_plan() {
    let harness = Harness::start_adjusted(|config| config.include_plan_tool = true).await;
    let work = workspace();
    let mut client = harness.connect().await;
    let thread_id = thread_in(&mut client, work.path(), "never").await;
    let plan = r#"{"explanation": "two steps", "plan": [{"step": "read", "status": "completed"}, {"step": "write", "status": "in_progress"}]}"#;
    harness
        .mock
        .push(Script::function_call("update_plan", "call_plan", plan));
    let messages = run_turn(&mut client, &thread_id, "plan it").await;
    let update = messages
        .iter()
        .find(|message| message["method"] == "turn/plan/updated")
        .unwrap();
    assert_eq!(update["params"]["explanation"], "two steps");
    assert_eq!(
        update["params"]["plan"],
        json!([{"step": "read", "status": "completed"}, {"step": "write", "status": "inProgress"}])
    );
    assert_eq!(tool_output(&harness, 1), "Plan updated");
    let tools: Vec<String> = harness.mock.requests()[0].body["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|tool| tool["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        tools,
        [
            "exec_command",
            "write_stdin",
            "request_user_input",
            "view_image",
            "update_plan",
            "get_goal",
            "create_goal",
            "update_goal"
        ]
    );
}

#[tokio::test]
async fn a_long_command_becomes_a_session_and_unknown_sessions_are_reported() {
    let harness = Harness::start().await;
    let work = workspace();
    let mut client = harness.connect().await;
    let thread_id = thread_in(&mut client, work.path(), "never").await;
    harness.mock.push(Script::function_call(
        "exec_command",
        "call_long",
        r#"{"cmd": "echo started; sleep 30", "yield_time_ms": 1500, "login": false}"#,
    ));
    let messages = run_turn(&mut client, &thread_id, "start it").await;
    let running = item(&messages, "item/completed", "commandExecution");
    assert_eq!(
        running["status"], "inProgress",
        "still running when the call returned"
    );
    assert_eq!(running["exitCode"], Value::Null);
    let output = tool_output(&harness, 1);
    assert!(
        output.contains("\nProcess running with session ID "),
        "{output}"
    );
    assert!(output.ends_with("Output:\nstarted\n"), "{output}");

    harness.mock.push(Script::function_call(
        "write_stdin",
        "call_poll",
        r#"{"session_id": 7, "chars": ""}"#,
    ));
    run_turn(&mut client, &thread_id, "poll a wrong session").await;
    assert_eq!(tool_output(&harness, 3), "Unknown process id 7");
}

#[tokio::test]
async fn tool_items_survive_a_restart_in_the_rollout() {
    let mut harness = Harness::start().await;
    let work = workspace();
    let mut client = harness.connect().await;
    let thread_id = thread_in(&mut client, work.path(), "never").await;
    let first = run_turn(&mut client, &thread_id, "RUN: echo persisted").await;
    let second = run_turn(&mut client, &thread_id, "PATCH: kept.txt").await;
    let live = [
        item(&first, "item/completed", "commandExecution").clone(),
        item(&second, "item/completed", "fileChange").clone(),
    ];
    drop(client);
    harness.restart();
    let mut client = harness.connect().await;
    let read = client
        .call_ok(
            "thread/read",
            json!({"threadId": thread_id, "includeTurns": true}),
        )
        .await;
    let turns = read["thread"]["turns"].as_array().unwrap();
    let stored: Vec<&Value> = turns
        .iter()
        .flat_map(|turn| turn["items"].as_array().unwrap())
        .filter(|item| item["type"] == "commandExecution" || item["type"] == "fileChange")
        .collect();
    assert_eq!(stored.len(), 2, "{stored:?}");
    for (stored, live) in stored.iter().zip(&live) {
        for key in [
            "id",
            "type",
            "status",
            "command",
            "cwd",
            "exitCode",
            "aggregatedOutput",
            "commandActions",
            "changes",
            "source",
        ] {
            assert_eq!(stored.get(key), live.get(key), "{key} of {}", live["type"]);
        }
    }
}

#[tokio::test]
async fn without_landlock_weft_warns_at_start_and_refuses_sandboxed_commands() {
    let harness = Harness::start_adjusted(|config| {
        config.sandbox_support = weft_sandbox::Support::Unavailable {
            reason: "simulated: Landlock is not enabled in this kernel".to_owned(),
        };
    })
    .await;
    let mut client = harness.connect_raw();
    let id = client
        .send_request(
            "initialize",
            json!({"clientInfo": {"name": "weft-test", "version": "1.0.0"}}),
        )
        .await;
    client.response_to(id).await;
    client.notify("initialized").await;
    let (warning, _) = client.wait_for("configWarning").await;
    assert!(
        warning["params"]["summary"]
            .as_str()
            .unwrap()
            .contains("Landlock is unavailable")
    );
    assert_eq!(
        warning["params"]["details"],
        "simulated: Landlock is not enabled in this kernel"
    );
    let work = workspace();
    let marker = work.path().join("ran");
    let thread_id = thread_in(&mut client, work.path(), "never").await;
    let messages = run_turn(
        &mut client,
        &thread_id,
        &format!("RUN: touch {}", marker.display()),
    )
    .await;
    let done = item(&messages, "item/completed", "commandExecution");
    assert_eq!(done["status"], "failed");
    assert!(
        done["aggregatedOutput"]
            .as_str()
            .unwrap()
            .starts_with("sandbox unavailable: simulated"),
        "{done}"
    );
    assert!(!marker.exists(), "refused, not run unsandboxed");
    let full = start_thread(
        &mut client,
        json!({"cwd": work.path().display().to_string(), "approvalPolicy": "never", "sandbox": "danger-full-access"}),
    )
    .await;
    let messages = run_turn(
        &mut client,
        &full,
        &format!("RUN: touch {}", marker.display()),
    )
    .await;
    assert_eq!(
        item(&messages, "item/completed", "commandExecution")["exitCode"],
        0
    );
    assert!(marker.exists(), "danger-full-access needs no sandbox");
}

#[tokio::test]
async fn parallel_calls_of_one_response_all_run_and_outputs_keep_call_order() {
    let harness = Harness::start().await;
    let work = workspace();
    let mut client = harness.connect().await;
    let thread_id = thread_in(&mut client, work.path(), "never").await;
    // The first call can only finish once the second has run: run one after the other, the
    // first would wait out its loop and report a running session instead of exit 0.
    let first = json!({
        "cmd": "for i in $(seq 1000); do [ -e flag ] && break; sleep 0.01; done; [ -e flag ] && echo first",
        "login": false,
        "yield_time_ms": 30000,
    });
    let second = json!({"cmd": "touch flag; echo second", "login": false, "yield_time_ms": 30000});
    harness.mock.push(
        Script::new()
            .with_function_call("exec_command", "call_a", first.to_string())
            .with_function_call("exec_command", "call_b", second.to_string()),
    );
    let messages = run_turn(&mut client, &thread_id, "two at once").await;
    let mut completed: Vec<(&str, &Value)> = messages
        .iter()
        .filter(|message| {
            message["method"] == "item/completed"
                && message["params"]["item"]["type"] == "commandExecution"
        })
        .map(|message| {
            let item = &message["params"]["item"];
            (item["id"].as_str().unwrap(), &item["exitCode"])
        })
        .collect();
    completed.sort_by_key(|(id, _)| *id);
    assert_eq!(
        completed,
        [("call_a", &json!(0)), ("call_b", &json!(0))],
        "both ran, concurrently: the first waited for the second"
    );
    let requests = harness.mock.requests();
    let outputs: Vec<(&str, &str)> = requests[1]
        .input()
        .iter()
        .filter(|item| item["type"] == "function_call_output")
        .map(|item| {
            (
                item["call_id"].as_str().unwrap(),
                item["output"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(outputs.len(), 2);
    assert_eq!(outputs[0].0, "call_a", "outputs in call order");
    assert!(outputs[0].1.ends_with("first\n"), "{}", outputs[0].1);
    assert!(outputs[1].1.ends_with("second\n"), "{}", outputs[1].1);
}

#[tokio::test]
async fn on_request_escalation_asks_with_the_justification_and_runs_outside_the_sandbox() {
    if !sandbox_available() {
        return;
    }
    let harness = Harness::start().await;
    let work = workspace();
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("escalated.txt");
    let mut client = harness.connect().await;
    let thread_id = thread_in(&mut client, work.path(), "on-request").await;
    let arguments = json!({
        "cmd": format!("echo out > {}", target.display()),
        "sandbox_permissions": "require_escalated",
        "justification": "Write the report outside the workspace?",
        "login": false,
    });
    harness.mock.push(Script::function_call(
        "exec_command",
        "call_esc",
        arguments.to_string(),
    ));
    start_turn_confined(&mut client, &thread_id, "escalate").await;
    let (request, _) = client
        .wait_for_server_request("item/commandExecution/requestApproval")
        .await;
    assert_eq!(
        request["params"]["reason"],
        "Write the report outside the workspace?"
    );
    client
        .answer(&request["id"], json!({"decision": "accept"}))
        .await;
    let (_, messages) = client.wait_for("turn/completed").await;
    assert_eq!(
        item(&messages, "item/completed", "commandExecution")["exitCode"],
        0
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "out\n");

    // Without escalation the same command stays in the sandbox and nobody is asked.
    std::fs::remove_file(&target).unwrap();
    let messages = run_turn(
        &mut client,
        &thread_id,
        &format!("RUN: echo out > {}", target.display()),
    )
    .await;
    assert_ne!(
        item(&messages, "item/completed", "commandExecution")["exitCode"],
        0
    );
    assert!(!target.exists());
}

#[tokio::test]
async fn untrusted_offers_a_retry_outside_the_sandbox_after_a_denial() {
    if !sandbox_available() {
        return;
    }
    let harness = Harness::start().await;
    let work = workspace();
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("retried.txt");
    let mut client = harness.connect().await;
    let thread_id = thread_in(&mut client, work.path(), "untrusted").await;
    let text = format!("RUN: echo x > {}", target.display());
    start_turn_confined(&mut client, &thread_id, &text).await;
    let (first, _) = client
        .wait_for_server_request("item/commandExecution/requestApproval")
        .await;
    assert!(first["params"].get("approvalId").is_none());
    client
        .answer(&first["id"], json!({"decision": "accept"}))
        .await;
    let (retry, between) = client
        .wait_for_server_request("item/commandExecution/requestApproval")
        .await;
    assert!(
        between
            .iter()
            .all(|message| message["method"] != "item/completed"),
        "the item stays open across the retry"
    );
    assert_eq!(
        retry["params"]["reason"],
        "command failed; retry without sandbox?"
    );
    assert!(
        retry["params"]["approvalId"].is_string(),
        "a retry gets a fresh approvalId"
    );
    assert_eq!(retry["params"]["itemId"], first["params"]["itemId"]);
    client
        .answer(&retry["id"], json!({"decision": "accept"}))
        .await;
    let (_, messages) = client.wait_for("turn/completed").await;
    assert_eq!(
        item(&messages, "item/completed", "commandExecution")["exitCode"],
        0
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "x\n");
}

#[tokio::test]
async fn a_freeform_apply_patch_call_is_applied_and_answered_in_kind() {
    let harness = Harness::start().await;
    let work = workspace();
    let mut client = harness.connect().await;
    let thread_id = thread_in(&mut client, work.path(), "never").await;
    let call = json!({
        "type": "custom_tool_call",
        "id": "ctc_1",
        "status": "completed",
        "call_id": "call_free",
        "name": "apply_patch",
        "input": "*** Begin Patch\n*** Add File: free.txt\n+freeform\n*** End Patch\n",
    });
    harness.mock.push(
        Script::new()
            .with_event(
                "response.output_item.added",
                json!({"output_index": 0, "item": call}),
            )
            .with_event(
                "response.output_item.done",
                json!({"output_index": 0, "item": call}),
            ),
    );
    let messages = run_turn(&mut client, &thread_id, "freeform").await;
    assert_eq!(
        item(&messages, "item/completed", "fileChange")["status"],
        "completed"
    );
    assert_eq!(
        std::fs::read_to_string(work.path().join("free.txt")).unwrap(),
        "freeform\n"
    );
    let requests = harness.mock.requests();
    let output = requests[1].input().last().cloned().unwrap();
    assert_eq!(output["type"], "custom_tool_call_output");
    assert_eq!(output["call_id"], "call_free");
    assert_eq!(
        output["output"],
        "Success. Updated the following files:\nA free.txt\n"
    );
}

#[tokio::test]
async fn commands_are_displayed_and_empty_output_reported_as_the_reference_does() {
    let harness = Harness::start().await;
    let work = workspace();
    let mut client = harness.connect().await;
    let thread_id = start_thread(
        &mut client,
        json!({"cwd": work.path().display().to_string(), "approvalPolicy": "never", "sandbox": "danger-full-access"}),
    )
    .await;
    harness.mock.push(Script::function_call(
        "exec_command",
        "call_quiet",
        r#"{"cmd": "x=1", "login": false}"#,
    ));
    let messages = run_turn(&mut client, &thread_id, "quiet").await;
    let done = item(&messages, "item/completed", "commandExecution");
    assert_eq!(
        done["command"], "/bin/bash -c 'x=1'",
        "quoted like shlex, as the reference"
    );
    assert_eq!(done["exitCode"], 0);
    assert_eq!(
        done["aggregatedOutput"],
        Value::Null,
        "nothing printed reads as null"
    );
}

#[tokio::test]
async fn execpolicy_rules_forbid_and_prompt() {
    let harness = Harness::start().await;
    let rules = harness.home.path().join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::write(
        rules.join("team.rules"),
        "prefix_rule(pattern=[\"touch\"], decision=\"forbidden\")\nprefix_rule(pattern=[\"echo\", \"ask\"], decision=\"prompt\")\n",
    )
    .unwrap();
    let work = workspace();
    let marker = work.path().join("forbidden");
    let mut client = harness.connect().await;
    let thread_id = thread_in(&mut client, work.path(), "on-request").await;
    let messages = run_turn(
        &mut client,
        &thread_id,
        &format!("RUN: touch {}", marker.display()),
    )
    .await;
    assert_eq!(
        item(&messages, "item/completed", "commandExecution")["status"],
        "declined"
    );
    assert!(!marker.exists());
    assert_eq!(
        tool_output(&harness, 1),
        format!(
            "`/bin/bash -lc 'touch {}'` rejected: blocked by policy",
            marker.display()
        )
    );

    client
        .send_request(
            "turn/start",
            json!({"threadId": thread_id, "input": [{"type": "text", "text": "RUN: echo ask me"}]}),
        )
        .await;
    let (request, _) = client
        .wait_for_server_request("item/commandExecution/requestApproval")
        .await;
    assert_eq!(request["params"]["command"], "/bin/bash -lc 'echo ask me'");
    client
        .answer(&request["id"], json!({"decision": "accept"}))
        .await;
    let (_, messages) = client.wait_for("turn/completed").await;
    assert_eq!(
        item(&messages, "item/completed", "commandExecution")["exitCode"],
        0
    );
}

/// The session id in a unified exec output that says the process still runs.
fn session_id_of(output: &str) -> i64 {
    output
        .split("\nProcess running with session ID ")
        .nth(1)
        .and_then(|rest| rest.split('\n').next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no session id in {output}"))
}

#[tokio::test]
async fn exec_command_with_tty_runs_sandboxed_on_a_terminal() {
    if !sandbox_available() {
        return;
    }
    let harness = Harness::start().await;
    let work = workspace();
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("escape.txt");
    let mut client = harness.connect().await;
    let thread_id = thread_in(&mut client, work.path(), "never").await;
    let arguments = json!({
        "cmd": format!("test -t 0 && test -t 1 && echo tty; stty size; echo x > {}", target.display()),
        "tty": true,
        "login": false,
    });
    harness.mock.push(Script::function_call(
        "exec_command",
        "call_tty",
        arguments.to_string(),
    ));
    start_turn_confined(&mut client, &thread_id, "on a terminal").await;
    let (_, messages) = client.wait_for("turn/completed").await;
    let done = item(&messages, "item/completed", "commandExecution");
    assert_eq!(done["status"], "failed", "{done}");
    assert!(!target.exists(), "the sandbox still applies on a terminal");
    let output = tool_output(&harness, 1);
    let body = exec_output_body(&output);
    assert!(body.starts_with("tty\r\n24 80\r\n"), "{output}");
    assert!(body.contains("Permission denied"), "{output}");
}

#[tokio::test]
async fn write_stdin_types_into_an_interactive_tty_session() {
    let harness = Harness::start().await;
    let work = workspace();
    let mut client = harness.connect().await;
    // Unsandboxed, so this runs without Landlock too: the terminal session alone.
    let thread_id = start_thread(
        &mut client,
        json!({"cwd": work.path().display().to_string(), "approvalPolicy": "never", "sandbox": "danger-full-access"}),
    )
    .await;
    harness.mock.push(Script::function_call(
        "exec_command",
        "call_repl",
        r#"{"cmd": "read line; echo \"got [$line]\"; sleep 1000", "tty": true, "login": false, "yield_time_ms": 250}"#,
    ));
    run_turn(&mut client, &thread_id, "start a reader").await;
    let session_id = session_id_of(&tool_output(&harness, 1));
    let typed = json!({"session_id": session_id, "chars": "hello\n", "yield_time_ms": 2000});
    harness.mock.push(Script::function_call(
        "write_stdin",
        "call_type",
        typed.to_string(),
    ));
    run_turn(&mut client, &thread_id, "type a line").await;
    let output = tool_output(&harness, 3);
    assert!(output.contains("hello\r\ngot [hello]\r\n"), "{output}");
    // Ctrl-C ends the foreground `sleep`; the shell then exits with it.
    let interrupt = json!({"session_id": session_id, "chars": "\u{3}", "yield_time_ms": 5000});
    harness.mock.push(Script::function_call(
        "write_stdin",
        "call_interrupt",
        interrupt.to_string(),
    ));
    run_turn(&mut client, &thread_id, "interrupt it").await;
    let output = tool_output(&harness, 5);
    assert!(
        output.contains("\nProcess exited with code 130\n"),
        "{output}"
    );
}

#[tokio::test]
async fn the_models_workdir_never_widens_the_writable_roots() {
    if !sandbox_available() {
        return;
    }
    let harness = Harness::start().await;
    let work = workspace();
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("escape.txt");
    let mut client = harness.connect().await;
    let thread_id = thread_in(&mut client, work.path(), "never").await;
    let arguments = json!({
        "cmd": "echo x > escape.txt",
        "workdir": outside.path().display().to_string(),
        "login": false,
    });
    harness.mock.push(Script::function_call(
        "exec_command",
        "call_wd",
        arguments.to_string(),
    ));
    start_turn_confined(&mut client, &thread_id, "workdir").await;
    let (_, messages) = client.wait_for("turn/completed").await;
    let done = item(&messages, "item/completed", "commandExecution");
    assert_eq!(
        done["cwd"],
        outside.path().display().to_string(),
        "it ran there"
    );
    assert_ne!(done["exitCode"], 0);
    assert!(!target.exists(), "but could not write there");

    let patch = format!(
        "cd {} && apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: escape.txt\n+x\n*** End Patch\nEOF",
        outside.path().display()
    );
    harness.mock.push(Script::function_call(
        "exec_command",
        "call_cd",
        json!({"cmd": patch}).to_string(),
    ));
    start_turn_confined(&mut client, &thread_id, "cd patch").await;
    let (_, messages) = client.wait_for("turn/completed").await;
    assert_eq!(
        item(&messages, "item/completed", "fileChange")["status"],
        "declined"
    );
    assert!(
        !target.exists(),
        "a `cd` in the command does not make a root either"
    );
}

#[tokio::test]
async fn a_shell_the_model_names_must_be_a_system_shell() {
    let harness = Harness::start().await;
    let work = workspace();
    let fake = work.path().join("bash");
    let marker = work.path().join("fake-shell-ran");
    std::fs::write(&fake, format!("#!/bin/sh\ntouch {}\n", marker.display())).unwrap();
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let mut client = harness.connect().await;
    let thread_id = thread_in(&mut client, work.path(), "never").await;
    harness.mock.push(Script::function_call(
        "exec_command",
        "call_shell",
        json!({"cmd": "true", "shell": fake.display().to_string(), "login": false}).to_string(),
    ));
    let messages = run_turn(&mut client, &thread_id, "fake shell").await;
    let done = item(&messages, "item/completed", "commandExecution");
    assert!(
        !done["command"]
            .as_str()
            .unwrap()
            .starts_with(&fake.display().to_string()),
        "{done}"
    );
    assert!(!marker.exists(), "the model's own `bash` did not run");
}

#[tokio::test]
async fn cancel_interrupts_the_turn_at_once_with_parallel_approvals_pending() {
    let harness = Harness::start().await;
    let work = workspace();
    let mut client = harness.connect().await;
    let thread_id = thread_in(&mut client, work.path(), "untrusted").await;
    harness.mock.push(
        Script::new()
            .with_function_call("exec_command", "call_1", r#"{"cmd": "echo one"}"#)
            .with_function_call("exec_command", "call_2", r#"{"cmd": "echo two"}"#),
    );
    client
        .send_request(
            "turn/start",
            json!({"threadId": thread_id, "input": [{"type": "text", "text": "two asks"}]}),
        )
        .await;
    let (first, _) = client
        .wait_for_server_request("item/commandExecution/requestApproval")
        .await;
    let (second, _) = client
        .wait_for_server_request("item/commandExecution/requestApproval")
        .await;
    assert_ne!(first["id"], second["id"]);
    client
        .answer(&first["id"], json!({"decision": "cancel"}))
        .await;
    let (completed, _) = client.wait_for("turn/completed").await;
    assert_eq!(completed["params"]["turn"]["status"], "interrupted");
    let (resolved, _) = client.wait_for("serverRequest/resolved").await;
    assert_eq!(resolved["params"]["requestId"], second["id"]);
}

#[tokio::test]
async fn a_nested_project_keeps_its_git_read_only_for_patches() {
    let harness = Harness::start().await;
    let work = workspace();
    std::fs::create_dir_all(work.path().join(".git/hooks")).unwrap();
    let mut client = harness.connect().await;
    // The workspace is under /tmp, itself a writable root: the outer root must not re-open it.
    let thread_id = thread_in(&mut client, work.path(), "never").await;
    let messages = run_turn(&mut client, &thread_id, "PATCH: .git/hooks/pre-commit").await;
    assert_eq!(
        item(&messages, "item/completed", "fileChange")["status"],
        "declined"
    );
    assert!(!work.path().join(".git/hooks/pre-commit").exists());
}
