//! Every bound weft-model enforces, in one place.
//!
//! Configurable knobs (`request_max_retries`, `stream_max_retries`, `stream_idle_timeout_ms`) keep
//! their default and their hard cap here; the provider config only overrides the default. The
//! values follow codex-cli 0.169.0 (core.md §1.6) unless a comment says otherwise.

use std::time::Duration;

/// Default number of HTTP-layer retries of the POST before a stream is established.
///
/// Four retries (five attempts) ride out a short 5xx burst without keeping a turn waiting for
/// more than a few seconds (200 ms + 400 ms + 800 ms + 1.6 s of backoff).
pub const DEFAULT_REQUEST_MAX_RETRIES: u32 = 4;

/// Hard cap on `request_max_retries`; larger configured values are clamped to it.
pub const REQUEST_MAX_RETRIES_CAP: u32 = 100;

/// Default number of whole-request retries the core's stream layer makes after a retryable
/// error (stream cut, idle timeout, retryable `response.failed`, 5xx).
pub const DEFAULT_STREAM_MAX_RETRIES: u32 = 5;

/// Hard cap on `stream_max_retries`; larger configured values are clamped to it.
pub const STREAM_MAX_RETRIES_CAP: u32 = 100;

/// Default maximum silence between two SSE events (and before the response headers arrive).
///
/// Five minutes: reasoning models can think for minutes before their first output event, and a
/// shorter bound would cut those turns off.
pub const DEFAULT_STREAM_IDLE_TIMEOUT: Duration = Duration::from_millis(300_000);

/// Base delay of the exponential backoff: attempt *n* waits `RETRY_BASE_DELAY × 2^(n−1)`.
pub const RETRY_BASE_DELAY: Duration = Duration::from_millis(200);

/// Lower bound (inclusive) of the random jitter factor applied to every backoff delay.
pub const RETRY_JITTER_MIN: f64 = 0.9;

/// Upper bound (exclusive) of the random jitter factor applied to every backoff delay.
pub const RETRY_JITTER_MAX: f64 = 1.1;

/// Largest single SSE event (its `data` plus the line being read) the parser buffers.
///
/// The biggest legitimate events are `output_item.done` for hosted image generation, whose
/// base64 PNG is a few MiB; 16 MiB leaves room for that while keeping a misbehaving endpoint
/// that never ends a line from growing memory without bound. Exceeding it fails the request
/// with [`crate::ModelError::EventTooLarge`], which is not retried (the same reply would come
/// back).
pub const SSE_EVENT_BYTES_MAX: usize = 16 * 1024 * 1024;

/// Largest error body (non-2xx reply) read from the provider; the rest is discarded.
///
/// HTTP 400 bodies are shown to the user verbatim, so this is generous; it only guards memory.
pub const ERROR_BODY_BYTES_MAX: usize = 1024 * 1024;

/// Byte length after which the detail of an `unexpected status …` message is cut and followed
/// by `...` (the reference cuts at about 1000 bytes).
pub const ERROR_DETAIL_BYTES_MAX: usize = 1000;

/// Time allowed to open the TCP (and TLS) connection to the provider.
///
/// A connect that takes longer is treated as a transport error and retried by the HTTP layer.
/// Fifteen seconds matches the reference's `websocket_connect_timeout_ms` default.
pub const HTTP_CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// Number of leading characters of a tool output the scripted provider echoes back
/// (`done: <first 40 chars>`), as the reference's mock does.
pub const SCRIPTED_TOOL_OUTPUT_PREFIX_CHARS: usize = 40;

/// Number of text deltas the scripted provider streams for a `SLOW` prompt.
pub const SCRIPTED_SLOW_DELTAS: usize = 20;

/// Pause before each text delta of a `SLOW` reply (the reference mock's 250 ms).
pub const SCRIPTED_SLOW_DELTA_INTERVAL: Duration = Duration::from_millis(250);

/// Input tokens the scripted provider reports per response (the reference mock's 100).
pub const SCRIPTED_INPUT_TOKENS: i64 = 100;

/// Output tokens the scripted provider reports per response (the reference mock's 10).
pub const SCRIPTED_OUTPUT_TOKENS: i64 = 10;

const _: () = assert!(DEFAULT_REQUEST_MAX_RETRIES <= REQUEST_MAX_RETRIES_CAP);
const _: () = assert!(DEFAULT_STREAM_MAX_RETRIES <= STREAM_MAX_RETRIES_CAP);
const _: () = assert!(ERROR_DETAIL_BYTES_MAX <= ERROR_BODY_BYTES_MAX);
const _: () = assert!(ERROR_BODY_BYTES_MAX <= SSE_EVENT_BYTES_MAX);
