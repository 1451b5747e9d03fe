//! `session_index.jsonl`: user-set thread names, shared with the reference (core.md §5.1).
//!
//! An append-only log of `{"id","thread_name","updated_at"}` lines; the newest line for an id
//! (the last one in the file) wins. `thread/name/set` appends one line and fsyncs before it
//! answers, so an acknowledged rename survives a power loss. Readers skip lines they cannot
//! parse, as with rollouts.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::layout::{Home, sync_dir};
use crate::limits::LINE_BYTES_MAX;
use crate::scan::{CappedLines, RawLine};

/// Why the name log could not be read or appended to.
#[derive(Debug, thiserror::Error)]
pub enum SessionIndexError {
    /// A filesystem call failed.
    #[error("failed to {action} {}: {source}", path.display())]
    Io {
        /// What was being done, as a verb.
        action: &'static str,
        /// The `session_index.jsonl` path.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The line could not be encoded.
    #[error("failed to encode session index line: {0}")]
    Encode(#[from] serde_json::Error),
}

/// One line of `session_index.jsonl`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionIndexEntry {
    /// Thread id.
    pub id: Uuid,
    /// The user-set name.
    pub thread_name: String,
    /// When it was set: RFC 3339 UTC with nanoseconds (`2026-12-01T20:28:26.623161659Z`).
    pub updated_at: String,
}

/// Every thread's current name (newest line per id; an empty name means none).
///
/// A missing file means no names.
///
/// # Errors
/// IO errors other than "not found".
pub fn read_thread_names(home: &Home) -> Result<HashMap<Uuid, String>, SessionIndexError> {
    let path = home.session_index_path();
    let io_error = |action, source| SessionIndexError::Io {
        action,
        path: path.clone(),
        source,
    };
    let file = match File::open(&path) {
        Ok(file) => file,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(HashMap::new()),
        Err(error) => return Err(io_error("open", error)),
    };
    let mut lines = CappedLines::new(BufReader::new(file), LINE_BYTES_MAX);
    let mut names = HashMap::new();
    while let Some(raw) = lines
        .next_line()
        .map_err(|source| io_error("read", source))?
    {
        let RawLine::Bytes(bytes) = raw else { continue };
        match serde_json::from_slice::<SessionIndexEntry>(&bytes) {
            Ok(entry) => {
                names.insert(entry.id, entry.thread_name);
            }
            Err(_) if bytes.iter().all(u8::is_ascii_whitespace) => {}
            Err(error) => tracing::debug!(%error, "unreadable session index line; skipped"),
        }
    }
    names.retain(|_, name| !name.is_empty());
    Ok(names)
}

/// One thread's current name, if it has one.
///
/// # Errors
/// As [`read_thread_names`].
pub fn thread_name(home: &Home, thread_id: Uuid) -> Result<Option<String>, SessionIndexError> {
    Ok(read_thread_names(home)?.remove(&thread_id))
}

/// Appends a name line stamped `at` and fsyncs it (`thread/name/set`).
///
/// # Errors
/// IO or encoding errors; on error the name may or may not be recorded.
pub fn append_thread_name(
    home: &Home,
    thread_id: Uuid,
    name: &str,
    at: DateTime<Utc>,
) -> Result<SessionIndexEntry, SessionIndexError> {
    let path = home.session_index_path();
    let io_error = |action, source| SessionIndexError::Io {
        action,
        path: path.clone(),
        source,
    };
    let entry = SessionIndexEntry {
        id: thread_id,
        thread_name: name.to_owned(),
        updated_at: at.to_rfc3339_opts(SecondsFormat::Nanos, true),
    };
    std::fs::create_dir_all(home.root()).map_err(|source| io_error("create folder for", source))?;
    let created = !path.exists();
    let mut file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(&path)
        .map_err(|source| io_error("open", source))?;
    let mut bytes = Vec::new();
    if !ends_with_newline(&mut file).map_err(|source| io_error("read", source))? {
        bytes.push(b'\n');
    }
    serde_json::to_writer(&mut bytes, &entry)?;
    bytes.push(b'\n');
    file.write_all(&bytes)
        .map_err(|source| io_error("write", source))?;
    file.sync_all().map_err(|source| io_error("sync", source))?;
    if created {
        sync_dir(home.root()).map_err(|source| io_error("sync folder of", source))?;
    }
    Ok(entry)
}

/// Whether the file is empty or ends in `\n` (else a torn line needs terminating).
fn ends_with_newline(file: &mut File) -> io::Result<bool> {
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(true);
    }
    file.seek(SeekFrom::Start(len - 1))?;
    let mut last = [0u8; 1];
    file.read_exact(&mut last)?;
    Ok(last[0] == b'\n')
}
