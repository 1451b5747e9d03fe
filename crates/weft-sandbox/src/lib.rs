//! weft-sandbox: the kernel-enforced sandbox (Landlock + seccomp) applied in a command's child
//! process between fork and exec. It needs no user namespaces, no helper binary and no root:
//! the policy is turned into a Landlock ruleset and a seccomp program in the parent
//! ([`prepare`]), and the child only applies them ([`install`]). A command on a
//! pseudo-terminal also gets its session set up in the same hook ([`install_child`] with
//! [`Session::ControllingTerminal`]), and [`set_window_size`] resizes such a terminal. This is
//! the one crate allowed `unsafe`: exactly one `pre_exec` call, and the two terminal `ioctl`s
//! (`TIOCSCTTY` in the child, `TIOCSWINSZ` in the parent) that nix does not wrap safely.
//!
#![doc = include_str!("../docs/sandbox.md")]

mod child;
mod denial;
mod error;
pub mod limits;
mod network;
mod plan;
mod policy;
mod protected;
mod ruleset;
mod support;
mod terminal;

pub use crate::child::{
    NETWORK_DISABLED_ENV, Prepared, install, install_child, install_child_std, install_std,
};
pub use crate::denial::{SIGSYS_EXIT_CODE, is_likely_sandbox_denial};
pub use crate::error::SandboxError;
pub use crate::policy::{FileSystemPolicy, SandboxPolicy};
pub use crate::support::{Support, support};
pub use crate::terminal::{Session, set_window_size};

/// Builds everything the sandbox for `policy` needs before fork: the Landlock ruleset (with one
/// kernel rule per writable path, protected subpaths withheld) and the seccomp program.
///
/// Returns `Ok(None)` when the policy restricts nothing (`danger-full-access`): run the command
/// as is. Fails, rather than degrading, whenever the kernel cannot enforce the policy: no or too
/// old Landlock, or any rule the kernel refuses. Does blocking file-system work (opening each
/// writable root, listing the directories on the way to protected entries); call it from
/// `spawn_blocking` in async code.
pub fn prepare(policy: &SandboxPolicy) -> Result<Option<Prepared>, SandboxError> {
    if !policy.is_restricted() {
        return Ok(None);
    }
    let filter = network::build_filter(policy.network_allowed)?;
    let (ruleset, writable, protected) = match &policy.file_system {
        FileSystemPolicy::FullAccess => (None, Vec::new(), Vec::new()),
        file_system => {
            let probed = support::probe().map_err(|reason| SandboxError::Unavailable { reason })?;
            let built = ruleset::build(probed, file_system, policy.network_allowed)?;
            (Some(built.ruleset), built.writable, built.protected)
        }
    };
    tracing::debug!(
        write_rules = writable.len(),
        protected = protected.len(),
        network_allowed = policy.network_allowed,
        "sandbox prepared"
    );
    Ok(Some(Prepared {
        ruleset,
        filter,
        network_allowed: policy.network_allowed,
        writable,
        protected,
    }))
}
