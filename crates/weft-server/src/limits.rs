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

/// Longest HTTP request head (request line + headers) the websocket listener reads before it
/// decides between a probe and an upgrade. Real upgrade requests are well under 1 KiB and
/// browsers cap a head near 8–16 KiB; anything longer is refused with 431 and closed.
pub const HTTP_HEAD_BYTES_MAX: usize = 16 * 1024;

/// How long a new websocket-listener connection may take to send its HTTP head and finish the
/// upgrade. Generous for any real client on a slow link, short enough that idle sockets cannot
/// pile up.
pub const HANDSHAKE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Websocket-listener connections open at once (probes included). Each costs a connection
/// task, a writer and a `CLIENT_QUEUE_DEPTH` queue; a UI plus a few editors and scripts need a
/// handful, so 256 leaves room and still bounds a runaway client. Beyond it: HTTP 503.
pub const WS_CONNECTIONS_MAX: usize = 256;

/// The frame buffer a connection's writer keeps between messages; a larger one, grown for a
/// large message (a long thread's resume), is given back after it.
pub const LINE_CAPACITY_KEPT: usize = 64 * 1024;

/// Messages the single stdio client may have queued before a notification closes it (R39):
/// the core's channel capacity, so on stdio the byte bound of notifications
/// (`weft_core::limits::CLIENT_QUEUE_NOTIFICATION_BYTES_MAX`) is the one that holds. A UI that
/// freezes for a while must not end the session (issue 16): its answers wait under backpressure
/// and its threads' notifications wait in the queue, up to that bound.
pub const STDIO_NOTIFICATION_DEPTH: usize = weft_core::limits::CLIENT_QUEUE_MESSAGES_MAX;

/// How long a websocket connection may stay paused on a full queue (its client reads nothing)
/// before it is closed with a logged reason (R39). Long enough for a client busy for a moment
/// (a GC pause, a laptop waking up), short enough that a dead peer does not hold its queue and
/// a connection slot. Its threads never wait for it either way.
pub const WS_PAUSED_READER_MAX: std::time::Duration = std::time::Duration::from_secs(30);
