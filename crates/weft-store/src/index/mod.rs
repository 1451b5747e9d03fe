//! weft's SQLite index of threads: a rebuildable cache of the rollouts for fast listing, and,
//! outside that cache, the user's marks no rollout records (`marks`).
//!
//! **Invariant:** the index's rows can be deleted at any time; [`Index::open`] rebuilds it from the
//! rollouts and `session_index.jsonl`. It lives in a file of weft's own name
//! (`weft_index_1.sqlite`) and never touches the reference's `state_5.sqlite`. Opening also
//! repairs staleness: rollouts added, changed or removed behind weft's back (by the reference,
//! a crash between an append and the row update, a manual copy) are noticed by size and mtime.

mod list;
mod marks;
mod row;
mod schema;
mod sync;
#[cfg(test)]
mod tests;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use chrono::{Local, TimeZone};
use rusqlite::{Connection, ErrorCode, params};
use uuid::Uuid;

use crate::layout::{Home, RolloutFile, RolloutFileName, modified_ms, parse_rollout_file_name};
use crate::reader::ReadError;
use crate::summary::summarize_rollout;

pub use list::{DEFAULT_SOURCE_KINDS, ListPage, ListQuery};
pub use marks::{GitFieldPatch, GitPatch, ReadMark, ReadStateUpdate};
pub use row::ThreadRow;
pub use sync::SyncReport;

/// Why an index operation failed.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// SQLite failed.
    #[error("thread index: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The home folder could not be prepared or scanned.
    #[error("failed to scan {}: {source}", path.display())]
    Scan {
        /// The folder.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// A rollout could not be summarised for its row.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// A `thread/list` cursor that this index did not produce.
    #[error("invalid cursor: {0}")]
    InvalidCursor(String),
    /// An excluded thread id that is not a UUID.
    #[error("invalid excluded thread id: {0}")]
    InvalidExcludedId(String),
    /// More excluded ids than [`crate::limits::LIST_EXCLUDED_IDS_MAX`].
    #[error("too many excluded thread ids: {0} (at most {max})", max = crate::limits::LIST_EXCLUDED_IDS_MAX)]
    TooManyExcludedIds(usize),
    /// More cwd filters than [`crate::limits::LIST_CWDS_MAX`].
    #[error("too many cwd filters: {0} (at most {max})", max = crate::limits::LIST_CWDS_MAX)]
    TooManyCwds(usize),
}

/// The thread index of one home.
///
/// One connection, owned by whoever opened it (weft-core keeps it on a blocking task); not
/// `Sync`. Every method does blocking IO.
#[derive(Debug)]
pub struct Index {
    connection: Connection,
    home: Home,
}

impl Index {
    /// Opens (or creates) the index of `home` and syncs it with the rollouts: rebuilt from
    /// scratch when the file is missing, corrupt or of another schema version, else only
    /// changed files are re-read.
    ///
    /// # Errors
    /// SQLite or scan errors. Unreadable rollouts are logged and skipped, never an error.
    pub fn open(home: &Home) -> Result<Index, IndexError> {
        Ok(Self::open_with_report(home)?.0)
    }

    /// [`Index::open`], also returning what the sync did.
    ///
    /// # Errors
    /// As [`Index::open`].
    pub fn open_with_report(home: &Home) -> Result<(Index, SyncReport), IndexError> {
        fs::create_dir_all(home.root()).map_err(|source| IndexError::Scan {
            path: home.root().to_path_buf(),
            source,
        })?;
        let path = home.index_path();
        let (connection, rebuilt) = match open_and_migrate(&path) {
            Err(error) if is_corrupt(&error) => {
                tracing::warn!(path = %path.display(), %error, "thread index corrupt; rebuilding");
                remove_index_files(&path);
                open_and_migrate(&path)?
            }
            other => other?,
        };
        let mut index = Index {
            connection,
            home: home.clone(),
        };
        let mut report = index.sync()?;
        report.rebuilt = rebuilt;
        Ok((index, report))
    }

    /// Re-syncs with the rollouts (the cheap staleness check and repair of [`Index::open`]).
    ///
    /// # Errors
    /// SQLite or scan errors.
    pub fn sync(&mut self) -> Result<SyncReport, IndexError> {
        sync::sync(&mut self.connection, &self.home)
    }

    /// Forgets every row and re-reads every rollout.
    ///
    /// # Errors
    /// SQLite or scan errors.
    pub fn rebuild(&mut self) -> Result<SyncReport, IndexError> {
        self.connection
            .execute_batch("DELETE FROM threads; DELETE FROM index_state;")?;
        let mut report = self.sync()?;
        report.rebuilt = true;
        Ok(report)
    }

    /// The home this index covers.
    pub fn home(&self) -> &Home {
        &self.home
    }

    /// Inserts or replaces a row as given.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn upsert(&self, row: &ThreadRow) -> Result<(), IndexError> {
        schema::upsert_row(&self.connection, row)?;
        Ok(())
    }

    /// Re-reads one rollout (head and tail) and upserts its row, keeping the row's name.
    /// The caller calls it after creating a rollout, at turn end, and after moving one.
    ///
    /// # Errors
    /// Read errors of the rollout, or SQLite errors.
    pub fn index_rollout(&self, path: &Path) -> Result<ThreadRow, IndexError> {
        let summary = summarize_rollout(path)?;
        let metadata = fs::metadata(path).map_err(|source| ReadError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let created_local = Local.from_utc_datetime(&summary.meta.created_at.naive_utc());
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .and_then(parse_rollout_file_name)
            .unwrap_or(RolloutFileName {
                thread_id: summary.meta.id,
                created_local: created_local.naive_local(),
            });
        let file = RolloutFile {
            path: path.to_path_buf(),
            name,
            archived: path.starts_with(self.home.archived_sessions_dir()),
            size: metadata.len(),
            modified_ms: modified_ms(&metadata),
        };
        let mut row = ThreadRow::from_summary(&summary, &file);
        row.name = self.get(row.id)?.and_then(|existing| existing.name);
        marks::apply_git_patch(&self.connection, &mut row)?;
        self.upsert(&row)?;
        Ok(row)
    }

    /// The row of one thread.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn get(&self, id: Uuid) -> Result<Option<ThreadRow>, IndexError> {
        let sql = format!("SELECT {} FROM threads WHERE id = ?1", schema::COLUMNS);
        let mut statement = self.connection.prepare_cached(&sql)?;
        let mut rows = statement.query(params![id.to_string()])?;
        Ok(rows.next()?.map(schema::row_from_sql).transpose()?)
    }

    /// Drops one thread's row; returns whether it existed.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn remove(&self, id: Uuid) -> Result<bool, IndexError> {
        let changed = self
            .connection
            .execute("DELETE FROM threads WHERE id = ?1", params![id.to_string()])?;
        Ok(changed > 0)
    }

    /// Sets (or clears) a thread's name in its row; returns whether the row exists. The caller
    /// appends to `session_index.jsonl` first, which stays the truth.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn set_name(&self, id: Uuid, name: Option<&str>) -> Result<bool, IndexError> {
        let changed = self.connection.execute(
            "UPDATE threads SET name = ?2 WHERE id = ?1",
            params![id.to_string(), name],
        )?;
        Ok(changed > 0)
    }

    /// The read state of each of `ids` (the initial state for those never marked).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn read_states(
        &self,
        ids: &[Uuid],
    ) -> Result<std::collections::HashMap<Uuid, weft_protocol::v2::ThreadReadState>, IndexError>
    {
        marks::read_states(&self.connection, ids)
    }

    /// Marks a thread read or unread if its current revision is `expected_revision`; durable
    /// once this returns (its own transaction).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn update_read_state(
        &self,
        id: Uuid,
        expected_revision: &str,
        mark: ReadMark,
    ) -> Result<ReadStateUpdate, IndexError> {
        marks::update_read_state(&self.connection, id, expected_revision, mark)
    }

    /// Records that turn `turn_id` ended with a result needing attention; returns the new
    /// state (fresh revision).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn publish_attention(
        &self,
        id: Uuid,
        turn_id: &str,
    ) -> Result<weft_protocol::v2::ThreadReadState, IndexError> {
        marks::publish_attention(&self.connection, id, turn_id)
    }

    /// Saves a `thread/metadata/update` Git patch (merged with earlier ones) and applies it to
    /// the thread's row; every later re-index of the rollout applies it again.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn save_git_patch(&self, id: Uuid, patch: &GitPatch) -> Result<(), IndexError> {
        marks::save_git_patch(&self.connection, id, patch)
    }

    /// Forgets a thread's marks (`thread/delete`: the thread is gone for good).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn forget_marks(&self, id: Uuid) -> Result<(), IndexError> {
        marks::forget(&self.connection, id)
    }

    /// The Git patch saved for a thread, if any.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn git_patch(&self, id: Uuid) -> Result<Option<GitPatch>, IndexError> {
        marks::git_patch(&self.connection, id)
    }

    /// One page of `thread/list`.
    ///
    /// # Errors
    /// [`IndexError::InvalidCursor`], [`IndexError::TooManyExcludedIds`],
    /// [`IndexError::TooManyCwds`], or SQLite errors.
    pub fn list(&self, query: &ListQuery) -> Result<ListPage, IndexError> {
        list::list(&self.connection, query)
    }

    /// Number of rows (visible or not).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn len(&self) -> Result<u64, IndexError> {
        let count: i64 = self
            .connection
            .query_row("SELECT COUNT(*) FROM threads", [], |row| row.get(0))?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// Whether the index has no rows.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn is_empty(&self) -> Result<bool, IndexError> {
        Ok(self.len()? == 0)
    }
}

fn open_and_migrate(path: &Path) -> rusqlite::Result<(Connection, bool)> {
    let mut connection = schema::open_connection(path)?;
    let created = schema::ensure_schema(&mut connection)?;
    Ok((connection, created))
}

fn is_corrupt(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt)
    )
}

/// Deletes the index and its WAL side files (it is a cache; the rollouts are the truth).
fn remove_index_files(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        if let Err(error) = fs::remove_file(&file)
            && error.kind() != io::ErrorKind::NotFound
        {
            tracing::warn!(path = ?file, %error, "could not remove corrupt index file");
        }
    }
}
