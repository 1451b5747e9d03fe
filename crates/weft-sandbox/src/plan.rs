//! Turning writable roots into write grants: one open file descriptor per Landlock rule.
//!
//! Landlock only allows, and a rule on a directory covers everything beneath it, so a root that
//! contains a protected entry cannot get a rule of its own. Such a root is *expanded*: each of
//! its entries gets a rule instead, except the protected ones, and entries that are ancestors of
//! a protected path are expanded in turn. Everything is opened relative to the already opened
//! parent with `O_NOFOLLOW`, so a symlink swapped in between listing and opening is never
//! followed; symlinks never get rules (writing through one resolves to its target, which must
//! be writable on its own). Failing to open an entry only withholds its rule: the safe side.

use std::ffi::{CStr, CString, OsStr};
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use nix::dir::Dir;
use nix::errno::Errno;
use nix::fcntl::{OFlag, open, openat};
use nix::sys::stat::{Mode, SFlag, fstat};

use crate::error::SandboxError;
use crate::limits::{LANDLOCK_RULES_MAX, PROTECTED_DEPTH_MAX};
use crate::protected::protected_paths;

/// What a grant's descriptor refers to; decides which access rights the rule may carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum GrantKind {
    /// A directory: the rule covers the whole hierarchy beneath it.
    Dir,
    /// Anything else (regular file, FIFO, socket): the rule covers that one file.
    File,
}

/// One write rule to be: where, what, and the `O_PATH` descriptor Landlock takes.
#[derive(Debug)]
pub(crate) struct Grant {
    pub(crate) path: PathBuf,
    pub(crate) kind: GrantKind,
    pub(crate) fd: OwnedFd,
}

/// The write grants for a set of roots plus the protected paths that were withheld.
#[derive(Debug, Default)]
pub(crate) struct WritePlan {
    pub(crate) grants: Vec<Grant>,
    /// Protected entries found inside writable roots (withheld from every rule).
    pub(crate) protected: Vec<PathBuf>,
}

/// Plans the write rules for `roots` (absolute paths; missing ones are skipped).
pub(crate) fn plan_writable_roots(roots: &[PathBuf]) -> Result<WritePlan, SandboxError> {
    let roots = canonical_roots(roots)?;
    // Protected entries of nested roots count too, so look before collapsing them.
    let protected = protected_paths(&roots);
    let mut plan = WritePlan::default();
    for root in &outermost(roots) {
        if protected.iter().any(|path| root.starts_with(path)) {
            plan.protected.push(root.clone());
            continue;
        }
        let inside: Vec<PathBuf> = protected
            .iter()
            .filter_map(|path| path.strip_prefix(root).ok())
            .filter(|relative| !relative.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .collect();
        if inside.is_empty() {
            grant_root(root, &mut plan)?;
        } else {
            let dir = Dir::open(root.as_path(), directory_flags(), Mode::empty())
                .map_err(|errno| path_error(root, errno))?;
            let mut walk = Walk {
                plan: &mut plan,
                protected: &inside,
            };
            walk.expand(dir, root, Path::new(""), 0)?;
        }
    }
    Ok(plan)
}

/// Absolute, canonical, existing roots, sorted.
fn canonical_roots(roots: &[PathBuf]) -> Result<Vec<PathBuf>, SandboxError> {
    let mut canonical = Vec::new();
    for root in roots {
        if !root.is_absolute() {
            return Err(SandboxError::RelativeRoot { path: root.clone() });
        }
        match std::fs::canonicalize(root) {
            Ok(path) => canonical.push(path),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                tracing::debug!(root = %root.display(), "writable root does not exist; skipped");
            }
            Err(source) => {
                return Err(SandboxError::Path {
                    path: root.clone(),
                    source,
                });
            }
        }
    }
    canonical.sort();
    Ok(canonical)
}

/// The sorted roots without those nested in another root: the outer root's rule or expansion
/// already covers them (the protected set is global, so it is the same for both).
fn outermost(sorted_roots: Vec<PathBuf>) -> Vec<PathBuf> {
    let mut kept: Vec<PathBuf> = Vec::new();
    for root in sorted_roots {
        if !kept.iter().any(|outer| root.starts_with(outer)) {
            kept.push(root);
        }
    }
    kept
}

/// A rule for a whole root (no protected path inside it).
fn grant_root(root: &Path, plan: &mut WritePlan) -> Result<(), SandboxError> {
    let fd = open(root, path_flags(), Mode::empty()).map_err(|errno| path_error(root, errno))?;
    match kind_of(&fd) {
        Some(kind) => push_grant(
            plan,
            Grant {
                path: root.to_path_buf(),
                kind,
                fd,
            },
            root,
        ),
        None => Ok(()),
    }
}

/// State of one root's expansion.
struct Walk<'a> {
    plan: &'a mut WritePlan,
    /// Protected paths relative to the root being expanded (none empty).
    protected: &'a [PathBuf],
}

impl Walk<'_> {
    /// Grants every entry of `dir` except protected ones; expands ancestors of protected paths.
    fn expand(
        &mut self,
        mut dir: Dir,
        path: &Path,
        relative: &Path,
        depth: usize,
    ) -> Result<(), SandboxError> {
        for name in entry_names(&mut dir, path)? {
            let entry_relative = relative.join(OsStr::from_bytes(name.to_bytes()));
            let entry_path = path.join(OsStr::from_bytes(name.to_bytes()));
            if self.protected.contains(&entry_relative) {
                self.plan.protected.push(entry_path);
            } else if self
                .protected
                .iter()
                .any(|protected| protected.starts_with(&entry_relative))
            {
                if depth + 1 >= PROTECTED_DEPTH_MAX {
                    return Err(SandboxError::ProtectedTooDeep { path: entry_path });
                }
                // Not a real directory (a symlink swapped in, say): withheld entirely.
                if let Ok(child) =
                    Dir::openat(&dir, name.as_c_str(), directory_flags(), Mode::empty())
                {
                    self.expand(child, &entry_path, &entry_relative, depth + 1)?;
                }
            } else {
                self.grant_entry(&dir, &name, entry_path)?;
            }
        }
        Ok(())
    }

    /// A rule for one entry that holds no protected path; symlinks and vanished entries get none.
    fn grant_entry(&mut self, dir: &Dir, name: &CStr, path: PathBuf) -> Result<(), SandboxError> {
        let Ok(fd) = openat(dir, name, path_flags(), Mode::empty()) else {
            tracing::debug!(path = %path.display(), "cannot open entry; no write rule");
            return Ok(());
        };
        match kind_of(&fd) {
            Some(kind) => {
                let at = path.clone();
                push_grant(self.plan, Grant { path, kind, fd }, &at)
            }
            None => Ok(()),
        }
    }
}

/// The names in `dir`, without `.` and `..`, collected before any of them is opened (the
/// iterator borrows the directory's descriptor). Bounded by [`LANDLOCK_RULES_MAX`].
fn entry_names(dir: &mut Dir, path: &Path) -> Result<Vec<CString>, SandboxError> {
    let mut names = Vec::new();
    for entry in dir.iter() {
        let entry = entry.map_err(|errno| path_error(path, errno))?;
        let name = entry.file_name();
        if name == c"." || name == c".." {
            continue;
        }
        if names.len() >= LANDLOCK_RULES_MAX {
            return Err(SandboxError::TooManyRules {
                max: LANDLOCK_RULES_MAX,
                path: path.to_path_buf(),
            });
        }
        names.push(name.to_owned());
    }
    Ok(names)
}

/// Adds a grant unless that would exceed [`LANDLOCK_RULES_MAX`].
fn push_grant(plan: &mut WritePlan, grant: Grant, at: &Path) -> Result<(), SandboxError> {
    if plan.grants.len() >= LANDLOCK_RULES_MAX {
        return Err(SandboxError::TooManyRules {
            max: LANDLOCK_RULES_MAX,
            path: at.to_path_buf(),
        });
    }
    plan.grants.push(grant);
    Ok(())
}

/// The kind of the opened object; `None` for a symlink (opened itself thanks to `O_NOFOLLOW`)
/// or when `fstat` fails.
pub(crate) fn kind_of(fd: &OwnedFd) -> Option<GrantKind> {
    let stat = fstat(fd).ok()?;
    let format = SFlag::from_bits_truncate(stat.st_mode & SFlag::S_IFMT.bits());
    if format == SFlag::S_IFLNK {
        None
    } else if format == SFlag::S_IFDIR {
        Some(GrantKind::Dir)
    } else {
        Some(GrantKind::File)
    }
}

/// `O_PATH` without following a final symlink: names an object without opening it (no side
/// effects on FIFOs or devices), which is all Landlock needs.
fn path_flags() -> OFlag {
    OFlag::O_PATH | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC
}

/// A directory opened for listing, never through a final symlink.
fn directory_flags() -> OFlag {
    OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC
}

/// A [`SandboxError::Path`] for `path`.
fn path_error(path: &Path, errno: Errno) -> SandboxError {
    SandboxError::Path {
        path: path.to_path_buf(),
        source: errno.into(),
    }
}

#[cfg(test)]
mod tests;
