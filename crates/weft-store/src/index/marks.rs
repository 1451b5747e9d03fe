//! What users set on threads that no rollout records, kept in the index file next to the
//! rebuildable rows: read receipts (`thread/readState/*`) and Git metadata patches
//! (`thread/metadata/update`).
//!
//! These two tables are **not** a cache. A schema-version rebuild of the cache keeps them
//! ([`DURABLE_TABLES`]), `Index::rebuild` leaves them alone, and every row written from a rollout
//! takes its Git patch again ([`apply_git_patch`]), so a re-index never undoes a user's edit.
//! Only a corrupt index file loses them (it is deleted and rebuilt); a thread then reads as
//! never marked, which is the state the reference reports for a thread without a receipt.
//!
//! The read state follows the reference's `thread_read_receipts`: a row holds the first
//! unread turn (`''` for "the whole thread", `NULL` for read) and an opaque revision, fresh on
//! every change; a thread without a row is read, at revision `initial:<id>`.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use uuid::Uuid;
use weft_protocol::v2::{ThreadReadState, ThreadUnreadPosition, initial_read_state_revision};

use super::IndexError;
use super::row::ThreadRow;
use crate::limits::READ_STATES_BATCH_MAX;
use crate::reader::GitInfo;

/// Tables a cache rebuild keeps.
pub(super) const DURABLE_TABLES: &[&str] = &["thread_read_receipts", "thread_git_patches"];

/// Created at every open, so an index of any cache version has them.
pub(super) const CREATE_DURABLE: &str = "
CREATE TABLE IF NOT EXISTS thread_read_receipts (
    thread_id TEXT PRIMARY KEY NOT NULL,
    first_unread_turn TEXT,
    revision TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS thread_git_patches (
    thread_id TEXT PRIMARY KEY NOT NULL,
    sha_set INTEGER NOT NULL,
    sha TEXT,
    branch_set INTEGER NOT NULL,
    branch TEXT,
    origin_url_set INTEGER NOT NULL,
    origin_url TEXT
);
";

/// What `thread/readState/update` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadMark {
    /// Mark the thread read.
    Read,
    /// Mark the whole thread unread.
    Unread,
}

/// The outcome of [`super::Index::update_read_state`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadStateUpdate {
    /// Saved; the state after it.
    Applied(ThreadReadState),
    /// The expected revision was stale; the current state, unchanged.
    Conflict(ThreadReadState),
}

/// One Git field of a patch: `None` keeps the stored value, `Some(None)` clears it,
/// `Some(Some(text))` replaces it.
pub type GitFieldPatch = Option<Option<String>>;

/// A `thread/metadata/update` Git patch, per field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GitPatch {
    /// The commit.
    pub sha: GitFieldPatch,
    /// The branch.
    pub branch: GitFieldPatch,
    /// The origin URL.
    pub origin_url: GitFieldPatch,
}

impl GitPatch {
    /// `self` then `later`: a field `later` sets wins.
    fn then(self, later: &GitPatch) -> GitPatch {
        GitPatch {
            sha: later.sha.clone().or(self.sha),
            branch: later.branch.clone().or(self.branch),
            origin_url: later.origin_url.clone().or(self.origin_url),
        }
    }

    /// Applies the patch to a row's Git info (none left → `None`).
    pub(super) fn apply(&self, git: Option<GitInfo>) -> Option<GitInfo> {
        let mut git = git.unwrap_or_default();
        if let Some(sha) = &self.sha {
            git.sha.clone_from(sha);
        }
        if let Some(branch) = &self.branch {
            git.branch.clone_from(branch);
        }
        if let Some(origin_url) = &self.origin_url {
            git.origin_url.clone_from(origin_url);
        }
        (git != GitInfo::default()).then_some(git)
    }
}

fn to_wire(first_unread_turn: Option<String>, revision: String) -> ThreadReadState {
    ThreadReadState {
        first_unread: first_unread_turn.map(|turn_id| {
            if turn_id.is_empty() {
                ThreadUnreadPosition::ThreadStart
            } else {
                ThreadUnreadPosition::Turn { turn_id }
            }
        }),
        revision,
    }
}

/// The read state of each of `ids`: its receipt, or the initial state.
pub(super) fn read_states(
    connection: &Connection,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, ThreadReadState>, IndexError> {
    let mut states = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(READ_STATES_BATCH_MAX) {
        let placeholders = vec!["?"; chunk.len()].join(", ");
        let sql = format!(
            "SELECT thread_id, first_unread_turn, revision FROM thread_read_receipts \
             WHERE thread_id IN ({placeholders})"
        );
        let mut statement = connection.prepare(&sql)?;
        let keys: Vec<String> = chunk.iter().map(Uuid::to_string).collect();
        let mut rows = statement.query(rusqlite::params_from_iter(keys.iter()))?;
        while let Some(row) = rows.next()? {
            let id: String = row.get(0)?;
            let Ok(uuid) = Uuid::try_parse(&id) else {
                continue;
            };
            states.insert(uuid, to_wire(row.get(1)?, row.get(2)?));
        }
    }
    for id in ids {
        states
            .entry(*id)
            .or_insert_with(|| ThreadReadState::initial(&id.to_string()));
    }
    Ok(states)
}

fn current_state(connection: &Connection, id: Uuid) -> Result<ThreadReadState, IndexError> {
    let key = id.to_string();
    let found = connection
        .prepare_cached(
            "SELECT first_unread_turn, revision FROM thread_read_receipts WHERE thread_id = ?1",
        )?
        .query_row(params![key], |row| {
            Ok((row.get::<_, Option<String>>(0)?, row.get::<_, String>(1)?))
        })
        .optional()?;
    Ok(match found {
        Some((first_unread_turn, revision)) => to_wire(first_unread_turn, revision),
        None => ThreadReadState {
            first_unread: None,
            revision: initial_read_state_revision(&key),
        },
    })
}

fn write_receipt(
    connection: &Connection,
    id: Uuid,
    first_unread_turn: Option<&str>,
) -> Result<ThreadReadState, IndexError> {
    let revision = Uuid::new_v4().to_string();
    connection
        .prepare_cached(
            "INSERT INTO thread_read_receipts (thread_id, first_unread_turn, revision) \
             VALUES (?1, ?2, ?3) ON CONFLICT(thread_id) DO UPDATE SET \
             first_unread_turn = excluded.first_unread_turn, revision = excluded.revision",
        )?
        .execute(params![id.to_string(), first_unread_turn, revision])?;
    Ok(to_wire(first_unread_turn.map(str::to_owned), revision))
}

/// Compares `expected_revision` with the current one and, if equal, saves the mark under a
/// fresh revision; all in one immediate transaction.
pub(super) fn update_read_state(
    connection: &Connection,
    id: Uuid,
    expected_revision: &str,
    mark: ReadMark,
) -> Result<ReadStateUpdate, IndexError> {
    let transaction = Transaction::new_unchecked(connection, TransactionBehavior::Immediate)?;
    let current = current_state(&transaction, id)?;
    if current.revision != expected_revision {
        return Ok(ReadStateUpdate::Conflict(current));
    }
    let first_unread_turn = match mark {
        ReadMark::Read => None,
        ReadMark::Unread => Some(""),
    };
    let state = write_receipt(&transaction, id, first_unread_turn)?;
    transaction.commit()?;
    Ok(ReadStateUpdate::Applied(state))
}

/// A turn ended with a result that needs attention: the first unread position becomes that
/// turn unless an earlier one (or the whole thread) is already unread; the revision changes
/// either way, so an acknowledgement based on an older snapshot conflicts.
pub(super) fn publish_attention(
    connection: &Connection,
    id: Uuid,
    turn_id: &str,
) -> Result<ThreadReadState, IndexError> {
    let transaction = Transaction::new_unchecked(connection, TransactionBehavior::Immediate)?;
    let current = current_state(&transaction, id)?;
    let first_unread_turn = match &current.first_unread {
        Some(ThreadUnreadPosition::ThreadStart) => String::new(),
        Some(ThreadUnreadPosition::Turn { turn_id }) => turn_id.clone(),
        None => turn_id.to_owned(),
    };
    let state = write_receipt(&transaction, id, Some(&first_unread_turn))?;
    transaction.commit()?;
    Ok(state)
}

/// The stored Git patch of a thread, if any.
pub(super) fn git_patch(connection: &Connection, id: Uuid) -> Result<Option<GitPatch>, IndexError> {
    let field = |set: bool, value: Option<String>| set.then_some(value);
    Ok(connection
        .prepare_cached(
            "SELECT sha_set, sha, branch_set, branch, origin_url_set, origin_url \
             FROM thread_git_patches WHERE thread_id = ?1",
        )?
        .query_row(params![id.to_string()], |row| {
            Ok(GitPatch {
                sha: field(row.get(0)?, row.get(1)?),
                branch: field(row.get(2)?, row.get(3)?),
                origin_url: field(row.get(4)?, row.get(5)?),
            })
        })
        .optional()?)
}

/// Applies the thread's stored Git patch to a row about to be written from its rollout.
pub(super) fn apply_git_patch(
    connection: &Connection,
    row: &mut ThreadRow,
) -> Result<(), IndexError> {
    if let Some(patch) = git_patch(connection, row.id)? {
        row.git = patch.apply(row.git.take());
    }
    Ok(())
}

/// Merges `patch` into the thread's stored patch and applies it to its row (if it has one).
pub(super) fn save_git_patch(
    connection: &Connection,
    id: Uuid,
    patch: &GitPatch,
) -> Result<(), IndexError> {
    let transaction = Transaction::new_unchecked(connection, TransactionBehavior::Immediate)?;
    let merged = git_patch(&transaction, id)?.unwrap_or_default().then(patch);
    let split = |field: &GitFieldPatch| (field.is_some(), field.clone().flatten());
    let (sha_set, sha) = split(&merged.sha);
    let (branch_set, branch) = split(&merged.branch);
    let (origin_url_set, origin_url) = split(&merged.origin_url);
    transaction
        .prepare_cached(
            "INSERT OR REPLACE INTO thread_git_patches (thread_id, sha_set, sha, branch_set, \
             branch, origin_url_set, origin_url) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            id.to_string(),
            sha_set,
            sha,
            branch_set,
            branch,
            origin_url_set,
            origin_url
        ])?;
    let key = id.to_string();
    let stored: Option<(Option<String>, Option<String>, Option<String>)> = transaction
        .prepare_cached("SELECT git_sha, git_branch, git_origin_url FROM threads WHERE id = ?1")?
        .query_row(params![key], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .optional()?;
    if let Some((sha, branch, origin_url)) = stored {
        let git = patch
            .apply(Some(GitInfo {
                sha,
                branch,
                origin_url,
            }))
            .unwrap_or_default();
        transaction
            .prepare_cached(
                "UPDATE threads SET git_sha = ?2, git_branch = ?3, git_origin_url = ?4 \
                 WHERE id = ?1",
            )?
            .execute(params![key, git.sha, git.branch, git.origin_url])?;
    }
    transaction.commit()?;
    Ok(())
}

/// Forgets a deleted thread's marks.
pub(super) fn forget(connection: &Connection, id: Uuid) -> Result<(), IndexError> {
    let key = id.to_string();
    connection
        .prepare_cached("DELETE FROM thread_read_receipts WHERE thread_id = ?1")?
        .execute(params![key])?;
    connection
        .prepare_cached("DELETE FROM thread_git_patches WHERE thread_id = ?1")?
        .execute(params![key])?;
    Ok(())
}
