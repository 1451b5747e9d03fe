//! The turn's aggregated git-style diff, against the reference's recorded output.

use std::fs;
use std::path::Path;

use weft_patch::{TurnDiff, git_blob_oid, limits::TURN_DIFF_FILE_BYTES_MAX};

use crate::support::{plan_text, tempdir, wrap, write};

const ZERO_OID: &str = "0000000000000000000000000000000000000000";

/// Plans, tracks and applies one patch, as the core does.
fn patch(turn_diff: &mut TurnDiff, cwd: &Path, body: &str) {
    let changes = plan_text(&wrap(body), cwd).expect("plans");
    turn_diff.track(&changes);
    weft_patch::apply(&changes).expect("applies");
}

#[test]
fn recorded_hello_txt_diff_byte_for_byte() {
    let dir = tempdir();
    let mut turn_diff = TurnDiff::new(dir.path());
    assert_eq!(turn_diff.unified_git_diff(), None);
    patch(
        &mut turn_diff,
        dir.path(),
        "*** Add File: hello.txt\n+hello from mock",
    );
    assert_eq!(
        turn_diff.unified_git_diff().as_deref(),
        Some(
            "diff --git a/hello.txt b/hello.txt\nnew file mode 100644\nindex \
             0000000000000000000000000000000000000000..afd462e78b9932fc0c9a245a16ead5f5cc9f8831\n\
             --- /dev/null\n+++ b/hello.txt\n@@ -0,0 +1 @@\n+hello from mock\n"
        )
    );
}

#[test]
fn blob_oid_is_gits() {
    assert_eq!(
        git_blob_oid(b"hello from mock\n"),
        "afd462e78b9932fc0c9a245a16ead5f5cc9f8831"
    );
    // `git hash-object /dev/null`.
    assert_eq!(
        git_blob_oid(b""),
        "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
    );
}

#[test]
fn paths_are_relative_to_the_git_root_around_the_cwd() {
    let dir = tempdir();
    fs::create_dir_all(dir.path().join(".git")).expect("git dir");
    let cwd = dir.path().join("sub");
    fs::create_dir_all(&cwd).expect("cwd");
    let mut turn_diff = TurnDiff::new(&cwd);
    assert_eq!(turn_diff.display_root(), dir.path());
    patch(&mut turn_diff, &cwd, "*** Add File: hello.txt\n+hi");
    let diff = turn_diff.unified_git_diff().expect("diff");
    assert!(
        diff.starts_with("diff --git a/sub/hello.txt b/sub/hello.txt\n"),
        "{diff}"
    );
}

#[test]
fn files_outside_the_root_keep_their_absolute_path() {
    let dir = tempdir();
    let outside = tempdir();
    let target = outside.path().join("x.txt");
    let mut turn_diff = TurnDiff::new(dir.path());
    patch(
        &mut turn_diff,
        dir.path(),
        &format!("*** Add File: {}\n+x", target.display()),
    );
    let diff = turn_diff.unified_git_diff().expect("diff");
    let shown = target.display();
    assert!(
        diff.starts_with(&format!("diff --git a/{shown} b/{shown}\n")),
        "{diff}"
    );
}

#[test]
fn modified_file() {
    let dir = tempdir();
    write(dir.path(), "a.txt", "foo\n");
    let mut turn_diff = TurnDiff::new(dir.path());
    patch(
        &mut turn_diff,
        dir.path(),
        "*** Update File: a.txt\n@@\n foo\n+bar",
    );
    let expected = format!(
        "diff --git a/a.txt b/a.txt\nindex {}..{}\n--- a/a.txt\n+++ b/a.txt\n@@ -1 +1,2 @@\n foo\n+bar\n",
        git_blob_oid(b"foo\n"),
        git_blob_oid(b"foo\nbar\n")
    );
    assert_eq!(turn_diff.unified_git_diff(), Some(expected));
}

#[test]
fn three_lines_of_context() {
    let dir = tempdir();
    write(dir.path(), "n.txt", "1\n2\n3\n4\n5\n6\n7\n8\n9\n");
    let mut turn_diff = TurnDiff::new(dir.path());
    patch(
        &mut turn_diff,
        dir.path(),
        "*** Update File: n.txt\n@@\n-5\n+five",
    );
    let diff = turn_diff.unified_git_diff().expect("diff");
    assert!(
        diff.ends_with("@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"),
        "{diff}"
    );
}

#[test]
fn deleted_file() {
    let dir = tempdir();
    write(dir.path(), "b.txt", "x\n");
    let mut turn_diff = TurnDiff::new(dir.path());
    patch(&mut turn_diff, dir.path(), "*** Delete File: b.txt");
    let expected = format!(
        "diff --git a/b.txt b/b.txt\ndeleted file mode 100644\nindex {}..{ZERO_OID}\n--- a/b.txt\n\
         +++ /dev/null\n@@ -1 +0,0 @@\n-x\n",
        git_blob_oid(b"x\n")
    );
    assert_eq!(turn_diff.unified_git_diff(), Some(expected));
}

#[test]
fn moved_and_updated_file() {
    let dir = tempdir();
    write(dir.path(), "src.txt", "line\n");
    let mut turn_diff = TurnDiff::new(dir.path());
    patch(
        &mut turn_diff,
        dir.path(),
        "*** Update File: src.txt\n*** Move to: dst.txt\n@@\n-line\n+line2",
    );
    let expected = format!(
        "diff --git a/src.txt b/dst.txt\nindex {}..{}\n--- a/src.txt\n+++ b/dst.txt\n@@ -1 +1 @@\n-line\n+line2\n",
        git_blob_oid(b"line\n"),
        git_blob_oid(b"line2\n")
    );
    assert_eq!(turn_diff.unified_git_diff(), Some(expected));
}

#[test]
fn move_without_change_and_return_to_baseline_drop_out() {
    let dir = tempdir();
    write(dir.path(), "moved.txt", "same\n");
    write(dir.path(), "flip.txt", "a\n");
    let mut turn_diff = TurnDiff::new(dir.path());
    patch(
        &mut turn_diff,
        dir.path(),
        "*** Update File: moved.txt\n*** Move to: renamed.txt\n@@\n-same\n+same",
    );
    patch(
        &mut turn_diff,
        dir.path(),
        "*** Update File: flip.txt\n@@\n-a\n+b",
    );
    assert!(turn_diff.unified_git_diff().is_some());
    patch(
        &mut turn_diff,
        dir.path(),
        "*** Update File: flip.txt\n@@\n-b\n+a",
    );
    assert_eq!(turn_diff.unified_git_diff(), None);
    patch(
        &mut turn_diff,
        dir.path(),
        "*** Add File: temp.txt\n+x\n*** Delete File: temp.txt",
    );
    assert_eq!(turn_diff.unified_git_diff(), None);
}

#[test]
fn baseline_is_taken_at_first_touch() {
    let dir = tempdir();
    let mut turn_diff = TurnDiff::new(dir.path());
    patch(&mut turn_diff, dir.path(), "*** Add File: a.txt\n+foo");
    patch(
        &mut turn_diff,
        dir.path(),
        "*** Update File: a.txt\n@@\n foo\n+bar",
    );
    let expected = format!(
        "diff --git a/a.txt b/a.txt\nnew file mode 100644\nindex {ZERO_OID}..{}\n--- /dev/null\n\
         +++ b/a.txt\n@@ -0,0 +1,2 @@\n+foo\n+bar\n",
        git_blob_oid(b"foo\nbar\n")
    );
    assert_eq!(turn_diff.unified_git_diff(), Some(expected));
}

#[test]
fn files_are_sorted_by_path() {
    let dir = tempdir();
    let mut turn_diff = TurnDiff::new(dir.path());
    patch(
        &mut turn_diff,
        dir.path(),
        "*** Add File: z.txt\n+z\n*** Add File: a/b.txt\n+b\n*** Add File: m.txt\n+m",
    );
    let diff = turn_diff.unified_git_diff().expect("diff");
    let headers: Vec<&str> = diff
        .lines()
        .filter(|line| line.starts_with("diff --git"))
        .collect();
    assert_eq!(
        headers,
        [
            "diff --git a/a/b.txt b/a/b.txt",
            "diff --git a/m.txt b/m.txt",
            "diff --git a/z.txt b/z.txt"
        ]
    );
}

#[test]
fn move_onto_an_existing_file_is_a_delete_and_a_modify() {
    let dir = tempdir();
    write(dir.path(), "a.txt", "a\n");
    write(dir.path(), "b.txt", "b\n");
    let mut turn_diff = TurnDiff::new(dir.path());
    patch(
        &mut turn_diff,
        dir.path(),
        "*** Update File: a.txt\n*** Move to: b.txt\n@@\n-a\n+A",
    );
    let diff = turn_diff.unified_git_diff().expect("diff");
    let headers: Vec<&str> = diff
        .lines()
        .filter(|line| line.starts_with("diff --git"))
        .collect();
    assert_eq!(
        headers,
        ["diff --git a/a.txt b/a.txt", "diff --git a/b.txt b/b.txt"]
    );
    assert!(diff.contains("deleted file mode 100644\n"), "{diff}");
    assert!(
        diff.contains("--- a/b.txt\n+++ b/b.txt\n@@ -1 +1 @@\n-b\n+A\n"),
        "{diff}"
    );
}

#[test]
fn shell_edits_after_a_patch_show_up() {
    let dir = tempdir();
    let mut turn_diff = TurnDiff::new(dir.path());
    patch(&mut turn_diff, dir.path(), "*** Add File: a.txt\n+one");
    write(dir.path(), "a.txt", "two\n");
    let diff = turn_diff.unified_git_diff().expect("diff");
    assert!(diff.ends_with("@@ -0,0 +1 @@\n+two\n"), "{diff}");
}

#[test]
fn binary_files_differ() {
    let dir = tempdir();
    fs::write(dir.path().join("bin.dat"), [0xff, 0xfe, 0x00]).expect("write");
    let mut turn_diff = TurnDiff::new(dir.path());
    patch(
        &mut turn_diff,
        dir.path(),
        "*** Add File: bin.dat\n+text now",
    );
    let expected = format!(
        "diff --git a/bin.dat b/bin.dat\nindex {}..{}\n--- a/bin.dat\n+++ b/bin.dat\nBinary files differ\n",
        git_blob_oid(&[0xff, 0xfe, 0x00]),
        git_blob_oid(b"text now\n")
    );
    assert_eq!(turn_diff.unified_git_diff(), Some(expected));
}

#[test]
fn files_over_the_size_limit_are_not_diffed_line_by_line() {
    let dir = tempdir();
    let size = usize::try_from(TURN_DIFF_FILE_BYTES_MAX).expect("fits") + 1;
    let big = "x\n".repeat(size / 2 + 1);
    write(dir.path(), "big.txt", &big);
    let mut turn_diff = TurnDiff::new(dir.path());
    patch(&mut turn_diff, dir.path(), "*** Delete File: big.txt");
    let expected = format!(
        "diff --git a/big.txt b/big.txt\ndeleted file mode 100644\nindex {}..{ZERO_OID}\n\
         --- a/big.txt\n+++ /dev/null\nBinary files differ\n",
        git_blob_oid(big.as_bytes())
    );
    assert_eq!(turn_diff.unified_git_diff(), Some(expected));
}
