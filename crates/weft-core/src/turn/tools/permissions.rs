//! What a turn may write, from its sandbox setting (core.md §4.1): the writable roots commands
//! and patches share, the protected subpaths inside them, and the kernel sandbox policy for a
//! command. One computation, so a patch applied in-process obeys the same roots as a command.

use std::path::{Path, PathBuf};

use weft_exec::SpawnHook;
use weft_protocol::v2::SandboxPolicy;

/// Subpaths of a writable root that stay read-only (the reference protects these; weft-sandbox
/// withholds the same names from its Landlock rules).
pub(crate) const PROTECTED_NAMES: [&str; 4] = [".git", ".agents", ".codex", ".aws"];

/// Where a turn may write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum WriteAccess {
    /// Anywhere (`danger-full-access`, or a sandbox the environment provides).
    Everywhere,
    /// Beneath these absolute roots, minus their protected subpaths (empty: read-only).
    Roots(Vec<PathBuf>),
}

impl WriteAccess {
    /// The access a sandbox setting gives for a turn in `cwd`.
    pub(crate) fn from_policy(policy: &SandboxPolicy, cwd: &Path) -> Self {
        match policy {
            SandboxPolicy::DangerFullAccess | SandboxPolicy::ExternalSandbox { .. } => {
                Self::Everywhere
            }
            SandboxPolicy::ReadOnly { .. } => Self::Roots(Vec::new()),
            SandboxPolicy::WorkspaceWrite {
                writable_roots,
                exclude_tmpdir_env_var,
                exclude_slash_tmp,
                ..
            } => {
                let mut roots = vec![cwd.to_path_buf()];
                roots.extend(writable_roots.iter().map(|root| cwd.join(root)));
                if !exclude_slash_tmp {
                    roots.push(PathBuf::from("/tmp"));
                }
                if !exclude_tmpdir_env_var
                    && let Some(tmpdir) = std::env::var_os("TMPDIR").filter(|dir| !dir.is_empty())
                {
                    roots.push(PathBuf::from(tmpdir));
                }
                roots.dedup();
                Self::Roots(roots)
            }
        }
    }

    /// Whether `path` (absolute, normalised) may be written: beneath a root, and beneath no
    /// root's protected subpath (with nested roots — a project under a `/tmp` root — the outer
    /// root must not re-open the inner root's `.git`).
    pub(crate) fn allows(&self, path: &Path) -> bool {
        let Self::Roots(roots) = self else {
            return true;
        };
        let path = canonical_parent_or_same(path);
        let roots: Vec<PathBuf> = roots.iter().map(|root| canonical_or_same(root)).collect();
        let inside = roots.iter().any(|root| path.starts_with(root));
        let protected = roots.iter().any(|root| {
            PROTECTED_NAMES
                .iter()
                .any(|name| path.starts_with(root.join(name)))
        }) || path.ancestors().any(|ancestor| {
            // A protected entry of a directory between a root and the path (a nested project).
            ancestor
                .file_name()
                .is_some_and(|name| PROTECTED_NAMES.iter().any(|p| name == *p))
                && roots.iter().any(|root| ancestor.starts_with(root))
        });
        inside && !protected
    }

    /// The kernel sandbox policy for a command.
    pub(crate) fn sandbox_policy(&self, network_allowed: bool) -> weft_sandbox::SandboxPolicy {
        match self {
            Self::Everywhere => weft_sandbox::SandboxPolicy::danger_full_access(),
            Self::Roots(roots) if roots.is_empty() => {
                let mut policy = weft_sandbox::SandboxPolicy::read_only();
                policy.network_allowed = network_allowed;
                policy
            }
            Self::Roots(roots) => {
                weft_sandbox::SandboxPolicy::workspace_write(roots.clone(), network_allowed)
            }
        }
    }
}

/// Whether a sandbox setting lets commands use the network.
pub(crate) fn network_allowed(policy: &SandboxPolicy) -> bool {
    match policy {
        SandboxPolicy::DangerFullAccess => true,
        SandboxPolicy::ReadOnly { network_access }
        | SandboxPolicy::WorkspaceWrite { network_access, .. } => *network_access,
        SandboxPolicy::ExternalSandbox { network_access } => {
            network_access.as_deref() == Some("enabled")
        }
    }
}

/// Symlinks resolved where the path exists (`/tmp` may be a link), unchanged otherwise.
fn canonical_or_same(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

/// For a file that may not exist yet: its nearest existing ancestor resolved, the rest kept, so
/// a symlinked directory inside a root cannot smuggle a write outside it.
fn canonical_parent_or_same(path: &Path) -> PathBuf {
    let mut existing = path;
    let mut rest = Vec::new();
    loop {
        if let Ok(resolved) = existing.canonicalize() {
            let mut full = resolved;
            for part in rest.iter().rev() {
                full.push(part);
            }
            return full;
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_owned());
                existing = parent;
            }
            _ => return path.to_path_buf(),
        }
    }
}

/// The sandbox for `policy` prepared for a command in `cwd` (`None`: it restricts nothing), or
/// the refusal text when the kernel cannot enforce it: weft never runs a command less sandboxed
/// than asked.
async fn prepare_sandbox(
    policy: &SandboxPolicy,
    cwd: &Path,
) -> Result<Option<weft_sandbox::Prepared>, String> {
    let network = network_allowed(policy);
    let policy = WriteAccess::from_policy(policy, cwd).sandbox_policy(network);
    match tokio::task::spawn_blocking(move || weft_sandbox::prepare(&policy)).await {
        Ok(Ok(prepared)) => Ok(prepared),
        Ok(Err(err)) => Err(format!("{}: {err}", super::approval::SANDBOX_UNAVAILABLE)),
        Err(err) => Err(format!("{}: {err}", super::approval::SANDBOX_UNAVAILABLE)),
    }
}

/// The `pre_exec` sandbox for `policy` (writable roots relative to `cwd`), or `None` when it
/// restricts nothing. Fails when the kernel cannot enforce it.
pub(crate) async fn sandbox_hook(
    policy: &SandboxPolicy,
    cwd: &Path,
) -> Result<Option<SpawnHook>, String> {
    Ok(prepare_sandbox(policy, cwd).await?.map(|prepared| {
        let hook: SpawnHook = Box::new(move |command| {
            weft_sandbox::install(command, prepared);
            Ok(())
        });
        hook
    }))
}

/// The hook for a command on a pseudo-terminal (`exec_command` with `tty`, `command/exec` with
/// `tty`): the child starts a session with the terminal as controlling terminal, then the
/// sandbox `policy` names when `sandboxed`, in one `pre_exec`. A terminal never makes a command
/// less sandboxed.
pub(crate) async fn terminal_hook(
    policy: &SandboxPolicy,
    cwd: &Path,
    sandboxed: bool,
) -> Result<SpawnHook, String> {
    let prepared = if sandboxed {
        prepare_sandbox(policy, cwd).await?
    } else {
        None
    };
    Ok(Box::new(move |command| {
        weft_sandbox::install_child(
            command,
            weft_sandbox::Session::ControllingTerminal,
            prepared,
        );
        Ok(())
    }))
}
