//! weft-core: thread actors, the agent loop, and the handle weft-server calls.
//!
//! One actor per loaded thread owns the thread's state, subscribers and running turn
//! (style.md §6); a turn runs in its own task and reports to its actor, which records every
//! event (history, rollout) before it notifies subscribers. The core speaks weft-protocol's
//! types directly — there is no second event vocabulary — but knows nothing of transports or
//! JSON-RPC framing: clients are opaque ids with a bounded queue ([`ClientSink`]).
//!
//! **Boundary:** [`Core`] and the client types are the API weft-server builds on.
//!
//! **Invariant:** only a thread's actor changes that thread's state.
//! **Invariant:** an item is in the rollout before its `item/completed` leaves the actor.

mod catalog;
mod clients;
mod command_exec;
pub mod config;
mod core;
mod error;
mod fork;
mod goal;
pub mod ids;
pub mod limits;
mod memory;
mod persist;
mod read_state;
mod reads;
mod server_requests;
mod services;
mod stored;
mod thread;
pub mod turn;

pub use clients::{ClientId, ClientSink, Outbound, QueueLoad, Reply, ReplyTo};
pub use config::{CoreConfig, ThreadSettings};
pub use core::Core;
pub use error::CoreError;
pub use memory::MemoryReleaser;
pub use reads::ColdResume;
pub use server_requests::{OutgoingRequest, ServerRequestAnswer};
pub use services::Identity;
