//! Bounded line splitting, forwards and backwards, for files written by anyone.
//!
//! `BufRead::read_until` would buffer a line of any length; rollouts come from other processes
//! and may be corrupt, so every line here is capped at a caller-given length and an over-long
//! line is reported as [`RawLine::Oversized`] (its bytes are discarded as they stream past).
//! The backwards reader serves the writer's reopen and the index summary, which need the last
//! few lines of a file without reading all of it.

use std::fs::File;
use std::io::{self, BufRead, Read, Seek, SeekFrom};

/// One line as read from a file, without its `\n`.
#[derive(Debug)]
pub(crate) enum RawLine {
    /// The line's bytes (the last line of a file may lack its `\n`).
    Bytes(Vec<u8>),
    /// The line was longer than the cap; its bytes were skipped.
    Oversized,
}

/// Forward line reader with a per-line byte cap.
pub(crate) struct CappedLines<R> {
    reader: R,
    line_bytes_max: usize,
    bytes_consumed: u64,
}

impl<R: BufRead> CappedLines<R> {
    /// Wraps `reader`; lines longer than `line_bytes_max` become [`RawLine::Oversized`].
    pub(crate) fn new(reader: R, line_bytes_max: usize) -> Self {
        CappedLines {
            reader,
            line_bytes_max,
            bytes_consumed: 0,
        }
    }

    /// Bytes consumed so far, including newlines.
    pub(crate) fn bytes_consumed(&self) -> u64 {
        self.bytes_consumed
    }

    /// The next line, or `None` at end of input.
    pub(crate) fn next_line(&mut self) -> io::Result<Option<RawLine>> {
        let mut line = Vec::new();
        let mut oversized = false;
        let mut started = false;
        loop {
            let available = match self.reader.fill_buf() {
                Ok(available) => available,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(error),
            };
            if available.is_empty() {
                return Ok(started.then(|| finish(line, oversized)));
            }
            started = true;
            let newline = available.iter().position(|&byte| byte == b'\n');
            let take = newline.unwrap_or(available.len());
            if !oversized && line.len() + take <= self.line_bytes_max {
                line.extend_from_slice(&available[..take]);
            } else {
                oversized = true;
                line = Vec::new();
            }
            let consumed = newline.map_or(take, |index| index + 1);
            self.reader.consume(consumed);
            self.bytes_consumed += consumed as u64;
            if newline.is_some() {
                return Ok(Some(finish(line, oversized)));
            }
        }
    }
}

fn finish(line: Vec<u8>, oversized: bool) -> RawLine {
    if oversized {
        RawLine::Oversized
    } else {
        RawLine::Bytes(line)
    }
}

/// The end of a file split into lines, in file order.
#[derive(Debug)]
pub(crate) struct Tail {
    /// Complete lines (the last one may lack its `\n`), oldest first. A line cut by the start of
    /// the window is not included.
    pub(crate) lines: Vec<Vec<u8>>,
    /// Whether the window reached the start of the file (so `lines` is every line).
    pub(crate) reached_start: bool,
    /// Whether the file's last byte is a `\n` (false for an empty file).
    pub(crate) ends_with_newline: bool,
}

/// Reads backwards from the end of `file` (of length `len`) until the window holds at least
/// `lines_wanted` complete lines, reaches the start of the file, or exceeds `window_bytes_max`.
pub(crate) fn read_tail(
    file: &mut File,
    len: u64,
    lines_wanted: usize,
    window_bytes_max: u64,
    chunk_bytes: usize,
) -> io::Result<Tail> {
    let mut chunks: Vec<Vec<u8>> = Vec::new();
    let mut start = len;
    let mut newlines = 0usize;
    let mut ends_with_newline = false;
    while start > 0 && len - start < window_bytes_max {
        let room = window_bytes_max - (len - start);
        let step = (chunk_bytes as u64).min(start).min(room.max(1));
        start -= step;
        let mut chunk = vec![0u8; usize::try_from(step).unwrap_or(chunk_bytes)];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(&mut chunk)?;
        if chunks.is_empty() {
            ends_with_newline = chunk.last() == Some(&b'\n');
        }
        newlines += chunk.iter().filter(|&&byte| byte == b'\n').count();
        chunks.push(chunk);
        // One newline more than wanted lines: the oldest segment may be cut by the window.
        let needed = lines_wanted.saturating_add(usize::from(ends_with_newline));
        if newlines > needed {
            break;
        }
    }
    let mut window = Vec::with_capacity(chunks.iter().map(Vec::len).sum());
    for chunk in chunks.iter().rev() {
        window.extend_from_slice(chunk);
    }
    Ok(split_window(&window, start == 0, ends_with_newline))
}

fn split_window(window: &[u8], reached_start: bool, ends_with_newline: bool) -> Tail {
    let mut segments: Vec<&[u8]> = window.split(|&byte| byte == b'\n').collect();
    if ends_with_newline {
        // `split` yields an empty segment after the final `\n`.
        segments.pop();
    }
    if !reached_start && !segments.is_empty() {
        segments.remove(0);
    }
    Tail {
        lines: segments.into_iter().map(<[u8]>::to_vec).collect(),
        reached_start,
        ends_with_newline,
    }
}
