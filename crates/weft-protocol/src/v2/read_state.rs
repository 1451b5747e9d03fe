//! A thread's read state and stored metadata (protocol.md §4, §6.8): `ThreadReadState` (in
//! `thread/list`'s `readStates`, `thread/read`'s `readState` and `thread/readState/changed`),
//! the experimental `thread/readState/update`, and `thread/metadata/update`.
//!
//! The read state is the first unread position of a durable thread plus an opaque revision
//! that guards edits: an update names the revision its author saw, and a stale one is refused
//! with the current state (`read state changed`, `data.reason = "readStateConflict"`). The
//! shapes are the reference's `ThreadReadState*.json` and `ThreadMetadata*.json`; the update's
//! params and result are not in the stable schema (the method is experimental), so they follow
//! the reference's source (`codex-rs/app-server-protocol`, `thread_read_state.rs`).

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

use crate::v2::thread::Thread;

/// The revision of a thread that was never marked: bound to the thread so that it cannot edit
/// another thread's state (the reference's `initial:<id>`).
#[must_use]
pub fn initial_read_state_revision(thread_id: &str) -> String {
    format!("initial:{thread_id}")
}

/// Where a thread's unread part starts (tag `type`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum ThreadUnreadPosition {
    /// Explicitly marked unread, including when the thread has no turns.
    ThreadStart,
    /// The earliest completed result needing attention.
    #[serde(rename_all = "camelCase")]
    Turn {
        /// The turn.
        turn_id: String,
    },
}

/// The first unread position of a durable local thread (`null`: read) and the revision that
/// guards edits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThreadReadState {
    /// `null` when the thread is read.
    #[serde(default)]
    pub first_unread: Option<ThreadUnreadPosition>,
    /// Opaque; a fresh value after every change.
    pub revision: String,
}

impl ThreadReadState {
    /// The state of a thread never marked: read, with its initial revision.
    #[must_use]
    pub fn initial(thread_id: &str) -> Self {
        Self {
            first_unread: None,
            revision: initial_read_state_revision(thread_id),
        }
    }
}

/// What `thread/readState/update` does (tag `type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum ThreadReadStateOperation {
    /// Mark the thread read.
    Read,
    /// Mark the whole thread unread (`firstUnread: {type: "threadStart"}`).
    Unread,
}

/// `thread/readState/update` params (experimental).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThreadReadStateUpdateParams {
    /// The thread.
    pub thread_id: String,
    /// The revision the caller last saw; any other current revision is a conflict.
    pub expected_revision: String,
    /// Read or unread.
    pub operation: ThreadReadStateOperation,
}

/// `thread/readState/update` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThreadReadStateUpdateResponse {
    /// The state after the change.
    pub read_state: ThreadReadState,
}

/// `thread/readState/changed` params: sent to the thread's experimental subscribers after an
/// update and when a turn ends with a result that needs attention.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThreadReadStateChangedNotification {
    /// The thread.
    pub thread_id: String,
    /// Its state now.
    pub read_state: ThreadReadState,
}

/// Reads a member that may be absent (`None`), `null` (`Some(None)`) or a value.
fn double_option<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// The `gitInfo` patch of `thread/metadata/update`: per field, absent keeps the stored value,
/// `null` clears it, a string (non-empty once trimmed) replaces it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThreadMetadataGitInfoUpdateParams {
    /// The commit.
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<String>")]
    pub sha: Option<Option<String>>,
    /// The branch.
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<String>")]
    pub branch: Option<Option<String>>,
    /// The origin URL.
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<String>")]
    pub origin_url: Option<Option<String>>,
}

impl ThreadMetadataGitInfoUpdateParams {
    /// Whether the patch names no field (the reference refuses it).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.sha.is_none() && self.branch.is_none() && self.origin_url.is_none()
    }
}

/// `thread/metadata/update` params.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThreadMetadataUpdateParams {
    /// The thread.
    pub thread_id: String,
    /// The Git metadata patch; required in effect (absent or empty is refused).
    #[serde(default)]
    pub git_info: Option<ThreadMetadataGitInfoUpdateParams>,
}

/// `thread/metadata/update` result.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ThreadMetadataUpdateResponse {
    /// The thread after the change (no turns).
    pub thread: Thread,
}
