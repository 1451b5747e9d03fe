//! Planning: path resolution, chunk location (all four passes), diffs and plan-time errors.

use std::path::PathBuf;

use weft_patch::{ChangeKind, PlannedChange};

use crate::support::{plan_text, read, run, run_error, tempdir, wrap, write};

fn only_change(body: &str, cwd: &std::path::Path) -> PlannedChange {
    let mut changes = plan_text(&wrap(body), cwd).expect("plans");
    assert_eq!(changes.len(), 1);
    changes.remove(0)
}

/// Applies an update of `f.txt` (initially `before`) and returns its new content.
fn updated(before: &str, chunks: &str) -> String {
    let dir = tempdir();
    write(dir.path(), "f.txt", before);
    run(
        &wrap(&format!("*** Update File: f.txt\n{chunks}")),
        dir.path(),
    )
    .expect("applies");
    read(dir.path(), "f.txt")
}

#[test]
fn add_plan_carries_new_content_as_diff() {
    let dir = tempdir();
    let change = only_change("*** Add File: a/b.txt\n+one\n+two", dir.path());
    assert_eq!(
        change,
        PlannedChange {
            path: dir.path().join("a/b.txt"),
            written_path: PathBuf::from("a/b.txt"),
            kind: ChangeKind::Add,
            old_content: None,
            new_content: Some("one\ntwo\n".into()),
            diff: "one\ntwo\n".into(),
        }
    );
}

#[test]
fn delete_plan_carries_old_content_as_diff() {
    let dir = tempdir();
    write(dir.path(), "gone.txt", "bye\n");
    let change = only_change("*** Delete File: gone.txt", dir.path());
    assert_eq!(change.kind, ChangeKind::Delete);
    assert_eq!(change.old_content.as_deref(), Some("bye\n"));
    assert_eq!(change.new_content, None);
    assert_eq!(change.diff, "bye\n");
}

#[test]
fn update_plan_diff_is_hunks_only_with_one_line_of_context() {
    let dir = tempdir();
    write(dir.path(), "f.txt", "1\n2\n3\n4\n5\n6\n7\n");
    let change = only_change("*** Update File: f.txt\n@@\n 3\n-4\n+four", dir.path());
    assert_eq!(change.kind, ChangeKind::Update { move_path: None });
    assert_eq!(
        change.new_content.as_deref(),
        Some("1\n2\n3\nfour\n5\n6\n7\n")
    );
    assert_eq!(change.diff, "@@ -3,3 +3,3 @@\n 3\n-4\n+four\n 5\n");
    // Planning writes nothing.
    assert_eq!(read(dir.path(), "f.txt"), "1\n2\n3\n4\n5\n6\n7\n");
}

#[test]
fn move_plan_resolves_the_destination() {
    let dir = tempdir();
    write(dir.path(), "src.txt", "line\n");
    let change = only_change(
        "*** Update File: src.txt\n*** Move to: d/dst.txt\n@@\n-line\n+line2",
        dir.path(),
    );
    assert_eq!(change.path, dir.path().join("src.txt"));
    assert_eq!(change.written_path, PathBuf::from("d/dst.txt"));
    assert_eq!(
        change.kind,
        ChangeKind::Update {
            move_path: Some(dir.path().join("d/dst.txt"))
        }
    );
}

#[test]
fn absolute_paths_are_accepted() {
    let dir = tempdir();
    let other = tempdir();
    let target = other.path().join("abs.txt");
    let change = only_change(
        &format!("*** Add File: {}\n+x", target.display()),
        dir.path(),
    );
    assert_eq!(change.path, target);
}

#[test]
fn matching_passes() {
    // Exact.
    assert_eq!(updated("foo\nbar\n", "@@\n foo\n-bar\n+baz"), "foo\nbaz\n");
    // Ignoring trailing whitespace.
    assert_eq!(
        updated("foo   \nbar\t\n", "@@\n foo\n-bar\n+baz"),
        "foo\nbaz\n"
    );
    // Ignoring surrounding whitespace.
    assert_eq!(
        updated("  foo\n\tbar  \n", "@@\n foo\n-bar\n+baz"),
        "foo\nbaz\n"
    );
    // Unicode punctuation normalised.
    assert_eq!(
        updated(
            "say \u{201C}hi\u{201D} \u{2014} ok\u{00A0}now\n",
            "@@\n-say \"hi\" - ok now\n+said"
        ),
        "said\n"
    );
}

#[test]
fn context_line_narrows_the_search() {
    assert_eq!(
        updated("a:\nval\nb:\nval\n", "@@ b:\n-val\n+VAL"),
        "a:\nval\nb:\nVAL\n"
    );
}

#[test]
fn chunks_are_located_in_order() {
    let after = updated(
        "foo\nbar\nbaz\nqux\n",
        "@@\n foo\n-bar\n+BAR\n@@\n baz\n-qux\n+QUX",
    );
    assert_eq!(after, "foo\nBAR\nbaz\nQUX\n");
    // The second chunk is searched after the first: `x` before it does not count.
    assert_eq!(updated("x\ny\nx\n", "@@\n-y\n+Y\n@@\n-x\n+X"), "x\nY\nX\n");
}

#[test]
fn end_of_file_anchors_at_the_end() {
    assert_eq!(
        updated("x\ny\nx\n", "@@\n-x\n+z\n*** End of File"),
        "x\ny\nz\n"
    );
    assert_eq!(updated("x\ny\nx\n", "@@\n-x\n+z"), "z\ny\nx\n");
    let dir = tempdir();
    write(dir.path(), "f.txt", "x\ny\n");
    assert_eq!(
        run_error(
            &wrap("*** Update File: f.txt\n@@\n-x\n+z\n*** End of File"),
            dir.path()
        ),
        format!(
            "Failed to find expected lines in {}:\nx",
            dir.path().join("f.txt").display()
        )
    );
}

#[test]
fn pure_addition_appends_at_the_end() {
    assert_eq!(updated("a\nb\n", "@@\n+c"), "a\nb\nc\n");
    assert_eq!(updated("a\nb\n", "@@ a\n+c"), "a\nb\nc\n");
}

#[test]
fn deletion_only_chunk() {
    assert_eq!(updated("a\nb\nc\n", "@@\n a\n-b\n c"), "a\nc\n");
}

#[test]
fn updated_files_end_with_a_newline() {
    assert_eq!(
        updated("no newline", "@@\n-no newline\n+changed"),
        "changed\n"
    );
    assert_eq!(
        updated("keep\nlast", "@@\n keep\n-last\n+final"),
        "keep\nfinal\n"
    );
}

#[test]
fn trailing_empty_context_line_stands_for_the_final_newline() {
    let dir = tempdir();
    write(dir.path(), "f.txt", "foo\nbar\n");
    run(
        "*** Begin Patch\n*** Update File: f.txt\n@@\n foo\n-bar\n+baz\n\n*** End Patch",
        dir.path(),
    )
    .expect("applies");
    assert_eq!(read(dir.path(), "f.txt"), "foo\nbaz\n");
}

#[test]
fn missing_lines_error() {
    let dir = tempdir();
    write(dir.path(), "f.txt", "a\nb\n");
    assert_eq!(
        run_error(
            &wrap("*** Update File: f.txt\n@@\n-nope\n-nope2\n+x"),
            dir.path()
        ),
        format!(
            "Failed to find expected lines in {}:\nnope\nnope2",
            dir.path().join("f.txt").display()
        )
    );
}

#[test]
fn missing_context_error() {
    let dir = tempdir();
    write(dir.path(), "f.txt", "a\nb\n");
    assert_eq!(
        run_error(
            &wrap("*** Update File: f.txt\n@@ fn main\n-a\n+x"),
            dir.path()
        ),
        format!(
            "Failed to find context 'fn main' in {}",
            dir.path().join("f.txt").display()
        )
    );
}

#[test]
fn update_of_a_missing_file() {
    let dir = tempdir();
    assert_eq!(
        run_error(
            &wrap("*** Update File: missing.txt\n@@\n-a\n+b"),
            dir.path()
        ),
        format!(
            "Failed to read file to update {}: No such file or directory (os error 2)",
            dir.path().join("missing.txt").display()
        )
    );
}

#[test]
fn delete_of_a_missing_file_or_a_directory() {
    let dir = tempdir();
    assert_eq!(
        run_error(&wrap("*** Delete File: missing.txt"), dir.path()),
        format!(
            "Failed to read {}: No such file or directory (os error 2)",
            dir.path().join("missing.txt").display()
        )
    );
    write(dir.path(), "dir/inner.txt", "x\n");
    assert_eq!(
        run_error(&wrap("*** Delete File: dir"), dir.path()),
        format!(
            "Failed to read {}: Is a directory (os error 21)",
            dir.path().join("dir").display()
        )
    );
    assert_eq!(read(dir.path(), "dir/inner.txt"), "x\n");
}

#[test]
fn a_failed_plan_writes_nothing() {
    let dir = tempdir();
    let error = run_error(
        &wrap("*** Add File: created.txt\n+x\n*** Update File: missing.txt\n@@\n-a\n+b"),
        dir.path(),
    );
    assert!(
        error.starts_with("Failed to read file to update"),
        "{error}"
    );
    assert!(!dir.path().join("created.txt").exists());
}

#[test]
fn later_hunks_see_earlier_ones() {
    let dir = tempdir();
    let summary = run(
        &wrap("*** Add File: a.txt\n+one\n*** Update File: a.txt\n@@\n-one\n+two\n*** Update File: a.txt\n@@\n-two\n+three"),
        dir.path(),
    )
    .expect("applies");
    assert_eq!(read(dir.path(), "a.txt"), "three\n");
    assert_eq!(
        summary.to_model_text(),
        "Success. Updated the following files:\nA a.txt\nM a.txt\nM a.txt\n"
    );
    write(dir.path(), "b.txt", "b\n");
    assert_eq!(
        run_error(
            &wrap("*** Delete File: b.txt\n*** Update File: b.txt\n@@\n-b\n+c"),
            dir.path()
        ),
        format!(
            "Failed to read file to update {}: No such file or directory (os error 2)",
            dir.path().join("b.txt").display()
        )
    );
    assert_eq!(read(dir.path(), "b.txt"), "b\n");
}

#[test]
fn empty_patch_plans_to_nothing() {
    let dir = tempdir();
    assert_eq!(
        plan_text("*** Begin Patch\n*** End Patch", dir.path()).expect("plans"),
        vec![]
    );
}

#[test]
fn paths_are_normalised_lexically() {
    let dir = tempdir();
    let cwd = dir.path().join("work");
    std::fs::create_dir_all(&cwd).expect("cwd");
    let changes = plan_text(
        &wrap("*** Add File: ./x/../y.txt\n+y\n*** Add File: ../outside.txt\n+o"),
        &cwd,
    )
    .expect("plans");
    assert_eq!(changes[0].path, cwd.join("y.txt"));
    assert_eq!(changes[1].path, dir.path().join("outside.txt"));
    assert_eq!(changes[0].written_path, PathBuf::from("./x/../y.txt"));
    assert_eq!(
        weft_patch::resolve_path(std::path::Path::new("/"), std::path::Path::new("../../etc")),
        PathBuf::from("/etc")
    );
}
