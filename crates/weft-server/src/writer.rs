//! The one writer of a connection: drains the client's outbound queue, serialises each message
//! as one line, and honours the connection's notification opt-outs (protocol.md §2.3).

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use weft_core::Outbound;
use weft_protocol::jsonrpc::{ErrorEnvelope, ResponseEnvelope, ServerRequestEnvelope};

/// Notification methods a connection opted out of; set once at `initialize`.
pub(crate) type OptOuts = Arc<OnceLock<HashSet<String>>>;

/// Writes every queued message until the queue closes or a write fails.
pub(crate) async fn run<W: AsyncWrite + Unpin>(
    mut receiver: mpsc::Receiver<Outbound>,
    mut output: W,
    opt_outs: OptOuts,
) {
    let mut line = Vec::with_capacity(4096);
    while let Some(message) = receiver.recv().await {
        line.clear();
        if !encode(&message, &opt_outs, &mut line) {
            continue;
        }
        if let Err(err) = output.write_all(&line).await {
            tracing::info!(%err, "connection output closed");
            return;
        }
        // Flush when nothing else is queued: one syscall per burst, not per message.
        if receiver.is_empty()
            && let Err(err) = output.flush().await
        {
            tracing::info!(%err, "connection output closed");
            return;
        }
    }
    let _ = output.flush().await;
}

/// Serialises one message plus `\n` into `line`; false when it is not to be sent.
fn encode(message: &Outbound, opt_outs: &OptOuts, line: &mut Vec<u8>) -> bool {
    let result = match message {
        Outbound::Notification(notification) => {
            let method = notification.method();
            if opt_outs.get().is_some_and(|set| set.contains(method)) {
                return false;
            }
            encode_notification(notification, line)
        }
        Outbound::Request { id, request } => encode_request(id, request, line),
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
/// and `emittedAtMs` is appended inside the closing brace.
fn encode_notification(
    notification: &weft_protocol::v2::ServerNotification,
    line: &mut Vec<u8>,
) -> Result<(), serde_json::Error> {
    serde_json::to_writer(&mut *line, notification)?;
    debug_assert_eq!(line.last(), Some(&b'}'));
    line.pop();
    let emitted_at_ms = chrono_ms();
    line.extend_from_slice(format!(",\"emittedAtMs\":{emitted_at_ms}}}").as_bytes());
    Ok(())
}

fn chrono_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
        })
}
