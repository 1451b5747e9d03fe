//! Retry timing: exponential backoff with jitter, `Retry-After`, and `try again in …`.
//!
//! Both retry layers (the HTTP layer in this crate, the stream layer in the core) use
//! [`backoff`] unless the server asked for a specific delay. The `try again in` matcher is a
//! hand-written equivalent of the reference's case-insensitive regex
//! `try again in\s*(\d+(?:\.\d+)?)\s*(s|ms|seconds?)`, to avoid a regex dependency.

use std::time::Duration;

use rand::Rng;
use reqwest::header::{HeaderMap, RETRY_AFTER};

use crate::limits;

/// The delay before retry number `attempt` (1-based; 0 counts as 1):
/// `200 ms × 2^(attempt−1)`, times a random jitter in `[0.9, 1.1)`.
///
/// Saturates instead of overflowing for absurd attempt numbers.
pub fn backoff(attempt: u32) -> Duration {
    let jitter = rand::rng().random_range(limits::RETRY_JITTER_MIN..limits::RETRY_JITTER_MAX);
    backoff_with_jitter(attempt, jitter)
}

/// [`backoff`] with a given jitter factor (deterministic, for tests).
pub(crate) fn backoff_with_jitter(attempt: u32, jitter: f64) -> Duration {
    let exponent = i32::try_from(attempt.saturating_sub(1)).unwrap_or(i32::MAX);
    let base_ms = limits::RETRY_BASE_DELAY.as_secs_f64() * 1000.0;
    let millis = base_ms * 2f64.powi(exponent) * jitter;
    // `as` saturates for floats that do not fit (including infinity).
    Duration::from_millis(millis as u64)
}

/// The `Retry-After` header as a delay: whole or fractional seconds. HTTP dates are not
/// supported (treated as absent).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    let seconds: f64 = value.trim().parse().ok()?;
    Duration::try_from_secs_f64(seconds).ok()
}

/// The delay in a rate-limit message such as `Please try again in 11.054s.` or
/// `Try again in 35 seconds.`; `None` when no such phrase is present.
pub(crate) fn try_again_in(message: &str) -> Option<Duration> {
    const PHRASE: &[u8] = b"try again in";
    let lower = message.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut start = 0;
    while let Some(offset) = find(&bytes[start..], PHRASE) {
        let after = start + offset + PHRASE.len();
        if let Some(delay) = parse_amount(&bytes[after..]) {
            return Some(delay);
        }
        start = start + offset + 1;
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// Parses `\s*(\d+(?:\.\d+)?)\s*(s|ms|seconds?)` at the start of `bytes`.
fn parse_amount(bytes: &[u8]) -> Option<Duration> {
    let mut at = skip_whitespace(bytes, 0);
    let number_start = at;
    at = skip_digits(bytes, at);
    if at == number_start {
        return None;
    }
    if bytes.get(at) == Some(&b'.') && bytes.get(at + 1).is_some_and(u8::is_ascii_digit) {
        at = skip_digits(bytes, at + 1);
    }
    let number: f64 = std::str::from_utf8(&bytes[number_start..at])
        .ok()?
        .parse()
        .ok()?;
    let unit_at = skip_whitespace(bytes, at);
    match (bytes.get(unit_at), bytes.get(unit_at + 1)) {
        (Some(b's'), _) => Duration::try_from_secs_f64(number).ok(),
        (Some(b'm'), Some(b's')) => Some(Duration::from_millis(number as u64)),
        _ => None,
    }
}

fn skip_whitespace(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at).is_some_and(u8::is_ascii_whitespace) {
        at += 1;
    }
    at
}

fn skip_digits(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at).is_some_and(u8::is_ascii_digit) {
        at += 1;
    }
    at
}

#[cfg(test)]
mod tests;
