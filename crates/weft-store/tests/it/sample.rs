//! The reference's own rollout (scenario `approval`): read, turns, usage, listing, append.

use serde_json::{Value, json};
use weft_protocol::v2::{ItemBody, TurnStatus};
use weft_store::line::kind;
use weft_store::reader::HistoryMode;
use weft_store::{Index, ListQuery, RolloutWriter, read_rollout};

use crate::support::{SAMPLE_FILE_NAME, SAMPLE_ID, TestHome};

#[test]
fn sample_identity_and_preview() {
    let test_home = TestHome::new();
    let rollout = read_rollout(&test_home.with_sample()).expect("read");
    let meta = rollout.meta();
    assert_eq!(meta.id.to_string(), SAMPLE_ID);
    assert_eq!(meta.timestamp, "2026-11-25T00:39:29.334Z");
    assert_eq!(meta.cwd, "/tmp/drive-work-fsvat5b4");
    assert_eq!(meta.originator, "drive");
    assert_eq!(meta.cli_version, "0.169.0");
    assert_eq!(meta.source, json!("vscode"));
    assert_eq!(meta.model_provider.as_deref(), Some("mock"));
    assert_eq!(meta.history_mode, HistoryMode::Paginated);
    assert!(
        meta.base_instructions
            .as_deref()
            .is_some_and(|text| text.starts_with("You are a coding agent"))
    );
    assert_eq!(meta.forked_from_id, None);
    assert_eq!(rollout.preview(), "RUN: echo hello-approval");
    assert_eq!(rollout.skipped_lines(), 0);
    assert_eq!(rollout.last_ordinal(), Some(18));
    assert_eq!(rollout.last_model(), Some("gpt-5.2-codex"));
}

#[test]
fn sample_turn_has_its_three_items_in_wire_shape() {
    let test_home = TestHome::new();
    let rollout = read_rollout(&test_home.with_sample()).expect("read");
    let turns = rollout.turns();
    assert_eq!(turns.len(), 1);
    let turn = &turns[0];
    assert_eq!(turn.id, "01a21024-af50-7803-8f31-2287b5c5633e");
    assert_eq!(turn.status, TurnStatus::Completed);
    assert_eq!(
        (turn.started_at, turn.completed_at, turn.duration_ms),
        (Some(1795567169), Some(1795567169), Some(337))
    );
    let wire = serde_json::to_value(&turn.items).expect("json");
    assert_eq!(
        wire[0],
        json!({
            "type": "userMessage", "id": "01a21024-af7c-7952-be5b-d16f78ba503b", "clientId": null,
            "content": [{"type": "text", "text": "RUN: echo hello-approval", "text_elements": []}],
            "startedAtMs": 1795567169405_i64, "completedAtMs": 1795567169405_i64,
        })
    );
    let command = &wire[1];
    assert_eq!(command["type"], "commandExecution");
    assert_eq!(command["id"], "call_2");
    assert_eq!(command["command"], "/bin/bash -lc 'echo hello-approval'");
    assert_eq!(command["cwd"], "/tmp/drive-work-fsvat5b4");
    assert_eq!(
        command["commandActions"],
        json!([{"type": "unknown", "command": "echo hello-approval"}])
    );
    assert_eq!(command["status"], "completed");
    assert_eq!(command["source"], "unifiedExecStartup");
    assert_eq!(command["processId"], "27894");
    assert_eq!(command["exitCode"], 0);
    assert_eq!(command["durationMs"], 0);
    assert_eq!(
        command["aggregatedOutput"],
        "pyenv: cannot rehash: /root/.pyenv/shims isn't writable\nhello-approval\n"
    );
    assert!(
        matches!(&turn.items[2].body, ItemBody::AgentMessage { id, text, .. }
        if id == "msg_5" && text == "done: Chunk ID: c36d2a\nWall time: 0.0001 secon")
    );
    assert_eq!(
        (turn.items[2].started_at_ms, turn.items[2].completed_at_ms),
        (Some(1795567169691), Some(1795567169692))
    );
}

#[test]
fn sample_token_usage_and_history() {
    let test_home = TestHome::new();
    let rollout = read_rollout(&test_home.with_sample()).expect("read");
    let usage = rollout.last_token_usage().expect("usage");
    assert_eq!(usage.total.total_tokens, 220);
    assert_eq!(
        (usage.total.input_tokens, usage.total.output_tokens),
        (200, 20)
    );
    assert_eq!(usage.last.total_tokens, 110);
    assert_eq!(usage.model_context_window, Some(258400));
    let history = rollout.model_history();
    let kinds: Vec<&str> = history
        .iter()
        .filter_map(|item| item["type"].as_str())
        .collect();
    assert_eq!(
        kinds,
        [
            "message",
            "message",
            "message",
            "function_call",
            "function_call_output",
            "message"
        ]
    );
    for item in &history {
        assert!(
            item.get("internal_chat_message_metadata_passthrough")
                .is_none(),
            "{item}"
        );
        assert!(item.get("metadata").is_none(), "{item}");
    }
    assert_eq!(history[2]["content"][0]["text"], "RUN: echo hello-approval");
    let context = rollout.last_turn_context().expect("turn context");
    assert_eq!(context["approval_policy"], "untrusted");
}

#[test]
fn sample_is_listed() {
    let test_home = TestHome::new();
    let path = test_home.with_sample();
    let index = Index::open(&test_home.home).expect("open index");
    let page = index.list(&ListQuery::new("mock")).expect("list");
    assert_eq!(page.rows.len(), 1);
    assert_eq!(page.next_cursor, None);
    let row = &page.rows[0];
    assert_eq!(row.id.to_string(), SAMPLE_ID);
    assert_eq!(row.preview, "RUN: echo hello-approval");
    assert_eq!(row.rollout_path, path);
    assert_eq!(row.model.as_deref(), Some("gpt-5.2-codex"));
    assert_eq!(row.created_at_ms, 1795567169334);
    assert_eq!(row.updated_at_ms, 1795567169701);
    assert_eq!(row.recency_at_ms, 1795567169367);
    assert_eq!(
        page.backwards_cursor.as_deref(),
        Some("2026-11-25T00:39:29.333Z")
    );
    let thread = serde_json::to_value(row.to_thread("mock")).expect("json");
    assert_eq!(thread["id"], SAMPLE_ID);
    assert_eq!(thread["sessionId"], SAMPLE_ID);
    assert_eq!(thread["status"], json!({"type": "notLoaded"}));
    assert_eq!(thread["source"], "vscode");
    assert_eq!(thread["createdAt"], 1795567169);
    assert_eq!(thread["historyMode"], "paginated");
    assert_eq!(thread["path"], path.to_string_lossy().as_ref());
    assert_eq!(thread["turns"], json!([]));
    // Another provider is filtered out by default; an empty list means all.
    assert!(
        index
            .list(&ListQuery::new("openai"))
            .expect("list")
            .rows
            .is_empty()
    );
    let mut all = ListQuery::new("openai");
    all.model_providers = Some(Vec::new());
    assert_eq!(index.list(&all).expect("list").rows.len(), 1);
}

#[test]
fn sample_append_continues_at_ordinal_19() {
    let test_home = TestHome::new();
    let path = test_home.with_sample();
    let before = std::fs::read(&path).expect("read");
    let mut writer = RolloutWriter::open_append(&path).expect("open");
    assert!(writer.is_paginated());
    assert_eq!(writer.next_ordinal(), Some(19));
    let ordinal = writer
        .append(
            kind::EVENT_MSG,
            json!({"type": "task_started", "turn_id": "t2", "started_at": 1795567200}),
        )
        .expect("append");
    assert_eq!(ordinal, Some(19));
    writer.sync().expect("sync");
    let after = std::fs::read(&path).expect("read");
    assert_eq!(
        &after[..before.len()],
        &before[..],
        "existing bytes untouched"
    );
    let last: Value =
        serde_json::from_slice(after[before.len()..].strip_suffix(b"\n").expect("newline"))
            .expect("json");
    let keys: Vec<&String> = last.as_object().expect("object").keys().collect();
    assert_eq!(keys, ["timestamp", "ordinal", "type", "payload"]);
    let rollout = read_rollout(&path).expect("reread");
    assert_eq!(rollout.last_ordinal(), Some(19));
    let turns = rollout.turns();
    assert_eq!(turns.len(), 2);
    assert_eq!(turns[1].status, TurnStatus::InProgress);
    assert!(path.ends_with(SAMPLE_FILE_NAME));
}
