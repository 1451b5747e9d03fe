//! The append side of a rollout: one writer per file, one `write_all` per line.
//!
//! Durability contract (DESIGN.md): [`RolloutWriter::append`] returns once the line is in the
//! kernel (write + flush, no fsync), which is what the caller waits for before it emits the
//! item's completion; [`RolloutWriter::sync`] makes everything durable and is called at turn end.
//! Reopening a file written by a process that died mid-line first terminates the fragment with
//! `\n`, so it becomes one skipped line instead of corrupting the next record (as the reference
//! does, core.md §5.2).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::layout::sync_dir;
use crate::limits::{LINE_BYTES_MAX, TAIL_CHUNK_BYTES, TAIL_LINES_TRIED_MAX};
use crate::line::{RolloutLine, format_timestamp, kind};
use crate::scan::{CappedLines, RawLine, read_tail};

/// Why a rollout could not be created, reopened, appended to or synced.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// A filesystem call failed; `action` says which ("create", "open", "write", ...).
    #[error("failed to {action} rollout {}: {source}", path.display())]
    Io {
        /// What was being done, as a verb.
        action: &'static str,
        /// The rollout file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// `create` found a file already there; rollouts are never overwritten.
    #[error("rollout {} already exists", path.display())]
    AlreadyExists {
        /// The rollout file.
        path: PathBuf,
    },
    /// `open_append` found an empty file (no `session_meta` to continue from).
    #[error("empty session file: {}", path.display())]
    EmptyFile {
        /// The rollout file.
        path: PathBuf,
    },
    /// `open_append` found no parseable line at all.
    #[error("rollout {} has no valid line", path.display())]
    NoValidLine {
        /// The rollout file.
        path: PathBuf,
    },
    /// The line could not be encoded as JSON.
    #[error("failed to encode rollout line: {0}")]
    Encode(#[from] serde_json::Error),
}

/// Appends lines to one rollout file.
///
/// Owned by the thread's single writer (weft-core runs it on a blocking task); not shared.
/// Each append is one `write_all` of the complete line, so a concurrent reader sees whole lines
/// or a torn last line, never interleaving.
#[derive(Debug)]
pub struct RolloutWriter {
    file: File,
    path: PathBuf,
    /// Next line's ordinal in a paginated file; `None` in a legacy file (no ordinals).
    next_ordinal: Option<u64>,
    /// The file does not end in `\n` (a torn line, or a failed write): write one first.
    needs_newline: bool,
    /// Directories whose entries changed at `create` and still need an fsync.
    dirs_to_sync: Vec<PathBuf>,
    len: u64,
}

impl RolloutWriter {
    /// Creates the file (and its folders) and writes line 0, the `session_meta` payload, now.
    ///
    /// The caller calls this at the first turn, never at `thread/start` (deferred
    /// materialisation, core.md §5.4). Ordinals are written when the payload's
    /// `history_mode` is `"paginated"`.
    ///
    /// # Errors
    /// [`WriteError::AlreadyExists`] if the file exists; IO errors otherwise.
    pub fn create(path: &Path, session_meta: Value) -> Result<RolloutWriter, WriteError> {
        Self::create_at(path, session_meta, Utc::now())
    }

    /// [`RolloutWriter::create`] with an explicit timestamp for line 0 (tests, imports).
    ///
    /// # Errors
    /// As [`RolloutWriter::create`].
    pub fn create_at(
        path: &Path,
        session_meta: Value,
        at: DateTime<Utc>,
    ) -> Result<RolloutWriter, WriteError> {
        let paginated =
            session_meta.get("history_mode").and_then(Value::as_str) == Some("paginated");
        let dirs_to_sync = create_parent_dirs(path)?;
        let file = OpenOptions::new()
            .append(true)
            .create_new(true)
            .open(path)
            .map_err(|source| {
                if source.kind() == io::ErrorKind::AlreadyExists {
                    WriteError::AlreadyExists {
                        path: path.to_path_buf(),
                    }
                } else {
                    io_error("create", path, source)
                }
            })?;
        let mut writer = RolloutWriter {
            file,
            path: path.to_path_buf(),
            next_ordinal: paginated.then_some(0),
            needs_newline: false,
            dirs_to_sync,
            len: 0,
        };
        if let Err(error) = writer.append_at(at, kind::SESSION_META, session_meta) {
            // A file without its session_meta cannot be reopened; leave nothing behind.
            if let Err(remove_error) = fs::remove_file(path) {
                tracing::warn!(path = %path.display(), %remove_error, "could not remove torn rollout");
            }
            return Err(error);
        }
        Ok(writer)
    }

    /// Reopens an existing rollout for appending (thread resume).
    ///
    /// Finds the last valid line by scanning from the end (falling back to a full scan only
    /// when many trailing lines are broken); the next ordinal is its ordinal + 1, and the file
    /// is treated as paginated exactly when that line has an ordinal. A torn last line is kept
    /// and terminated by the next append.
    ///
    /// # Errors
    /// [`WriteError::EmptyFile`], [`WriteError::NoValidLine`], or IO errors.
    pub fn open_append(path: &Path) -> Result<RolloutWriter, WriteError> {
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .open(path)
            .map_err(|source| io_error("open", path, source))?;
        let len = file
            .metadata()
            .map_err(|source| io_error("stat", path, source))?
            .len();
        if len == 0 {
            return Err(WriteError::EmptyFile {
                path: path.to_path_buf(),
            });
        }
        let window_max = LINE_BYTES_MAX as u64 + TAIL_CHUNK_BYTES as u64;
        let tail = read_tail(
            &mut file,
            len,
            TAIL_LINES_TRIED_MAX,
            window_max,
            TAIL_CHUNK_BYTES,
        )
        .map_err(|source| io_error("read", path, source))?;
        let from_tail = tail
            .lines
            .iter()
            .rev()
            .find_map(|line| RolloutLine::parse(line));
        let last_valid = match from_tail {
            Some(line) => Some(line),
            None if tail.reached_start => None,
            None => last_valid_line_forward(path)?,
        };
        let Some(last_valid) = last_valid else {
            return Err(WriteError::NoValidLine {
                path: path.to_path_buf(),
            });
        };
        Ok(RolloutWriter {
            file,
            path: path.to_path_buf(),
            next_ordinal: last_valid.ordinal.map(|ordinal| ordinal + 1),
            needs_newline: !tail.ends_with_newline,
            dirs_to_sync: Vec::new(),
            len,
        })
    }

    /// Appends one line stamped now; returns its ordinal (`None` in a legacy file).
    ///
    /// Returns after `write_all` + `flush`: the line survives a crash of this process but not
    /// yet a power loss (see [`RolloutWriter::sync`]). On error nothing is counted and the next
    /// append starts on a fresh line, so a partial write becomes one skipped line.
    ///
    /// # Errors
    /// IO or encoding errors.
    pub fn append(&mut self, kind: &str, payload: Value) -> Result<Option<u64>, WriteError> {
        self.append_at(Utc::now(), kind, payload)
    }

    /// [`RolloutWriter::append`] with an explicit timestamp (tests, imports, forks).
    ///
    /// # Errors
    /// As [`RolloutWriter::append`].
    pub fn append_at(
        &mut self,
        at: DateTime<Utc>,
        kind: &str,
        payload: Value,
    ) -> Result<Option<u64>, WriteError> {
        let line = RolloutLine {
            timestamp: format_timestamp(at),
            ordinal: self.next_ordinal,
            kind: kind.to_owned(),
            payload,
            metadata: None,
        };
        let mut bytes = Vec::new();
        if self.needs_newline {
            bytes.push(b'\n');
        }
        bytes.extend_from_slice(&line.to_jsonl()?);
        if let Err(source) = self.file.write_all(&bytes).and_then(|()| self.file.flush()) {
            // Part of the line may be on disk; terminate it before the next line.
            self.needs_newline = true;
            return Err(io_error("write", &self.path, source));
        }
        self.needs_newline = false;
        self.len += bytes.len() as u64;
        self.next_ordinal = self.next_ordinal.map(|ordinal| ordinal + 1);
        Ok(line.ordinal)
    }

    /// Makes every appended line durable (fsync), plus the folder entries made by `create`.
    ///
    /// Called at turn end and before acknowledging archive or rename (DESIGN.md).
    ///
    /// # Errors
    /// IO errors from fsync.
    pub fn sync(&mut self) -> Result<(), WriteError> {
        self.file
            .sync_data()
            .map_err(|source| io_error("sync", &self.path, source))?;
        while let Some(dir) = self.dirs_to_sync.pop() {
            if let Err(source) = sync_dir(&dir) {
                self.dirs_to_sync.push(dir);
                return Err(io_error("sync folder of", &self.path, source));
            }
        }
        Ok(())
    }

    /// The rollout file this writer appends to.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Ordinal the next line will get; `None` for a legacy (ordinal-less) file.
    pub fn next_ordinal(&self) -> Option<u64> {
        self.next_ordinal
    }

    /// Whether lines carry ordinals (`history_mode: "paginated"`).
    pub fn is_paginated(&self) -> bool {
        self.next_ordinal.is_some()
    }

    /// Bytes in the file after the last successful append, as this writer knows it.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the file is empty (never true after `create` or `open_append`).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

fn io_error(action: &'static str, path: &Path, source: io::Error) -> WriteError {
    WriteError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// Creates the missing ancestors of `path`; returns the folders whose entries changed (the
/// file's parent, and the parent of each new folder) so `sync` can make them durable.
fn create_parent_dirs(path: &Path) -> Result<Vec<PathBuf>, WriteError> {
    let Some(parent) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    else {
        return Ok(Vec::new());
    };
    let mut dirs = vec![parent.to_path_buf()];
    let mut missing = parent;
    while !missing.exists() {
        match missing.parent().filter(|up| !up.as_os_str().is_empty()) {
            Some(up) => {
                dirs.push(up.to_path_buf());
                missing = up;
            }
            None => break,
        }
    }
    fs::create_dir_all(parent).map_err(|source| io_error("create folders for", path, source))?;
    Ok(dirs)
}

/// Full forward scan for the last parseable line (the rare case of many broken tail lines).
fn last_valid_line_forward(path: &Path) -> Result<Option<RolloutLine>, WriteError> {
    let file = File::open(path).map_err(|source| io_error("open", path, source))?;
    let mut lines = CappedLines::new(io::BufReader::new(file), LINE_BYTES_MAX);
    let mut last = None;
    while let Some(raw) = lines
        .next_line()
        .map_err(|source| io_error("read", path, source))?
    {
        if let RawLine::Bytes(bytes) = raw
            && let Some(line) = RolloutLine::parse(&bytes)
        {
            last = Some(line);
        }
    }
    Ok(last)
}
