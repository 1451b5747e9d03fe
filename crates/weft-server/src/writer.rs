//! The one writer of a connection: drains the client's outbound queue, serialises each message
//! as one frame (a line on stdio, a text message on a websocket), and honours the connection's
//! notification capabilities (protocol.md §2.3): its opt-outs, and experimental notifications
//! only for connections with `experimentalApi`.

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use weft_core::Outbound;

use crate::limits::LINE_CAPACITY_KEPT;
use weft_protocol::EXPERIMENTAL_NOTIFICATION_METHODS;
use weft_protocol::jsonrpc::{ErrorEnvelope, ResponseEnvelope, ServerRequestEnvelope};

/// What a connection negotiated at `initialize` about the notifications it receives.
#[derive(Debug, Default)]
pub(crate) struct NotificationFilter {
    /// Exact notification methods never to send.
    pub(crate) opt_outs: HashSet<String>,
    /// Whether experimental notifications may be sent.
    pub(crate) experimental_api: bool,
    /// Thread notifications carry their `weftSeq` position (R38 ★, `weftEventStream`).
    pub(crate) event_stream: bool,
}

impl NotificationFilter {
    /// Whether a notification with this method goes to the connection.
    pub(crate) fn allows(&self, method: &str) -> bool {
        !self.opt_outs.contains(method)
            && (self.experimental_api || !EXPERIMENTAL_NOTIFICATION_METHODS.contains(&method))
    }
}

/// The connection's [`NotificationFilter`]; set once at `initialize`.
pub(crate) type NotificationCaps = Arc<OnceLock<NotificationFilter>>;

/// Where a connection's encoded messages go: one call to `send` per message.
pub(crate) trait FrameOutput: Send + 'static {
    /// Queues one message; `frame` is its JSON followed by `\n`.
    fn send(&mut self, frame: &[u8]) -> impl Future<Output = std::io::Result<()>> + Send;
    /// Pushes everything queued to the peer.
    fn flush(&mut self) -> impl Future<Output = std::io::Result<()>> + Send;
    /// Called once when the connection's queue closed: flush, and close the transport if it
    /// has a closing handshake.
    fn finish(&mut self) -> impl Future<Output = ()> + Send;
}

/// Newline-delimited JSON over a byte stream (stdio).
pub(crate) struct LineOutput<W>(pub(crate) W);

impl<W: AsyncWrite + Unpin + Send + 'static> FrameOutput for LineOutput<W> {
    async fn send(&mut self, frame: &[u8]) -> std::io::Result<()> {
        // In pieces: tokio's stdout copies each write into a buffer it keeps (up to 2 MiB), so
        // one large answer written whole would stay allocated for the life of the process.
        for piece in frame.chunks(LINE_CAPACITY_KEPT) {
            self.0.write_all(piece).await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush().await
    }

    async fn finish(&mut self) {
        let _ = self.0.flush().await;
    }
}

/// Writes every queued message until the queue closes or a write fails.
pub(crate) async fn run<O: FrameOutput>(
    mut receiver: mpsc::Receiver<Outbound>,
    mut output: O,
    caps: NotificationCaps,
    memory: Arc<weft_core::MemoryReleaser>,
    load: Arc<weft_core::QueueLoad>,
) {
    let mut line = Vec::with_capacity(LINE_CAPACITY_KEPT);
    while let Some(message) = receiver.recv().await {
        line.clear();
        let queue_bytes = message.queue_bytes();
        let encoded = encode(&message, &caps, &mut line);
        // The message (a large result is one string) goes before anything is given back.
        drop(message);
        if !encoded {
            load.written(queue_bytes);
            continue;
        }
        let sent = output.send(&line).await;
        // Counted as gone once the peer took it: a paused reader resumes only when the
        // client really reads.
        load.written(queue_bytes);
        if let Err(err) = sent {
            tracing::info!(%err, "connection output closed");
            return;
        }
        // One large answer (a long thread's resume) must not stay allocated for the life of
        // the connection.
        if line.capacity() > LINE_CAPACITY_KEPT {
            line = Vec::with_capacity(LINE_CAPACITY_KEPT);
            memory.release_soon();
        }
        // Flush when nothing else is queued: one syscall per burst, not per message.
        if receiver.is_empty()
            && let Err(err) = output.flush().await
        {
            tracing::info!(%err, "connection output closed");
            return;
        }
    }
    output.finish().await;
}

/// Serialises one message plus `\n` into `line`; false when it is not to be sent.
fn encode(message: &Outbound, caps: &NotificationCaps, line: &mut Vec<u8>) -> bool {
    let result = match message {
        Outbound::Notification(notification) => {
            if !allowed(notification, caps) {
                return false;
            }
            encode_notification(notification, None, line)
        }
        Outbound::ThreadEvent {
            notification,
            position,
        } => {
            if !allowed(notification, caps) {
                return false;
            }
            let event_stream = caps.get().is_some_and(|filter| filter.event_stream);
            encode_notification(notification, event_stream.then_some(&**position), line)
        }
        Outbound::Request { id, request } => encode_request(id, request, line),
        // `{"error":…,"id":…}`, the id `null` when it could not be used.
        Outbound::Rejected { id, error } => {
            serde_json::to_writer(&mut *line, &serde_json::json!({"error": error, "id": id}))
        }
        Outbound::Response {
            to,
            result: Ok(result),
        } => serde_json::to_writer(&mut *line, &ResponseEnvelope { id: &to.0, result }),
        Outbound::Response {
            to,
            result: Err(error),
        } => serde_json::to_writer(&mut *line, &ErrorEnvelope { error, id: &to.0 }),
    };
    if let Err(err) = result {
        tracing::error!(%err, "cannot serialise an outbound message; dropped");
        return false;
    }
    line.push(b'\n');
    true
}

/// Whether the connection's capabilities let this notification through.
fn allowed(notification: &weft_protocol::v2::ServerNotification, caps: &NotificationCaps) -> bool {
    let method = notification.method();
    match caps.get() {
        Some(filter) => filter.allows(method),
        // Before `initialize` nothing is negotiated: stable notifications only.
        None => !EXPERIMENTAL_NOTIFICATION_METHODS.contains(&method),
    }
}

/// `{"method":…,"id":…,"params":…}` as the reference writes server requests.
fn encode_request(
    id: &weft_protocol::RequestId,
    request: &weft_protocol::v2::ServerRequest,
    line: &mut Vec<u8>,
) -> Result<(), serde_json::Error> {
    let mut tagged = serde_json::to_value(request)?;
    let params = tagged
        .get_mut("params")
        .map(serde_json::Value::take)
        .unwrap_or_default();
    serde_json::to_writer(
        &mut *line,
        &ServerRequestEnvelope {
            method: request.method(),
            id,
            params,
        },
    )
}

/// `{"method":…,"params":…,"emittedAtMs":…}`: the enum serialises as `{"method","params"}`,
/// and `emittedAtMs` is appended inside the closing brace — then `weftSeq` for a connection
/// that opted into the resumable event stream (R38 ★).
fn encode_notification(
    notification: &weft_protocol::v2::ServerNotification,
    position: Option<&weft_protocol::v2::EventPosition>,
    line: &mut Vec<u8>,
) -> Result<(), serde_json::Error> {
    serde_json::to_writer(&mut *line, notification)?;
    debug_assert_eq!(line.last(), Some(&b'}'));
    line.pop();
    let emitted_at_ms = chrono_ms();
    line.extend_from_slice(format!(",\"emittedAtMs\":{emitted_at_ms}").as_bytes());
    if let Some(position) = position {
        line.extend_from_slice(b",\"weftSeq\":");
        serde_json::to_writer(&mut *line, position)?;
    }
    line.push(b'}');
    Ok(())
}

fn chrono_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
        })
}

#[cfg(test)]
mod tests {
    use super::NotificationFilter;

    #[test]
    fn experimental_notifications_need_the_capability() {
        let stable = NotificationFilter::default();
        let experimental = NotificationFilter {
            experimental_api: true,
            ..NotificationFilter::default()
        };
        for method in weft_protocol::EXPERIMENTAL_NOTIFICATION_METHODS {
            assert!(!stable.allows(method), "{method}");
            assert!(experimental.allows(method), "{method}");
        }
        assert!(stable.allows("turn/completed"));
        assert!(experimental.allows("turn/completed"));
    }

    #[test]
    fn opt_outs_apply_with_or_without_the_capability() {
        let filter = NotificationFilter {
            opt_outs: [
                "thread/readState/changed".to_owned(),
                "turn/started".to_owned(),
            ]
            .into_iter()
            .collect(),
            experimental_api: true,
            event_stream: false,
        };
        assert!(!filter.allows("thread/readState/changed"));
        assert!(!filter.allows("turn/started"));
        assert!(filter.allows("rawResponseItem/completed"));
        assert!(filter.allows("turn/completed"));
    }
}
