//! Bringing the index in line with the rollout files (open, rebuild).
//!
//! The cheap check compares the set of rollout files, with their size and mtime, against the
//! rows; only files that are new or changed are summarised (head and tail, in parallel), and
//! rows whose file is gone are dropped. Names are re-applied from `session_index.jsonl`
//! whenever that file changed. Rows are written in batches so memory stays bounded however many
//! threads the home holds.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::thread;

use rusqlite::{Connection, params};
use uuid::Uuid;

use super::IndexError;
use super::row::ThreadRow;
use super::schema::{set_state_value, state_value, upsert_row};
use crate::layout::{Home, RolloutFile, modified_ms};
use crate::limits::{REBUILD_BATCH_ROWS, REBUILD_THREADS_MAX};
use crate::reader::ReadError;
use crate::session_index::read_thread_names;
use crate::summary::{RolloutSummary, summarize_rollout};

/// `index_state` key holding the `session_index.jsonl` size and mtime last applied.
const NAMES_STATE_KEY: &str = "session_index_file";

/// What a sync did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SyncReport {
    /// Rollout files found.
    pub files: usize,
    /// Files (re)read because they were new or changed.
    pub read: usize,
    /// Rows dropped because their file is gone.
    pub removed: usize,
    /// Files that could not be summarised (empty, no session metadata, IO error); they have no
    /// row and are retried at the next sync.
    pub unreadable: usize,
    /// Whether the index file was created or rebuilt from scratch.
    pub rebuilt: bool,
}

/// File facts a row was made from, by rollout path.
type KnownFiles = HashMap<PathBuf, (u64, i64)>;

pub(super) fn sync(connection: &mut Connection, home: &Home) -> Result<SyncReport, IndexError> {
    let files = live_first(home.scan_rollouts().map_err(|source| IndexError::Scan {
        path: home.root().to_path_buf(),
        source,
    })?);
    let known = known_files(connection)?;
    let mut report = SyncReport {
        files: files.len(),
        ..SyncReport::default()
    };
    report.removed = remove_missing(connection, &known, &files)?;
    let changed: Vec<&RolloutFile> = files
        .iter()
        .filter(|file| known.get(&file.path) != Some(&(file.size, file.modified_ms)))
        .collect();
    let names_state = names_file_state(home).unwrap_or_default();
    let names_changed =
        state_value(connection, NAMES_STATE_KEY)?.unwrap_or_default() != names_state;
    if changed.is_empty() && !names_changed {
        return Ok(report);
    }
    let names = read_thread_names(home).unwrap_or_else(|error| {
        tracing::warn!(%error, "session index unreadable; thread names not refreshed");
        HashMap::new()
    });
    for batch in changed.chunks(REBUILD_BATCH_ROWS) {
        let (read, unreadable) = write_batch(connection, batch, &names)?;
        report.read += read;
        report.unreadable += unreadable;
    }
    if names_changed {
        apply_names(connection, &names)?;
        set_state_value(connection, NAMES_STATE_KEY, &names_state)?;
    }
    tracing::debug!(?report, "index synced with rollouts");
    Ok(report)
}

/// One rollout per thread id: a live file wins over an archived copy.
fn live_first(mut files: Vec<RolloutFile>) -> Vec<RolloutFile> {
    files.sort_by(|a, b| {
        (a.name.thread_id, a.archived, &a.path).cmp(&(b.name.thread_id, b.archived, &b.path))
    });
    files.dedup_by(|later, earlier| {
        let duplicate = later.name.thread_id == earlier.name.thread_id;
        if duplicate {
            tracing::warn!(kept = %earlier.path.display(), ignored = %later.path.display(), "two rollouts for one thread");
        }
        duplicate
    });
    files
}

fn known_files(connection: &Connection) -> Result<KnownFiles, IndexError> {
    let mut statement =
        connection.prepare("SELECT rollout_path, file_size, file_mtime_ms FROM threads")?;
    let rows = statement.query_map([], |row| {
        let path: String = row.get(0)?;
        let size: i64 = row.get(1)?;
        let mtime: i64 = row.get(2)?;
        Ok((
            PathBuf::from(path),
            (u64::try_from(size).unwrap_or(0), mtime),
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn remove_missing(
    connection: &mut Connection,
    known: &KnownFiles,
    files: &[RolloutFile],
) -> Result<usize, IndexError> {
    let present: HashSet<&PathBuf> = files.iter().map(|file| &file.path).collect();
    let gone: Vec<&PathBuf> = known
        .keys()
        .filter(|path| !present.contains(path))
        .collect();
    if gone.is_empty() {
        return Ok(0);
    }
    let transaction = connection.transaction()?;
    for path in &gone {
        transaction.execute(
            "DELETE FROM threads WHERE rollout_path = ?1",
            params![path.to_string_lossy()],
        )?;
    }
    transaction.commit()?;
    Ok(gone.len())
}

/// Summarises a batch of files in parallel and writes their rows in one transaction.
/// Returns (rows written, files unreadable).
fn write_batch(
    connection: &mut Connection,
    batch: &[&RolloutFile],
    names: &HashMap<Uuid, String>,
) -> Result<(usize, usize), IndexError> {
    let summaries = summarize_parallel(batch);
    let transaction = connection.transaction()?;
    let (mut written, mut unreadable) = (0, batch.len().saturating_sub(summaries.len()));
    for (file, summary) in summaries {
        match summary {
            Ok(summary) => {
                let mut row = ThreadRow::from_summary(&summary, file);
                row.name = names.get(&row.id).cloned();
                super::marks::apply_git_patch(&transaction, &mut row)?;
                upsert_row(&transaction, &row)?;
                written += 1;
            }
            Err(error) => {
                tracing::warn!(path = %file.path.display(), %error, "rollout not indexed");
                unreadable += 1;
            }
        }
    }
    transaction.commit()?;
    Ok((written, unreadable))
}

type Summarised<'a> = (&'a RolloutFile, Result<RolloutSummary, ReadError>);

/// Summaries of `files` on up to [`REBUILD_THREADS_MAX`] threads. A worker that panics loses
/// its files for this sync (logged); they are retried at the next one.
fn summarize_parallel<'a>(files: &[&'a RolloutFile]) -> Vec<Summarised<'a>> {
    let cores = thread::available_parallelism().map_or(1, usize::from);
    let workers = cores.min(REBUILD_THREADS_MAX).min(files.len()).max(1);
    let summarize = |file: &'a RolloutFile| (file, summarize_rollout(&file.path));
    if workers == 1 {
        return files.iter().map(|file| summarize(file)).collect();
    }
    let chunk_len = files.len().div_ceil(workers);
    thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk_len)
            .map(|chunk| {
                scope.spawn(move || chunk.iter().map(|file| summarize(file)).collect::<Vec<_>>())
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| {
                handle.join().unwrap_or_else(|_| {
                    tracing::error!("rollout summary worker panicked; its files are retried later");
                    Vec::new()
                })
            })
            .collect()
    })
}

/// `session_index.jsonl` size and mtime, or `None` when it does not exist.
fn names_file_state(home: &Home) -> Option<String> {
    let metadata = std::fs::metadata(home.session_index_path()).ok()?;
    Some(format!("{}:{}", metadata.len(), modified_ms(&metadata)))
}

/// Makes every row's name match the session index.
fn apply_names(
    connection: &mut Connection,
    names: &HashMap<Uuid, String>,
) -> Result<(), IndexError> {
    let current: Vec<(String, Option<String>)> = {
        let mut statement = connection.prepare("SELECT id, name FROM threads")?;
        statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?
    };
    let transaction = connection.transaction()?;
    for (id, name) in current {
        let wanted = Uuid::try_parse(&id).ok().and_then(|id| names.get(&id));
        if wanted != name.as_ref() {
            transaction.execute(
                "UPDATE threads SET name = ?2 WHERE id = ?1",
                params![id, wanted],
            )?;
        }
    }
    transaction.commit()?;
    Ok(())
}
