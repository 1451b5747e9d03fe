//! weft-test-support: shared test fixtures for every weft crate (dev-only).
//!
//! `mock` is the in-process mock of the Responses API that model, core and server tests talk to;
//! `schema` checks messages against the reference JSON Schema; `wire` is a JSON-RPC test client.
pub mod mock;
pub mod schema;
pub mod wire;
