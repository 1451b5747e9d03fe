//! The SQLite index: rebuild, staleness repair, names, scale.

use chrono::Duration;
use serde_json::json;
use weft_store::line::{format_timestamp, kind};
use weft_store::{Index, ListQuery, RolloutWriter, ThreadRow, append_thread_name};

use crate::support::{TestHome, ThreadSpec, at, turn_lines};

fn all_rows(index: &Index) -> Vec<ThreadRow> {
    let mut query = ListQuery::new("mock");
    query.limit = Some(100);
    query.model_providers = Some(Vec::new());
    index.list(&query).expect("list").rows
}

#[test]
fn deleting_the_index_rebuilds_the_same_listing() {
    let test_home = TestHome::new();
    for n in 0..30 {
        ThreadSpec::numbered(n).write(&test_home.home);
    }
    append_thread_name(&test_home.home, ThreadSpec::numbered(4).id, "named", at(0)).expect("name");
    let (index, report) = Index::open_with_report(&test_home.home).expect("open");
    assert!(report.rebuilt);
    assert_eq!((report.files, report.read, report.unreadable), (30, 30, 0));
    let before = all_rows(&index);
    assert_eq!(before.len(), 30);
    assert_eq!(
        before
            .iter()
            .find(|row| row.id == ThreadSpec::numbered(4).id)
            .and_then(|row| row.name.clone())
            .as_deref(),
        Some("named")
    );
    drop(index);
    std::fs::remove_file(test_home.home.index_path()).expect("delete index");
    let (index, report) = Index::open_with_report(&test_home.home).expect("reopen");
    assert!(report.rebuilt);
    assert_eq!(all_rows(&index), before);
    // A second open has nothing to do.
    drop(index);
    let (_index, report) = Index::open_with_report(&test_home.home).expect("reopen");
    assert_eq!((report.rebuilt, report.read, report.removed), (false, 0, 0));
}

#[test]
fn changed_added_and_removed_rollouts_are_noticed_at_open() {
    let test_home = TestHome::new();
    let first = ThreadSpec::numbered(1);
    let first_path = first.write(&test_home.home);
    let second_path = ThreadSpec::numbered(2).write(&test_home.home);
    drop(Index::open(&test_home.home).expect("open"));

    // Another process appends a turn, adds a thread and deletes one.
    let mut writer = RolloutWriter::open_append(&first_path).expect("reopen");
    let start = first.created + Duration::hours(1);
    for (offset, (line_kind, payload)) in turn_lines(first.id, 1, "later", start)
        .into_iter()
        .enumerate()
    {
        writer
            .append_at(
                start + Duration::milliseconds(i64::try_from(offset).expect("small")),
                line_kind,
                payload,
            )
            .expect("append");
    }
    ThreadSpec::numbered(3).write(&test_home.home);
    std::fs::remove_file(&second_path).expect("remove");

    let (index, report) = Index::open_with_report(&test_home.home).expect("reopen");
    assert_eq!((report.files, report.read, report.removed), (2, 2, 1));
    let row = index.get(first.id).expect("get").expect("row");
    assert_eq!(row.preview, "message 1");
    assert_eq!(row.model.as_deref(), Some("model-1"));
    assert_eq!(row.recency_at_ms, start.timestamp_millis());
    assert_eq!(
        row.updated_at_ms,
        (start + Duration::milliseconds(7)).timestamp_millis()
    );
    assert!(
        index
            .get(ThreadSpec::numbered(2).id)
            .expect("get")
            .is_none()
    );
    assert!(
        index
            .get(ThreadSpec::numbered(3).id)
            .expect("get")
            .is_some()
    );
}

#[test]
fn another_schema_version_or_a_corrupt_file_is_rebuilt() {
    let test_home = TestHome::new();
    ThreadSpec::numbered(1).write(&test_home.home);
    drop(Index::open(&test_home.home).expect("open"));
    let connection = rusqlite::Connection::open(test_home.home.index_path()).expect("sqlite");
    connection
        .pragma_update(None, "user_version", 99)
        .expect("version");
    connection
        .execute_batch("CREATE TABLE leftovers (x);")
        .expect("table");
    drop(connection);
    let (index, report) = Index::open_with_report(&test_home.home).expect("reopen");
    assert!(report.rebuilt);
    assert_eq!(index.len().expect("len"), 1);
    drop(index);

    std::fs::write(
        test_home.home.index_path(),
        b"this is not a database, just bytes ".repeat(200),
    )
    .expect("corrupt");
    let _ = std::fs::remove_file(test_home.home.root().join("weft_index_1.sqlite-wal"));
    let _ = std::fs::remove_file(test_home.home.root().join("weft_index_1.sqlite-shm"));
    let (index, report) = Index::open_with_report(&test_home.home).expect("reopen corrupt");
    assert!(report.rebuilt);
    assert_eq!(index.len().expect("len"), 1);
}

#[test]
fn the_reference_index_files_are_never_touched() {
    let test_home = TestHome::new();
    ThreadSpec::numbered(1).write(&test_home.home);
    let state = test_home.home.root().join("state_5.sqlite");
    std::fs::write(&state, b"reference bytes").expect("write");
    drop(Index::open(&test_home.home).expect("open"));
    assert_eq!(std::fs::read(&state).expect("read"), b"reference bytes");
    assert!(test_home.home.index_path().exists());
}

#[test]
fn unreadable_rollouts_are_skipped() {
    let test_home = TestHome::new();
    ThreadSpec::numbered(1).write(&test_home.home);
    let empty = ThreadSpec::numbered(2).path(&test_home.home);
    std::fs::create_dir_all(empty.parent().expect("folder")).expect("mkdir");
    std::fs::write(&empty, b"").expect("write");
    let (index, report) = Index::open_with_report(&test_home.home).expect("open");
    assert_eq!((report.read, report.unreadable), (1, 1));
    assert_eq!(index.len().expect("len"), 1);
}

#[test]
fn names_follow_the_session_index() {
    let test_home = TestHome::new();
    let spec = ThreadSpec::numbered(1);
    let path = spec.write(&test_home.home);
    let index = Index::open(&test_home.home).expect("open");
    assert_eq!(index.get(spec.id).expect("get").expect("row").name, None);
    drop(index);
    append_thread_name(&test_home.home, spec.id, "first name", at(1)).expect("name");
    append_thread_name(&test_home.home, spec.id, "second name", at(2)).expect("name");
    let index = Index::open(&test_home.home).expect("reopen");
    assert_eq!(
        index
            .get(spec.id)
            .expect("get")
            .expect("row")
            .name
            .as_deref(),
        Some("second name")
    );
    assert!(index.set_name(spec.id, Some("live name")).expect("set"));
    // Re-indexing the rollout keeps the name.
    let row = index.index_rollout(&path).expect("index rollout");
    assert_eq!(row.name.as_deref(), Some("live name"));
    assert!(
        !index
            .set_name(ThreadSpec::numbered(9).id, Some("x"))
            .expect("set")
    );
}

#[test]
fn index_rollout_and_remove() {
    let test_home = TestHome::new();
    let index = Index::open(&test_home.home).expect("open");
    assert!(index.is_empty().expect("empty"));
    let spec = ThreadSpec::numbered(1);
    let path = spec.write(&test_home.home);
    let row = index.index_rollout(&path).expect("index");
    assert_eq!(row.id, spec.id);
    assert!(!row.archived);
    assert_eq!(row.file_size, std::fs::metadata(&path).expect("stat").len());
    let archived = test_home.home.archived_path(&path).expect("archived path");
    weft_store::move_rollout(&path, &archived).expect("move");
    let row = index.index_rollout(&archived).expect("index archived");
    assert!(row.archived);
    assert_eq!(index.len().expect("len"), 1);
    assert!(index.remove(spec.id).expect("remove"));
    assert!(!index.remove(spec.id).expect("remove again"));
}

#[test]
fn twenty_thousand_small_rollouts_index_on_first_open() {
    let test_home = TestHome::new();
    let count = 20_000u32;
    // Files are written by a few threads: creating 20,000 files dominates this test.
    std::thread::scope(|scope| {
        for worker in 0..4 {
            let home = &test_home.home;
            scope.spawn(move || {
                for n in (worker..count).step_by(4) {
                    write_minimal_rollout(home, n);
                }
            });
        }
    });
    let (index, report) = Index::open_with_report(&test_home.home).expect("open");
    assert_eq!(
        (report.files, report.read, report.unreadable),
        (20_000, 20_000, 0)
    );
    let page = index.list(&ListQuery::new("mock")).expect("list");
    assert_eq!(page.rows.len(), 25);
    assert_eq!(page.rows[0].preview, format!("message {}", count - 1));
    assert!(page.next_cursor.is_some());
}

/// A two-line rollout (session_meta, first user message) written directly.
fn write_minimal_rollout(home: &weft_store::Home, n: u32) {
    let spec = ThreadSpec::numbered(n);
    let path = spec.path(home);
    let meta = json!({"timestamp": format_timestamp(spec.created), "ordinal": 0, "type": kind::SESSION_META, "payload": spec.session_meta()});
    let user = json!({"timestamp": format_timestamp(spec.created), "ordinal": 1, "type": kind::EVENT_MSG, "payload": {
        "type": "item_completed", "thread_id": spec.id.to_string(), "turn_id": "t",
        "item": {"type": "UserMessage", "id": "u", "content": [{"type": "text", "text": format!("message {n}"), "text_elements": []}]}}});
    std::fs::create_dir_all(path.parent().expect("folder")).expect("mkdir");
    std::fs::write(&path, format!("{meta}\n{user}\n")).expect("write");
}

#[test]
fn large_rollouts_are_summarised_from_head_and_tail() {
    let test_home = TestHome::new();
    let spec = ThreadSpec::numbered(1);
    let path = spec.write(&test_home.home);
    let mut writer = RolloutWriter::open_append(&path).expect("reopen");
    // Three more turns, each with ~300 KB of tool output, so the file is well over the
    // full-read bound and the first turn is far from the tail window.
    let big_output = "x".repeat(300 * 1024);
    for turn in 1..4 {
        let start = spec.created + Duration::hours(turn);
        let turn_index = usize::try_from(turn).expect("small");
        for (offset, (line_kind, payload)) in turn_lines(spec.id, turn_index, "more", start)
            .into_iter()
            .enumerate()
        {
            writer
                .append_at(
                    start + Duration::milliseconds(i64::try_from(offset).expect("small")),
                    line_kind,
                    payload,
                )
                .expect("append");
        }
        let output = json!({"type": "function_call_output", "call_id": "c", "output": big_output});
        writer
            .append_at(start + Duration::seconds(1), kind::RESPONSE_ITEM, output)
            .expect("append");
    }
    writer.sync().expect("sync");
    assert!(writer.len() > 900 * 1024);
    let summary = weft_store::summarize_rollout(&path).expect("summary");
    assert!(!summary.read_fully);
    assert_eq!(summary.preview, "message 1");
    assert_eq!(summary.model.as_deref(), Some("model-3"));
    let last_start = spec.created + Duration::hours(3);
    assert_eq!(summary.last_turn_started_at, Some(last_start));
    assert_eq!(
        summary.last_line_at,
        Some(last_start + Duration::seconds(1))
    );
    let full = weft_store::read_rollout(&path).expect("read");
    assert_eq!(full.turns().len(), 4);
    assert_eq!(full.last_model(), summary.model.as_deref());
}
