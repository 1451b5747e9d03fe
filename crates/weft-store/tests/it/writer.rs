//! The append side: line format, round trips, torn tails, legacy files.

use std::io::Write;

use serde_json::{Value, json};
use weft_protocol::v2::TurnStatus;
use weft_store::line::{RolloutLine, kind};
use weft_store::{RolloutWriter, WriteError, read_rollout};

use crate::support::{TestHome, ThreadSpec, at, turn_lines};

#[test]
fn create_writes_session_meta_as_line_zero_in_reference_key_order() {
    let test_home = TestHome::new();
    let spec = ThreadSpec::numbered(1);
    let path = spec.path(&test_home.home);
    let writer = RolloutWriter::create_at(&path, spec.session_meta(), at(0)).expect("create");
    assert_eq!(writer.next_ordinal(), Some(1));
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(text.starts_with(r#"{"timestamp":"2026-03-02T09:15:00.000Z","ordinal":0,"type":"session_meta","payload":{"session_id":"#), "{text}");
    assert!(text.ends_with("}\n"));
    assert_eq!(text.matches('\n').count(), 1);
    let folder = path.parent().expect("folder");
    assert!(folder.starts_with(test_home.home.sessions_dir()));
}

#[test]
fn create_refuses_an_existing_file() {
    let test_home = TestHome::new();
    let spec = ThreadSpec::numbered(1);
    let path = spec.write(&test_home.home);
    let error = RolloutWriter::create(&path, spec.session_meta()).expect_err("exists");
    assert!(matches!(error, WriteError::AlreadyExists { .. }), "{error}");
}

#[test]
fn writer_reader_round_trip() {
    let test_home = TestHome::new();
    let mut spec = ThreadSpec::numbered(7);
    spec.messages = vec!["first message".to_owned(), "second message".to_owned()];
    let path = spec.write(&test_home.home);
    let rollout = read_rollout(&path).expect("read");
    assert_eq!(rollout.meta().id, spec.id);
    assert_eq!(rollout.preview(), "first message");
    assert_eq!(rollout.lines().len(), 1 + 2 * 8);
    let ordinals: Vec<u64> = rollout
        .lines()
        .iter()
        .filter_map(|line| line.ordinal)
        .collect();
    assert_eq!(ordinals, (0..17).collect::<Vec<u64>>());
    let turns = rollout.turns();
    assert_eq!(turns.len(), 2);
    assert!(
        turns
            .iter()
            .all(|turn| turn.status == TurnStatus::Completed && turn.items.len() == 2)
    );
    assert_eq!(
        rollout
            .last_token_usage()
            .expect("usage")
            .total
            .total_tokens,
        220
    );
    assert_eq!(rollout.last_model(), Some("model-1"));
    // The reader keeps every payload exactly as written (key order included).
    let written = turn_lines(spec.id, 0, "first message", at(0));
    assert_eq!(rollout.lines()[3].payload, written[2].1);
    let keys: Vec<&String> = rollout.lines()[3]
        .payload
        .as_object()
        .expect("object")
        .keys()
        .collect();
    assert_eq!(
        keys,
        [
            "type",
            "id",
            "role",
            "content",
            "internal_chat_message_metadata_passthrough"
        ]
    );
}

#[test]
fn line_serialisation_omits_missing_ordinal_and_metadata() {
    let line = RolloutLine {
        timestamp: "2026-11-25T00:39:29.365Z".to_owned(),
        ordinal: None,
        kind: kind::EVENT_MSG.to_owned(),
        payload: json!({"type": "task_started", "b": 1, "a": 2}),
        metadata: None,
    };
    let text = String::from_utf8(line.to_jsonl().expect("encode")).expect("utf8");
    assert_eq!(
        text,
        "{\"timestamp\":\"2026-11-25T00:39:29.365Z\",\"type\":\"event_msg\",\"payload\":{\"type\":\"task_started\",\"b\":1,\"a\":2}}\n"
    );
    assert_eq!(RolloutLine::parse(text.trim_end().as_bytes()), Some(line));
}

#[test]
fn truncated_last_line_keeps_everything_before_and_next_append_starts_fresh() {
    let test_home = TestHome::new();
    let spec = ThreadSpec::numbered(3);
    let path = spec.write(&test_home.home);
    let intact = read_rollout(&path).expect("read");
    // A crash mid-write: half of a line, no newline.
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .expect("open");
    file.write_all(br#"{"timestamp":"2026-03-02T09:20:00.000Z","ordinal":9,"type":"event_ms"#)
        .expect("write");
    drop(file);
    let torn = read_rollout(&path).expect("read torn");
    assert_eq!(torn.lines(), intact.lines());
    assert_eq!(torn.skipped_lines(), 1);
    assert_eq!(torn.turns(), intact.turns());

    let mut writer = RolloutWriter::open_append(&path).expect("reopen");
    assert_eq!(
        writer.next_ordinal(),
        Some(9),
        "the torn line does not count"
    );
    let ordinal = writer
        .append_at(
            at(300),
            kind::EVENT_MSG,
            json!({"type": "task_started", "turn_id": "t-next"}),
        )
        .expect("append");
    assert_eq!(ordinal, Some(9));
    let text = std::fs::read_to_string(&path).expect("read");
    let last_two: Vec<&str> = text.lines().rev().take(2).collect();
    assert!(
        last_two[1].ends_with(r#""type":"event_ms"#),
        "the fragment stays as its own line"
    );
    let appended: Value = serde_json::from_str(last_two[0]).expect("appended line is whole");
    assert_eq!(appended["ordinal"], 9);
    let reread = read_rollout(&path).expect("reread");
    assert_eq!(reread.skipped_lines(), 1);
    assert_eq!(reread.lines().len(), intact.lines().len() + 1);
}

#[test]
fn reopen_after_a_clean_end_appends_without_blank_line() {
    let test_home = TestHome::new();
    let path = ThreadSpec::numbered(4).write(&test_home.home);
    let mut writer = RolloutWriter::open_append(&path).expect("reopen");
    writer
        .append(
            kind::EVENT_MSG,
            json!({"type": "token_count", "info": null}),
        )
        .expect("append");
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(!text.contains("\n\n"));
    assert_eq!(read_rollout(&path).expect("read").skipped_lines(), 0);
}

#[test]
fn legacy_files_get_no_ordinals() {
    let test_home = TestHome::new();
    let mut spec = ThreadSpec::numbered(5);
    spec.paginated = false;
    let path = spec.write(&test_home.home);
    let rollout = read_rollout(&path).expect("read");
    assert!(rollout.lines().iter().all(|line| line.ordinal.is_none()));
    let mut writer = RolloutWriter::open_append(&path).expect("reopen");
    assert!(!writer.is_paginated());
    assert_eq!(
        writer
            .append(kind::EVENT_MSG, json!({"type": "task_started"}))
            .expect("append"),
        None
    );
}

#[test]
fn open_append_rejects_empty_and_garbage_files() {
    let test_home = TestHome::new();
    let folder = test_home.home.sessions_dir();
    std::fs::create_dir_all(&folder).expect("mkdir");
    let empty = folder.join("empty.jsonl");
    std::fs::write(&empty, b"").expect("write");
    assert!(matches!(
        RolloutWriter::open_append(&empty),
        Err(WriteError::EmptyFile { .. })
    ));
    let garbage = folder.join("garbage.jsonl");
    std::fs::write(&garbage, b"not json\n{\"also\": \"not a line\"}\n").expect("write");
    assert!(matches!(
        RolloutWriter::open_append(&garbage),
        Err(WriteError::NoValidLine { .. })
    ));
    let missing = folder.join("missing.jsonl");
    assert!(matches!(
        RolloutWriter::open_append(&missing),
        Err(WriteError::Io { action: "open", .. })
    ));
}

#[test]
fn many_broken_tail_lines_fall_back_to_a_full_scan() {
    let test_home = TestHome::new();
    let path = ThreadSpec::numbered(6).write(&test_home.home);
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .expect("open");
    // More than one tail chunk of garbage, so the backwards scan gives up.
    for _ in 0..10_000 {
        file.write_all(b"garbage line\n").expect("write");
    }
    drop(file);
    let writer = RolloutWriter::open_append(&path).expect("reopen");
    assert_eq!(writer.next_ordinal(), Some(9));
}
