//! The websocket transport (protocol.md §1.3): `--listen ws://IP:PORT`.
//!
//! One TCP listener serves three kinds of request: the probes `GET /readyz` and `GET /healthz`
//! (200), websocket upgrades (each its own JSON-RPC connection with its own `initialize`, one
//! message per text frame), and anything else (404). Any request with an `Origin` header gets
//! 403 so a browser page cannot drive a local server. Upgrades are authenticated during the
//! handshake; a non-loopback bind refuses to start without authentication (weft is stricter
//! than the reference here).

mod auth;
mod http;
mod listen;
#[cfg(test)]
mod tests;

use std::net::SocketAddr;
use std::sync::Arc;

use futures_util::stream::SplitSink;
use futures_util::{SinkExt, Stream, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::Instrument;
use weft_core::Core;

pub use auth::{AuthError, TokenDigest};
pub use listen::{Listen, ListenError};

use crate::connection::{FrameError, SlowReader, serve_frames};
use crate::limits::{FRAME_BYTES_MAX, HANDSHAKE_TIMEOUT, WS_CONNECTIONS_MAX, WS_PAUSED_READER_MAX};
use crate::writer::FrameOutput;
use http::{Head, HeadError, Rewind};

/// How websocket upgrades are authenticated.
#[derive(Debug, Clone)]
pub enum WsAuth {
    /// No check; allowed only on loopback binds.
    Open,
    /// `--ws-auth capability-token`: the bearer token must hash to this digest.
    CapabilityToken(TokenDigest),
}

/// Why the websocket listener cannot start.
#[derive(Debug, thiserror::Error)]
pub enum WsError {
    /// A non-loopback bind without `--ws-auth` (weft refuses; the reference allows it).
    #[error(
        "refusing to listen on non-loopback address {0} without authentication; \
         pass --ws-auth capability-token with --ws-token-file or --ws-token-sha256, \
         or bind 127.0.0.1"
    )]
    Unauthenticated(SocketAddr),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {reason}")]
    Bind {
        /// The requested address.
        addr: SocketAddr,
        /// The IO error text.
        reason: String,
    },
}

/// A bound websocket listener, not yet serving: bind first (so the address, port 0 resolved,
/// can be logged or read), then [`WsListener::serve`].
pub struct WsListener {
    listener: TcpListener,
    auth: Arc<WsAuth>,
}

impl WsListener {
    /// Binds `addr`. Refuses a non-loopback address unless `auth` checks something.
    ///
    /// # Errors
    /// [`WsError::Unauthenticated`] or [`WsError::Bind`].
    pub async fn bind(addr: SocketAddr, auth: WsAuth) -> Result<Self, WsError> {
        if matches!(auth, WsAuth::Open) && !addr.ip().to_canonical().is_loopback() {
            return Err(WsError::Unauthenticated(addr));
        }
        let listener = TcpListener::bind(addr).await.map_err(|err| WsError::Bind {
            addr,
            reason: err.to_string(),
        })?;
        Ok(Self {
            listener,
            auth: Arc::new(auth),
        })
    }

    /// The bound address (the real port when bound to port 0).
    ///
    /// # Errors
    /// When the socket cannot report its address.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Accepts connections until `shutdown` fires, then waits for every connection to end;
    /// each websocket gets a close frame once its connection has flushed.
    pub async fn serve(self, core: Core, shutdown: CancellationToken) {
        let connections = TaskTracker::new();
        let slots = Arc::new(Semaphore::new(WS_CONNECTIONS_MAX));
        loop {
            let accepted = tokio::select! {
                () = shutdown.cancelled() => break,
                accepted = self.listener.accept() => accepted,
            };
            let (stream, peer) = match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Per-connection failures (e.g. reset before accept) must not end the
                    // listener.
                    tracing::warn!(%err, "websocket accept failed");
                    continue;
                }
            };
            // Each JSON-RPC message is one small frame that must leave at once: without
            // TCP_NODELAY, Nagle's algorithm holds a frame back until the previous one is
            // acknowledged, and with delayed ACKs a notification waits ~40 ms (measured:
            // bench.py fan-out p99 41 ms before, see BENCHMARKS.md).
            if let Err(err) = stream.set_nodelay(true) {
                tracing::debug!(%err, "cannot set TCP_NODELAY on a websocket connection");
            }
            let slot = Arc::clone(&slots).try_acquire_owned().ok();
            let core = core.clone();
            let auth = Arc::clone(&self.auth);
            let shutdown = shutdown.clone();
            let span = tracing::info_span!("websocket", %peer);
            connections.spawn(
                async move {
                    let mut stream = stream;
                    if slot.is_none() {
                        tracing::warn!(max = WS_CONNECTIONS_MAX, "too many websocket connections");
                        http::respond(&mut stream, "503 Service Unavailable").await;
                        return;
                    }
                    handle(core, stream, &auth, shutdown).await;
                    drop(slot);
                }
                .instrument(span),
            );
        }
        connections.close();
        connections.wait().await;
    }
}

/// One accepted TCP connection: a probe, a refusal, or a websocket served to the end.
async fn handle(core: Core, mut stream: TcpStream, auth: &WsAuth, shutdown: CancellationToken) {
    let head = tokio::time::timeout(HANDSHAKE_TIMEOUT, http::read_head(&mut stream)).await;
    let (bytes, head) = match head {
        Err(_) => return tracing::info!("no HTTP request within the handshake timeout"),
        Ok(Err(HeadError::TooLong)) => {
            return http::respond(&mut stream, "431 Request Header Fields Too Large").await;
        }
        Ok(Err(HeadError::Malformed)) => {
            return http::respond(&mut stream, "400 Bad Request").await;
        }
        Ok(Err(HeadError::Io(err))) => return tracing::debug!(%err, "HTTP request not read"),
        Ok(Ok(read)) => read,
    };
    if head.has_origin {
        tracing::warn!(path = %head.path, "refused a request with an Origin header");
        return http::respond(&mut stream, "403 Forbidden").await;
    }
    if !head.upgrade {
        return http::respond(&mut stream, probe_status(&head)).await;
    }
    let config = WebSocketConfig::default()
        .max_message_size(Some(FRAME_BYTES_MAX))
        .max_frame_size(Some(FRAME_BYTES_MAX));
    #[expect(
        clippy::result_large_err,
        reason = "the callback signature is tungstenite's"
    )]
    let callback = |request: &Request, response: Response| check_upgrade(auth, request, response);
    let upgrade = tokio_tungstenite::accept_hdr_async_with_config(
        Rewind::new(bytes, stream),
        callback,
        Some(config),
    );
    let socket = match tokio::time::timeout(HANDSHAKE_TIMEOUT, upgrade).await {
        Ok(Ok(socket)) => socket,
        Ok(Err(err)) => return tracing::info!(%err, "websocket upgrade refused"),
        Err(_) => return tracing::info!("websocket upgrade timed out"),
    };
    tracing::info!("websocket connected");
    let (output, input) = socket.split();
    serve_frames(
        core,
        text_frames(input),
        WsOutput(output),
        shutdown,
        SlowReader::CloseAfter(WS_PAUSED_READER_MAX),
    )
    .await;
    tracing::info!("websocket closed");
}

/// The status of a plain (non-upgrade) request without an `Origin` header.
fn probe_status(head: &Head) -> &'static str {
    let path = head.path.split('?').next().unwrap_or_default();
    match (head.method.as_str(), path) {
        ("GET", "/readyz" | "/healthz") => "200 OK",
        _ => "404 Not Found",
    }
}

/// The handshake gate: `Origin` → 403 (also checked before; kept here so the upgrade path
/// never depends on the pre-parse), then the bearer token → 401.
#[expect(
    clippy::result_large_err,
    reason = "the callback signature is tungstenite's"
)]
fn check_upgrade(
    auth: &WsAuth,
    request: &Request,
    response: Response,
) -> Result<Response, ErrorResponse> {
    let refuse = |status: u16, reason: &str| {
        tracing::warn!(reason, "websocket upgrade refused");
        let mut refusal = ErrorResponse::new(None);
        *refusal.status_mut() = tungstenite::http::StatusCode::from_u16(status).unwrap_or_default();
        refusal
    };
    let headers = request.headers();
    if headers.contains_key("origin") {
        return Err(refuse(403, "Origin header present"));
    }
    match auth {
        WsAuth::Open => Ok(response),
        WsAuth::CapabilityToken(digest) => {
            let token = headers
                .get("authorization")
                .and_then(|value| value.to_str().ok())
                .and_then(auth::bearer);
            match token {
                Some(token) if digest.matches(token) => Ok(response),
                Some(_) => Err(refuse(401, "invalid websocket bearer token")),
                None => Err(refuse(401, "missing websocket bearer token")),
            }
        }
    }
}

type Socket = WebSocketStream<Rewind<TcpStream>>;

/// The text frames of a websocket as connection frames: binary frames are logged and skipped,
/// control frames are answered by tungstenite, a close ends the stream.
fn text_frames(
    input: futures_util::stream::SplitStream<Socket>,
) -> impl Stream<Item = Result<String, FrameError>> + Unpin {
    Box::pin(futures_util::stream::unfold(
        input,
        |mut input| async move {
            loop {
                let frame = match input.next().await? {
                    Ok(Message::Text(text)) => Ok(text.as_str().to_owned()),
                    Ok(Message::Binary(bytes)) => {
                        tracing::warn!(len = bytes.len(), "ignored a binary websocket frame");
                        continue;
                    }
                    Ok(Message::Close(_)) => return None,
                    Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_)) => continue,
                    Err(
                        tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed,
                    ) => {
                        return None;
                    }
                    Err(tungstenite::Error::Capacity(_)) => Err(FrameError::TooLong),
                    Err(err) => Err(FrameError::Failed(err.to_string())),
                };
                return Some((frame, input));
            }
        },
    ))
}

/// The write half of a websocket: one text message per JSON-RPC message.
struct WsOutput(SplitSink<Socket, Message>);

impl FrameOutput for WsOutput {
    async fn send(&mut self, frame: &[u8]) -> std::io::Result<()> {
        let json = frame.strip_suffix(b"\n").unwrap_or(frame);
        let text = String::from_utf8_lossy(json).into_owned();
        self.0
            .feed(Message::text(text))
            .await
            .map_err(std::io::Error::other)
    }

    async fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush().await.map_err(std::io::Error::other)
    }

    async fn finish(&mut self) {
        // Sends a close frame (or completes the peer's close) and flushes.
        if let Err(err) = self.0.close().await {
            tracing::debug!(%err, "websocket close not sent");
        }
    }
}
