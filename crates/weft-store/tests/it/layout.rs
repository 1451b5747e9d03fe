//! Paths and file names under the home.

use chrono::{Local, TimeZone};
use uuid::Uuid;
use weft_store::{Home, move_rollout, parse_rollout_file_name};

use crate::support::{SAMPLE_FILE_NAME, SAMPLE_ID, TestHome, ThreadSpec};

#[test]
fn rollout_path_uses_local_date_folders_and_name() {
    let home = Home::new("/home/user/.codex");
    let id = Uuid::try_parse(SAMPLE_ID).expect("uuid");
    let created = Local
        .with_ymd_and_hms(2026, 11, 25, 0, 39, 29)
        .single()
        .expect("local time");
    let path = home.rollout_path(id, created);
    assert_eq!(
        path.to_string_lossy(),
        format!("/home/user/.codex/sessions/2026/11/25/{SAMPLE_FILE_NAME}")
    );
    assert_eq!(
        home.index_path().to_string_lossy(),
        "/home/user/.codex/weft_index_1.sqlite"
    );
    assert_eq!(
        home.session_index_path().to_string_lossy(),
        "/home/user/.codex/session_index.jsonl"
    );
}

#[test]
fn file_names_parse_back() {
    let name = parse_rollout_file_name(SAMPLE_FILE_NAME).expect("parse");
    assert_eq!(name.thread_id.to_string(), SAMPLE_ID);
    assert_eq!(name.created_local.to_string(), "2026-11-25 00:39:29");
    for bad in [
        "rollout-2026-11-25T00-39-29.jsonl",
        "rollout-2026-11-25T00-39-29-not-a-uuid.jsonl",
        "rollout-2026-13-25T00-39-29-01a21024-af31-7412-8f78-454e24c7944a.jsonl",
        "session-2026-11-25T00-39-29-01a21024-af31-7412-8f78-454e24c7944a.jsonl",
        "rollout-2026-11-25T00-39-29-01a21024-af31-7412-8f78-454e24c7944a.jsonl.zst",
        "rollout-",
        "",
    ] {
        assert_eq!(parse_rollout_file_name(bad), None, "{bad}");
    }
}

#[test]
fn archive_and_unarchive_paths_and_moves() {
    let test_home = TestHome::new();
    let home = &test_home.home;
    let live = test_home.with_sample();
    let archived = home.archived_path(&live).expect("archived path");
    assert_eq!(
        archived,
        home.archived_sessions_dir().join(SAMPLE_FILE_NAME)
    );
    assert_eq!(home.unarchived_path(&archived), Some(live.clone()));
    move_rollout(&live, &archived).expect("archive");
    assert!(!live.exists() && archived.exists());
    let found = home
        .find_rollout(Uuid::try_parse(SAMPLE_ID).expect("uuid"))
        .expect("scan")
        .expect("found");
    assert!(found.archived);
    assert_eq!(found.path, archived);
    move_rollout(&archived, &live).expect("unarchive");
    std::fs::copy(&live, &archived).expect("copy");
    assert!(
        move_rollout(&live, &archived).is_err(),
        "never replaces an existing file"
    );
    let found = home
        .find_rollout(Uuid::try_parse(SAMPLE_ID).expect("uuid"))
        .expect("scan")
        .expect("found");
    assert!(!found.archived, "a live rollout wins over an archived copy");
}

#[test]
fn scan_finds_dated_and_archived_rollouts_only() {
    let test_home = TestHome::new();
    let home = &test_home.home;
    ThreadSpec::numbered(1).write(home);
    ThreadSpec::numbered(2).write(home);
    let stray = home.sessions_dir().join("notes.txt");
    std::fs::write(&stray, b"x").expect("write");
    std::fs::create_dir_all(home.archived_sessions_dir()).expect("mkdir");
    let archived = home.archived_sessions_dir().join(
        ThreadSpec::numbered(3)
            .path(home)
            .file_name()
            .expect("name"),
    );
    std::fs::write(&archived, b"{}").expect("write");
    let mut files = home.scan_rollouts().expect("scan");
    files.sort_by_key(|file| file.name.thread_id);
    assert_eq!(files.len(), 3);
    assert_eq!(files.iter().filter(|file| file.archived).count(), 1);
    assert!(
        files
            .iter()
            .all(|file| file.size > 0 && file.modified_ms > 0)
    );
    assert!(
        Home::new(test_home.home.root().join("missing"))
            .scan_rollouts()
            .expect("scan")
            .is_empty()
    );
}
