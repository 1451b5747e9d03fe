//! ★ weft's resumable event stream (lifecycle.md R38), invisible to reference clients.
//!
//! A connection that sets `capabilities.weftEventStream` at `initialize` gets, on every
//! notification a thread emits, a top-level `weftSeq` member holding its [`EventPosition`]:
//! the thread runtime's *epoch* (a fresh id each time the thread is loaded, so also after a
//! restart) and a sequence number counting from 1 within it. The numbers of notifications the
//! connection does not receive (experimental ones without `experimentalApi`, its opt-outs) are
//! skipped, so positions only ever increase. After a reconnect, `thread/resume`
//! with `weftAfterSeq` set to the last position the client processed sends the response, then
//! exactly the notifications after that position (from a bounded buffer per thread), then the
//! live ones: no gap and no duplicate. A position the buffer no longer holds, or of another
//! epoch, is refused with [`EVENT_STREAM_GAP`] naming the oldest position still available; the
//! client then resumes without `weftAfterSeq` and takes the thread's state from the response.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Where a notification stands in its thread's event stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventPosition {
    /// The thread runtime that numbered it.
    pub epoch: String,
    /// Its number within the epoch, from 1.
    pub seq: u64,
}

/// `data.reason` of the error refusing a position that can no longer be resumed after.
pub const EVENT_STREAM_GAP: &str = "eventStreamGap";
