//! Reading damaged, legacy and unusual rollouts.

use serde_json::{Value, json};
use weft_protocol::v2::{ItemBody, TurnStatus};
use weft_store::{ReadError, read_rollout};

use crate::support::{TestHome, ThreadSpec, write_lines};

const THREAD: &str = "01a21030-8fed-7970-b7d8-7ebbe08e4e7c";

fn meta_line(extra: Value) -> Value {
    let mut payload = json!({
        "id": THREAD, "timestamp": "2026-11-25T00:52:27.760Z", "cwd": "/work", "originator": "t",
        "cli_version": "0.169.0", "source": "vscode", "model_provider": "mock",
        "history_mode": "paginated",
    });
    if let (Some(object), Some(extra)) = (payload.as_object_mut(), extra.as_object()) {
        object.extend(extra.clone());
    }
    json!({"timestamp": "2026-11-25T00:52:27.761Z", "type": "session_meta", "payload": payload})
}

fn event(time: &str, payload: Value) -> Value {
    json!({"timestamp": time, "type": "event_msg", "payload": payload})
}

fn user_item(turn: &str, id: &str, text: &str) -> Value {
    event(
        "2026-11-25T00:52:28.000Z",
        json!({
            "type": "item_completed", "thread_id": THREAD, "turn_id": turn,
            "item": {"type": "UserMessage", "id": id, "content": [{"type": "text", "text": text, "text_elements": []}]},
            "started_at_ms": 1, "completed_at_ms": 2,
        }),
    )
}

fn read(lines: &[Value]) -> weft_store::Rollout {
    let test_home = TestHome::new();
    let path = test_home.home.sessions_dir().join("rollout.jsonl");
    write_lines(&path, lines);
    read_rollout(&path).expect("read")
}

#[test]
fn empty_and_blank_files_are_empty_session_files() {
    let test_home = TestHome::new();
    let path = test_home.home.root().join("empty.jsonl");
    std::fs::write(&path, b"").expect("write");
    let error = read_rollout(&path).expect_err("empty");
    assert_eq!(error.to_string(), "empty session file");
    std::fs::write(&path, b"\n  \n\n").expect("write");
    assert!(matches!(read_rollout(&path), Err(ReadError::Empty)));
}

#[test]
fn a_file_without_session_meta_is_an_error() {
    let test_home = TestHome::new();
    let path = test_home.home.root().join("no-meta.jsonl");
    write_lines(
        &path,
        &[event(
            "2026-11-25T00:52:28.000Z",
            json!({"type": "task_started", "turn_id": "t"}),
        )],
    );
    assert!(matches!(read_rollout(&path), Err(ReadError::NoSessionMeta)));
    write_lines(
        &path,
        &[
            json!({"timestamp": "x", "type": "session_meta", "payload": {"id": "not-a-uuid", "timestamp": "2026-11-25T00:52:27.760Z"}}),
        ],
    );
    assert!(matches!(
        read_rollout(&path),
        Err(ReadError::InvalidSessionMeta(_))
    ));
}

#[test]
fn junk_lines_are_skipped_and_counted() {
    let test_home = TestHome::new();
    let path = ThreadSpec::numbered(1).write(&test_home.home);
    let mut text = std::fs::read_to_string(&path).expect("read");
    text.insert_str(
        text.find('\n').expect("line") + 1,
        "not json\n\n[1,2]\n{\"no\":\"envelope\"}\n",
    );
    std::fs::write(&path, text).expect("write");
    let rollout = read_rollout(&path).expect("read");
    assert_eq!(rollout.skipped_lines(), 3);
    assert_eq!(rollout.preview(), "message 1");
    assert_eq!(rollout.turns().len(), 1);
}

#[test]
fn failed_interrupted_and_open_turns() {
    let rollout = read(&[
        meta_line(json!({})),
        event(
            "2026-11-25T00:52:28.000Z",
            json!({"type": "task_started", "turn_id": "t1", "started_at": 100}),
        ),
        user_item("t1", "u1", "first"),
        event(
            "2026-11-25T00:52:29.000Z",
            json!({"type": "task_complete", "turn_id": "t1", "last_agent_message": null,
            "error": {"message": "bad request", "codex_error_info": "bad_request"}, "duration_ms": 5}),
        ),
        event(
            "2026-11-25T00:52:30.000Z",
            json!({"type": "task_started", "turn_id": "t2", "started_at": 110}),
        ),
        event(
            "2026-11-25T00:52:31.000Z",
            json!({"type": "task_complete", "turn_id": "t2",
            "error": {"message": "down", "codex_error_info": {"http_connection_failed": {"http_status_code": 502}}}}),
        ),
        event(
            "2026-11-25T00:52:32.000Z",
            json!({"type": "task_started", "turn_id": "t3"}),
        ),
        event(
            "2026-11-25T00:52:33.000Z",
            json!({"type": "token_count", "info": null}),
        ),
        event(
            "2026-11-25T00:52:34.000Z",
            json!({"type": "turn_aborted", "turn_id": "t3", "reason": "interrupted", "duration_ms": 9}),
        ),
        event(
            "2026-11-25T00:52:35.000Z",
            json!({"type": "task_started", "turn_id": "t4"}),
        ),
        user_item("t4", "u4", "still running"),
    ]);
    let turns = rollout.turns();
    let statuses: Vec<TurnStatus> = turns.iter().map(|turn| turn.status).collect();
    assert_eq!(
        statuses,
        [
            TurnStatus::Failed,
            TurnStatus::Failed,
            TurnStatus::Interrupted,
            TurnStatus::InProgress
        ]
    );
    let errors = serde_json::to_value([&turns[0].error, &turns[1].error]).expect("json");
    assert_eq!(
        errors[0],
        json!({"message": "bad request", "codexErrorInfo": "badRequest", "additionalDetails": null, "misalignment": null})
    );
    assert_eq!(
        errors[1]["codexErrorInfo"],
        json!({"httpConnectionFailed": {"httpStatusCode": 502}})
    );
    assert_eq!(turns[0].started_at, Some(100));
    assert_eq!(turns[0].duration_ms, Some(5));
    assert_eq!(turns[2].duration_ms, Some(9));
    assert_eq!(turns[2].completed_at, Some(1795567954));
    assert_eq!(turns[3].items.len(), 1);
    assert_eq!(rollout.last_token_usage(), None, "a null info is no usage");
    assert_eq!(rollout.preview(), "first");
}

#[test]
fn a_new_start_closes_a_turn_left_open_by_a_crash() {
    let rollout = read(&[
        meta_line(json!({})),
        event(
            "2026-11-25T00:52:28.000Z",
            json!({"type": "task_started", "turn_id": "t1"}),
        ),
        event(
            "2026-11-25T00:52:30.000Z",
            json!({"type": "task_started", "turn_id": "t2"}),
        ),
        event(
            "2026-11-25T00:52:31.000Z",
            json!({"type": "task_complete", "turn_id": "t2"}),
        ),
    ]);
    let statuses: Vec<TurnStatus> = rollout.turns().iter().map(|turn| turn.status).collect();
    assert_eq!(statuses, [TurnStatus::Interrupted, TurnStatus::Completed]);
}

#[test]
fn items_without_thread_id_are_dropped_and_repeated_ids_replaced() {
    let mut orphan = user_item("t1", "u0", "orphan");
    orphan["payload"]
        .as_object_mut()
        .expect("object")
        .remove("thread_id");
    let rollout = read(&[
        meta_line(json!({})),
        event(
            "2026-11-25T00:52:28.000Z",
            json!({"type": "task_started", "turn_id": "t1"}),
        ),
        orphan,
        user_item("t1", "u1", "draft"),
        user_item("t1", "u1", "final"),
    ]);
    let turns = rollout.turns();
    assert_eq!(turns[0].items.len(), 1);
    assert!(matches!(&turns[0].items[0].body, ItemBody::UserMessage { id, .. } if id == "u1"));
    let wire = serde_json::to_value(&turns[0].items[0]).expect("json");
    assert_eq!(wire["content"][0]["text"], "final");
}

#[test]
fn legacy_events_without_task_events_make_implicit_turns() {
    let rollout = read(&[
        meta_line(
            json!({"history_mode": null, "base_instructions": null, "instructions": "old instructions"}),
        ),
        event(
            "2026-11-25T00:52:28.000Z",
            json!({"type": "user_message", "message": "hello", "images": ["https://x/y.png"]}),
        ),
        event(
            "2026-11-25T00:52:29.000Z",
            json!({"type": "agent_reasoning", "text": "thinking"}),
        ),
        event(
            "2026-11-25T00:52:30.000Z",
            json!({"type": "agent_message", "message": "hi there"}),
        ),
        event(
            "2026-11-25T00:52:31.000Z",
            json!({"type": "user_message", "message": "again"}),
        ),
        event(
            "2026-11-25T00:52:32.000Z",
            json!({"type": "exec_command_end", "call_id": "c1", "command": ["ls", "-la"],
            "cwd": "/work", "parsed_cmd": [{"type": "list_files", "cmd": "ls -la", "path": null}],
            "aggregated_output": "", "exit_code": 2, "duration": {"secs": 1, "nanos": 500000000}}),
        ),
    ]);
    assert_eq!(
        rollout.meta().base_instructions.as_deref(),
        Some("old instructions")
    );
    assert_eq!(rollout.preview(), "hello");
    let turns = rollout.turns();
    assert_eq!(turns.len(), 2);
    assert!(
        turns
            .iter()
            .all(|turn| turn.status == TurnStatus::Completed)
    );
    let first = serde_json::to_value(&turns[0].items).expect("json");
    let kinds: Vec<&str> = first
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|item| item["type"].as_str())
        .collect();
    assert_eq!(kinds, ["userMessage", "reasoning", "agentMessage"]);
    assert_eq!(
        first[0]["content"][1],
        json!({"type": "image", "url": "https://x/y.png", "detail": null})
    );
    assert_eq!(first[1]["summary"], json!(["thinking"]));
    let second = serde_json::to_value(&turns[1].items).expect("json");
    assert_eq!(second[1]["type"], "commandExecution");
    assert_eq!(second[1]["command"], "ls -la");
    assert_eq!(second[1]["status"], "failed");
    assert_eq!(second[1]["durationMs"], 1500);
    assert_eq!(second[1]["aggregatedOutput"], Value::Null);
    assert_eq!(
        second[1]["commandActions"],
        json!([{"type": "listFiles", "command": "ls -la", "path": null}])
    );
    // Ids derived from the line position are stable across reads.
    assert_eq!(turns, rollout.turns());
}

#[test]
fn item_completed_wins_over_legacy_events_of_the_same_turn() {
    let rollout = read(&[
        meta_line(json!({})),
        event(
            "2026-11-25T00:52:28.000Z",
            json!({"type": "task_started", "turn_id": "t1"}),
        ),
        event(
            "2026-11-25T00:52:28.000Z",
            json!({"type": "user_message", "message": "hello"}),
        ),
        user_item("t1", "u1", "hello"),
        event(
            "2026-11-25T00:52:31.000Z",
            json!({"type": "task_complete", "turn_id": "t1"}),
        ),
    ]);
    let turns = rollout.turns();
    assert_eq!(turns[0].items.len(), 1);
    assert_eq!(turns[0].items[0].id(), "u1");
}

#[test]
fn compaction_replaces_earlier_history() {
    let response = |text: &str| {
        json!({"timestamp": "2026-11-25T00:52:28.000Z", "type": "response_item",
        "payload": {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}})
    };
    let rollout = read(&[
        meta_line(json!({})),
        response("<environment_context>x</environment_context>"),
        response("old question"),
        json!({"timestamp": "2026-11-25T00:52:29.000Z", "type": "response_item", "payload": {"type": "ghost_snapshot", "ghost_commit": {}}}),
        json!({"timestamp": "2026-11-25T00:52:30.000Z", "type": "compacted", "payload": {"message": "summary",
            "replacement_history": [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "kept"}]}]}}),
        response("new question"),
        json!({"timestamp": "2026-11-25T00:52:31.000Z", "type": "compacted", "payload": {"message": "legacy summary"}}),
        response("after legacy"),
    ]);
    let texts: Vec<String> = rollout
        .model_history()
        .iter()
        .map(|item| {
            item["content"][0]["text"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    // The legacy compaction keeps the real user messages before it, then its summary.
    assert_eq!(
        texts,
        ["kept", "new question", "legacy summary", "after legacy"]
    );
}

#[test]
fn rollback_drops_the_last_turns() {
    let rollout = read(&[
        meta_line(json!({})),
        event(
            "2026-11-25T00:52:28.000Z",
            json!({"type": "task_started", "turn_id": "t1"}),
        ),
        event(
            "2026-11-25T00:52:28.000Z",
            json!({"type": "task_complete", "turn_id": "t1"}),
        ),
        event(
            "2026-11-25T00:52:29.000Z",
            json!({"type": "task_started", "turn_id": "t2"}),
        ),
        event(
            "2026-11-25T00:52:29.000Z",
            json!({"type": "task_complete", "turn_id": "t2"}),
        ),
        event(
            "2026-11-25T00:52:30.000Z",
            json!({"type": "thread_rolled_back", "num_turns": 1}),
        ),
    ]);
    let ids: Vec<String> = rollout.turns().into_iter().map(|turn| turn.id).collect();
    assert_eq!(ids, ["t1"]);
}

#[test]
fn subagent_sources_carry_parent_and_kind() {
    let parent = "01a21030-0000-7000-8000-000000000001";
    let rollout = read(&[meta_line(json!({"source": {"subagent": {"thread_spawn": {
        "parent_thread_id": parent, "depth": 1, "agent_nickname": "Scout", "agent_role": "explorer"}}}}))]);
    let meta = rollout.meta();
    assert_eq!(
        meta.parent_thread_id.map(|id| id.to_string()).as_deref(),
        Some(parent)
    );
    assert_eq!(meta.agent_nickname.as_deref(), Some("Scout"));
    assert_eq!(meta.source_kind(), "subAgentThreadSpawn");
    assert_eq!(weft_store::reader::source_kind(&json!("mcp")), "appServer");
    assert_eq!(
        weft_store::reader::source_kind(&json!({"subagent": "review"})),
        "subAgentReview"
    );
}

#[test]
fn rollback_also_cuts_model_history_and_open_turns_can_be_interrupted() {
    let user = |text: &str| {
        json!({"timestamp": "2026-11-25T00:52:28.000Z", "type": "response_item",
        "payload": {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}})
    };
    let assistant = json!({"timestamp": "2026-11-25T00:52:28.000Z", "type": "response_item",
        "payload": {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "ok"}]}});
    let rollout = read(&[
        meta_line(json!({})),
        user("<environment_context/>"),
        user("one"),
        assistant.clone(),
        user("two"),
        assistant,
        event(
            "2026-11-25T00:52:30.000Z",
            json!({"type": "thread_rolled_back", "num_turns": 1}),
        ),
        event(
            "2026-11-25T00:52:31.000Z",
            json!({"type": "task_started", "turn_id": "t9"}),
        ),
    ]);
    let texts: Vec<String> = rollout
        .model_history()
        .iter()
        .map(|item| {
            item["content"][0]["text"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert_eq!(texts, ["<environment_context/>", "one", "ok"]);
    let mut turns = rollout.turns();
    assert_eq!(turns[0].status, TurnStatus::InProgress);
    weft_store::interrupt_open_turns(&mut turns);
    assert_eq!(turns[0].status, TurnStatus::Interrupted);
}
