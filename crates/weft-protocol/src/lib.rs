//! Wire types of the Codex app-server JSON-RPC v2 protocol as shipped in codex-cli 0.169.0.
//!
//! Serde types only: no IO, no tokio, no other weft crate. Field names and casing follow the
//! reference JSON Schema (`shared/reference/codex-app-server-schema-0.169.0/`), which the test
//! suite validates every emitted message against. Exact error texts live in [`errors`].
//!
//! **Boundary crate**: every other weft crate speaks these types; changing one is a wire change.

pub mod errors;
pub mod jsonrpc;
mod methods;
pub mod schema;
pub mod v1;
pub mod v2;

pub use errors::RpcError;
pub use jsonrpc::{Incoming, RequestId};
pub use methods::{
    CLIENT_REQUEST_METHODS, ClientRequest, EXPERIMENTAL_CLIENT_METHODS,
    EXPERIMENTAL_NOTIFICATION_METHODS, EXPERIMENTAL_PARAMS, ExperimentalParam, ExperimentalUse,
    GRANULAR_APPROVAL_DESCRIPTOR, experimental_descriptor,
};

/// The protocol version weft implements; clients read it from `userAgent` to gate features.
pub const PROTOCOL_VERSION: &str = "0.169.0";
