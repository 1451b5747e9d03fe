//! The index's SQLite schema, connection settings and row mapping.
//!
//! The schema version lives in `PRAGMA user_version`; a file with another version is wiped and
//! rebuilt from the rollouts (the index is a cache, so there are no migrations). Listing
//! indexes are partial on `preview <> ''`, the "visible" condition every default listing has,
//! and lead with `archived` so both listings walk an index in order (no sort step), as the
//! reference's `state_5` does.

use std::path::PathBuf;

use rusqlite::types::Type;
use rusqlite::{Connection, Row, params};
use serde_json::Value;
use uuid::Uuid;

use super::marks;
use super::row::ThreadRow;
use crate::limits::SQLITE_BUSY_TIMEOUT;
use crate::reader::{GitInfo, HistoryMode};

/// Version of the schema below; bump it on any change (the index is then rebuilt).
pub(super) const SCHEMA_VERSION: i64 = 1;

const CREATE_SCHEMA: &str = "
CREATE TABLE threads (
    id TEXT PRIMARY KEY NOT NULL,
    rollout_path TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    recency_at_ms INTEGER NOT NULL,
    source TEXT NOT NULL,
    source_kind TEXT NOT NULL,
    thread_source TEXT,
    model_provider TEXT NOT NULL,
    model TEXT,
    reasoning_effort TEXT,
    cwd TEXT NOT NULL,
    preview TEXT NOT NULL,
    name TEXT,
    archived INTEGER NOT NULL,
    cli_version TEXT NOT NULL,
    originator TEXT NOT NULL,
    forked_from_id TEXT,
    parent_thread_id TEXT,
    agent_nickname TEXT,
    agent_role TEXT,
    agent_path TEXT,
    history_mode TEXT NOT NULL,
    git_sha TEXT,
    git_branch TEXT,
    git_origin_url TEXT,
    file_size INTEGER NOT NULL,
    file_mtime_ms INTEGER NOT NULL
);
CREATE INDEX idx_threads_visible_created ON threads(archived, created_at_ms DESC, id DESC)
    WHERE preview <> '';
CREATE INDEX idx_threads_visible_updated ON threads(archived, updated_at_ms DESC, id DESC)
    WHERE preview <> '';
CREATE INDEX idx_threads_visible_recency ON threads(archived, recency_at_ms DESC, id DESC)
    WHERE preview <> '';
CREATE INDEX idx_threads_cwd_created ON threads(archived, cwd, created_at_ms DESC, id DESC)
    WHERE preview <> '';
CREATE INDEX idx_threads_cwd_updated ON threads(archived, cwd, updated_at_ms DESC, id DESC)
    WHERE preview <> '';
CREATE INDEX idx_threads_cwd_recency ON threads(archived, cwd, recency_at_ms DESC, id DESC)
    WHERE preview <> '';
CREATE TABLE index_state (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
";

/// Every column of `threads`, in [`row_from_sql`] / [`upsert_row`] order.
pub(super) const COLUMNS: &str = "id, rollout_path, created_at_ms, updated_at_ms, recency_at_ms, \
    source, source_kind, thread_source, model_provider, model, reasoning_effort, cwd, preview, \
    name, archived, cli_version, originator, forked_from_id, parent_thread_id, agent_nickname, \
    agent_role, agent_path, history_mode, git_sha, git_branch, git_origin_url, file_size, \
    file_mtime_ms";

/// Opens the file with weft's settings: WAL, `synchronous=NORMAL`, busy timeout.
pub(super) fn open_connection(path: &std::path::Path) -> rusqlite::Result<Connection> {
    let connection = Connection::open(path)?;
    connection.busy_timeout(SQLITE_BUSY_TIMEOUT)?;
    connection.pragma_update(None, "journal_mode", "WAL")?;
    connection.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(connection)
}

/// Makes the schema current: creates it in a new file, wipes and recreates the cache tables
/// when the version differs (the user's marks, [`marks::DURABLE_TABLES`], stay). Returns
/// whether the cache tables were (re)created.
pub(super) fn ensure_schema(connection: &mut Connection) -> rusqlite::Result<bool> {
    connection.execute_batch(marks::CREATE_DURABLE)?;
    let version: i64 = connection.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if version == SCHEMA_VERSION {
        return Ok(false);
    }
    let transaction = connection.transaction()?;
    let tables: Vec<String> = {
        let mut statement = transaction.prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )?;
        statement
            .query_map([], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?
    };
    for table in tables
        .into_iter()
        .filter(|table| !marks::DURABLE_TABLES.contains(&table.as_str()))
    {
        transaction.execute_batch(&format!(
            "DROP TABLE IF EXISTS \"{}\";",
            table.replace('"', "\"\"")
        ))?;
    }
    transaction.execute_batch(CREATE_SCHEMA)?;
    transaction.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    transaction.commit()?;
    Ok(true)
}

/// Inserts or replaces one row.
pub(super) fn upsert_row(connection: &Connection, row: &ThreadRow) -> rusqlite::Result<()> {
    let sql = format!(
        "INSERT OR REPLACE INTO threads ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, \
        ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, \
        ?25, ?26, ?27, ?28)"
    );
    let git = row.git.clone().unwrap_or_default();
    connection.prepare_cached(&sql)?.execute(params![
        row.id.to_string(),
        row.rollout_path.to_string_lossy(),
        row.created_at_ms,
        row.updated_at_ms,
        row.recency_at_ms,
        row.source.to_string(),
        row.source_kind,
        row.thread_source,
        row.model_provider,
        row.model,
        row.reasoning_effort,
        row.cwd,
        row.preview,
        row.name,
        row.archived,
        row.cli_version,
        row.originator,
        row.forked_from_id.map(|id| id.to_string()),
        row.parent_thread_id.map(|id| id.to_string()),
        row.agent_nickname,
        row.agent_role,
        row.agent_path,
        row.history_mode.as_str(),
        git.sha,
        git.branch,
        git.origin_url,
        i64::try_from(row.file_size).unwrap_or(i64::MAX),
        row.file_mtime_ms,
    ])?;
    Ok(())
}

/// A `threads` row selected with [`COLUMNS`].
pub(super) fn row_from_sql(row: &Row<'_>) -> rusqlite::Result<ThreadRow> {
    let uuid = |index: usize| -> rusqlite::Result<Uuid> {
        let text: String = row.get(index)?;
        Uuid::try_parse(&text).map_err(|error| {
            rusqlite::Error::FromSqlConversionFailure(index, Type::Text, Box::new(error))
        })
    };
    let optional_uuid = |index: usize| -> rusqlite::Result<Option<Uuid>> {
        let text: Option<String> = row.get(index)?;
        Ok(text.and_then(|text| Uuid::try_parse(&text).ok()))
    };
    let source: String = row.get(5)?;
    let history_mode: String = row.get(22)?;
    let git = GitInfo {
        sha: row.get(23)?,
        branch: row.get(24)?,
        origin_url: row.get(25)?,
    };
    let file_size: i64 = row.get(26)?;
    Ok(ThreadRow {
        id: uuid(0)?,
        rollout_path: PathBuf::from(row.get::<_, String>(1)?),
        created_at_ms: row.get(2)?,
        updated_at_ms: row.get(3)?,
        recency_at_ms: row.get(4)?,
        source: serde_json::from_str(&source).unwrap_or(Value::String(source)),
        source_kind: row.get(6)?,
        thread_source: row.get(7)?,
        model_provider: row.get(8)?,
        model: row.get(9)?,
        reasoning_effort: row.get(10)?,
        cwd: row.get(11)?,
        preview: row.get(12)?,
        name: row.get(13)?,
        archived: row.get(14)?,
        cli_version: row.get(15)?,
        originator: row.get(16)?,
        forked_from_id: optional_uuid(17)?,
        parent_thread_id: optional_uuid(18)?,
        agent_nickname: row.get(19)?,
        agent_role: row.get(20)?,
        agent_path: row.get(21)?,
        history_mode: HistoryMode::parse(Some(&history_mode)),
        git: (git != GitInfo::default()).then_some(git),
        file_size: u64::try_from(file_size).unwrap_or(0),
        file_mtime_ms: row.get(27)?,
    })
}

/// A value of the `index_state` table.
pub(super) fn state_value(connection: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    let mut statement =
        connection.prepare_cached("SELECT value FROM index_state WHERE key = ?1")?;
    let mut rows = statement.query(params![key])?;
    rows.next()?.map(|row| row.get(0)).transpose()
}

/// Sets a value of the `index_state` table.
pub(super) fn set_state_value(
    connection: &Connection,
    key: &str,
    value: &str,
) -> rusqlite::Result<()> {
    connection
        .prepare_cached("INSERT OR REPLACE INTO index_state (key, value) VALUES (?1, ?2)")?
        .execute(params![key, value])?;
    Ok(())
}
