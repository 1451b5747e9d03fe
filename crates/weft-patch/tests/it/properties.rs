//! Property tests: the parser never panics, rendering round-trips, generated updates apply.

use std::path::PathBuf;

use proptest::prelude::*;
use weft_patch::{Hunk, Patch, UpdateChunk, parse_patch};

use crate::support::{read, run, tempdir, wrap, write};

/// Lines that steer random input into every branch of the parser.
fn patchy_line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("*** Begin Patch".to_owned()),
        Just("*** End Patch".to_owned()),
        Just("*** End of File".to_owned()),
        Just("@@".to_owned()),
        Just("<<'EOF'".to_owned()),
        Just("EOF".to_owned()),
        "\\*\\*\\* (Add|Delete|Update) File: [a-z]{0,3}",
        "\\*\\*\\* Move to: [a-z]{0,3}",
        "@@ .{0,4}",
        "[ +\\-]?.{0,6}",
        ".{0,8}",
    ]
}

fn path() -> impl Strategy<Value = PathBuf> {
    "[a-z]{1,6}(/[a-z]{1,6}){0,2}\\.txt".prop_map(PathBuf::from)
}

/// A line of file content: printable, no line breaks.
fn content_line() -> impl Strategy<Value = String> {
    "[ -~\u{e9}\u{2014}]{0,12}"
}

fn chunk() -> impl Strategy<Value = UpdateChunk> {
    (
        proptest::option::of("[ -~]{0,10}"),
        proptest::collection::vec(content_line(), 0..4),
        proptest::collection::vec(content_line(), 0..4),
        any::<bool>(),
    )
        .prop_filter("a chunk needs at least one line", |(_, old, new, _)| {
            !old.is_empty() || !new.is_empty()
        })
        .prop_map(|(context, old_lines, new_lines, end_of_file)| UpdateChunk {
            context,
            old_lines,
            new_lines,
            end_of_file,
        })
}

fn hunk() -> impl Strategy<Value = Hunk> {
    prop_oneof![
        (path(), proptest::collection::vec(content_line(), 0..4)).prop_map(|(path, lines)| {
            let contents = lines.iter().map(|line| format!("{line}\n")).collect();
            Hunk::Add { path, contents }
        }),
        path().prop_map(|path| Hunk::Delete { path }),
        (
            path(),
            proptest::option::of(path()),
            proptest::collection::vec(chunk(), 1..4)
        )
            .prop_map(|(path, move_path, chunks)| Hunk::Update {
                path,
                move_path,
                chunks
            }),
    ]
}

proptest! {
    #[test]
    fn parser_never_panics_on_arbitrary_text(text in "\\PC*") {
        let _ = parse_patch(&text);
    }

    #[test]
    fn parser_never_panics_on_patchy_lines(lines in proptest::collection::vec(patchy_line(), 0..12)) {
        let _ = parse_patch(&lines.join("\n"));
        let _ = parse_patch(&wrap(&lines.join("\n")));
    }

    #[test]
    fn extraction_never_panics(script in "\\PC*", lines in proptest::collection::vec(patchy_line(), 0..8)) {
        let _ = weft_patch::extract_from_argv(&["bash".to_owned(), "-lc".to_owned(), script]);
        let heredoc = format!("apply_patch <<'EOF'\n{}\nEOF", lines.join("\n"));
        let _ = weft_patch::extract_from_argv(&["bash".to_owned(), "-lc".to_owned(), heredoc]);
    }

    #[test]
    fn rendered_patches_parse_back(hunks in proptest::collection::vec(hunk(), 0..5)) {
        let patch = Patch { hunks };
        prop_assert_eq!(parse_patch(&patch.render()), Ok(patch));
    }

    #[test]
    fn generated_updates_apply(
        line_count in 1usize..30,
        edits in proptest::collection::vec(
            (0usize..30, 0usize..4, 0usize..3, proptest::collection::vec("[a-z ]{0,8}", 0..4)),
            1..3,
        ),
    ) {
        check_generated_update(line_count, &edits)?;
    }
}

type Edit = (usize, usize, usize, Vec<String>);

/// Builds a file of unique lines, a patch with one chunk per (non-overlapping) edit — each
/// replacing `len` lines at `start` after `context` lines of context — and checks that
/// applying it gives the expected content.
fn check_generated_update(line_count: usize, edits: &[Edit]) -> Result<(), TestCaseError> {
    let lines: Vec<String> = (0..line_count)
        .map(|index| format!("line {index}"))
        .collect();
    let mut expected: Vec<String> = Vec::new();
    let mut chunks = String::new();
    let mut cursor = 0;
    for (start, len, context, new_lines) in edits {
        let start = (*start).max(cursor).min(line_count);
        let len = (*len).min(line_count - start);
        let context = (*context).min(start - cursor);
        // A chunk without old lines would append at the end (the reference's rule); keep
        // every chunk anchored by at least one old line.
        if len + context == 0 {
            continue;
        }
        expected.extend_from_slice(&lines[cursor..start]);
        expected.extend(new_lines.iter().cloned());
        chunks.push_str("@@\n");
        for line in &lines[start - context..start] {
            chunks.push_str(&format!(" {line}\n"));
        }
        for line in &lines[start..start + len] {
            chunks.push_str(&format!("-{line}\n"));
        }
        for line in new_lines {
            chunks.push_str(&format!("+{line}\n"));
        }
        cursor = start + len;
    }
    if chunks.is_empty() {
        return Ok(());
    }
    expected.extend_from_slice(&lines[cursor..]);
    let dir = tempdir();
    write(dir.path(), "f.txt", &format!("{}\n", lines.join("\n")));
    run(
        &wrap(&format!(
            "*** Update File: f.txt\n{}",
            chunks.trim_end_matches('\n')
        )),
        dir.path(),
    )
    .map_err(|error| TestCaseError::fail(error.to_string()))?;
    // The reference's rule: the result ends with a newline unless its last line is already
    // empty (so a trailing empty line added at the very end is absorbed).
    if !expected.last().is_some_and(String::is_empty) {
        expected.push(String::new());
    }
    prop_assert_eq!(read(dir.path(), "f.txt"), expected.join("\n"));
    Ok(())
}
