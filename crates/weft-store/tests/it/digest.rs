//! `digest_rollout` against `read_rollout`: the same answers on every file.
//!
//! Every check reads the file both ways and compares all digest fields with the `Rollout`
//! accessors, under several ways of cutting the file (one thread; many tiny pieces with tiny
//! read blocks, so lines straddle every boundary), plus the default.

use std::io::Write;
use std::path::Path;

use chrono::Duration;
use proptest::prelude::*;
use serde_json::{Value, json};
use uuid::Uuid;
use weft_store::line::kind;
use weft_store::{DigestOptions, RolloutWriter, digest_rollout, digest_rollout_with, read_rollout};

use crate::support::{TestHome, at};

/// The ways of cutting a file that every check runs.
fn option_variants() -> Vec<DigestOptions> {
    let default = DigestOptions::default();
    vec![
        default,
        DigestOptions {
            threads_max: 1,
            ..default
        },
        DigestOptions {
            threads_max: 3,
            region_bytes_min: 1,
            block_bytes: 7,
            ..default
        },
        DigestOptions {
            threads_max: 2,
            region_bytes_min: 300,
            block_bytes: 64,
            ..default
        },
    ]
}

/// Asserts that the digest of `path` equals what `read_rollout` and the accessors return.
fn assert_digest_matches(path: &Path) {
    assert_digest_matches_with(path, &option_variants());
}

fn assert_digest_matches_with(path: &Path, variants: &[DigestOptions]) {
    let expected = read_rollout(path);
    let mut results = vec![digest_rollout(path)];
    results.extend(
        variants
            .iter()
            .map(|options| digest_rollout_with(path, *options)),
    );
    for (variant, digest) in results.into_iter().enumerate() {
        match (&expected, digest) {
            (Ok(rollout), Ok(digest)) => {
                assert_eq!(&digest.meta, rollout.meta(), "meta, variant {variant}");
                assert_eq!(
                    digest.preview,
                    rollout.preview(),
                    "preview, variant {variant}"
                );
                assert_eq!(digest.turns, rollout.turns(), "turns, variant {variant}");
                assert_eq!(
                    digest.model_history,
                    rollout.model_history(),
                    "history, variant {variant}"
                );
                assert_eq!(
                    digest.last_token_usage,
                    rollout.last_token_usage(),
                    "usage, variant {variant}"
                );
                assert_eq!(
                    digest.last_turn_context.as_ref(),
                    rollout.last_turn_context(),
                    "turn context, variant {variant}"
                );
                assert_eq!(digest.last_model.as_deref(), rollout.last_model());
                assert_eq!(
                    digest.last_goal,
                    rollout.last_goal(),
                    "goal, variant {variant}"
                );
                assert_eq!(
                    weft_store::read_last_goal(path).ok().flatten(),
                    rollout.last_goal(),
                    "read_last_goal"
                );
                assert_eq!(digest.last_ordinal, rollout.last_ordinal());
                assert_eq!(
                    digest.skipped_lines,
                    rollout.skipped_lines(),
                    "skipped lines, variant {variant}"
                );
            }
            (Err(expected), Err(digest)) => {
                assert_eq!(
                    digest.to_string(),
                    expected.to_string(),
                    "variant {variant}"
                );
            }
            (expected, digest) => panic!(
                "variant {variant}: read_rollout {:?}, digest {:?}",
                expected.as_ref().map(|_| "ok"),
                digest.map(|_| "ok")
            ),
        }
    }
}

#[test]
fn the_reference_sample_digests_like_it_reads() {
    let test_home = TestHome::new();
    let path = test_home.with_sample();
    assert_digest_matches(&path);
    let digest = digest_rollout(&path).expect("digest");
    assert_eq!(digest.preview, "RUN: echo hello-approval");
    assert_eq!(digest.turns.len(), 1);
    assert_eq!(digest.turns[0].items.len(), 3);
    assert_eq!(digest.last_model.as_deref(), Some("gpt-5.2-codex"));
    assert_eq!(digest.last_ordinal, Some(18));
    assert!(digest.last_token_usage.is_some());
}

const THREAD: &str = "01a21030-8fed-7970-b7d8-7ebbe08e4e7c";

/// A long rollout through the crate's writer: every kind of turn end, items of every kind the
/// fast parser types itself or hands to the general route, legacy events, compactions,
/// a rollback, usage with null and malformed `info`.
fn write_long_rollout(path: &Path, turns: usize) {
    let thread_id = Uuid::try_parse(THREAD).expect("uuid");
    let meta = json!({
        "session_id": THREAD, "id": THREAD, "timestamp": "2026-03-02T09:15:00.000Z",
        "cwd": "/work", "originator": "weft-test", "cli_version": "0.169.0", "source": "vscode",
        "model_provider": "mock", "base_instructions": {"text": "Be brief."},
        "history_mode": "paginated",
    });
    let mut writer = RolloutWriter::create_at(path, meta, at(0)).expect("create");
    let mut clock = 0i64;
    let mut append = |line_kind: &str, payload: Value| {
        clock += 7;
        writer
            .append_at(at(1) + Duration::milliseconds(clock), line_kind, payload)
            .expect("append");
    };
    for turn in 0..turns {
        for (line_kind, payload) in turn_lines(thread_id, turn, turns) {
            append(line_kind, payload);
        }
    }
}

fn turn_lines(thread_id: Uuid, turn: usize, turns: usize) -> Vec<(&'static str, Value)> {
    let turn_id = Uuid::new_v5(&thread_id, format!("turn-{turn}").as_bytes()).to_string();
    let thread = thread_id.to_string();
    let item = |item: Value| {
        json!({"type": "item_completed", "thread_id": thread, "turn_id": turn_id, "item": item,
        "started_at_ms": 1_795_567_170_000_i64 + turn as i64, "completed_at_ms": 1_795_567_170_005_i64})
    };
    let text = format!("message {turn} \u{e9}\u{1f600} \"quoted\" \\ back");
    let mut lines = Vec::new();
    let legacy = turn.is_multiple_of(13);
    if !legacy || turn.is_multiple_of(2) {
        let name = if turn % 23 == 1 {
            "turn_started"
        } else {
            "task_started"
        };
        let mut started = json!({"type": name, "turn_id": turn_id, "root_turn_id": turn_id,
            "started_at": 1_795_567_170 + turn as i64, "model_context_window": 258_400,
            "turn_attribution": {"turn_id": turn_id, "parent_turn_id": null}});
        if turn % 29 == 3 {
            started.as_object_mut().expect("object").remove("turn_id");
            started
                .as_object_mut()
                .expect("object")
                .remove("started_at");
        }
        lines.push((kind::EVENT_MSG, started));
    }
    lines.push((
        kind::TURN_CONTEXT,
        json!({"turn_id": turn_id, "cwd": "/work", "approval_policy": "never",
        "model": if turn + 1 == turns { json!(null) } else { json!(format!("model-{}", turn % 3)) },
        "sandbox_policy": {"type": "workspace-write", "network_access": false}}),
    ));
    lines.push((
        kind::RESPONSE_ITEM,
        json!({"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}],
        "internal_chat_message_metadata_passthrough": {"turn_id": turn_id}}),
    ));
    if legacy {
        lines.push((
            kind::EVENT_MSG,
            json!({"type": "user_message", "message": text, "images": ["https://x/y.png"]}),
        ));
        lines.push((
            kind::EVENT_MSG,
            json!({"type": "agent_reasoning", "text": "thinking"}),
        ));
        lines.push((
            kind::EVENT_MSG,
            json!({"type": "exec_command_end", "call_id": format!("c{turn}"), "command": ["ls", "-la"],
            "cwd": "/work", "parsed_cmd": [{"type": "list_files", "cmd": "ls -la", "path": null}],
            "aggregated_output": "", "exit_code": 2, "duration": {"secs": 1, "nanos": 5}}),
        ));
        lines.push((
            kind::EVENT_MSG,
            json!({"type": "agent_message", "message": format!("legacy reply {turn}")}),
        ));
    }
    let mut user = json!({"type": "UserMessage", "id": format!("user-{turn}"),
        "content": [{"type": "text", "text": text, "text_elements": [{"byte_range": {"start": 0, "end": 3}, "placeholder": null}]}]});
    match turn % 17 {
        2 => user["content"]
            .as_array_mut()
            .expect("array")
            .push(json!({"type": "image", "image_url": "data:x"})),
        5 => user["client_id"] = json!(format!("client-{turn}")),
        8 => user["clientId"] = json!("camel"),
        11 => user["id"] = json!(7),
        14 => user["content"] = json!("not an array"),
        _ => {}
    }
    lines.push((kind::EVENT_MSG, item(user)));
    if turn % 5 == 1 {
        lines.push((
            kind::EVENT_MSG,
            item(
                json!({"type": "CommandExecution", "id": format!("call-{turn}"),
            "command": ["/bin/bash", "-lc", "echo 'hi'"], "cwd": "file:///work/a%20b",
            "parsed_cmd": [{"type": "unknown", "cmd": "echo hi"}], "source": "unified_exec_startup",
            "status": "completed", "aggregated_output": "hi\n", "exit_code": 0,
            "duration": {"secs": 0, "nanos": 3_000_000}, "process_id": "42"}),
            ),
        ));
        lines.push((
            kind::EVENT_MSG,
            item(json!({"type": "Reasoning", "id": format!("rs-{turn}"), "summary_text": ["s"], "raw_content": []})),
        ));
    }
    let mut agent = json!({"type": "AgentMessage", "id": format!("msg-{turn}"),
        "content": [{"type": "Text", "text": format!("reply {turn}")}, {"type": "Text", "text": "!"}, 5]});
    match turn % 19 {
        3 => agent["phase"] = json!("final_answer"),
        6 => agent["memory_citation"] = json!({"entries": [1, 2]}),
        9 => agent["phase"] = json!(3),
        12 => agent["delivery"] = json!("async"),
        15 => agent["memoryCitation"] = json!(null),
        _ => {}
    }
    lines.push((kind::EVENT_MSG, item(agent.clone())));
    if turn % 31 == 7 {
        // A re-completed item replaces the earlier one in place.
        agent["content"] = json!([{"type": "Text", "text": "edited"}]);
        lines.push((kind::EVENT_MSG, item(agent)));
    }
    lines.push((
        kind::RESPONSE_ITEM,
        json!({"type": "message", "role": "assistant", "status": "completed", "id": format!("msg-{turn}"),
        "content": [{"type": "output_text", "text": format!("reply {turn}"), "annotations": []}]}),
    ));
    if turn % 9 == 4 {
        lines.push((
            kind::RESPONSE_ITEM,
            json!({"type": "ghost_snapshot", "ghost_commit": {"id": "g"}}),
        ));
        lines.push((
            kind::RESPONSE_ITEM,
            json!({"type": "function_call", "name": "shell", "arguments": "{}", "call_id": "c"}),
        ));
    }
    lines.push((
        kind::TOKEN_USAGE_RECORD,
        json!({"thread_id": thread, "turn_id": turn_id, "usage": {"input_tokens": 100, "total_tokens": 110}}),
    ));
    let info = match turn {
        _ if turn + 1 == turns => json!({"total_token_usage": "malformed"}),
        _ if turn % 4 == 2 => json!(null),
        _ => {
            json!({"total_token_usage": {"input_tokens": 100 * (turn + 1), "total_tokens": 110 * (turn + 1)},
        "last_token_usage": {"input_tokens": 100, "total_tokens": 110}, "model_context_window": 258_400})
        }
    };
    lines.push((
        kind::EVENT_MSG,
        json!({"type": "token_count", "info": info, "rate_limits": null}),
    ));
    let end = match turn % 7 {
        _ if legacy && turn % 2 == 1 => None,
        3 => Some(
            json!({"type": "turn_aborted", "turn_id": turn_id, "reason": "interrupted", "duration_ms": 9}),
        ),
        5 => Some(
            json!({"type": "task_complete", "turn_id": turn_id, "duration_ms": 5,
            "error": {"message": "down", "codex_error_info": {"http_connection_failed": {"http_status_code": 502}}}}),
        ),
        6 if turn.is_multiple_of(2) => Some(
            json!({"type": "turn_complete", "turn_id": turn_id, "completed_at": 1_795_567_999}),
        ),
        _ if turn + 1 == turns => None,
        _ => Some(
            json!({"type": "task_complete", "turn_id": turn_id, "last_agent_message": "x",
            "started_at": 1_795_567_170, "completed_at": 1_795_567_171, "duration_ms": 42}),
        ),
    };
    lines.extend(end.map(|end| (kind::EVENT_MSG, end)));
    match turn {
        150 => lines.push((
            kind::COMPACTED,
            json!({"message": "summary", "replacement_history": [
                {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "kept"}],
                 "internal_chat_message_metadata_passthrough": {}},
                {"type": "ghost_snapshot"}]}),
        )),
        200 => lines.push((kind::COMPACTED, json!({"message": "legacy summary"}))),
        250 => lines.push((
            kind::EVENT_MSG,
            json!({"type": "thread_rolled_back", "num_turns": 2}),
        )),
        _ => {}
    }
    if let Some(goal) = goal_line(&thread, &turn_id, turn, turns) {
        lines.push((kind::EVENT_MSG, goal));
    }
    lines.push((
        kind::WORLD_STATE,
        json!({"full": turn.is_multiple_of(2), "state": {"x": [1, 2.5, -3, true, null, "s"]}}),
    ));
    lines
}

/// Goal lines every few turns: created, accounted, cleared, and near the end a goal line whose
/// goal is malformed, so the goal before it is the thread's.
fn goal_line(thread: &str, turn_id: &str, turn: usize, turns: usize) -> Option<Value> {
    let goal = |status: &str, tokens: usize| {
        json!({"threadId": thread, "objective": format!("goal {turn}"), "status": status,
        "tokensUsed": tokens, "timeUsedSeconds": turn, "createdAt": 1_795_567_170, "updatedAt": 1_795_567_170 + turn})
    };
    match turn % 11 {
        _ if turn + 1 == turns => Some(json!({"type": "thread_goal_updated", "threadId": thread,
            "turnId": turn_id, "goal": {"objective": "no status"}})),
        _ if turn + 5 == turns => Some(json!({"type": "thread_goal_updated", "threadId": thread,
            "goal": goal("budgetLimited", 110 * turn)})),
        2 => Some(json!({"type": "thread_goal_updated", "threadId": thread,
            "turnId": turn_id, "goal": goal("active", 110 * turn)})),
        6 => Some(json!({"type": "thread_goal_cleared", "threadId": thread})),
        9 => {
            let mut budgeted = goal("paused", 0);
            budgeted["tokenBudget"] = json!(5000);
            Some(json!({"type": "thread_goal_updated", "threadId": thread, "goal": budgeted}))
        }
        _ => None,
    }
}

/// Raw lines the writer would never produce, each with a note on what it exercises.
fn odd_lines() -> Vec<(&'static str, Vec<u8>)> {
    let deep = |levels: usize| {
        format!(
            r#"{{"timestamp":"2026-03-02T09:20:00.000Z","type":"world_state","payload":{{"a":{}1{}}}}}"#,
            "[".repeat(levels),
            "]".repeat(levels)
        )
        .into_bytes()
    };
    let line = |text: &str| text.as_bytes().to_vec();
    vec![
        ("blank", line("")),
        ("spaces", line("   \t  ")),
        (
            "form feed is blank to the reader, not JSON whitespace",
            line("\u{c}"),
        ),
        ("garbage", line("not json at all")),
        ("not an envelope", line(r#"{"no":"envelope"}"#)),
        ("array", line("[1,2,3]")),
        (
            "payload before type",
            line(
                r#"{"timestamp":"2026-03-02T09:20:00.000Z","payload":{"type":"task_started","turn_id":"odd-1"},"type":"event_msg"}"#,
            ),
        ),
        (
            "envelope as a sequence",
            line(
                r#"["2026-03-02T09:20:00.000Z",null,"event_msg",{"type":"task_complete","turn_id":"odd-1"}]"#,
            ),
        ),
        (
            "duplicate envelope key",
            line(
                r#"{"timestamp":"2026-03-02T09:20:00.000Z","type":"event_msg","type":"event_msg","payload":{}}"#,
            ),
        ),
        (
            "negative ordinal",
            line(
                r#"{"timestamp":"2026-03-02T09:20:00.000Z","ordinal":-1,"type":"event_msg","payload":{}}"#,
            ),
        ),
        (
            "number out of range in a skipped payload",
            line(
                r#"{"timestamp":"2026-03-02T09:20:00.000Z","type":"token_usage_record","payload":{"n":1e400}}"#,
            ),
        ),
        (
            "huge integer, still a valid f64",
            line(&format!(
                r#"{{"timestamp":"2026-03-02T09:20:00.000Z","type":"token_usage_record","payload":{{"n":{}}}}}"#,
                "9".repeat(300)
            )),
        ),
        (
            "lone surrogate",
            line(
                r#"{"timestamp":"2026-03-02T09:20:00.000Z","type":"event_msg","payload":{"type":"task_started","turn_id":"\ud800"}}"#,
            ),
        ),
        (
            "surrogate pair and escapes",
            line(
                r#"{"timestamp":"2026-03-02T09:20:00.000Z","type":"event_msg","payload":{"type":"item_completed","thread_id":"t","turn_id":"odd-1","item":{"type":"UserMessage","id":"odd-u","content":[{"type":"text","text":"\ud83d\ude00 \u00e9\n\"x\""}]}}}"#,
            ),
        ),
        (
            "escaped keys",
            line(
                r#"{"t\u0069mestamp":"2026-03-02T09:20:00.000Z","type":"event_msg","payload":{"\u0074ype":"task_complete","turn_\u0069d":"odd-1"}}"#,
            ),
        ),
        (
            "duplicate payload keys: the last wins",
            line(
                r#"{"timestamp":"2026-03-02T09:20:00.000Z","type":"event_msg","payload":{"type":"task_started","turn_id":"first","turn_id":"odd-2","started_at":1,"started_at":"x"}}"#,
            ),
        ),
        (
            "repeated type in a payload",
            line(
                r#"{"timestamp":"2026-03-02T09:20:00.000Z","type":"event_msg","payload":{"type":"token_count","info":{},"type":"task_complete"}}"#,
            ),
        ),
        (
            "item whose type is not first",
            line(
                r#"{"timestamp":"2026-03-02T09:20:00.000Z","type":"event_msg","payload":{"type":"item_completed","thread_id":"t","item":{"id":"odd-a","type":"AgentMessage","content":[{"text":"late type"}]}}}"#,
            ),
        ),
        (
            "event whose type is not first",
            line(
                r#"{"timestamp":"2026-03-02T09:20:00.000Z","type":"event_msg","payload":{"turn_id":"odd-2","type":"task_complete"}}"#,
            ),
        ),
        (
            "non-object payloads",
            line(
                r#"{"timestamp":"2026-03-02T09:20:00.000Z","type":"event_msg","payload":[{"type":"task_started"}]}"#,
            ),
        ),
        (
            "non-object response item",
            line(
                r#"{"timestamp":"2026-03-02T09:20:00.000Z","type":"response_item","payload":"text"}"#,
            ),
        ),
        (
            "response item with duplicate keys",
            line(
                r#"{"timestamp":"2026-03-02T09:20:00.000Z","type":"response_item","payload":{"type":"message","role":"user","internal_chat_message_metadata_passthrough":1,"content":[],"role":"developer","internal_chat_message_metadata_passthrough":2}}"#,
            ),
        ),
        (
            "metadata and unknown envelope keys",
            line(
                r#"{"timestamp":"2026-03-02T09:20:00.000Z","extra":[1,{"a":2}],"type":"response_item","payload":{"type":"reasoning","summary":[]},"metadata":{"history_sequence":3}}"#,
            ),
        ),
        ("no timestamp", line(r#"{"type":"event_msg","payload":{}}"#)),
        (
            "timestamp not a string",
            line(r#"{"timestamp":5,"type":"event_msg","payload":{}}"#),
        ),
        (
            "bad line time",
            line(
                r#"{"timestamp":"yesterday","type":"event_msg","payload":{"type":"task_complete","turn_id":"odd-2"}}"#,
            ),
        ),
        (
            "trailing characters",
            line(r#"{"timestamp":"2026-03-02T09:20:00.000Z","type":"event_msg","payload":{}} x"#),
        ),
        (
            "crlf",
            line(
                "{\"timestamp\":\"2026-03-02T09:20:00.000Z\",\"type\":\"event_msg\",\"payload\":{\"type\":\"task_started\",\"turn_id\":\"odd-3\"}}\r",
            ),
        ),
        ("deepest valid nesting", deep(125)),
        ("one level too deep", deep(126)),
        ("invalid UTF-8 in a payload string", {
            let mut bytes = line(
                r#"{"timestamp":"2026-03-02T09:20:00.000Z","type":"turn_context","payload":{"model":"x"#,
            );
            bytes.extend_from_slice(b"\xff\"}}");
            bytes
        }),
        (
            "invalid UTF-8 in a skipped envelope key (valid for the derived reader)",
            {
                let mut bytes = line(r#"{"timestamp":"2026-03-02T09:20:00.000Z","junk":""#);
                bytes.extend_from_slice(b"\xff\xfe");
                bytes.extend_from_slice(
                    br#"","type":"event_msg","payload":{"type":"task_started","turn_id":"odd-4"}}"#,
                );
                bytes
            },
        ),
        // With `serde_json`'s `raw_value` feature (enabled in the workspace), a `Value` parse
        // turns an object whose first key is this token into the JSON inside its one string.
        (
            "raw value in a checked payload",
            line(
                r#"{"timestamp":"2026-03-02T09:20:00.000Z","type":"token_usage_record","payload":{"u":{"$serde_json::private::RawValue":"[1,{\"a\":2}]"}}}"#,
            ),
        ),
        (
            "raw value holding invalid JSON",
            line(
                r#"{"timestamp":"2026-03-02T09:20:00.000Z","type":"token_usage_record","payload":{"u":{"$serde_json::private::RawValue":"[1,"}}}"#,
            ),
        ),
        (
            "raw value with a second entry",
            line(
                r#"{"timestamp":"2026-03-02T09:20:00.000Z","type":"turn_context","payload":{"u":{"$serde_json::private::RawValue":"1","b":2}}}"#,
            ),
        ),
        (
            "raw value that is not a string",
            line(
                r#"{"timestamp":"2026-03-02T09:20:00.000Z","type":"turn_context","payload":{"u":{"$serde_json::private::RawValue":1}}}"#,
            ),
        ),
        (
            "raw value as a field read as a leaf",
            line(
                r#"{"timestamp":"2026-03-02T09:20:00.000Z","type":"event_msg","payload":{"type":"task_started","turn_id":{"$serde_json::private::RawValue":"\"raw-turn\""},"started_at":{"$serde_json::private::RawValue":"77"}}}"#,
            ),
        ),
        (
            "raw value as a null info",
            line(
                r#"{"timestamp":"2026-03-02T09:20:00.000Z","type":"event_msg","payload":{"type":"token_count","info":{"$serde_json::private::RawValue":"null"}}}"#,
            ),
        ),
        (
            "raw value as a history item",
            line(
                r#"{"timestamp":"2026-03-02T09:20:00.000Z","type":"response_item","payload":{"$serde_json::private::RawValue":"{\"type\":\"message\",\"role\":\"user\",\"content\":[{\"$serde_json::private::RawValue\":\"{\\\"type\\\":\\\"input_text\\\",\\\"text\\\":\\\"raw\\\"}\"}],\"internal_chat_message_metadata_passthrough\":1}"}}"#,
            ),
        ),
        (
            "raw value as an item",
            line(
                r#"{"timestamp":"2026-03-02T09:20:00.000Z","type":"event_msg","payload":{"type":"item_completed","thread_id":"t","turn_id":"raw-turn","item":{"$serde_json::private::RawValue":"{\"type\":\"UserMessage\",\"id\":\"raw-u\",\"content\":[{\"type\":\"text\",\"text\":\"from raw\"}]}"}}}"#,
            ),
        ),
        (
            "raw value as an agent content part",
            line(
                r#"{"timestamp":"2026-03-02T09:20:00.000Z","type":"event_msg","payload":{"type":"item_completed","thread_id":"t","turn_id":"raw-turn","item":{"type":"AgentMessage","id":"raw-a","content":[{"$serde_json::private::RawValue":"{\"text\":\"part\"}"},{"text":"!"}]}}}"#,
            ),
        ),
        (
            "raw value as a user input",
            line(
                r#"{"timestamp":"2026-03-02T09:20:00.000Z","type":"event_msg","payload":{"type":"item_completed","thread_id":"t","turn_id":"raw-turn","item":{"type":"UserMessage","id":"raw-u2","content":[{"$serde_json::private::RawValue":"{\"type\":\"text\",\"text\":\"in\"}"}]}}}"#,
            ),
        ),
        (
            "goal line whose type is not first",
            line(
                r#"{"timestamp":"2026-03-02T09:20:00.000Z","type":"event_msg","payload":{"threadId":"t","type":"thread_goal_cleared"}}"#,
            ),
        ),
        (
            "goal line with a repeated type",
            line(
                r#"{"timestamp":"2026-03-02T09:20:00.000Z","type":"event_msg","payload":{"type":"thread_goal_cleared","type":"task_started","turn_id":"odd-5"}}"#,
            ),
        ),
        (
            "goal type spelled with escapes",
            line(
                r#"{"timestamp":"2026-03-02T09:20:00.000Z","type":"event_msg","payload":{"type":"thread\u005fgoal_updated","goal":{"threadId":"t","objective":"escaped","status":"paused","tokensUsed":1,"timeUsedSeconds":2,"createdAt":3,"updatedAt":4}}}"#,
            ),
        ),
        (
            "a last turn_context that is invalid",
            line(
                r#"{"timestamp":"2026-03-02T09:20:00.000Z","type":"turn_context","payload":{"model":"bad","n":-1e999}}"#,
            ),
        ),
    ]
}

/// Inserts `extra` lines into the file: the n-th one after the (n * stride)-th line.
fn splice_lines(path: &Path, extra: &[(&str, Vec<u8>)], stride: usize) {
    let original = std::fs::read(path).expect("read");
    let mut lines: Vec<&[u8]> = original.split(|&byte| byte == b'\n').collect();
    if lines.last().is_some_and(|last| last.is_empty()) {
        lines.pop();
    }
    let mut out = Vec::new();
    let mut pending = extra.iter();
    for (index, line) in lines.iter().enumerate() {
        out.extend_from_slice(line);
        out.push(b'\n');
        if index > 0
            && index.is_multiple_of(stride)
            && let Some((_, bytes)) = pending.next()
        {
            out.extend_from_slice(bytes);
            out.push(b'\n');
        }
    }
    for (_, bytes) in pending {
        out.extend_from_slice(bytes);
        out.push(b'\n');
    }
    std::fs::write(path, out).expect("write");
}

#[test]
fn odd_lines_are_what_the_tests_say_they_are() {
    // The boundary lines must really sit on both sides of the boundary, or they test nothing.
    let valid = |bytes: &[u8]| weft_store::line::RolloutLine::parse(bytes).is_some();
    let lines = odd_lines();
    let find = |note: &str| {
        &lines
            .iter()
            .find(|(line_note, _)| *line_note == note)
            .expect(note)
            .1
    };
    assert!(valid(find("deepest valid nesting")));
    assert!(!valid(find("one level too deep")));
    assert!(!valid(find("number out of range in a skipped payload")));
    assert!(valid(find("huge integer, still a valid f64")));
    assert!(!valid(find("lone surrogate")));
    assert!(valid(find("envelope as a sequence")));
    assert!(valid(find(
        "invalid UTF-8 in a skipped envelope key (valid for the derived reader)"
    )));
    assert!(!valid(find("invalid UTF-8 in a payload string")));
    assert!(!valid(find("a last turn_context that is invalid")));
    assert!(
        valid(find("raw value in a checked payload")),
        "raw_value is on"
    );
    assert!(!valid(find("raw value holding invalid JSON")));
    assert!(!valid(find("raw value with a second entry")));
    assert!(!valid(find("raw value that is not a string")));
}

#[test]
fn a_long_generated_rollout_digests_like_it_reads() {
    let test_home = TestHome::new();
    let path = test_home.home.sessions_dir().join("long.jsonl");
    write_long_rollout(&path, 300);
    splice_lines(&path, &odd_lines(), 97);
    // An open last turn, then a torn last line, as a crash mid-write leaves them.
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .expect("open");
    file.write_all(br#"{"timestamp":"2026-03-02T09:30:00.000Z","type":"event_msg","payload":{"type":"task_started","turn_id":"open"}}"#)
        .expect("write");
    file.write_all(b"\n").expect("write");
    file.write_all(
        br#"{"timestamp":"2026-03-02T09:30:00.000Z","type":"event_msg","payload":{"type":"task_st"#,
    )
    .expect("write");
    drop(file);
    assert_digest_matches(&path);
    let rollout = read_rollout(&path).expect("read");
    let digest = digest_rollout(&path).expect("digest");
    // The file exercises what it claims to.
    assert!(digest.skipped_lines >= 10, "{}", digest.skipped_lines);
    assert!(digest.turns.len() > 250);
    assert!(digest.model_history.len() > 100);
    assert_eq!(
        digest.last_token_usage,
        rollout.last_token_usage(),
        "the last usage is malformed, so an earlier one counts"
    );
    assert!(digest.last_token_usage.is_some());
    assert_eq!(
        digest.last_model, None,
        "the last turn_context has no model"
    );
    let goal = digest.last_goal.as_ref().expect("a goal");
    assert_eq!(
        (goal.objective.as_str(), goal.status),
        ("escaped", weft_protocol::v2::ThreadGoalStatus::Paused),
        "the last goal line spells its type with escapes (spliced after the turns)"
    );
    let statuses: std::collections::BTreeSet<String> = digest
        .turns
        .iter()
        .map(|turn| format!("{:?}", turn.status))
        .collect();
    assert_eq!(statuses.len(), 4, "{statuses:?}");
}

#[test]
fn errors_are_the_same() {
    let test_home = TestHome::new();
    let path = test_home.home.root().join("x.jsonl");
    let cases: [&[u8]; 5] = [
        b"",
        b"\n  \n\n",
        b"garbage\n",
        br#"{"timestamp":"x","type":"event_msg","payload":{"type":"task_started"}}"#,
        br#"{"timestamp":"x","type":"session_meta","payload":{"id":"not-a-uuid","timestamp":"2026-11-25T00:52:27.760Z"}}"#,
    ];
    for bytes in cases {
        std::fs::write(&path, bytes).expect("write");
        assert_digest_matches(&path);
    }
    let missing = test_home.home.root().join("missing.jsonl");
    assert!(digest_rollout(&missing).is_err());
}

#[test]
fn a_session_meta_after_the_first_piece_still_seeds_the_turns() {
    let test_home = TestHome::new();
    let path = test_home.home.root().join("late-meta.jsonl");
    let mut text = String::new();
    for turn in 0..200 {
        // No turn ids: they are derived from the thread id and the line position.
        text.push_str(&format!(
            r#"{{"timestamp":"2026-03-02T09:20:00.000Z","type":"event_msg","payload":{{"type":"task_started","n":{turn}}}}}"#
        ));
        text.push('\n');
    }
    text.push_str(&format!(
        r#"{{"timestamp":"2026-03-02T09:20:00.000Z","type":"session_meta","payload":{{"id":"{THREAD}","timestamp":"2026-03-02T09:15:00.000Z"}}}}"#
    ));
    text.push('\n');
    std::fs::write(&path, text).expect("write");
    assert_digest_matches(&path);
    assert_eq!(digest_rollout(&path).expect("digest").turns.len(), 200);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_digest_like_they_read(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let test_home = TestHome::new();
        let path = test_home.home.root().join("rollout.jsonl");
        std::fs::write(&path, &bytes).expect("write");
        assert_digest_matches(&path);
    }

    #[test]
    fn json_shaped_lines_digest_like_they_read(
        lines in proptest::collection::vec(json_line(), 0..24),
        threads_max in 1usize..4,
        block_bytes in 1usize..96,
    ) {
        let test_home = TestHome::new();
        let path = test_home.home.root().join("rollout.jsonl");
        let meta = format!(
            r#"{{"timestamp":"2026-03-02T09:20:00.000Z","type":"session_meta","payload":{{"id":"{THREAD}","timestamp":"2026-03-02T09:15:00.000Z"}}}}"#
        );
        let text = std::iter::once(meta).chain(lines).collect::<Vec<_>>().join("\n");
        std::fs::write(&path, text).expect("write");
        let options = DigestOptions { threads_max, region_bytes_min: 1, block_bytes, ..DigestOptions::default() };
        assert_digest_matches_with(&path, &[options]);
    }
}

/// Envelopes with the kinds, payload types, keys and value shapes the digest treats specially,
/// in any order and with repeats.
fn json_line() -> impl Strategy<Value = String> {
    let kinds = prop_oneof![
        Just("event_msg"),
        Just("event_msg"),
        Just("response_item"),
        Just("compacted"),
        Just("turn_context"),
        Just("session_meta"),
        Just("token_usage_record"),
    ];
    let payload_types = prop_oneof![
        Just("task_started"),
        Just("turn_started"),
        Just("task_complete"),
        Just("turn_aborted"),
        Just("item_completed"),
        Just("item_completed"),
        Just("token_count"),
        Just("user_message"),
        Just("agent_message"),
        Just("thread_rolled_back"),
        Just("thread_goal_updated"),
        Just("thread_goal_cleared"),
        Just("message"),
        Just("ghost_snapshot"),
        Just("other"),
    ];
    let values = prop_oneof![
        Just("null".to_owned()),
        Just("1".to_owned()),
        Just("-7".to_owned()),
        Just("2.5".to_owned()),
        Just("18446744073709551615".to_owned()),
        Just("1e400".to_owned()),
        Just("\"x\"".to_owned()),
        Just("\"\\ud800\"".to_owned()),
        Just("\"t1\"".to_owned()),
        Just("[]".to_owned()),
        Just("{}".to_owned()),
        Just("[{\"type\":\"text\",\"text\":\"hi\"},{\"type\":\"image\"}]".to_owned()),
        Just("[{\"type\":\"text\",\"text\":\"hi\",\"text_elements\":[{\"byte_range\":1}]}]".to_owned()),
        Just("{\"type\":\"UserMessage\",\"id\":\"u\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}".to_owned()),
        Just("{\"type\":\"UserMessage\",\"id\":\"u\",\"content\":[{\"type\":\"text\",\"text\":5,\"text_elements\":{}}],\"client_id\":7}".to_owned()),
        Just("{\"type\":\"AgentMessage\",\"id\":\"a\",\"content\":[{\"text\":\"x\"},{\"text\":1},\"y\"],\"phase\":null}".to_owned()),
        Just("{\"type\":\"AgentMessage\",\"id\":\"a\",\"content\":[],\"phase\":\"p\",\"memory_citation\":[1]}".to_owned()),
        Just("{\"id\":\"a\",\"type\":\"AgentMessage\"}".to_owned()),
        Just("{\"type\":\"CommandExecution\",\"id\":\"c\",\"command\":[1,\"a\"],\"duration\":{\"secs\":-1}}".to_owned()),
        Just("{\"total_token_usage\":{\"input_tokens\":3},\"model_context_window\":9}".to_owned()),
        Just("{\"message\":\"m\",\"code\":\"c\"}".to_owned()),
        Just("\"01a21030-8fed-7970-b7d8-7ebbe08e4e7c\"".to_owned()),
        Just(r#"{"threadId":"t","objective":"o","status":"active","tokensUsed":1,"timeUsedSeconds":0,"createdAt":1,"updatedAt":2}"#.to_owned()),
        Just(r#"{"threadId":"t","objective":"o","status":"stuck","tokensUsed":1,"timeUsedSeconds":0,"createdAt":1,"updatedAt":2}"#.to_owned()),
        // Raw values (serde_json's `raw_value` feature): valid, invalid, and as items.
        Just(r#"{"$serde_json::private::RawValue":"5"}"#.to_owned()),
        Just(r#"{"$serde_json::private::RawValue":"null"}"#.to_owned()),
        Just(r#"{"$serde_json::private::RawValue":"\"t1\""}"#.to_owned()),
        Just(r#"{"$serde_json::private::RawValue":"[1"}"#.to_owned()),
        Just(r#"{"$serde_json::private::RawValue":1}"#.to_owned()),
        Just(r#"{"$serde_json::private::RawValue":"1","x":2}"#.to_owned()),
        Just(r#"{"$serde_json::private::RawValue":"{\"type\":\"UserMessage\",\"id\":\"r\",\"content\":[{\"type\":\"text\",\"text\":\"raw\"}]}"}"#.to_owned()),
        Just(r#"{"type":"AgentMessage","id":"a","content":[{"$serde_json::private::RawValue":"{\"text\":\"p\"}"}]}"#.to_owned()),
    ];
    let keys = prop_oneof![
        Just("type"),
        Just("turn_id"),
        Just("root_turn_id"),
        Just("thread_id"),
        Just("item"),
        Just("info"),
        Just("error"),
        Just("message"),
        Just("num_turns"),
        Just("started_at"),
        Just("completed_at_ms"),
        Just("replacement_history"),
        Just("content"),
        Just("model"),
        Just("goal"),
        Just("internal_chat_message_metadata_passthrough"),
    ];
    (
        kinds,
        payload_types,
        proptest::collection::vec((keys, values), 0..6),
        any::<bool>(),
        proptest::bool::weighted(0.1),
    )
        .prop_map(|(line_kind, payload_type, fields, type_last, raw_payload)| {
            let mut body: Vec<String> = fields
                .iter()
                .map(|(key, value)| format!("\"{key}\":{value}"))
                .collect();
            body.insert(0, format!("\"type\":\"{payload_type}\""));
            let mut payload = format!("{{{}}}", body.join(","));
            if raw_payload {
                // The whole payload as a raw value: a JSON string holding the payload.
                payload = format!(
                    r#"{{"$serde_json::private::RawValue":{}}}"#,
                    Value::String(payload)
                );
            }
            if type_last {
                format!(r#"{{"timestamp":"2026-11-25T00:52:27.760Z","payload":{payload},"type":"{line_kind}"}}"#)
            } else {
                format!(r#"{{"timestamp":"2026-11-25T00:52:27.760Z","type":"{line_kind}","payload":{payload}}}"#)
            }
        })
}
