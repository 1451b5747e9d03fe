//! The grammar and the reference's parse error texts.

use std::path::PathBuf;

use weft_patch::{Hunk, ParseError, Patch, UpdateChunk, parse_patch};

use crate::support::wrap;

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|item| (*item).to_owned()).collect()
}

fn chunk(context: Option<&str>, old: &[&str], new: &[&str], end_of_file: bool) -> UpdateChunk {
    UpdateChunk {
        context: context.map(str::to_owned),
        old_lines: strings(old),
        new_lines: strings(new),
        end_of_file,
    }
}

fn error_text(text: &str) -> String {
    parse_patch(text).expect_err("should not parse").to_string()
}

fn only_hunk(text: &str) -> Hunk {
    let mut patch = parse_patch(text).expect("parses");
    assert_eq!(patch.hunks.len(), 1, "{patch:?}");
    patch.hunks.remove(0)
}

#[test]
fn every_hunk_kind() {
    let text = wrap(
        "*** Add File: path/add.py\n+abc\n+def\n*** Delete File: path/delete.py\n\
         *** Update File: path/update.py\n*** Move to: path/update2.py\n@@ def f():\n-    pass\n\
         +    return 123",
    );
    let expected = Patch {
        hunks: vec![
            Hunk::Add {
                path: "path/add.py".into(),
                contents: "abc\ndef\n".into(),
            },
            Hunk::Delete {
                path: "path/delete.py".into(),
            },
            Hunk::Update {
                path: "path/update.py".into(),
                move_path: Some("path/update2.py".into()),
                chunks: vec![chunk(
                    Some("def f():"),
                    &["    pass"],
                    &["    return 123"],
                    false,
                )],
            },
        ],
    };
    assert_eq!(parse_patch(&text), Ok(expected));
}

#[test]
fn first_and_last_line_errors() {
    let first = "invalid patch: The first line of the patch must be '*** Begin Patch'";
    let last = "invalid patch: The last line of the patch must be '*** End Patch'";
    assert_eq!(error_text("bad"), first);
    assert_eq!(error_text("*** End Patch"), first);
    assert_eq!(error_text("*** Begin Patch\nbad"), last);
    assert_eq!(error_text("*** Begin Patch"), last);
    assert_eq!(error_text(""), last);
    assert_eq!(error_text("  \n\n"), last);
}

#[test]
fn empty_patch_has_no_hunks() {
    assert_eq!(
        parse_patch("*** Begin Patch\n*** End Patch"),
        Ok(Patch::default())
    );
}

#[test]
fn whitespace_around_markers_is_tolerated() {
    let text = "  *** Begin Patch \n *** Add File: foo \n+hi\n\t*** End Patch  \n\n";
    assert_eq!(
        only_hunk(text),
        Hunk::Add {
            path: "foo".into(),
            contents: "hi\n".into()
        }
    );
}

#[test]
fn heredoc_wrapper_is_stripped() {
    let inner = "*** Begin Patch\n*** Update File: file2.py\n import foo\n+bar\n*** End Patch";
    let expected = Hunk::Update {
        path: "file2.py".into(),
        move_path: None,
        chunks: vec![chunk(None, &["import foo"], &["import foo", "bar"], false)],
    };
    for opener in ["<<EOF", "<<'EOF'", "<<\"EOF\""] {
        assert_eq!(
            only_hunk(&format!("{opener}\n{inner}\nEOF\n")),
            expected,
            "{opener}"
        );
    }
    assert_eq!(
        error_text(&format!("<<\"EOF'\n{inner}\nEOF\n")),
        "invalid patch: The first line of the patch must be '*** Begin Patch'"
    );
    assert_eq!(
        error_text("<<EOF\n*** Begin Patch\n*** Update File: file2.py\nEOF\n"),
        "invalid patch: The last line of the patch must be '*** End Patch'"
    );
}

#[test]
fn invalid_hunk_header_names_its_line() {
    assert_eq!(
        error_text(&wrap("*** Add File: a\n+x\nbad header ")),
        "invalid hunk at line 4, 'bad header' is not a valid hunk header. Valid hunk headers: \
         '*** Add File: {path}', '*** Delete File: {path}', '*** Update File: {path}'"
    );
    assert_eq!(
        error_text(&wrap("*** Frobnicate File: a")),
        "invalid hunk at line 2, '*** Frobnicate File: a' is not a valid hunk header. Valid hunk \
         headers: '*** Add File: {path}', '*** Delete File: {path}', '*** Update File: {path}'"
    );
}

#[test]
fn empty_update_hunk() {
    assert_eq!(
        error_text(&wrap("*** Update File: test.py")),
        "invalid hunk at line 2, Update file hunk for path 'test.py' is empty"
    );
    assert_eq!(
        error_text(&wrap(
            "*** Delete File: a\n*** Update File: b\n*** Move to: c\n\n"
        )),
        "invalid hunk at line 3, Update file hunk for path 'b' is empty"
    );
}

#[test]
fn first_chunk_may_omit_its_marker_but_later_ones_may_not() {
    let hunk = only_hunk(&wrap("*** Update File: a\n-x\n+y"));
    assert_eq!(
        hunk,
        Hunk::Update {
            path: "a".into(),
            move_path: None,
            chunks: vec![chunk(None, &["x"], &["y"], false)]
        }
    );
    assert_eq!(
        error_text(&wrap("*** Update File: a\n-x\n+y\nfoo")),
        "invalid hunk at line 5, Expected update hunk to start with a @@ context marker, got: 'foo'"
    );
}

#[test]
fn unexpected_first_chunk_line() {
    assert_eq!(
        error_text(&wrap("*** Update File: a\n@@\nfoo")),
        "invalid hunk at line 4, Unexpected line found in update hunk: 'foo'. Every line should \
         start with ' ' (context line), '+' (added line), or '-' (removed line)"
    );
}

#[test]
fn chunk_without_lines() {
    assert_eq!(
        error_text(&wrap("*** Update File: a\n@@\n*** End of File")),
        "invalid hunk at line 4, Update hunk does not contain any lines"
    );
    // `@@` as the very last body line: the chunk has nothing after it.
    assert_eq!(
        error_text(&wrap("*** Update File: a\n@@ ctx")),
        "invalid hunk at line 4, Update hunk does not contain any lines"
    );
}

#[test]
fn empty_line_inside_a_chunk_is_empty_context() {
    let hunk = only_hunk(&wrap(
        "*** Update File: a\n@@ ctx\n\n context\n-remove\n+add\n context2",
    ));
    let expected = chunk(
        Some("ctx"),
        &["", "context", "remove", "context2"],
        &["", "context", "add", "context2"],
        false,
    );
    assert_eq!(
        hunk,
        Hunk::Update {
            path: "a".into(),
            move_path: None,
            chunks: vec![expected]
        }
    );
}

#[test]
fn blank_lines_between_chunks_are_skipped() {
    let hunk = only_hunk(&wrap("*** Update File: a\n  \n@@\n-x\n+y\n@@\n-z\n+w"));
    let Hunk::Update { chunks, .. } = hunk else {
        panic!("update expected")
    };
    assert_eq!(
        chunks,
        vec![
            chunk(None, &["x"], &["y"], false),
            chunk(None, &["z"], &["w"], false)
        ]
    );
}

#[test]
fn end_of_file_marker() {
    let text = wrap("*** Update File: a\n@@\n+line\n*** End of File\n*** Add File: b\n+b");
    let patch = parse_patch(&text).expect("parses");
    assert_eq!(
        patch.hunks,
        vec![
            Hunk::Update {
                path: "a".into(),
                move_path: None,
                chunks: vec![chunk(None, &[], &["line"], true)]
            },
            Hunk::Add {
                path: "b".into(),
                contents: "b\n".into()
            },
        ]
    );
}

#[test]
fn update_followed_by_another_hunk() {
    let patch = parse_patch(&wrap(
        "*** Update File: file.py\n@@\n+line\n*** Add File: other.py\n+content",
    ))
    .expect("parses");
    assert_eq!(patch.hunks.len(), 2);
    assert_eq!(
        patch.hunks[1],
        Hunk::Add {
            path: "other.py".into(),
            contents: "content\n".into()
        }
    );
}

#[test]
fn add_without_lines_is_an_empty_file() {
    assert_eq!(
        only_hunk(&wrap("*** Add File: empty.txt")),
        Hunk::Add {
            path: "empty.txt".into(),
            contents: String::new()
        }
    );
}

#[test]
fn crlf_line_ends_are_accepted() {
    let hunk = only_hunk("*** Begin Patch\r\n*** Add File: a\r\n+x\r\n*** End Patch\r\n");
    assert_eq!(
        hunk,
        Hunk::Add {
            path: "a".into(),
            contents: "x\n".into()
        }
    );
}

#[test]
fn absolute_paths_are_kept() {
    let hunk = only_hunk(&wrap("*** Delete File: /tmp/x/y.txt"));
    assert_eq!(
        hunk,
        Hunk::Delete {
            path: PathBuf::from("/tmp/x/y.txt")
        }
    );
}

#[test]
fn error_variants_carry_the_parts() {
    assert_eq!(
        parse_patch(&wrap("*** Update File: t")),
        Err(ParseError::InvalidHunk {
            message: "Update file hunk for path 't' is empty".into(),
            line_number: 2
        })
    );
}

#[test]
fn render_is_parseable() {
    let text = wrap("*** Update File: a\n*** Move to: b\n@@ fn x\n c\n-d\n+e\n*** End of File");
    let patch = parse_patch(&text).expect("parses");
    assert_eq!(parse_patch(&patch.render()), Ok(patch));
}
