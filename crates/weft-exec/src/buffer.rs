//! Bounded output storage: a head+tail byte buffer and a streaming UTF-8 decoder.
//!
//! A command may print gigabytes; what the model and the client need is its beginning (the
//! command's banner, the first error) and its end (the summary, the last error). The buffer
//! keeps the first and last halves of its capacity, counts what fell out of the middle, and
//! renders the gap as a marker. The decoder turns raw pipe reads into text deltas without ever
//! cutting a multi-byte character in two.

use std::collections::VecDeque;

/// Head and tail of a byte stream, within a fixed capacity.
///
/// Promises: at most `capacity` bytes are stored whatever is pushed; the first
/// `capacity / 2` bytes ever pushed and the last `capacity - capacity / 2` bytes are kept
/// exactly; everything in between is counted in [`HeadTailBuffer::omitted_bytes`].
#[derive(Debug)]
pub struct HeadTailBuffer {
    head_capacity: usize,
    tail_capacity: usize,
    head: Vec<u8>,
    /// Tail kept as the pushed chunks, so a flood costs one copy per chunk, not per byte.
    tail: VecDeque<Vec<u8>>,
    tail_bytes: usize,
    omitted_bytes: u64,
}

impl HeadTailBuffer {
    /// An empty buffer that stores at most `capacity` bytes. Allocates lazily.
    pub fn new(capacity: usize) -> Self {
        let head_capacity = capacity / 2;
        Self {
            head_capacity,
            tail_capacity: capacity - head_capacity,
            head: Vec::new(),
            tail: VecDeque::new(),
            tail_bytes: 0,
            omitted_bytes: 0,
        }
    }

    /// Appends `bytes`, dropping from the middle what no longer fits.
    pub fn push(&mut self, mut bytes: &[u8]) {
        let head_room = self.head_capacity - self.head.len();
        if head_room > 0 {
            let taken = head_room.min(bytes.len());
            self.head.extend_from_slice(&bytes[..taken]);
            bytes = &bytes[taken..];
        }
        if bytes.is_empty() {
            return;
        }
        if bytes.len() >= self.tail_capacity {
            let dropped = self.tail_bytes + (bytes.len() - self.tail_capacity);
            self.omitted_bytes += dropped as u64;
            self.tail.clear();
            self.tail
                .push_back(bytes[bytes.len() - self.tail_capacity..].to_vec());
            self.tail_bytes = self.tail_capacity;
            return;
        }
        self.tail.push_back(bytes.to_vec());
        self.tail_bytes += bytes.len();
        while self.tail_bytes > self.tail_capacity {
            let excess = self.tail_bytes - self.tail_capacity;
            let Some(front) = self.tail.front_mut() else {
                break;
            };
            if front.len() <= excess {
                self.tail_bytes -= front.len();
                self.omitted_bytes += front.len() as u64;
                self.tail.pop_front();
            } else {
                front.drain(..excess);
                self.tail_bytes -= excess;
                self.omitted_bytes += excess as u64;
            }
        }
    }

    /// Bytes currently stored (head plus tail).
    pub fn retained_bytes(&self) -> usize {
        self.head.len() + self.tail_bytes
    }

    /// Bytes dropped from the middle so far.
    pub fn omitted_bytes(&self) -> u64 {
        self.omitted_bytes
    }

    /// Every byte ever pushed: retained plus omitted.
    pub fn total_bytes(&self) -> u64 {
        self.retained_bytes() as u64 + self.omitted_bytes
    }

    /// Nothing was ever pushed (or everything was taken).
    pub fn is_empty(&self) -> bool {
        self.total_bytes() == 0
    }

    /// The stored text, decoded lossily, with [`omitted_marker`] where bytes were dropped.
    ///
    /// A character cut by the gap is left out whole (its bytes count as omitted) rather than
    /// shown as replacement characters.
    pub fn render(&self) -> String {
        let mut tail = Vec::with_capacity(self.tail_bytes);
        for chunk in &self.tail {
            tail.extend_from_slice(chunk);
        }
        if self.omitted_bytes == 0 {
            let mut all = self.head.clone();
            all.extend_from_slice(&tail);
            return String::from_utf8_lossy(&all).into_owned();
        }
        let head_cut = incomplete_suffix_len(&self.head);
        let tail_skip = leading_continuation_len(&tail);
        let head = &self.head[..self.head.len() - head_cut];
        let tail = &tail[tail_skip..];
        let omitted = self.omitted_bytes + (head_cut + tail_skip) as u64;
        let mut text = String::from_utf8_lossy(head).into_owned();
        text.push_str(&omitted_marker(omitted));
        text.push_str(&String::from_utf8_lossy(tail));
        text
    }

    /// Renders, then empties the buffer; returns the text and the bytes pushed since the last
    /// take.
    pub fn take(&mut self) -> (String, u64) {
        let rendered = self.render();
        let total = self.total_bytes();
        self.head = Vec::new();
        self.tail.clear();
        self.tail_bytes = 0;
        self.omitted_bytes = 0;
        (rendered, total)
    }
}

/// The marker [`HeadTailBuffer::render`] puts where `omitted_bytes` were dropped (weft's own
/// text; the reference drops them silently).
pub fn omitted_marker(omitted_bytes: u64) -> String {
    format!("…{omitted_bytes} bytes omitted…")
}

/// Length of a trailing, incomplete UTF-8 sequence at the end of `bytes` (0 if none).
fn incomplete_suffix_len(bytes: &[u8]) -> usize {
    for back in 1..=3.min(bytes.len()) {
        let byte = bytes[bytes.len() - back];
        if byte & 0xC0 == 0x80 {
            continue;
        }
        if byte & 0xC0 != 0xC0 {
            return 0;
        }
        let expected = match byte {
            0xF0.. => 4,
            0xE0.. => 3,
            _ => 2,
        };
        return if expected > back { back } else { 0 };
    }
    0
}

/// Number of UTF-8 continuation bytes (at most 3) starting `bytes`.
fn leading_continuation_len(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .take(3)
        .take_while(|byte| **byte & 0xC0 == 0x80)
        .count()
}

/// Turns a byte stream into text chunks without splitting a multi-byte character.
///
/// An incomplete sequence at the end of a chunk is carried into the next one; invalid bytes
/// become U+FFFD, as `String::from_utf8_lossy` would.
#[derive(Debug, Default)]
pub struct Utf8Chunker {
    carry: Vec<u8>,
}

impl Utf8Chunker {
    /// Decodes `bytes` (after whatever was carried), keeping an incomplete tail for later.
    pub fn push(&mut self, bytes: &[u8]) -> String {
        let mut input = std::mem::take(&mut self.carry);
        input.extend_from_slice(bytes);
        let mut text = String::with_capacity(input.len());
        let mut chunks = input.utf8_chunks().peekable();
        while let Some(chunk) = chunks.next() {
            text.push_str(chunk.valid());
            let invalid = chunk.invalid();
            if invalid.is_empty() {
                continue;
            }
            let incomplete =
                matches!(std::str::from_utf8(invalid), Err(error) if error.error_len().is_none());
            if chunks.peek().is_none() && incomplete {
                self.carry = invalid.to_vec();
            } else {
                text.push(char::REPLACEMENT_CHARACTER);
            }
        }
        text
    }

    /// Ends the stream: a carried incomplete sequence becomes U+FFFD.
    pub fn finish(&mut self) -> String {
        if self.carry.is_empty() {
            String::new()
        } else {
            self.carry.clear();
            char::REPLACEMENT_CHARACTER.to_string()
        }
    }
}
