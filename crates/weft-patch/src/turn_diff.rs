//! The turn's aggregated git-style diff (`turn/diff/updated`).
//!
//! A turn may patch the same file several times, move it, delete it and re-add it; clients
//! want one net diff per file against the state before the turn first touched it. So the
//! tracker snapshots each file's content the first time a patch of the turn is about to touch
//! it (the baseline, or "absent"), follows moves, and renders every tracked file's baseline
//! against what is on disk now, in the reference's format: `diff --git` headers, `new file` /
//! `deleted file` mode lines, git blob ids (`sha1("blob <len>\0" + content)`), three lines of
//! context, paths relative to the display root (the git repository around the cwd, else the
//! cwd). Files back at their baseline drop out.

use std::fmt::Write as _;
use std::fs;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use sha1::{Digest as _, Sha1};

use crate::limits::{DIFF_DEADLINE, TURN_DIFF_CONTEXT_LINES, TURN_DIFF_FILE_BYTES_MAX};
use crate::plan::{ChangeKind, PlannedChange, resolve_path};

/// Object id git uses for "no file".
const ZERO_OID: &str = "0000000000000000000000000000000000000000";
/// Mode written for added and deleted files (the reference always writes a regular file).
const REGULAR_FILE_MODE: &str = "100644";
const DEV_NULL: &str = "/dev/null";

/// The net change a turn made to the files its patches touched.
///
/// Owned by the turn; call [`TurnDiff::track`] with each patch's planned changes *before*
/// applying them, and [`TurnDiff::unified_git_diff`] after.
#[derive(Debug, Clone)]
pub struct TurnDiff {
    /// Paths are shown relative to this directory.
    display_root: PathBuf,
    /// One entry per file identity the turn touched, in first-touch order.
    files: Vec<TrackedFile>,
}

#[derive(Debug, Clone)]
struct TrackedFile {
    /// Where the file was when the turn first touched it.
    baseline_path: PathBuf,
    /// Its content then; `None` if it did not exist.
    baseline: Option<Snapshot>,
    /// Where the file is now; `None` once it was moved onto another tracked file's place.
    current_path: Option<PathBuf>,
}

/// File content as the diff sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Snapshot {
    /// Valid UTF-8 within [`TURN_DIFF_FILE_BYTES_MAX`].
    Text(String),
    /// Anything else, kept as its blob id only.
    Binary { oid: String },
}

impl TurnDiff {
    /// A tracker for a turn running in `cwd` (absolute). Paths in the diff are relative to the
    /// git repository containing `cwd` (the nearest ancestor with a `.git` entry), else to
    /// `cwd`; files outside that root are shown with their absolute path.
    #[must_use]
    pub fn new(cwd: &Path) -> Self {
        let cwd = resolve_path(cwd, Path::new(""));
        let display_root = git_root(&cwd).unwrap_or(cwd);
        Self {
            display_root,
            files: Vec::new(),
        }
    }

    /// The directory paths are displayed relative to.
    #[must_use]
    pub fn display_root(&self) -> &Path {
        &self.display_root
    }

    /// Records the baselines of the files `changes` will touch, reading them from disk. Call
    /// it before [`crate::apply`]: a file seen for the first time is snapshotted as it is now.
    pub fn track(&mut self, changes: &[PlannedChange]) {
        for change in changes {
            let source = self.ensure_tracked(&change.path);
            let ChangeKind::Update {
                move_path: Some(dest),
            } = &change.kind
            else {
                continue;
            };
            if dest == &change.path {
                continue;
            }
            let dest_known = self.find(dest).is_some() || dest.exists();
            if dest_known {
                // Moving onto an existing file: git sees the source deleted and the
                // destination modified, so track them as two files.
                self.ensure_tracked(dest);
                self.files[source].current_path = None;
            } else {
                self.files[source].current_path = Some(dest.clone());
            }
        }
    }

    /// The aggregated diff of every tracked file against its baseline, sorted by displayed
    /// path, or `None` when nothing differs.
    #[must_use]
    pub fn unified_git_diff(&self) -> Option<String> {
        let mut files: Vec<(String, &TrackedFile)> = self
            .files
            .iter()
            .map(|file| {
                let shown = file.current_path.as_ref().unwrap_or(&file.baseline_path);
                (self.display(shown), file)
            })
            .collect();
        files.sort_by(|left, right| left.0.cmp(&right.0));
        let mut out = String::new();
        for (_, file) in files {
            let current = file.current_path.as_deref().and_then(snapshot);
            if let Some(diff) = self.render(file, current.as_ref()) {
                out.push_str(&diff);
                if !out.ends_with('\n') {
                    out.push('\n');
                }
            }
        }
        (!out.is_empty()).then_some(out)
    }

    fn find(&self, path: &Path) -> Option<usize> {
        self.files
            .iter()
            .position(|file| file.current_path.as_deref() == Some(path))
    }

    fn ensure_tracked(&mut self, path: &Path) -> usize {
        if let Some(index) = self.find(path) {
            return index;
        }
        self.files.push(TrackedFile {
            baseline_path: path.to_path_buf(),
            baseline: snapshot(path),
            current_path: Some(path.to_path_buf()),
        });
        self.files.len() - 1
    }

    fn display(&self, path: &Path) -> String {
        let shown = path.strip_prefix(&self.display_root).unwrap_or(path);
        shown.display().to_string().replace('\\', "/")
    }

    fn render(&self, file: &TrackedFile, current: Option<&Snapshot>) -> Option<String> {
        let baseline = file.baseline.as_ref();
        if baseline == current {
            return None;
        }
        let left = self.display(&file.baseline_path);
        let right = self.display(file.current_path.as_ref().unwrap_or(&file.baseline_path));
        let mut out = format!("diff --git a/{left} b/{right}\n");
        match (baseline, current) {
            (None, Some(_)) => {
                let _ = writeln!(out, "new file mode {REGULAR_FILE_MODE}");
            }
            (Some(_), None) => {
                let _ = writeln!(out, "deleted file mode {REGULAR_FILE_MODE}");
            }
            _ => {}
        }
        let _ = writeln!(out, "index {}..{}", oid(baseline), oid(current));
        let old_header = baseline.map_or_else(|| DEV_NULL.to_owned(), |_| format!("a/{left}"));
        let new_header = current.map_or_else(|| DEV_NULL.to_owned(), |_| format!("b/{right}"));
        match (text_of(baseline), text_of(current)) {
            (Some(old), Some(new)) => {
                let diff = similar::TextDiff::configure()
                    .timeout(DIFF_DEADLINE)
                    .diff_lines(old, new)
                    .unified_diff()
                    .context_radius(TURN_DIFF_CONTEXT_LINES)
                    .header(&old_header, &new_header)
                    .to_string();
                out.push_str(&diff);
            }
            _ => {
                let _ = write!(
                    out,
                    "--- {old_header}\n+++ {new_header}\nBinary files differ\n"
                );
            }
        }
        Some(out)
    }
}

/// The text to diff for one side: absent files diff as empty text, binary ones not at all.
fn text_of(side: Option<&Snapshot>) -> Option<&str> {
    match side {
        None => Some(""),
        Some(Snapshot::Text(text)) => Some(text),
        Some(Snapshot::Binary { .. }) => None,
    }
}

fn oid(side: Option<&Snapshot>) -> String {
    match side {
        None => ZERO_OID.to_owned(),
        Some(Snapshot::Text(text)) => git_blob_oid(text.as_bytes()),
        Some(Snapshot::Binary { oid }) => oid.clone(),
    }
}

/// The file at `path` as the diff sees it; `None` if it is missing or not a regular file.
fn snapshot(path: &Path) -> Option<Snapshot> {
    let metadata = fs::metadata(path).ok()?;
    if !metadata.is_file() {
        return None;
    }
    let mut bytes = Vec::new();
    fs::File::open(path)
        .ok()?
        .take(TURN_DIFF_FILE_BYTES_MAX + 1)
        .read_to_end(&mut bytes)
        .ok()?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > TURN_DIFF_FILE_BYTES_MAX {
        // Too big to keep as text: keep only its blob id, so a change still shows.
        let oid = git_blob_oid_of_file(path).unwrap_or_else(|| git_blob_oid(&bytes));
        return Some(Snapshot::Binary { oid });
    }
    match String::from_utf8(bytes) {
        Ok(text) => Some(Snapshot::Text(text)),
        Err(error) => Some(Snapshot::Binary {
            oid: git_blob_oid(error.as_bytes()),
        }),
    }
}

/// Git's blob id of `data`: the hex SHA-1 of `blob <len>\0` followed by the bytes.
#[must_use]
pub fn git_blob_oid(data: &[u8]) -> String {
    let mut hasher = Sha1::new();
    hasher.update(format!("blob {}\0", data.len()).as_bytes());
    hasher.update(data);
    hex(&hasher.finalize())
}

/// The blob id of a file streamed from disk (for files too large to keep in memory).
fn git_blob_oid_of_file(path: &Path) -> Option<String> {
    let mut file = fs::File::open(path).ok()?;
    let len = file.metadata().ok()?.len();
    let mut hasher = Sha1::new();
    hasher.update(format!("blob {len}\0").as_bytes());
    std::io::copy(&mut file, &mut hasher).ok()?;
    Some(hex(&hasher.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, byte| {
            let _ = write!(out, "{byte:02x}");
            out
        })
}

/// The nearest ancestor of `dir` (itself included) that holds a `.git` directory or file.
fn git_root(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|ancestor| ancestor.join(".git").exists())
        .map(Path::to_path_buf)
}
