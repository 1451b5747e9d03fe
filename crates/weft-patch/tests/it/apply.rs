//! Applying: what lands on disk, the summary text, and partial failure.

use std::fs;

use weft_patch::{ApplyStep, ApplySummary, PatchError};

use crate::support::{plan_text, read, run, tempdir, wrap, write};

#[test]
fn add_creates_parents_and_reports_the_written_path() {
    let dir = tempdir();
    let summary = run(
        &wrap("*** Add File: hello.txt\n+hello from mock"),
        dir.path(),
    )
    .expect("applies");
    assert_eq!(
        summary.to_model_text(),
        "Success. Updated the following files:\nA hello.txt\n"
    );
    assert_eq!(read(dir.path(), "hello.txt"), "hello from mock\n");
    run(&wrap("*** Add File: deep/er/new.txt\n+x"), dir.path()).expect("applies");
    assert_eq!(read(dir.path(), "deep/er/new.txt"), "x\n");
}

#[test]
fn add_overwrites_an_existing_file() {
    let dir = tempdir();
    write(dir.path(), "dup.txt", "old content\n");
    run(&wrap("*** Add File: dup.txt\n+new content"), dir.path()).expect("applies");
    assert_eq!(read(dir.path(), "dup.txt"), "new content\n");
}

#[test]
fn delete_removes_the_file() {
    let dir = tempdir();
    write(dir.path(), "obsolete.txt", "x\n");
    let summary = run(&wrap("*** Delete File: obsolete.txt"), dir.path()).expect("applies");
    assert_eq!(
        summary.to_model_text(),
        "Success. Updated the following files:\nD obsolete.txt\n"
    );
    assert!(!dir.path().join("obsolete.txt").exists());
}

#[test]
fn move_writes_the_destination_and_removes_the_source() {
    let dir = tempdir();
    write(dir.path(), "old/name.txt", "from\n");
    write(dir.path(), "old/other.txt", "other\n");
    let summary = run(
        &wrap("*** Update File: old/name.txt\n*** Move to: renamed/dir/name.txt\n@@\n-from\n+new"),
        dir.path(),
    )
    .expect("applies");
    assert_eq!(
        summary.to_model_text(),
        "Success. Updated the following files:\nM renamed/dir/name.txt\n"
    );
    assert!(!dir.path().join("old/name.txt").exists());
    assert_eq!(read(dir.path(), "renamed/dir/name.txt"), "new\n");
    assert_eq!(read(dir.path(), "old/other.txt"), "other\n");
}

#[test]
fn move_overwrites_an_existing_destination() {
    let dir = tempdir();
    write(dir.path(), "a.txt", "a\n");
    write(dir.path(), "b.txt", "b\n");
    run(
        &wrap("*** Update File: a.txt\n*** Move to: b.txt\n@@\n-a\n+A"),
        dir.path(),
    )
    .expect("applies");
    assert!(!dir.path().join("a.txt").exists());
    assert_eq!(read(dir.path(), "b.txt"), "A\n");
}

#[test]
fn move_onto_itself_keeps_the_file() {
    let dir = tempdir();
    write(dir.path(), "same.txt", "a\n");
    run(
        &wrap("*** Update File: same.txt\n*** Move to: same.txt\n@@\n-a\n+b"),
        dir.path(),
    )
    .expect("applies");
    assert_eq!(read(dir.path(), "same.txt"), "b\n");
}

#[test]
fn summary_groups_added_modified_deleted() {
    let dir = tempdir();
    write(dir.path(), "b.txt", "b\n");
    write(dir.path(), "c.txt", "c\n");
    let summary = run(
        &wrap("*** Delete File: c.txt\n*** Update File: b.txt\n@@\n-b\n+B\n*** Add File: hello.txt\n+hi"),
        dir.path(),
    )
    .expect("applies");
    assert_eq!(
        summary.to_model_text(),
        "Success. Updated the following files:\nA hello.txt\nM b.txt\nD c.txt\n"
    );
}

#[test]
fn summary_keeps_absolute_paths_as_written() {
    let dir = tempdir();
    let target = dir.path().join("abs.txt");
    let summary = run(
        &wrap(&format!("*** Add File: {}\n+x", target.display())),
        dir.path(),
    )
    .expect("applies");
    assert_eq!(summary.added, vec![target]);
}

#[test]
fn nothing_to_apply() {
    let error = weft_patch::apply(&[]).expect_err("refuses");
    assert_eq!(error.to_string(), "No files were modified.");
}

#[test]
fn failure_after_partial_success_leaves_earlier_changes() {
    let dir = tempdir();
    // `blocker` is a file, so a file under it cannot be created.
    write(dir.path(), "blocker", "i am a file\n");
    let changes = plan_text(
        &wrap("*** Add File: created.txt\n+hello\n*** Add File: blocker/inner.txt\n+x\n*** Add File: never.txt\n+y"),
        dir.path(),
    )
    .expect("plans");
    let error = weft_patch::apply(&changes).expect_err("fails");
    assert_eq!(
        error.to_string(),
        format!(
            "Failed to create parent directories for {}",
            dir.path().join("blocker/inner.txt").display()
        )
    );
    let PatchError::Apply {
        step,
        change_index,
        applied,
        ..
    } = error
    else {
        panic!("apply error expected")
    };
    assert_eq!(step, ApplyStep::CreateParents);
    assert_eq!(change_index, 1);
    assert_eq!(
        applied,
        ApplySummary {
            added: vec!["created.txt".into()],
            ..ApplySummary::default()
        }
    );
    assert_eq!(read(dir.path(), "created.txt"), "hello\n");
    assert!(!dir.path().join("never.txt").exists());
}

#[test]
fn delete_failing_at_apply_time() {
    let dir = tempdir();
    write(dir.path(), "x.txt", "x\n");
    let changes = plan_text(&wrap("*** Delete File: x.txt"), dir.path()).expect("plans");
    fs::remove_file(dir.path().join("x.txt")).expect("remove");
    let error = weft_patch::apply(&changes).expect_err("fails");
    assert_eq!(
        error.to_string(),
        format!(
            "Failed to delete file {}",
            dir.path().join("x.txt").display()
        )
    );
}
