//! Where things live under the home folder (CODEX_HOME), in the reference's layout.
//!
//! weft shares the folder with the reference codex, so paths and file names are not ours to
//! choose: `sessions/YYYY/MM/DD/rollout-<local time>-<thread id>.jsonl`, a flat
//! `archived_sessions/`, `session_index.jsonl` (core.md §5.1). The only file of weft's own is
//! its SQLite index, under a name no reference version uses.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use chrono::{DateTime, Datelike, Local, NaiveDateTime};
use uuid::Uuid;

use crate::limits::SESSIONS_TREE_DEPTH_MAX;

/// Folder of live rollouts, under the home.
pub const SESSIONS_DIR: &str = "sessions";
/// Flat folder of archived rollouts, under the home.
pub const ARCHIVED_SESSIONS_DIR: &str = "archived_sessions";
/// Append-only thread-name log shared with the reference, under the home.
pub const SESSION_INDEX_FILE: &str = "session_index.jsonl";
/// weft's own SQLite index (never the reference's `state_5.sqlite`), under the home.
pub const INDEX_FILE: &str = "weft_index_1.sqlite";

const FILE_PREFIX: &str = "rollout-";
const FILE_SUFFIX: &str = ".jsonl";
const NAME_TIME_FORMAT: &str = "%Y-%m-%dT%H-%M-%S";
/// `YYYY-MM-DDThh-mm-ss`.
const NAME_TIME_LEN: usize = 19;

/// The home folder (CODEX_HOME) and the paths under it.
///
/// Created once in `main` and passed down; cheap to clone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Home {
    root: PathBuf,
}

/// What a rollout file name says: the thread id and the local creation time (to the second).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RolloutFileName {
    /// The thread id (a UUIDv7 for threads made by 0.169.0).
    pub thread_id: Uuid,
    /// Local wall-clock time of creation, as written in the name.
    pub created_local: NaiveDateTime,
}

/// A rollout file found on disk, with what staleness checks need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolloutFile {
    /// Full path.
    pub path: PathBuf,
    /// Parsed file name.
    pub name: RolloutFileName,
    /// Whether it lies in `archived_sessions/`.
    pub archived: bool,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, Unix milliseconds (0 when the platform has none).
    pub modified_ms: i64,
}

impl Home {
    /// A home rooted at `root` (nothing is created until something is written).
    pub fn new(root: impl Into<PathBuf>) -> Home {
        Home { root: root.into() }
    }

    /// The home folder itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `sessions/`.
    pub fn sessions_dir(&self) -> PathBuf {
        self.root.join(SESSIONS_DIR)
    }

    /// `archived_sessions/`.
    pub fn archived_sessions_dir(&self) -> PathBuf {
        self.root.join(ARCHIVED_SESSIONS_DIR)
    }

    /// `session_index.jsonl`.
    pub fn session_index_path(&self) -> PathBuf {
        self.root.join(SESSION_INDEX_FILE)
    }

    /// weft's SQLite index file.
    pub fn index_path(&self) -> PathBuf {
        self.root.join(INDEX_FILE)
    }

    /// Where a thread created at `created` (local time) keeps its rollout:
    /// `sessions/YYYY/MM/DD/rollout-YYYY-MM-DDThh-mm-ss-<id>.jsonl`.
    pub fn rollout_path(&self, thread_id: Uuid, created: DateTime<Local>) -> PathBuf {
        self.sessions_dir()
            .join(format!("{:04}", created.year()))
            .join(format!("{:02}", created.month()))
            .join(format!("{:02}", created.day()))
            .join(rollout_file_name(thread_id, created))
    }

    /// Where `rollout` goes when archived: the flat `archived_sessions/`, same file name.
    /// `None` when the path has no file name.
    pub fn archived_path(&self, rollout: &Path) -> Option<PathBuf> {
        Some(self.archived_sessions_dir().join(rollout.file_name()?))
    }

    /// Where an archived rollout goes back to: `sessions/YYYY/MM/DD/` from the date in its file
    /// name. `None` when the name is not a rollout name.
    pub fn unarchived_path(&self, rollout: &Path) -> Option<PathBuf> {
        let file_name = rollout.file_name()?.to_str()?;
        let created = parse_rollout_file_name(file_name)?.created_local;
        Some(
            self.sessions_dir()
                .join(format!("{:04}", created.year()))
                .join(format!("{:02}", created.month()))
                .join(format!("{:02}", created.day()))
                .join(file_name),
        )
    }

    /// Every rollout file under `sessions/` (date folders) and `archived_sessions/` (flat).
    ///
    /// Missing folders count as empty. Files that are not named like rollouts, and compressed
    /// `.jsonl.zst` rollouts (not supported yet), are skipped with a debug log.
    ///
    /// # Errors
    /// IO errors other than "not found".
    pub fn scan_rollouts(&self) -> io::Result<Vec<RolloutFile>> {
        let mut files = Vec::new();
        scan_dir(
            &self.sessions_dir(),
            SESSIONS_TREE_DEPTH_MAX,
            false,
            &mut files,
        )?;
        scan_dir(&self.archived_sessions_dir(), 0, true, &mut files)?;
        Ok(files)
    }

    /// Finds a thread's rollout by walking the folders (the slow path when the index has no
    /// row for it). Prefers a live rollout over an archived copy.
    ///
    /// # Errors
    /// IO errors from the walk.
    pub fn find_rollout(&self, thread_id: Uuid) -> io::Result<Option<RolloutFile>> {
        let mut found: Vec<RolloutFile> = self
            .scan_rollouts()?
            .into_iter()
            .filter(|file| file.name.thread_id == thread_id)
            .collect();
        found.sort_by_key(|file| file.archived);
        Ok(found.into_iter().next())
    }
}

/// `rollout-YYYY-MM-DDThh-mm-ss-<id>.jsonl` for a thread created at `created` (local time).
pub fn rollout_file_name(thread_id: Uuid, created: DateTime<Local>) -> String {
    format!(
        "{FILE_PREFIX}{}-{thread_id}{FILE_SUFFIX}",
        created.format(NAME_TIME_FORMAT)
    )
}

/// Parses a rollout file name (not a path); `None` when it is not one.
pub fn parse_rollout_file_name(file_name: &str) -> Option<RolloutFileName> {
    let rest = file_name
        .strip_prefix(FILE_PREFIX)?
        .strip_suffix(FILE_SUFFIX)?;
    let time = rest.get(..NAME_TIME_LEN)?;
    let id = rest.get(NAME_TIME_LEN..)?.strip_prefix('-')?;
    let created_local = NaiveDateTime::parse_from_str(time, NAME_TIME_FORMAT).ok()?;
    let thread_id = Uuid::try_parse(id).ok()?;
    Some(RolloutFileName {
        thread_id,
        created_local,
    })
}

/// Moves a rollout (archive / unarchive): makes the target folder, renames, and fsyncs both
/// folders so the move survives a power loss once this returns.
///
/// # Errors
/// IO errors; the target must not exist (an existing file is reported, never replaced).
pub fn move_rollout(from: &Path, to: &Path) -> io::Result<()> {
    if to.exists() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{} already exists", to.display()),
        ));
    }
    let to_dir = to
        .parent()
        .ok_or_else(|| io::Error::other("target has no folder"))?;
    fs::create_dir_all(to_dir)?;
    fs::rename(from, to)?;
    sync_dir(to_dir)?;
    if let Some(from_dir) = from.parent() {
        sync_dir(from_dir)?;
    }
    Ok(())
}

/// Makes a folder's entries durable (fsync of the folder itself).
#[cfg(unix)]
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Folder handles cannot be fsynced portably; NTFS journals its metadata.
#[cfg(not(unix))]
pub(crate) fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

fn scan_dir(
    dir: &Path,
    depth_left: usize,
    archived: bool,
    out: &mut Vec<RolloutFile>,
) -> io::Result<()> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(error) => return Err(error),
    };
    for entry in entries {
        let entry = entry?;
        let file_type = entry.file_type()?;
        if file_type.is_dir() {
            if depth_left > 0 {
                scan_dir(&entry.path(), depth_left - 1, archived, out)?;
            }
            continue;
        }
        if let Some(file) = rollout_file(&entry, archived)? {
            out.push(file);
        }
    }
    Ok(())
}

fn rollout_file(entry: &fs::DirEntry, archived: bool) -> io::Result<Option<RolloutFile>> {
    let file_name = entry.file_name();
    let Some(name) = file_name.to_str().and_then(parse_rollout_file_name) else {
        tracing::debug!(path = %entry.path().display(), "not a rollout file name; skipped");
        return Ok(None);
    };
    let metadata = match entry.metadata() {
        Ok(metadata) => metadata,
        // Moved or deleted between the listing and the stat: not there any more.
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error),
    };
    Ok(Some(RolloutFile {
        path: entry.path(),
        name,
        archived,
        size: metadata.len(),
        modified_ms: modified_ms(&metadata),
    }))
}

/// A file's modification time in Unix milliseconds (0 when unavailable).
pub(crate) fn modified_ms(metadata: &fs::Metadata) -> i64 {
    metadata
        .modified()
        .ok()
        .and_then(|time| time.duration_since(UNIX_EPOCH).ok())
        .and_then(|since| i64::try_from(since.as_millis()).ok())
        .unwrap_or(0)
}
