//! Server requests that must survive a restart (lifecycle.md R37, `durable_approvals = true`):
//! one small JSON file per thread, `pending_requests/<thread-id>.json`, holding the turn that
//! waits and the requests it waits on, exactly as they were sent.
//!
//! A file of its own rather than rollout lines: the rollout stays what the reference writes
//! (a reference reading a weft home sees an unfinished turn, as it would after a crash), the
//! record is rewritten whole on every change (a handful of requests at most, written when a
//! human is asked, so the cost is two fsyncs per question), and it is keyed by thread id, so it
//! follows the thread through archive and unarchive without being moved. It is only trusted
//! together with the rollout: a record whose turn is not the rollout's unfinished last turn is
//! stale (the turn ended after the record was written, or a fork copied the history) and is
//! ignored by the reader and replaced by the next write.
//!
//! Writes are atomic: a temporary file, fsynced, renamed over the record, then the folder
//! fsynced, so a crash leaves the old record or the new one, never a torn one.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use uuid::Uuid;
use weft_protocol::v2::ServerRequest;

use crate::layout::{Home, sync_dir};

/// Folder of the records, under the home.
pub const PENDING_REQUESTS_DIR: &str = "pending_requests";

/// Largest record read back; a bigger file is not one weft wrote and is ignored.
pub const SUSPENDED_RECORD_BYTES_MAX: u64 = 4 * 1024 * 1024;

/// Version of the record's shape.
const RECORD_VERSION: u32 = 1;

/// What a thread waits on: the turn, and its unanswered requests in the order they were sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SuspendedTurn {
    /// Shape version ([`RECORD_VERSION`]).
    pub version: u32,
    /// The waiting turn.
    pub turn_id: String,
    /// The requests, as sent (method and params).
    pub requests: Vec<ServerRequest>,
}

impl SuspendedTurn {
    /// A record of `requests` waited on by `turn_id`.
    #[must_use]
    pub fn new(turn_id: impl Into<String>, requests: Vec<ServerRequest>) -> SuspendedTurn {
        SuspendedTurn {
            version: RECORD_VERSION,
            turn_id: turn_id.into(),
            requests,
        }
    }
}

/// The record's path for a thread.
#[must_use]
pub fn suspended_path(home: &Home, thread_id: Uuid) -> PathBuf {
    home.root()
        .join(PENDING_REQUESTS_DIR)
        .join(format!("{thread_id}.json"))
}

/// Writes a thread's record durably, replacing the previous one.
///
/// # Errors
/// IO errors; the previous record is then still in place.
pub fn write_suspended(home: &Home, thread_id: Uuid, record: &SuspendedTurn) -> io::Result<()> {
    let path = suspended_path(home, thread_id);
    let dir = path
        .parent()
        .ok_or_else(|| io::Error::other("record has no folder"))?;
    fs::create_dir_all(dir)?;
    let temporary = path.with_extension("json.tmp");
    let bytes = serde_json::to_vec(record).map_err(io::Error::other)?;
    let mut file = File::create(&temporary)?;
    file.write_all(&bytes)?;
    file.sync_all()?;
    drop(file);
    fs::rename(&temporary, &path)?;
    sync_dir(dir)
}

/// Removes a thread's record (nothing is pending any more); no record is not an error.
///
/// # Errors
/// IO errors other than "not found".
pub fn remove_suspended(home: &Home, thread_id: Uuid) -> io::Result<()> {
    let path = suspended_path(home, thread_id);
    match fs::remove_file(&path) {
        Ok(()) => path.parent().map_or(Ok(()), sync_dir),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(error),
    }
}

/// A thread's record, if it has a readable one. An unreadable record (torn by hand, another
/// version, too big) is logged and treated as none: the turn then reads `interrupted`, as it
/// would without the option.
#[must_use]
pub fn read_suspended(home: &Home, thread_id: Uuid) -> Option<SuspendedTurn> {
    let path = suspended_path(home, thread_id);
    let size = match fs::metadata(&path) {
        Ok(metadata) => metadata.len(),
        Err(error) if error.kind() == io::ErrorKind::NotFound => return None,
        Err(error) => {
            tracing::warn!(path = %path.display(), %error, "pending request record unreadable");
            return None;
        }
    };
    if size > SUSPENDED_RECORD_BYTES_MAX {
        tracing::warn!(path = %path.display(), size, "pending request record too big; ignored");
        return None;
    }
    let parsed = fs::read(&path)
        .map_err(|error| error.to_string())
        .and_then(|bytes| {
            serde_json::from_slice::<SuspendedTurn>(&bytes).map_err(|error| error.to_string())
        });
    match parsed {
        Ok(record) if record.version == RECORD_VERSION => Some(record),
        Ok(record) => {
            tracing::warn!(path = %path.display(), version = record.version, "pending request record of another version; ignored");
            None
        }
        Err(error) => {
            tracing::warn!(path = %path.display(), %error, "pending request record unreadable; ignored");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use weft_protocol::v2::ToolRequestUserInputParams;

    fn question(item: &str) -> ServerRequest {
        ServerRequest::ToolRequestUserInput(ToolRequestUserInputParams {
            thread_id: "t".to_owned(),
            turn_id: "turn".to_owned(),
            item_id: item.to_owned(),
            is_blocking: true,
            questions: Vec::new(),
        })
    }

    #[test]
    fn a_record_round_trips_and_is_replaced_whole() {
        let dir = tempfile::tempdir().unwrap();
        let home = Home::new(dir.path());
        let id = Uuid::now_v7();
        assert_eq!(read_suspended(&home, id), None);
        let first = SuspendedTurn::new("turn", vec![question("a"), question("b")]);
        write_suspended(&home, id, &first).unwrap();
        assert_eq!(read_suspended(&home, id), Some(first));
        let second = SuspendedTurn::new("turn", vec![question("b")]);
        write_suspended(&home, id, &second).unwrap();
        assert_eq!(read_suspended(&home, id), Some(second));
        remove_suspended(&home, id).unwrap();
        assert_eq!(read_suspended(&home, id), None);
        remove_suspended(&home, id).unwrap();
    }

    #[test]
    fn a_torn_or_foreign_record_reads_as_none() {
        let dir = tempfile::tempdir().unwrap();
        let home = Home::new(dir.path());
        let id = Uuid::now_v7();
        let path = suspended_path(&home, id);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, b"{\"version\":1,\"turnId\":\"t\",\"requ").unwrap();
        assert_eq!(read_suspended(&home, id), None);
        fs::write(&path, br#"{"version":9,"turnId":"t","requests":[]}"#).unwrap();
        assert_eq!(read_suspended(&home, id), None);
    }
}
