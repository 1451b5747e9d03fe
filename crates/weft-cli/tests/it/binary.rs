//! The real `weft` binary over stdio: a full turn, and a client that closes stdin mid-turn.

use std::process::Stdio;

use serde_json::{Value, json};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use weft_test_support::mock::{MockResponses, Script};
use weft_test_support::wire::WireClient;

use crate::harness::config_toml;

pub(crate) fn spawn(home: &std::path::Path) -> (Child, WireClient<ChildStdout, ChildStdin>) {
    spawn_with_env(home, &[])
}

fn spawn_with_env(
    home: &std::path::Path,
    env: &[(&str, String)],
) -> (Child, WireClient<ChildStdout, ChildStdin>) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_weft"));
    command
        .arg("app-server")
        .env("WEFT_HOME", home)
        .env_remove("OPENAI_API_KEY");
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn weft");
    let stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    (child, WireClient::new(stdout, stdin))
}

#[tokio::test]
async fn binary_serves_a_turn_over_stdio() {
    let mock = MockResponses::start().await;
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("config.toml"),
        config_toml(&mock.base_url(), ""),
    )
    .unwrap();
    let (mut child, mut client) = spawn(home.path());
    let init = client.initialize("weft-binary-test").await;
    assert!(
        init["userAgent"]
            .as_str()
            .unwrap()
            .starts_with("weft-binary-test/0.169.0 (")
    );
    assert_eq!(init["codexHome"], home.path().display().to_string());
    let thread = client.call_ok("thread/start", json!({})).await;
    let thread_id = thread["thread"]["id"].as_str().unwrap().to_owned();
    client
        .call_ok(
            "turn/start",
            json!({"threadId": thread_id, "input": [{"type": "text", "text": "hi"}]}),
        )
        .await;
    let (completed, _) = client.wait_for("turn/completed").await;
    assert_eq!(completed["params"]["turn"]["status"], "completed");
    client.close_input().await;
    let status = child.wait().await.unwrap();
    assert!(status.success(), "weft exits 0 on stdin EOF: {status}");
}

/// A running binary whose first turn has streamed `first` and waits at a gate before `rest`.
struct GatedTurn {
    _mock: MockResponses,
    _home: tempfile::TempDir,
    child: Child,
    client: WireClient<ChildStdout, ChildStdin>,
    gate: weft_test_support::mock::Gate,
    thread: Value,
}

async fn gated_turn(first: &str, rest: &str) -> GatedTurn {
    let mock = MockResponses::start().await;
    let mut script = Script::new()
        .with_created()
        .with_message_added()
        .with_text_delta(first);
    let gate = script.gate();
    mock.push(script.with_text_delta(rest).with_message_done());
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("config.toml"),
        config_toml(&mock.base_url(), ""),
    )
    .unwrap();
    let (child, mut client) = spawn(home.path());
    client.initialize("weft-binary-test").await;
    let thread = client.call_ok("thread/start", json!({})).await["thread"].clone();
    let input = json!([{"type": "text", "text": "hi"}]);
    client
        .call_ok(
            "turn/start",
            json!({"threadId": thread["id"], "input": input}),
        )
        .await;
    client.wait_for("item/agentMessage/delta").await;
    GatedTurn {
        _mock: mock,
        _home: home,
        child,
        client,
        gate,
        thread,
    }
}

#[tokio::test]
async fn stdin_closed_mid_turn_leaves_a_valid_rollout() {
    let GatedTurn {
        _mock,
        _home,
        mut child,
        mut client,
        gate,
        thread,
    } = gated_turn("part one ", "part two").await;
    let path = thread["path"].as_str().unwrap().to_owned();
    client.close_input().await;
    // The turn goes on without the client; release the model and let the server finish.
    gate.release();
    let status = child.wait().await.unwrap();
    assert!(status.success(), "{status}");
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).expect("every line is JSON"))
        .collect();
    assert_eq!(lines[0]["type"], "session_meta");
    let last = lines.last().unwrap();
    assert_eq!(
        last["payload"]["type"], "task_complete",
        "the turn finished and was recorded"
    );
    assert_eq!(last["payload"]["last_agent_message"], "part one part two");
}

#[tokio::test]
async fn r36_sigterm_drains_running_turns_then_exits() {
    let GatedTurn {
        _mock,
        _home,
        mut child,
        mut client,
        gate,
        thread,
    } = gated_turn("draining ", "done").await;
    let thread_id = thread["id"].as_str().unwrap().to_owned();

    let pid = child.id().expect("running").to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    // Reads are still served; new work is refused with the reference's draining error. The
    // first request may race the signal's delivery, so retry until the drain is visible.
    let mut refusal = None;
    for _ in 0..1000 {
        let (response, _) = client.call("thread/start", json!({})).await;
        if response.get("error").is_some() {
            refusal = Some(response);
            break;
        }
    }
    let refusal = refusal.expect("the drain refuses new work");
    assert_eq!(
        refusal["error"],
        json!({"code": -32600, "message": "Server is draining; retry after reconnecting", "data": {"reason": "serverShuttingDown"}})
    );
    let loaded = client.call_ok("thread/loaded/list", json!({})).await;
    assert!(
        loaded["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|id| id == thread_id.as_str())
    );

    gate.release();
    let (completed, _) = client.wait_for("turn/completed").await;
    assert_eq!(completed["params"]["turn"]["status"], "completed");
    let status = child.wait().await.unwrap();
    assert!(status.success(), "exit 0 after the drain: {status}");
}

#[tokio::test]
async fn openai_provider_uses_the_api_key() {
    let mock = MockResponses::start().await;
    let home = tempfile::tempdir().unwrap();
    let env = [
        ("OPENAI_API_KEY", "sk-test-key".to_owned()),
        ("OPENAI_BASE_URL", mock.base_url()),
    ];
    let (mut child, mut client) = spawn_with_env(home.path(), &env);
    client.initialize("weft-binary-test").await;
    let thread = client.call_ok("thread/start", json!({})).await;
    assert_eq!(thread["modelProvider"], "openai");
    let thread_id = thread["thread"]["id"].as_str().unwrap().to_owned();
    client
        .call_ok(
            "turn/start",
            json!({"threadId": thread_id, "input": [{"type": "text", "text": "hi"}]}),
        )
        .await;
    let (completed, _) = client.wait_for("turn/completed").await;
    assert_eq!(completed["params"]["turn"]["status"], "completed");
    let request = &mock.requests()[0];
    assert_eq!(request.header("authorization"), Some("Bearer sk-test-key"));
    client.close_input().await;
    assert!(child.wait().await.unwrap().success());
}

/// The real binary on a fresh home against `mock`, initialised, with one thread in a fresh
/// workspace under `never` + `danger-full-access` (commands run unsandboxed, so what a test
/// measures is the process engine, not the sandbox). Returns everything the test must keep.
struct UnsandboxedThread {
    home: tempfile::TempDir,
    work: tempfile::TempDir,
    child: Child,
    client: WireClient<ChildStdout, ChildStdin>,
    thread_id: String,
}

async fn unsandboxed_thread(mock: &MockResponses) -> UnsandboxedThread {
    let home = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("config.toml"),
        config_toml(&mock.base_url(), ""),
    )
    .unwrap();
    let (child, mut client) = spawn(home.path());
    client.initialize("weft-binary-test").await;
    let thread = client
        .call_ok(
            "thread/start",
            json!({"cwd": work.path().display().to_string(), "approvalPolicy": "never", "sandbox": "danger-full-access"}),
        )
        .await;
    let thread_id = thread["thread"]["id"].as_str().unwrap().to_owned();
    UnsandboxedThread {
        home,
        work,
        child,
        client,
        thread_id,
    }
}

/// `VmRSS` or `VmHWM` of a process, in bytes.
fn memory_of(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status
        .lines()
        .find(|line| line.starts_with(field))
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"));
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

#[tokio::test]
async fn a_command_printing_1_gib_keeps_weft_memory_bounded() {
    let mock = MockResponses::start().await;
    mock.set_run_yield_ms(30_000);
    let UnsandboxedThread {
        child,
        mut client,
        thread_id,
        home: _home,
        work: _work,
    } = unsandboxed_thread(&mock).await;
    let pid = child.id().unwrap();
    let before = memory_of(pid, "VmRSS:");
    let id = client
        .send_request(
            "turn/start",
            json!({"threadId": thread_id, "input": [{"type": "text", "text": "RUN: head -c 1073741824 /dev/zero | tr '\\0' a"}]}),
        )
        .await;
    client.response_to(id).await;
    let (_, messages) = client.wait_for("turn/completed").await;
    let peak = memory_of(pid, "VmHWM:");
    let done = messages
        .iter()
        .find(|message| {
            message["method"] == "item/completed"
                && message["params"]["item"]["type"] == "commandExecution"
        })
        .map(|message| &message["params"]["item"])
        .unwrap();
    assert_eq!(done["exitCode"], 0);
    let aggregated = done["aggregatedOutput"].as_str().unwrap();
    assert!(
        aggregated.len() < weft_exec::limits::OUTPUT_BUFFER_BYTES_MAX + 128,
        "head and tail only: {} bytes",
        aggregated.len()
    );
    let streamed: usize = messages
        .iter()
        .filter(|message| message["method"] == "item/commandExecution/outputDelta")
        .map(|message| message["params"]["delta"].as_str().unwrap().len())
        .sum();
    assert!(
        streamed <= weft_core::limits::COMMAND_DELTA_BYTES_MAX,
        "streamed {streamed} bytes of deltas"
    );
    let growth = peak.saturating_sub(before);
    assert!(
        growth < weft_core::limits::COMMAND_FLOOD_RSS_GROWTH_MAX,
        "weft grew by {growth} bytes (before {before}, peak {peak})"
    );
}

#[tokio::test]
async fn background_commands_end_with_the_server() {
    let mock = MockResponses::start().await;
    let marker = format!("weft-shutdown-{}", std::process::id());
    mock.push(Script::function_call(
        "exec_command",
        "call_bg",
        json!({"cmd": format!("exec -a {marker} sleep 1000"), "login": false, "yield_time_ms": 250})
            .to_string(),
    ));
    let UnsandboxedThread {
        mut child,
        mut client,
        thread_id,
        home: _home,
        work: _work,
    } = unsandboxed_thread(&mock).await;
    let id = client
        .send_request(
            "turn/start",
            json!({"threadId": thread_id, "input": [{"type": "text", "text": "start a server"}]}),
        )
        .await;
    client.response_to(id).await;
    client.wait_for("turn/completed").await;
    let running = |marker: &str| {
        std::fs::read_dir("/proc")
            .unwrap()
            .flatten()
            .filter_map(|entry| std::fs::read(entry.path().join("cmdline")).ok())
            .any(|cmdline| cmdline.starts_with(marker.as_bytes()))
    };
    assert!(
        running(&marker),
        "the command outlived its turn, as a session"
    );
    client.close_input().await;
    let status = child.wait().await.unwrap();
    assert!(status.success(), "{status}");
    assert!(
        !running(&marker),
        "the server ended its background command on the way out"
    );
}
