//! Property tests: whatever the bytes, reading never panics and never loses a valid prefix.

use std::io::Cursor;

use proptest::prelude::*;
use weft_store::{RolloutWriter, parse_rollout, summarize_rollout};

use crate::support::{TestHome, ThreadSpec};

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn parsing_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        if let Ok(rollout) = parse_rollout(Cursor::new(&bytes)) {
            let _ = rollout.turns();
            let _ = rollout.model_history();
            let _ = rollout.preview();
            let _ = rollout.last_token_usage();
        }
    }

    #[test]
    fn summarising_and_reopening_arbitrary_files_never_panics(
        bytes in proptest::collection::vec(any::<u8>(), 0..2048),
    ) {
        let test_home = TestHome::new();
        let path = test_home.home.root().join("rollout.jsonl");
        std::fs::write(&path, &bytes).expect("write");
        let _ = summarize_rollout(&path);
        let _ = weft_store::read_rollout(&path);
        if let Ok(mut writer) = RolloutWriter::open_append(&path) {
            let _ = writer.append("event_msg", serde_json::json!({"type": "token_count", "info": null}));
        }
    }

    #[test]
    fn json_shaped_garbage_never_panics(lines in proptest::collection::vec(json_line(), 0..20)) {
        let text = lines.join("\n");
        if let Ok(rollout) = parse_rollout(Cursor::new(text.as_bytes())) {
            let _ = rollout.turns();
            let _ = rollout.model_history();
            let _ = rollout.last_token_usage();
        }
    }

    #[test]
    fn any_tail_after_a_valid_rollout_keeps_the_prefix(tail in proptest::collection::vec(any::<u8>(), 0..512)) {
        let test_home = TestHome::new();
        let path = ThreadSpec::numbered(1).write(&test_home.home);
        let intact = std::fs::read(&path).expect("read");
        let mut damaged = intact.clone();
        damaged.extend_from_slice(&tail);
        std::fs::write(&path, &damaged).expect("write");
        let rollout = weft_store::read_rollout(&path).expect("still readable");
        prop_assert!(rollout.lines().len() >= 9);
        prop_assert_eq!(rollout.preview(), "message 1");
        let summary = summarize_rollout(&path).expect("summary");
        prop_assert_eq!(summary.preview, "message 1");
        let _ = RolloutWriter::open_append(&path).map(|writer| writer.next_ordinal());
    }
}

/// Lines that are JSON envelopes with random kinds and payload shapes.
fn json_line() -> impl Strategy<Value = String> {
    let kinds = prop_oneof![
        Just("session_meta"),
        Just("event_msg"),
        Just("response_item"),
        Just("compacted"),
        Just("turn_context"),
        Just("other"),
    ];
    let payload_types = prop_oneof![
        Just("task_started"),
        Just("task_complete"),
        Just("turn_aborted"),
        Just("item_completed"),
        Just("user_message"),
        Just("agent_message"),
        Just("exec_command_end"),
        Just("token_count"),
        Just("thread_rolled_back"),
        Just("message"),
    ];
    let values = prop_oneof![
        Just("null".to_owned()), Just("1".to_owned()), Just("-7".to_owned()), Just("\"x\"".to_owned()),
        Just("[]".to_owned()), Just("{}".to_owned()), Just("[{\"type\":\"text\"}]".to_owned()),
        Just("{\"type\":\"UserMessage\",\"id\":\"u\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}".to_owned()),
        Just("{\"type\":\"CommandExecution\",\"id\":\"c\",\"command\":[1,\"a\"],\"duration\":{\"secs\":-1}}".to_owned()),
        Just("\"01a21030-8fed-7970-b7d8-7ebbe08e4e7c\"".to_owned()),
        Just("\"2026-11-25T00:52:27.760Z\"".to_owned()),
    ];
    let keys = prop_oneof![
        Just("id"),
        Just("timestamp"),
        Just("thread_id"),
        Just("turn_id"),
        Just("item"),
        Just("info"),
        Just("error"),
        Just("message"),
        Just("num_turns"),
        Just("replacement_history"),
        Just("content"),
        Just("source"),
        Just("history_mode"),
    ];
    (kinds, payload_types, proptest::collection::vec((keys, values), 0..6)).prop_map(|(kind, payload_type, fields)| {
        let body: Vec<String> = fields.iter().map(|(key, value)| format!("\"{key}\":{value}")).collect();
        let extra = if body.is_empty() { String::new() } else { format!(",{}", body.join(",")) };
        format!(
            "{{\"timestamp\":\"2026-11-25T00:52:27.760Z\",\"type\":\"{kind}\",\"payload\":{{\"type\":\"{payload_type}\"{extra}}}}}"
        )
    })
}
