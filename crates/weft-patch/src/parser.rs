//! The `apply_patch` grammar: patch text in, [`Patch`] out, with the reference's error texts.
//!
//! The grammar (core.md §3.3) is line oriented, so the parser works on a slice of lines and
//! each step returns how many lines it consumed; the running count gives the 1-based line
//! numbers the error texts carry. It is as lenient as the reference's: whitespace around
//! marker lines is ignored, a heredoc wrapper around the whole patch is stripped, the first
//! chunk of an update may omit its `@@` line, an empty line inside a chunk is an empty context
//! line, and blank lines between chunks are skipped. Those leniencies are what models rely on,
//! so they are facts to keep, not accidents to clean up.

use std::path::PathBuf;

const BEGIN_PATCH_MARKER: &str = "*** Begin Patch";
const END_PATCH_MARKER: &str = "*** End Patch";
const ADD_FILE_MARKER: &str = "*** Add File: ";
const DELETE_FILE_MARKER: &str = "*** Delete File: ";
const UPDATE_FILE_MARKER: &str = "*** Update File: ";
const MOVE_TO_MARKER: &str = "*** Move to: ";
const END_OF_FILE_MARKER: &str = "*** End of File";
const CHUNK_CONTEXT_MARKER: &str = "@@ ";
const CHUNK_MARKER: &str = "@@";

/// First lines of a heredoc wrapper the parser strips around a whole patch.
const HEREDOC_OPENERS: [&str; 3] = ["<<EOF", "<<'EOF'", "<<\"EOF\""];
/// A heredoc-wrapped patch has at least the two wrapper lines and the two patch markers.
const HEREDOC_WRAPPED_LINES_MIN: usize = 4;

const FIRST_LINE_MESSAGE: &str = "The first line of the patch must be '*** Begin Patch'";
const LAST_LINE_MESSAGE: &str = "The last line of the patch must be '*** End Patch'";
const EMPTY_CHUNK_MESSAGE: &str = "Update hunk does not contain any lines";

/// A parsed patch: its hunks in the order they are to be applied.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Patch {
    /// The file operations, in patch order (application order).
    pub hunks: Vec<Hunk>,
}

/// One file operation of a patch. Paths are exactly as written in the patch (relative to the
/// patch's working directory, or absolute).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hunk {
    /// `*** Add File:` — create the file, or overwrite it if it exists.
    Add {
        /// Path as written.
        path: PathBuf,
        /// The new content: every `+` line followed by `\n`.
        contents: String,
    },
    /// `*** Delete File:` — remove an existing regular file.
    Delete {
        /// Path as written.
        path: PathBuf,
    },
    /// `*** Update File:` — edit an existing file in place, optionally moving it.
    Update {
        /// Path as written.
        path: PathBuf,
        /// `*** Move to:` destination as written, if any.
        move_path: Option<PathBuf>,
        /// The change chunks, in file order; never empty.
        chunks: Vec<UpdateChunk>,
    },
}

impl Hunk {
    /// The path the hunk names first (the source of a move), as written in the patch.
    #[must_use]
    pub fn path(&self) -> &std::path::Path {
        match self {
            Self::Add { path, .. } | Self::Delete { path } | Self::Update { path, .. } => path,
        }
    }
}

/// One change chunk of an update: a run of old lines to find and the lines replacing them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateChunk {
    /// The `@@ <context>` line, if given: the chunk's old lines are searched after it.
    pub context: Option<String>,
    /// Context and removed lines, in order: what must be found in the file.
    pub old_lines: Vec<String>,
    /// Context and added lines, in order: what replaces `old_lines`.
    pub new_lines: Vec<String>,
    /// Set by `*** End of File`: the old lines are anchored at the end of the file.
    pub end_of_file: bool,
}

/// Why a patch text is not a valid patch. The `Display` texts are the reference's, returned to
/// the model verbatim.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The begin or end marker is missing.
    #[error("invalid patch: {0}")]
    InvalidPatch(String),
    /// A hunk or chunk is malformed; `line_number` is 1-based within the (unwrapped) patch.
    #[error("invalid hunk at line {line_number}, {message}")]
    InvalidHunk {
        /// What is wrong, in the reference's words.
        message: String,
        /// 1-based line of the offending header or line.
        line_number: usize,
    },
}

/// Parses a patch, leniently as the reference does (see the module docs).
///
/// # Errors
/// [`ParseError`] with the reference's text when the markers are missing or a hunk is
/// malformed. Never panics, whatever the input.
pub fn parse_patch(text: &str) -> Result<Patch, ParseError> {
    let lines: Vec<&str> = text.trim().lines().collect();
    let body = patch_body_lenient(&lines)?;
    let mut hunks = Vec::new();
    let mut remaining = body;
    // Line 1 is `*** Begin Patch`, so the first hunk header is line 2.
    let mut line_number = 2;
    while !remaining.is_empty() {
        let (hunk, consumed) = parse_hunk(remaining, line_number)?;
        hunks.push(hunk);
        line_number += consumed;
        remaining = &remaining[consumed..];
    }
    Ok(Patch { hunks })
}

/// The lines between the markers, trying the text as is and then without a heredoc wrapper.
fn patch_body_lenient<'a>(lines: &'a [&'a str]) -> Result<&'a [&'a str], ParseError> {
    let strict_error = match patch_body_strict(lines) {
        Ok(body) => return Ok(body),
        Err(error) => error,
    };
    match lines {
        [first, .., last]
            if HEREDOC_OPENERS.contains(first)
                && last.ends_with("EOF")
                && lines.len() >= HEREDOC_WRAPPED_LINES_MIN =>
        {
            patch_body_strict(&lines[1..lines.len() - 1])
        }
        _ => Err(strict_error),
    }
}

fn patch_body_strict<'a>(lines: &'a [&'a str]) -> Result<&'a [&'a str], ParseError> {
    let first = lines.first().map(|line| line.trim());
    let last = lines.last().map(|line| line.trim());
    match (first, last) {
        (Some(BEGIN_PATCH_MARKER), Some(END_PATCH_MARKER)) if lines.len() >= 2 => {
            Ok(&lines[1..lines.len() - 1])
        }
        (Some(first), _) if first != BEGIN_PATCH_MARKER => {
            Err(ParseError::InvalidPatch(FIRST_LINE_MESSAGE.to_owned()))
        }
        _ => Err(ParseError::InvalidPatch(LAST_LINE_MESSAGE.to_owned())),
    }
}

/// Parses the hunk starting at `lines[0]` (which is line `line_number`); returns it and the
/// number of lines it spans.
fn parse_hunk(lines: &[&str], line_number: usize) -> Result<(Hunk, usize), ParseError> {
    let header = lines[0].trim();
    if let Some(path) = header.strip_prefix(ADD_FILE_MARKER) {
        let mut contents = String::new();
        let mut consumed = 1;
        for line in &lines[1..] {
            let Some(added) = line.strip_prefix('+') else {
                break;
            };
            contents.push_str(added);
            contents.push('\n');
            consumed += 1;
        }
        let hunk = Hunk::Add {
            path: PathBuf::from(path),
            contents,
        };
        return Ok((hunk, consumed));
    }
    if let Some(path) = header.strip_prefix(DELETE_FILE_MARKER) {
        return Ok((
            Hunk::Delete {
                path: PathBuf::from(path),
            },
            1,
        ));
    }
    if let Some(path) = header.strip_prefix(UPDATE_FILE_MARKER) {
        return parse_update_hunk(path, lines, line_number);
    }
    Err(ParseError::InvalidHunk {
        message: format!(
            "'{header}' is not a valid hunk header. Valid hunk headers: '*** Add File: {{path}}', \
             '*** Delete File: {{path}}', '*** Update File: {{path}}'"
        ),
        line_number,
    })
}

fn parse_update_hunk(
    path: &str,
    lines: &[&str],
    line_number: usize,
) -> Result<(Hunk, usize), ParseError> {
    let mut consumed = 1;
    let move_path = lines
        .get(1)
        .and_then(|line| line.strip_prefix(MOVE_TO_MARKER));
    if move_path.is_some() {
        consumed += 1;
    }
    let mut chunks = Vec::new();
    while let Some(line) = lines.get(consumed) {
        // Blank lines between chunks are separators, not content.
        if line.trim().is_empty() {
            consumed += 1;
            continue;
        }
        // The next hunk header (or a stray marker) ends this hunk.
        if line.starts_with('*') {
            break;
        }
        let (chunk, chunk_lines) = parse_chunk(
            &lines[consumed..],
            line_number + consumed,
            chunks.is_empty(),
        )?;
        chunks.push(chunk);
        consumed += chunk_lines;
    }
    if chunks.is_empty() {
        return Err(ParseError::InvalidHunk {
            message: format!("Update file hunk for path '{path}' is empty"),
            line_number,
        });
    }
    let hunk = Hunk::Update {
        path: PathBuf::from(path),
        move_path: move_path.map(PathBuf::from),
        chunks,
    };
    Ok((hunk, consumed))
}

/// Parses one change chunk starting at `lines[0]` (line `line_number`); returns it and the
/// number of lines it spans. `first_in_hunk` allows the `@@` line to be omitted.
fn parse_chunk(
    lines: &[&str],
    line_number: usize,
    first_in_hunk: bool,
) -> Result<(UpdateChunk, usize), ParseError> {
    let (context, start) = if lines[0] == CHUNK_MARKER {
        (None, 1)
    } else if let Some(context) = lines[0].strip_prefix(CHUNK_CONTEXT_MARKER) {
        (Some(context.to_owned()), 1)
    } else if first_in_hunk {
        (None, 0)
    } else {
        return Err(ParseError::InvalidHunk {
            message: format!(
                "Expected update hunk to start with a @@ context marker, got: '{}'",
                lines[0]
            ),
            line_number,
        });
    };
    let empty_chunk = || ParseError::InvalidHunk {
        message: EMPTY_CHUNK_MESSAGE.to_owned(),
        line_number: line_number + 1,
    };
    if start >= lines.len() {
        return Err(empty_chunk());
    }
    let mut chunk = UpdateChunk {
        context,
        old_lines: Vec::new(),
        new_lines: Vec::new(),
        end_of_file: false,
    };
    let mut parsed = 0;
    for line in &lines[start..] {
        if *line == END_OF_FILE_MARKER {
            if parsed == 0 {
                return Err(empty_chunk());
            }
            chunk.end_of_file = true;
            parsed += 1;
            break;
        }
        match line.chars().next() {
            None => {
                chunk.old_lines.push(String::new());
                chunk.new_lines.push(String::new());
            }
            Some(' ') => {
                chunk.old_lines.push(line[1..].to_owned());
                chunk.new_lines.push(line[1..].to_owned());
            }
            Some('+') => chunk.new_lines.push(line[1..].to_owned()),
            Some('-') => chunk.old_lines.push(line[1..].to_owned()),
            Some(_) if parsed == 0 => {
                return Err(ParseError::InvalidHunk {
                    message: format!(
                        "Unexpected line found in update hunk: '{line}'. Every line should start \
                         with ' ' (context line), '+' (added line), or '-' (removed line)"
                    ),
                    line_number: line_number + 1,
                });
            }
            // Anything else starts the next chunk or hunk.
            Some(_) => break,
        }
        parsed += 1;
    }
    Ok((chunk, parsed + start))
}
