//! weft-server: transports, JSON-RPC framing, connections and request routing.
//!
//! **Invariant:** only this crate knows transports and request framing; the core sees clients
//! as opaque ids with a bounded queue. **Invariant:** nothing but the stdio transport writes to
//! stdout. Transports: stdio (`serve_stdio`) and websocket (`WsListener`).

mod connection;
mod dispatch;
mod initialize;
pub mod limits;
mod websocket;
mod writer;

pub use connection::serve;
pub use websocket::{AuthError, Listen, ListenError, TokenDigest, WsAuth, WsError, WsListener};

use tokio_util::sync::CancellationToken;
use weft_core::Core;

/// Serves the single stdio connection until stdin ends or `shutdown` fires.
pub async fn serve_stdio(core: Core, shutdown: CancellationToken) {
    serve(core, tokio::io::stdin(), tokio::io::stdout(), shutdown).await;
}
