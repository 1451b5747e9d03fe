//! weft-store: thread history on disk, in the reference codex's format.
//!
//! Each thread is one append-only JSONL rollout under the home folder, in exactly the layout
//! and line format codex-cli 0.169.0 writes, so the two can share a home (core.md §5). The
//! rollouts are the truth; a SQLite index of weft's own ([`Index`]) makes `thread/list` fast
//! and is rebuilt from them whenever it is missing or stale. `session_index.jsonl` holds
//! user-set thread names. See `DESIGN.md` for the durability contract.
//!
//! The API is synchronous and does blocking IO: weft-core calls it from a dedicated writer task
//! or `spawn_blocking`, never from an async context directly.
//!
//! **Invariant:** this crate depends on no weft crate but weft-protocol, and on no async
//! runtime.

pub mod goal;
pub mod index;
pub mod item_codec;
pub mod layout;
pub mod limits;
pub mod line;
pub mod reader;
mod scan;
pub mod session_index;
pub mod summary;
pub mod suspended;
pub mod writer;

pub use goal::{GoalRecord, read_last_goal};
pub use index::{
    GitFieldPatch, GitPatch, Index, IndexError, ListPage, ListQuery, ReadMark, ReadStateUpdate,
    SyncReport, ThreadRow,
};
pub use item_codec::{decode_core_item, encode_core_item, item_completed_payload};
pub use layout::{Home, RolloutFile, RolloutFileName, move_rollout, parse_rollout_file_name};
pub use line::RolloutLine;
pub use reader::{
    DigestOptions, ReadError, Rollout, RolloutDigest, SessionMeta, digest_rollout,
    digest_rollout_with, interrupt_open_turns, parse_rollout, read_rollout,
};
pub use session_index::{SessionIndexError, append_thread_name, read_thread_names, thread_name};
pub use summary::{RolloutSummary, summarize_rollout};
pub use suspended::{SuspendedTurn, read_suspended, remove_suspended, write_suspended};
pub use writer::{RolloutWriter, WriteError};

/// The blocking handles move to weft-core's blocking tasks, so they must be `Send`.
const _: () = {
    const fn assert_send<T: Send>() {}
    assert_send::<Index>();
    assert_send::<RolloutWriter>();
    assert_send::<Rollout>();
    assert_send::<RolloutDigest>();
};
