//! Finding the protected subpaths of the writable roots: `.git`, `.agents`, `.codex` and `.aws`
//! directly inside each root, plus where a `.git` *file* (`gitdir: …`, used by worktrees and
//! submodules) or a `.git` symlink really points, and that git directory's `commondir` (where a
//! worktree's hooks and config live). Missing entries are skipped, as in the reference.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::limits::GIT_POINTER_BYTES_MAX;

/// Entry names that stay read-only inside every writable root (core.md §4.1).
pub(crate) const PROTECTED_NAMES: [&str; 4] = [".git", ".agents", ".codex", ".aws"];

/// Every protected path for the given canonical roots, sorted and deduplicated. The entries
/// themselves are listed as found (not canonicalised, so a `.git` symlink is withheld as an
/// entry); the targets they resolve to are listed canonicalised.
pub(crate) fn protected_paths(roots: &[PathBuf]) -> Vec<PathBuf> {
    let mut protected = Vec::new();
    for root in roots {
        for name in PROTECTED_NAMES {
            let entry = root.join(name);
            let Ok(metadata) = entry.symlink_metadata() else {
                continue;
            };
            protected.push(entry.clone());
            if metadata.is_symlink() {
                protected.extend(std::fs::canonicalize(&entry).ok());
            }
            if name == ".git" && metadata.is_file() {
                protected.extend(resolve_git_file(root, &entry));
            }
        }
    }
    protected.sort();
    protected.dedup();
    protected
}

/// The git directory a `.git` file points to and, when that directory names one, its common
/// directory. Unreadable or malformed pointers yield nothing: the `.git` file itself is still
/// protected, and git refuses such a worktree anyway.
fn resolve_git_file(root: &Path, git_file: &Path) -> Vec<PathBuf> {
    let mut resolved = Vec::new();
    let Some(gitdir) = read_pointer(git_file, "gitdir:") else {
        return resolved;
    };
    let Ok(gitdir) = std::fs::canonicalize(root.join(gitdir)) else {
        return resolved;
    };
    if let Some(common) = read_pointer(&gitdir.join("commondir"), "") {
        resolved.extend(std::fs::canonicalize(gitdir.join(common)).ok());
    }
    resolved.push(gitdir);
    resolved
}

/// The first line of a small pointer file after `prefix`, trimmed; `None` when the file is
/// missing, too big, not UTF-8, or lacks the prefix.
fn read_pointer(path: &Path, prefix: &str) -> Option<PathBuf> {
    let file = File::open(path).ok()?;
    let mut text = String::new();
    file.take(GIT_POINTER_BYTES_MAX)
        .read_to_string(&mut text)
        .ok()?;
    let line = text.lines().next()?;
    let target = line.strip_prefix(prefix)?.trim();
    (!target.is_empty()).then(|| PathBuf::from(target))
}
