//! The lines of one byte range of a rollout, read in blocks through one reused buffer.
//!
//! Each digest worker owns a range of the file and the lines that *start* in it: a worker
//! skips the line its range begins inside of (the previous worker finishes it) and reads past
//! its end to finish its own last line. Reading block by block into a buffer that is reused
//! keeps the working set in cache and avoids faulting in a file-sized allocation, which on a
//! small VM costs as much as parsing. Lines are capped like [`crate::scan::CappedLines`]
//! caps them: a longer line is reported as [`RegionLine::Oversized`] and its bytes are dropped
//! as they stream past.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

use crate::limits::DIGEST_PAST_END_READ_BYTES;

/// One line of a region, without its `\n`.
#[derive(Debug)]
pub(super) enum RegionLine<'a> {
    /// The line's bytes (the last line of a file may lack its `\n`) and its file offset.
    Bytes {
        /// File offset of the first byte.
        offset: u64,
        /// The bytes, borrowed until the next call.
        bytes: &'a [u8],
    },
    /// The line was longer than the cap; its bytes were skipped.
    Oversized,
}

/// Forward line reader over the lines starting in `[start, end)` of a file.
pub(super) struct RegionLines<'r> {
    file: &'r File,
    /// The caller's buffer, reused from range to range.
    buffer: &'r mut Vec<u8>,
    /// File offset of `buffer[0]`.
    buffer_offset: u64,
    /// Bytes of `buffer` that hold file data.
    filled: usize,
    /// Start of the next line in `buffer`.
    position: usize,
    /// How far from `position` the buffer is known to hold no `\n`.
    scanned: usize,
    /// The file has no more bytes.
    eof: bool,
    /// Lines starting at or past this offset belong to the next region.
    end: u64,
    line_bytes_max: usize,
    block_bytes: usize,
}

impl<'r> RegionLines<'r> {
    /// Positions a reader on the first line that starts at or after `start`. `buffer` is
    /// grown to a block if smaller and kept as it is otherwise.
    pub(super) fn open(
        mut file: &'r File,
        buffer: &'r mut Vec<u8>,
        start: u64,
        end: u64,
        block_bytes: usize,
        line_bytes_max: usize,
    ) -> io::Result<RegionLines<'r>> {
        // Starting one byte early finds out whether `start` is itself a line start.
        let from = start.saturating_sub(1);
        file.seek(SeekFrom::Start(from))?;
        if buffer.len() < block_bytes.max(1) {
            buffer.resize(block_bytes.max(1), 0);
        }
        let mut lines = RegionLines {
            file,
            buffer,
            buffer_offset: from,
            filled: 0,
            position: 0,
            scanned: 0,
            eof: false,
            end,
            line_bytes_max,
            block_bytes: block_bytes.max(1),
        };
        if start > 0 {
            lines.skip_past_newline(end)?;
        }
        Ok(lines)
    }

    /// The next line of the region, or `None` past its end.
    pub(super) fn next_line(&mut self) -> io::Result<Option<RegionLine<'_>>> {
        loop {
            if self.line_offset() >= self.end {
                return Ok(None);
            }
            let pending = &self.buffer[self.position + self.scanned..self.filled];
            if let Some(index) = find_newline(pending) {
                let start = self.position;
                let length = self.scanned + index;
                self.position += length + 1;
                self.scanned = 0;
                return Ok(Some(self.line(start, length)));
            }
            self.scanned = self.filled - self.position;
            if self.eof {
                if self.scanned == 0 {
                    return Ok(None);
                }
                let (start, length) = (self.position, self.scanned);
                self.position = self.filled;
                self.scanned = 0;
                return Ok(Some(self.line(start, length)));
            }
            if self.scanned > self.line_bytes_max {
                self.skip_past_newline(u64::MAX)?;
                return Ok(Some(RegionLine::Oversized));
            }
            self.refill()?;
        }
    }

    fn line_offset(&self) -> u64 {
        self.buffer_offset + self.position as u64
    }

    fn line(&self, start: usize, length: usize) -> RegionLine<'_> {
        if length > self.line_bytes_max {
            return RegionLine::Oversized;
        }
        RegionLine::Bytes {
            offset: self.buffer_offset + start as u64,
            bytes: &self.buffer[start..start + length],
        }
    }

    /// Drops bytes up to and including the next `\n` (or to the end of the file, or until the
    /// reader is at or past `limit`, where nothing more of interest starts).
    fn skip_past_newline(&mut self, limit: u64) -> io::Result<()> {
        loop {
            let pending = &self.buffer[self.position..self.filled];
            if let Some(index) = find_newline(pending) {
                self.position += index + 1;
                self.scanned = 0;
                return Ok(());
            }
            self.buffer_offset += self.filled as u64;
            (self.filled, self.position, self.scanned) = (0, 0, 0);
            if self.eof || self.buffer_offset >= limit {
                return Ok(());
            }
            self.refill()?;
        }
    }

    /// Moves the unread bytes to the front, grows the buffer when a line fills it, and reads
    /// one more block.
    fn refill(&mut self) -> io::Result<()> {
        if self.position > 0 {
            self.buffer.copy_within(self.position..self.filled, 0);
            self.buffer_offset += self.position as u64;
            self.filled -= self.position;
            self.position = 0;
        }
        if self.filled == self.buffer.len() {
            // One byte over the cap is enough to know a line is too long.
            let cap = self.line_bytes_max.saturating_add(1);
            let grown = (self.buffer.len() + self.block_bytes).max(self.buffer.len() * 2);
            self.buffer.resize(grown.min(cap).max(self.filled + 1), 0);
        }
        // Near the end of the range only the last line is still wanted: read a little at a
        // time rather than a whole block of the next range.
        let to_end = self
            .end
            .saturating_sub(self.buffer_offset + self.filled as u64);
        let wanted = usize::try_from(to_end)
            .unwrap_or(usize::MAX)
            .saturating_add(DIGEST_PAST_END_READ_BYTES);
        let stop = self.buffer.len().min(self.filled.saturating_add(wanted));
        loop {
            let mut file = self.file;
            match file.read(&mut self.buffer[self.filled..stop]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(read) => {
                    self.filled += read;
                    return Ok(());
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
    }
}

/// Position of the first `\n`, eight bytes at a time (the std-only equivalent of `memchr`,
/// several times faster than `iter().position` on long lines).
pub(super) fn find_newline(haystack: &[u8]) -> Option<usize> {
    const LOW_BITS: u64 = 0x0101_0101_0101_0101;
    const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
    const NEWLINES: u64 = LOW_BITS * b'\n' as u64;
    let mut words = haystack.chunks_exact(8);
    let mut offset = 0;
    for word in &mut words {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(word);
        let word = u64::from_le_bytes(bytes) ^ NEWLINES;
        let zero_bytes = word.wrapping_sub(LOW_BITS) & !word & HIGH_BITS;
        if zero_bytes != 0 {
            return Some(offset + (zero_bytes.trailing_zeros() / 8) as usize);
        }
        offset += 8;
    }
    words
        .remainder()
        .iter()
        .position(|&byte| byte == b'\n')
        .map(|index| offset + index)
}
