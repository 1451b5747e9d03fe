//! `session_index.jsonl`: newest name wins, torn lines, reference format.

use std::io::Write;

use serde_json::Value;
use weft_store::{append_thread_name, read_thread_names, thread_name};

use crate::support::{TestHome, ThreadSpec, at};

#[test]
fn newest_line_per_id_wins() {
    let test_home = TestHome::new();
    let home = &test_home.home;
    let (one, two) = (ThreadSpec::numbered(1).id, ThreadSpec::numbered(2).id);
    assert!(
        read_thread_names(home).expect("read").is_empty(),
        "no file, no names"
    );
    append_thread_name(home, one, "first", at(0)).expect("append");
    append_thread_name(home, two, "other", at(1)).expect("append");
    append_thread_name(home, one, "renamed", at(2)).expect("append");
    let names = read_thread_names(home).expect("read");
    assert_eq!(names.len(), 2);
    assert_eq!(names[&one], "renamed");
    assert_eq!(
        thread_name(home, two).expect("read").as_deref(),
        Some("other")
    );
    assert_eq!(
        thread_name(home, ThreadSpec::numbered(3).id).expect("read"),
        None
    );
}

#[test]
fn lines_use_the_reference_shape() {
    let test_home = TestHome::new();
    let id = ThreadSpec::numbered(1).id;
    let entry = append_thread_name(&test_home.home, id, "My thread", at(0)).expect("append");
    assert_eq!(entry.updated_at, "2026-03-02T09:15:00.000000000Z");
    let text = std::fs::read_to_string(test_home.home.session_index_path()).expect("read");
    let line: Value = serde_json::from_str(text.trim_end()).expect("json");
    let keys: Vec<&String> = line.as_object().expect("object").keys().collect();
    assert_eq!(keys, ["id", "thread_name", "updated_at"]);
    assert_eq!(line["id"], id.to_string());
}

#[test]
fn a_torn_line_is_skipped_and_terminated_before_the_next_append() {
    let test_home = TestHome::new();
    let home = &test_home.home;
    let id = ThreadSpec::numbered(1).id;
    append_thread_name(home, id, "kept", at(0)).expect("append");
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(home.session_index_path())
        .expect("open");
    file.write_all(br#"{"id":"0190"#).expect("write");
    drop(file);
    assert_eq!(
        thread_name(home, id).expect("read").as_deref(),
        Some("kept")
    );
    append_thread_name(home, id, "after crash", at(1)).expect("append");
    assert_eq!(
        thread_name(home, id).expect("read").as_deref(),
        Some("after crash")
    );
    let text = std::fs::read_to_string(home.session_index_path()).expect("read");
    assert_eq!(text.lines().count(), 3);
}
