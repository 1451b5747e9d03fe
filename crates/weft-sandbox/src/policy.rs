//! The sandbox policy as the core hands it over: what the command may write and whether it may
//! use the network. Kept free of `weft-protocol` so this crate depends on no other weft crate; the
//! core translates the wire's `sandbox` setting (and computes the writable roots) before calling
//! [`crate::prepare`].

use std::path::PathBuf;

/// What a sandboxed command may do to the file system. Reading is allowed everywhere in every
/// variant; the variants differ only in where writing is allowed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileSystemPolicy {
    /// No file-system restriction at all (`danger-full-access`).
    FullAccess,
    /// Write nothing (the few device files listed in the crate docs excepted, e.g. `/dev/null`).
    ReadOnly,
    /// Write beneath each of `writable_roots` (absolute paths), except the protected subpaths
    /// (`.git`, `.agents`, `.codex`, `.aws` and a resolved `gitdir:`), which stay read-only.
    /// The caller computes the roots (cwd, configured roots, `/tmp`, `$TMPDIR`); roots that do
    /// not exist are skipped.
    WorkspaceWrite {
        /// Absolute paths the command may write beneath.
        writable_roots: Vec<PathBuf>,
    },
}

/// The complete policy for one command: file system plus network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SandboxPolicy {
    /// Where the command may write.
    pub file_system: FileSystemPolicy,
    /// Whether the command may create network (non-`AF_UNIX`) sockets.
    pub network_allowed: bool,
}

impl SandboxPolicy {
    /// `danger-full-access`: no sandbox at all; [`crate::prepare`] returns `None` for it.
    #[must_use]
    pub fn danger_full_access() -> Self {
        Self {
            file_system: FileSystemPolicy::FullAccess,
            network_allowed: true,
        }
    }

    /// `read-only`: read everything, write nothing, no network.
    #[must_use]
    pub fn read_only() -> Self {
        Self {
            file_system: FileSystemPolicy::ReadOnly,
            network_allowed: false,
        }
    }

    /// `workspace-write`: read everything, write beneath `writable_roots` (minus protected
    /// subpaths), network as given.
    #[must_use]
    pub fn workspace_write(writable_roots: Vec<PathBuf>, network_allowed: bool) -> Self {
        Self {
            file_system: FileSystemPolicy::WorkspaceWrite { writable_roots },
            network_allowed,
        }
    }

    /// Whether this policy restricts anything; `false` means the command runs unsandboxed.
    #[must_use]
    pub fn is_restricted(&self) -> bool {
        self.file_system != FileSystemPolicy::FullAccess || !self.network_allowed
    }
}
