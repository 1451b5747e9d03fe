//! Bounds of the transports and connections (style.md §7).

/// Longest accepted frame (stdio line) in bytes. The largest legal request is a `turn/start`
/// with 1,048,576 characters of text; at up to 6 bytes per character once JSON-escaped
/// (`\uXXXX`) that is ~6 MiB plus envelope, so 16 MiB is comfortably above any legal frame and
/// still bounds a hostile one. A longer line closes only its connection.
pub const FRAME_BYTES_MAX: usize = 16 * 1024 * 1024;

/// Requests of one connection being handled at once. Beyond this, a request is answered at
/// once with `-32001 Server overloaded; retry later.` (the reference's queues hold 128).
pub const IN_FLIGHT_REQUESTS_MAX: usize = 128;

const _: () = assert!(FRAME_BYTES_MAX > 6 * weft_protocol::errors::INPUT_CHARS_MAX);
