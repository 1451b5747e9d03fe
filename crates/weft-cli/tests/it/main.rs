//! weft's wire suite: the in-process server (the same core the binary builds) over an
//! in-memory pipe, and the real binary over stdio, driving turns against the mock Responses
//! server. Every message the server sends is checked against the reference JSON Schema by the
//! wire client.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers unwrap like the tests they serve"
)]

mod architecture;
mod archive;
mod backpressure;
mod binary;
mod command_exec;
mod demo;
mod durable;
mod errors;
mod event_stream;
mod experimental;
mod fork;
mod goals;
mod harness;
mod history;
mod lifecycle;
mod metadata;
mod model_failures;
mod python_sdk;
mod read_state;
mod server_requests;
mod startup;
mod steer;
mod tools;
mod tui;
mod turns;
mod unload;
mod websocket;
