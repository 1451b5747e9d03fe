//! Token-budget truncation of command output for the model.
//!
//! The model sees at most `max_output_tokens` of a command's output. Token counts are
//! approximated as bytes / 4 (rounded up), like the reference, so no tokenizer is needed. The
//! cut keeps the head and the tail of the text (where banners, first errors and summaries live)
//! on character boundaries and puts a marker in the middle. weft pins its own marker and header
//! (core.md §3.0 leaves the exact text to us):
//!
//! ```text
//! Total output lines: <lines of the untruncated text>
//!
//! <head>…<N> tokens truncated…<tail>
//! ```

use crate::limits::APPROX_BYTES_PER_TOKEN;

/// Approximate tokens in `text`: bytes / 4, rounded up (the reference's heuristic).
pub fn approx_token_count(text: &str) -> usize {
    text.len().div_ceil(APPROX_BYTES_PER_TOKEN)
}

/// Approximate tokens in `bytes` raw output bytes (bytes / 4, rounded up).
pub fn approx_tokens_from_bytes(bytes: u64) -> u64 {
    bytes.div_ceil(APPROX_BYTES_PER_TOKEN as u64)
}

/// Byte budget of `max_tokens` tokens.
pub fn bytes_for_tokens(max_tokens: usize) -> usize {
    max_tokens.saturating_mul(APPROX_BYTES_PER_TOKEN)
}

/// The marker [`truncate_middle`] puts where `removed_tokens` were cut.
pub fn truncation_marker(removed_tokens: usize) -> String {
    format!("…{removed_tokens} tokens truncated…")
}

/// Cuts the middle of `text` so that head and tail together fit `max_tokens`.
///
/// Promises: returns `text` unchanged when it fits; otherwise the result is a prefix of `text`
/// of at most half the byte budget, the marker, and a suffix of at most the other half, both
/// cut on character boundaries (so each loses at most 3 bytes to a straddling character). The
/// marker counts the removed bytes as tokens. Never panics.
pub fn truncate_middle(text: &str, max_tokens: usize) -> String {
    let budget = bytes_for_tokens(max_tokens);
    if text.len() <= budget {
        return text.to_owned();
    }
    let head_budget = budget / 2;
    let tail_budget = budget - head_budget;
    let prefix_end = floor_char_boundary(text, head_budget);
    let suffix_start = ceil_char_boundary(text, text.len() - tail_budget).max(prefix_end);
    let removed_bytes = suffix_start - prefix_end;
    let marker = truncation_marker(removed_bytes.div_ceil(APPROX_BYTES_PER_TOKEN));
    let mut out = String::with_capacity(prefix_end + marker.len() + text.len() - suffix_start);
    out.push_str(&text[..prefix_end]);
    out.push_str(&marker);
    out.push_str(&text[suffix_start..]);
    out
}

/// [`truncate_middle`] plus the `Total output lines: <n>` header when anything was cut.
///
/// This is what the model gets as a unified-exec `Output:` body.
pub fn truncate_for_model(text: &str, max_tokens: usize) -> String {
    if text.len() <= bytes_for_tokens(max_tokens) {
        return text.to_owned();
    }
    let total_lines = text.lines().count();
    format!(
        "Total output lines: {total_lines}\n\n{}",
        truncate_middle(text, max_tokens)
    )
}

/// Largest character boundary at or below `index`.
fn floor_char_boundary(text: &str, index: usize) -> usize {
    let mut index = index.min(text.len());
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// Smallest character boundary at or above `index`.
fn ceil_char_boundary(text: &str, index: usize) -> usize {
    let mut index = index.min(text.len());
    while !text.is_char_boundary(index) {
        index += 1;
    }
    index
}
