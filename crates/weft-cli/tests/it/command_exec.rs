//! Commands run for the client (protocol.md §3.2): `command/exec` with its streaming deltas,
//! stdin writes, termination, timeouts and errors, and `thread/shellCommand` as a standalone
//! turn whose result reaches the model's history.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};
use weft_test_support::mock::Script;

use crate::harness::{Client, Harness, labels, start_thread};

/// No sandbox, so these tests run on kernels without Landlock; one test covers the sandbox.
fn unsandboxed(command: &[&str]) -> Value {
    json!({"command": command, "sandboxPolicy": {"type": "dangerFullAccess"}})
}

/// `params` with extra members.
fn with(mut params: Value, extra: Value) -> Value {
    for (key, value) in extra.as_object().unwrap() {
        params[key] = value.clone();
    }
    params
}

fn error_of(response: &Value) -> (i64, String) {
    let error = &response["error"];
    assert!(error.is_object(), "expected an error: {response}");
    (
        error["code"].as_i64().unwrap(),
        error["message"].as_str().unwrap().to_owned(),
    )
}

/// Concatenated decoded deltas of one stream, and whether any said `capReached`.
fn streamed(messages: &[Value], stream: &str) -> (String, bool) {
    let mut text = Vec::new();
    let mut capped = false;
    for message in messages {
        if message["method"] == "command/exec/outputDelta" && message["params"]["stream"] == stream
        {
            let delta = message["params"]["deltaBase64"].as_str().unwrap();
            text.extend(BASE64.decode(delta).unwrap());
            capped |= message["params"]["capReached"] == true;
        }
    }
    (String::from_utf8(text).unwrap(), capped)
}

/// Waits for the first `command/exec/outputDelta` and returns its decoded text.
async fn first_delta(client: &mut Client) -> String {
    let (delta, _) = client.wait_for("command/exec/outputDelta").await;
    let bytes = BASE64
        .decode(delta["params"]["deltaBase64"].as_str().unwrap())
        .unwrap();
    String::from_utf8(bytes).unwrap()
}

/// Waits (bounded: a real process being reaped) until `pid` no longer runs.
async fn assert_gone(pid: &str) {
    let stat = format!("/proc/{}/stat", pid.trim());
    for _ in 0..250 {
        match std::fs::read_to_string(&stat) {
            Err(_) => return,
            // A zombie has exited; only its parent's reaping is pending.
            Ok(text)
                if text
                    .rsplit(')')
                    .next()
                    .unwrap_or("")
                    .trim_start()
                    .starts_with('Z') =>
            {
                return;
            }
            Ok(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
    panic!("process {pid} still runs");
}

#[tokio::test]
async fn buffered_command_answers_exit_code_and_both_streams() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let result = client
        .call_ok(
            "command/exec",
            unsandboxed(&["sh", "-c", "printf out; printf err >&2; exit 3"]),
        )
        .await;
    assert_eq!(
        result,
        json!({"exitCode": 3, "stdout": "out", "stderr": "err"})
    );
}

#[tokio::test]
async fn cwd_and_env_overrides_apply() {
    let harness = Harness::start().await;
    let work = tempfile::tempdir().unwrap();
    let mut client = harness.connect().await;
    let params = with(
        unsandboxed(&["sh", "-c", "pwd; echo \"${KEEP}-${HOME:-unset}\""]),
        json!({"cwd": work.path().display().to_string(), "env": {"KEEP": "kept", "HOME": null}}),
    );
    let result = client.call_ok("command/exec", params).await;
    let expected = format!(
        "{}\nkept-unset\n",
        work.path().canonicalize().unwrap().display()
    );
    assert_eq!(result["stdout"], expected.as_str());
}

#[tokio::test]
async fn streaming_sends_deltas_to_the_caller_before_the_response() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let mut other = harness.connect().await;
    let params = with(
        unsandboxed(&["sh", "-c", "printf hello; printf oops >&2"]),
        json!({"processId": "p1", "streamStdoutStderr": true}),
    );
    let (response, before) = client.call("command/exec", params).await;
    assert_eq!(
        response["result"],
        json!({"exitCode": 0, "stdout": "", "stderr": ""})
    );
    assert_eq!(streamed(&before, "stdout"), ("hello".to_owned(), false));
    assert_eq!(streamed(&before, "stderr"), ("oops".to_owned(), false));
    assert!(
        before
            .iter()
            .all(|message| message["params"]["processId"] == "p1")
    );
    // Connection-scoped: another client sees nothing of it.
    let listed = other.call_ok("thread/loaded/list", json!({})).await;
    assert_eq!(listed["data"], json!([]));
    assert!(
        other
            .received
            .iter()
            .all(|message| message["method"] != "command/exec/outputDelta")
    );
}

#[tokio::test]
async fn output_cap_cuts_each_stream() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let buffered = with(
        unsandboxed(&["sh", "-c", "printf abcdef; printf 123456 >&2"]),
        json!({"outputBytesCap": 3}),
    );
    let result = client.call_ok("command/exec", buffered).await;
    assert_eq!(
        result,
        json!({"exitCode": 0, "stdout": "abc", "stderr": "123"})
    );
    let streaming = with(
        unsandboxed(&["sh", "-c", "printf abcdef"]),
        json!({"outputBytesCap": 3, "processId": "cap", "streamStdoutStderr": true}),
    );
    let (_, before) = client.call("command/exec", streaming).await;
    assert_eq!(streamed(&before, "stdout"), ("abc".to_owned(), true));
}

#[tokio::test]
async fn stdin_writes_reach_the_command() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let params = with(
        unsandboxed(&["sh", "-c", "echo ready; cat"]),
        json!({"processId": "cat", "streamStdin": true, "streamStdoutStderr": true}),
    );
    let exec = client.send_request("command/exec", params).await;
    assert_eq!(first_delta(&mut client).await, "ready\n");
    let write = json!({"processId": "cat", "deltaBase64": BASE64.encode("abc\n")});
    assert_eq!(client.call_ok("command/exec/write", write).await, json!({}));
    assert_eq!(first_delta(&mut client).await, "abc\n");
    let close = json!({"processId": "cat", "closeStdin": true});
    assert_eq!(client.call_ok("command/exec/write", close).await, json!({}));
    let (response, _) = client.response_to(exec).await;
    assert_eq!(response["result"]["exitCode"], 0);
    // The command is gone: follow-ups name an unknown id.
    let again = json!({"processId": "cat", "closeStdin": true});
    let (response, _) = client.call("command/exec/write", again).await;
    assert_eq!(
        error_of(&response),
        (
            -32600,
            "no active command/exec for process id \"cat\"".to_owned()
        )
    );
}

#[tokio::test]
async fn write_needs_streaming_stdin() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let params = with(
        unsandboxed(&["sh", "-c", "echo ready; sleep 30"]),
        json!({"processId": "nostdin", "streamStdoutStderr": true}),
    );
    let exec = client.send_request("command/exec", params).await;
    first_delta(&mut client).await;
    let write = json!({"processId": "nostdin", "deltaBase64": BASE64.encode("x")});
    let (response, _) = client.call("command/exec/write", write).await;
    assert_eq!(
        error_of(&response),
        (
            -32600,
            "stdin streaming is not enabled for this command/exec".to_owned()
        )
    );
    let resize = json!({"processId": "nostdin", "size": {"rows": 24, "cols": 80}});
    let (response, _) = client.call("command/exec/resize", resize).await;
    let (code, message) = error_of(&response);
    assert_eq!(code, -32600);
    assert!(message.starts_with("failed to resize PTY: "), "{message}");
    client
        .call_ok("command/exec/terminate", json!({"processId": "nostdin"}))
        .await;
    let (response, _) = client.response_to(exec).await;
    assert_eq!(response["result"]["exitCode"], 128 + 9);
}

#[tokio::test]
async fn terminate_kills_the_whole_group() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let params = with(
        unsandboxed(&["sh", "-c", "sleep 30 & echo $!; wait"]),
        json!({"processId": "group", "streamStdoutStderr": true, "disableTimeout": true}),
    );
    let exec = client.send_request("command/exec", params).await;
    let child_pid = first_delta(&mut client).await;
    let result = client
        .call_ok("command/exec/terminate", json!({"processId": "group"}))
        .await;
    assert_eq!(result, json!({}));
    let (response, _) = client.response_to(exec).await;
    assert_eq!(response["result"]["exitCode"], 128 + 9);
    assert_gone(&child_pid).await;
}

#[tokio::test]
async fn timeout_kills_the_group_and_answers_124() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let params = with(
        unsandboxed(&["sh", "-c", "sleep 30 & echo $!; wait"]),
        json!({"timeoutMs": 300}),
    );
    let result = client.call_ok("command/exec", params).await;
    assert_eq!(result["exitCode"], 124);
    let child_pid = result["stdout"].as_str().unwrap().to_owned();
    assert!(!child_pid.trim().is_empty(), "{result}");
    assert_gone(&child_pid).await;
}

#[tokio::test]
async fn disconnect_ends_the_connections_commands() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let params = with(
        unsandboxed(&["sh", "-c", "sleep 30 & echo $!; wait"]),
        json!({"processId": "orphan", "streamStdoutStderr": true, "disableTimeout": true}),
    );
    client.send_request("command/exec", params).await;
    let child_pid = first_delta(&mut client).await;
    client.close_input().await;
    assert_gone(&child_pid).await;
}

#[tokio::test]
async fn process_ids_are_per_connection_and_unique_while_running() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let mut other = harness.connect().await;
    let params = with(
        unsandboxed(&["sh", "-c", "echo ready; sleep 30"]),
        json!({"processId": "same", "streamStdoutStderr": true}),
    );
    let exec = client.send_request("command/exec", params.clone()).await;
    first_delta(&mut client).await;
    let (response, _) = client.call("command/exec", params).await;
    assert_eq!(
        error_of(&response),
        (
            -32600,
            "duplicate active command/exec process id: \"same\"".to_owned()
        )
    );
    let (response, _) = other
        .call("command/exec/terminate", json!({"processId": "same"}))
        .await;
    assert_eq!(
        error_of(&response).1,
        "no active command/exec for process id \"same\""
    );
    client
        .call_ok("command/exec/terminate", json!({"processId": "same"}))
        .await;
    client.response_to(exec).await;
}

#[tokio::test]
async fn invalid_requests_get_the_reference_errors() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let cases = [
        (json!({"command": []}), -32600, "command must not be empty"),
        (
            json!({"command": ["cat"], "streamStdin": true}),
            -32600,
            "command/exec tty or streaming requires a client-supplied processId",
        ),
        (
            json!({"command": ["true"], "timeoutMs": 5, "disableTimeout": true}),
            -32602,
            "command/exec cannot set both timeoutMs and disableTimeout",
        ),
        (
            json!({"command": ["true"], "outputBytesCap": 5, "disableOutputCap": true}),
            -32602,
            "command/exec cannot set both outputBytesCap and disableOutputCap",
        ),
        (
            json!({"command": ["true"], "size": {"rows": 24, "cols": 80}}),
            -32602,
            "command/exec size requires tty: true",
        ),
    ];
    for (params, code, message) in cases {
        let (response, _) = client.call("command/exec", params).await;
        assert_eq!(error_of(&response), (code, message.to_owned()));
    }
    let tty = json!({"command": ["sh"], "tty": true});
    let (response, _) = client.call("command/exec", tty).await;
    assert_eq!(
        error_of(&response),
        (
            -32600,
            "command/exec tty or streaming requires a client-supplied processId".to_owned()
        )
    );
    for method in ["command/exec/terminate", "command/exec/resize"] {
        let params = json!({"processId": "nope", "size": {"rows": 1, "cols": 1}});
        let (response, _) = client.call(method, params).await;
        assert_eq!(
            error_of(&response),
            (
                -32600,
                "no active command/exec for process id \"nope\"".to_owned()
            )
        );
    }
    let (response, _) = client
        .call("command/exec/write", json!({"processId": "nope"}))
        .await;
    assert_eq!(
        error_of(&response),
        (
            -32602,
            "command/exec/write requires deltaBase64 or closeStdin".to_owned()
        )
    );
    let (response, _) = client
        .call("command/exec", json!({"command": ["/no/such/program"]}))
        .await;
    let (code, message) = error_of(&response);
    assert_eq!(code, -32603);
    assert!(
        message.starts_with("failed to spawn command: ") || message.starts_with("exec failed: "),
        "{message}"
    );
}

#[tokio::test]
async fn read_only_sandbox_blocks_writes() {
    if !weft_sandbox::support().is_available() {
        eprintln!("skipped: {:?}", weft_sandbox::support());
        return;
    }
    let harness = Harness::start().await;
    let work = tempfile::tempdir().unwrap();
    let target = work.path().join("blocked.txt");
    let mut client = harness.connect().await;
    let params = json!({
        "command": ["sh", "-c", format!("echo x > {}", target.display())],
        "sandboxPolicy": {"type": "readOnly"},
    });
    let result = client.call_ok("command/exec", params).await;
    assert_ne!(result["exitCode"], 0, "{result}");
    assert!(!target.exists());
}

#[tokio::test]
async fn shell_command_runs_as_a_standalone_turn_and_enters_history() {
    let harness = Harness::start().await;
    let work = tempfile::tempdir().unwrap();
    let mut client = harness.connect().await;
    let thread_id = start_thread(
        &mut client,
        json!({"cwd": work.path().display().to_string()}),
    )
    .await;
    let params = json!({"threadId": thread_id, "command": "  printf 'hello from bang\\n'  "});
    let result = client.call_ok("thread/shellCommand", params).await;
    assert_eq!(result, json!({}));
    let (completed, before) = client.wait_for("turn/completed").await;
    let mut messages = before;
    messages.push(completed.clone());
    let mut seen: Vec<String> = labels(&messages)
        .into_iter()
        .filter(|label| label != "thread/status/changed")
        .collect();
    seen.dedup();
    assert_eq!(
        seen,
        [
            "turn/started",
            "item/started:commandExecution",
            "item/commandExecution/outputDelta",
            "item/completed:commandExecution",
            "turn/completed",
        ]
    );
    let item = messages
        .iter()
        .find(|message| message["method"] == "item/completed")
        .map(|message| &message["params"]["item"])
        .unwrap();
    assert_eq!(item["source"], "userShell");
    assert_eq!(item["status"], "completed");
    assert_eq!(item["exitCode"], 0);
    assert_eq!(item["aggregatedOutput"], "hello from bang\n");
    assert_eq!(completed["params"]["turn"]["status"], "completed");

    harness.mock.push(Script::text("seen it"));
    crate::harness::run_turn(&mut client, &thread_id, "what did I run?").await;
    let requests = harness.mock.requests();
    let texts: Vec<String> = requests[0]
        .input()
        .iter()
        .filter_map(|item| item["content"][0]["text"].as_str().map(str::to_owned))
        .collect();
    let record = texts
        .iter()
        .find(|text| text.starts_with("<user_shell_command>"))
        .unwrap_or_else(|| panic!("no user shell record in {texts:?}"));
    assert!(
        record.contains("<command>\nprintf 'hello from bang\\n'\n</command>"),
        "{record}"
    );
    assert!(
        record.contains("Exit code: 0\nDuration: ")
            && record.contains("Output:\nhello from bang\n"),
        "{record}"
    );
}

#[tokio::test]
async fn shell_command_errors() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let thread_id = start_thread(&mut client, json!({})).await;
    let (response, _) = client
        .call(
            "thread/shellCommand",
            json!({"threadId": thread_id, "command": "   "}),
        )
        .await;
    assert_eq!(
        error_of(&response),
        (-32600, "command must not be empty".to_owned())
    );
    let missing = "019e0000-0000-7000-8000-000000000000";
    let (response, _) = client
        .call(
            "thread/shellCommand",
            json!({"threadId": missing, "command": "true"}),
        )
        .await;
    assert_eq!(
        error_of(&response),
        (-32600, format!("thread not found: {missing}"))
    );
}

#[tokio::test]
async fn shell_command_timeout_fails_the_item() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let thread_id = start_thread(&mut client, json!({})).await;
    let params = json!({"threadId": thread_id, "command": "sleep 30", "timeoutMs": 200});
    client.call_ok("thread/shellCommand", params).await;
    let (completed, _) = client.wait_for("item/completed").await;
    let item = &completed["params"]["item"];
    assert_eq!(item["exitCode"], 124, "{item}");
    assert_eq!(item["status"], "failed");
    client.wait_for("turn/completed").await;
}

#[tokio::test]
async fn shell_command_joins_the_running_turn() {
    let harness = Harness::start().await;
    let work = tempfile::tempdir().unwrap();
    let mut client = harness.connect().await;
    let thread_id = start_thread(
        &mut client,
        json!({"cwd": work.path().display().to_string(), "approvalPolicy": "untrusted"}),
    )
    .await;
    let params = json!({
        "threadId": thread_id,
        "input": [{"type": "text", "text": "RUN: echo from-the-agent"}],
    });
    let turn = client.call_ok("turn/start", params).await;
    let turn_id = turn["turn"]["id"].as_str().unwrap().to_owned();
    let (request, _) = client
        .wait_for_server_request("item/commandExecution/requestApproval")
        .await;
    let params = json!({"threadId": thread_id, "command": "echo from-the-user"});
    client.call_ok("thread/shellCommand", params).await;
    let (completed, before) = client.wait_for("item/completed").await;
    assert!(
        before
            .iter()
            .all(|message| message["method"] != "turn/started"),
        "no second turn: {before:?}"
    );
    assert_eq!(completed["params"]["turnId"], turn_id.as_str());
    let item = &completed["params"]["item"];
    assert_eq!(item["source"], "userShell");
    assert_eq!(item["aggregatedOutput"], "from-the-user\n");
    client
        .answer(&request["id"], json!({"decision": "decline"}))
        .await;
    let (done, _) = client.wait_for("turn/completed").await;
    assert_eq!(done["params"]["turn"]["id"], turn_id.as_str());
}

/// Collects `command/exec/outputDelta` text (all on `stdout`, as a terminal has one stream)
/// into `seen` until it contains `needle`.
async fn terminal_output_until(client: &mut Client, seen: &mut String, needle: &str) {
    while !seen.contains(needle) {
        let (delta, _) = client.wait_for("command/exec/outputDelta").await;
        assert_eq!(delta["params"]["stream"], "stdout", "{delta}");
        let bytes = BASE64
            .decode(delta["params"]["deltaBase64"].as_str().unwrap())
            .unwrap();
        seen.push_str(&String::from_utf8_lossy(&bytes));
    }
}

#[tokio::test]
async fn tty_runs_on_a_terminal_of_the_requested_size_and_resizes() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    // `tty` implies streamStdin and streamStdoutStderr.
    let params = with(
        unsandboxed(&[
            "sh",
            "-c",
            "test -t 0 && test -t 2 && echo tty; stty size; read line; stty size; echo \"[$line]\"",
        ]),
        json!({"processId": "pty", "tty": true, "size": {"rows": 40, "cols": 100}}),
    );
    let exec = client.send_request("command/exec", params).await;
    let mut seen = String::new();
    terminal_output_until(&mut client, &mut seen, "40 100\r\n").await;
    assert_eq!(seen, "tty\r\n40 100\r\n");
    let resize = json!({"processId": "pty", "size": {"rows": 50, "cols": 132}});
    assert_eq!(
        client.call_ok("command/exec/resize", resize).await,
        json!({})
    );
    let write = json!({"processId": "pty", "deltaBase64": BASE64.encode("typed\n")});
    client.call_ok("command/exec/write", write).await;
    terminal_output_until(&mut client, &mut seen, "[typed]\r\n").await;
    // The terminal echoes the typed line.
    assert_eq!(seen, "tty\r\n40 100\r\ntyped\r\n50 132\r\n[typed]\r\n");
    let (response, _) = client.response_to(exec).await;
    assert_eq!(
        response["result"],
        json!({"exitCode": 0, "stdout": "", "stderr": ""})
    );
}

#[tokio::test]
async fn tty_ctrl_c_interrupts_and_resize_needs_a_terminal() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let params = with(
        unsandboxed(&["sh", "-c", "echo ready; exec sleep 1000"]),
        json!({"processId": "sleeper", "tty": true}),
    );
    let exec = client.send_request("command/exec", params).await;
    let mut seen = String::new();
    terminal_output_until(&mut client, &mut seen, "ready\r\n").await;
    // Default size: 24 × 80 (checked by weft-exec's tests); here Ctrl-C reaches `sleep`.
    let write = json!({"processId": "sleeper", "deltaBase64": BASE64.encode("\u{3}")});
    client.call_ok("command/exec/write", write).await;
    let (response, _) = client.response_to(exec).await;
    assert_eq!(response["result"]["exitCode"], 128 + 2, "{response}");

    let pipes = with(
        unsandboxed(&["sh", "-c", "echo ready; sleep 30"]),
        json!({"processId": "pipes", "streamStdoutStderr": true}),
    );
    let exec = client.send_request("command/exec", pipes).await;
    first_delta(&mut client).await;
    let resize = json!({"processId": "pipes", "size": {"rows": 24, "cols": 80}});
    let (response, _) = client.call("command/exec/resize", resize).await;
    assert_eq!(
        error_of(&response),
        (
            -32600,
            "failed to resize PTY: process is not attached to a PTY".to_owned()
        )
    );
    let zero = json!({"processId": "pipes", "size": {"rows": 0, "cols": 80}});
    let (response, _) = client.call("command/exec/resize", zero).await;
    assert_eq!(
        error_of(&response),
        (
            -32602,
            "command/exec size rows and cols must be greater than 0".to_owned()
        )
    );
    client
        .call_ok("command/exec/terminate", json!({"processId": "pipes"}))
        .await;
    client.response_to(exec).await;
}

#[tokio::test]
async fn tty_under_the_sandbox_is_still_confined() {
    if !weft_sandbox::support().is_available() {
        eprintln!("skipped: {:?}", weft_sandbox::support());
        return;
    }
    let harness = Harness::start().await;
    let work = tempfile::tempdir().unwrap();
    let target = work.path().join("blocked.txt");
    let mut client = harness.connect().await;
    let params = json!({
        "command": ["sh", "-c", format!("test -t 0 && echo tty; echo x > {}", target.display())],
        "sandboxPolicy": {"type": "readOnly"},
        "processId": "confined",
        "tty": true,
    });
    let exec = client.send_request("command/exec", params).await;
    let mut seen = String::new();
    terminal_output_until(&mut client, &mut seen, "tty\r\n").await;
    let (response, _) = client.response_to(exec).await;
    assert_ne!(response["result"]["exitCode"], 0, "{response}");
    assert!(!target.exists());
}
