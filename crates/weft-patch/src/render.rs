//! Rendering a [`Patch`] back to patch text.
//!
//! Used to build patches programmatically (tests, fixtures, a future freeform tool echo) and
//! to state the parser's round-trip property: `parse_patch(&patch.render()) == Ok(patch)` for
//! every patch whose paths have no surrounding whitespace and whose lines contain no line
//! breaks. Chunks are rendered as all removed lines followed by all added lines, which parses
//! back to the same old and new lines (interleaving is not part of the parsed form).

use std::fmt::Write as _;

use crate::parser::{Hunk, Patch, UpdateChunk};

impl Patch {
    /// Renders the patch in the canonical form `parse_patch` accepts: explicit `@@` on every
    /// chunk, `-` lines before `+` lines, `*** End of File` where set, LF line ends.
    #[must_use]
    pub fn render(&self) -> String {
        let mut out = String::from("*** Begin Patch\n");
        for hunk in &self.hunks {
            render_hunk(&mut out, hunk);
        }
        out.push_str("*** End Patch\n");
        out
    }
}

fn render_hunk(out: &mut String, hunk: &Hunk) {
    match hunk {
        Hunk::Add { path, contents } => {
            let _ = writeln!(out, "*** Add File: {}", path.display());
            for line in contents.lines() {
                let _ = writeln!(out, "+{line}");
            }
        }
        Hunk::Delete { path } => {
            let _ = writeln!(out, "*** Delete File: {}", path.display());
        }
        Hunk::Update {
            path,
            move_path,
            chunks,
        } => {
            let _ = writeln!(out, "*** Update File: {}", path.display());
            if let Some(move_path) = move_path {
                let _ = writeln!(out, "*** Move to: {}", move_path.display());
            }
            for chunk in chunks {
                render_chunk(out, chunk);
            }
        }
    }
}

fn render_chunk(out: &mut String, chunk: &UpdateChunk) {
    match &chunk.context {
        Some(context) => {
            let _ = writeln!(out, "@@ {context}");
        }
        None => out.push_str("@@\n"),
    }
    for line in &chunk.old_lines {
        let _ = writeln!(out, "-{line}");
    }
    for line in &chunk.new_lines {
        let _ = writeln!(out, "+{line}");
    }
    if chunk.end_of_file {
        out.push_str("*** End of File\n");
    }
}
