//! [`Prepared`]: everything built before fork, and [`install`] / [`install_child`], which hand
//! it (and the child's [`Session`] setup) to the command's one `pre_exec` hook. What that hook
//! runs in the forked child is limited to system calls that are async-signal-safe and allocate
//! nothing: `setsid` and `ioctl(TIOCSCTTY)` for a terminal session, then `dup` of the ruleset
//! descriptor, `prctl(PR_SET_NO_NEW_PRIVS)`, `landlock_restrict_self` and
//! `seccomp(SECCOMP_SET_MODE_FILTER)`.

use std::io;
use std::path::PathBuf;

use landlock::{RestrictSelfError, RulesetCreated, RulesetError, RulesetStatus};
use seccompiler::BpfProgram;

use crate::terminal::Session;

/// Environment variable set on commands that run with the network disabled, as the reference
/// does; scripts and test suites use it to skip network tests.
pub const NETWORK_DISABLED_ENV: &str = "CODEX_SANDBOX_NETWORK_DISABLED";

/// A sandbox ready to be applied to one command: the Landlock ruleset (a kernel object already
/// holding every rule) and the compiled seccomp program. Building it does all the file-system
/// work and every allocation, so the forked child only makes a few system calls.
#[derive(Debug)]
pub struct Prepared {
    /// `None` under `FullAccess` with the network off: seccomp only.
    pub(crate) ruleset: Option<RulesetCreated>,
    pub(crate) filter: BpfProgram,
    pub(crate) network_allowed: bool,
    pub(crate) writable: Vec<PathBuf>,
    pub(crate) protected: Vec<PathBuf>,
}

impl Prepared {
    /// Paths that received a write rule (device files, expanded root entries, whole roots), in
    /// the order the rules were added. For logs and tests; the kernel holds the truth.
    #[must_use]
    pub fn writable_paths(&self) -> &[PathBuf] {
        &self.writable
    }

    /// Protected paths found inside writable roots and withheld from every write rule.
    #[must_use]
    pub fn protected_paths(&self) -> &[PathBuf] {
        &self.protected
    }

    /// Whether the command may use the network.
    #[must_use]
    pub fn network_allowed(&self) -> bool {
        self.network_allowed
    }

    /// Restricts the calling (forked, single-threaded) process. Runs between fork and exec:
    /// allocation-free, and every error is a plain OS error code.
    fn restrict_child(&self) -> io::Result<()> {
        if let Some(ruleset) = &self.ruleset {
            // `try_clone` is one `fcntl(F_DUPFD_CLOEXEC)`: the parent's ruleset stays usable for
            // another spawn of the same command. `restrict_self` also sets no_new_privs.
            let status = ruleset
                .try_clone()?
                .restrict_self()
                .map_err(landlock_os_error)?;
            if status.ruleset != RulesetStatus::FullyEnforced {
                return Err(io::ErrorKind::PermissionDenied.into());
            }
        }
        seccompiler::apply_filter(&self.filter).map_err(|error| match error {
            seccompiler::Error::Prctl(source) | seccompiler::Error::Seccomp(source) => source,
            _ => io::ErrorKind::Other.into(),
        })
    }
}

/// Installs `prepared` on `command`: the `pre_exec` hook that restricts the child, and
/// [`NETWORK_DISABLED_ENV`]`=1` when the network is off. If the kernel refuses any step in the
/// child, `spawn()` fails with that OS error and the command never runs. The command may be
/// spawned more than once; each child is restricted the same way.
pub fn install(command: &mut tokio::process::Command, prepared: Prepared) {
    install_child_std(command.as_std_mut(), Session::Inherit, Some(prepared));
}

/// [`install`] for a `std::process::Command` (for callers that spawn through a PTY library).
pub fn install_std(command: &mut std::process::Command, prepared: Prepared) {
    install_child_std(command, Session::Inherit, Some(prepared));
}

/// Installs the child-side setup of `command` as one `pre_exec` hook: first `session` (a new
/// session with stdin as controlling terminal, for a command on a pseudo-terminal), then the
/// sandbox when `sandbox` is `Some` (with [`NETWORK_DISABLED_ENV`] as [`install`] sets it).
/// The terminal is taken before the sandbox applies, so the sandbox never needs to allow it.
/// Installs nothing for `Session::Inherit` without a sandbox. A step the kernel refuses makes
/// `spawn()` fail with that OS error; the command never runs half set up.
pub fn install_child(
    command: &mut tokio::process::Command,
    session: Session,
    sandbox: Option<Prepared>,
) {
    install_child_std(command.as_std_mut(), session, sandbox);
}

/// [`install_child`] for a `std::process::Command`.
pub fn install_child_std(
    command: &mut std::process::Command,
    session: Session,
    sandbox: Option<Prepared>,
) {
    if sandbox
        .as_ref()
        .is_some_and(|prepared| !prepared.network_allowed)
    {
        command.env(NETWORK_DISABLED_ENV, "1");
    }
    if session == Session::Inherit && sandbox.is_none() {
        return;
    }
    set_pre_exec(command, ChildSetup { session, sandbox });
}

/// Everything the child does between fork and exec, in order.
struct ChildSetup {
    session: Session,
    sandbox: Option<Prepared>,
}

impl ChildSetup {
    /// Runs in the forked child: the session first (`setsid` must precede anything that could
    /// make the child a group leader, and `TIOCSCTTY` is a device `ioctl` the sandbox would not
    /// need to allow afterwards), then the sandbox.
    fn apply(&self) -> io::Result<()> {
        self.session.apply_in_child()?;
        match &self.sandbox {
            Some(prepared) => prepared.restrict_child(),
            None => Ok(()),
        }
    }
}

/// Registers the child-side setup. The only `pre_exec` of the workspace.
#[allow(unsafe_code)]
fn set_pre_exec(command: &mut std::process::Command, setup: ChildSetup) {
    use std::os::unix::process::CommandExt;
    // SAFETY: `pre_exec` runs the closure in the child after fork, where only async-signal-safe
    // work is sound (another thread of the parent may have held the allocator lock at fork).
    // `ChildSetup::apply` allocates nothing: it calls setsid and ioctl(TIOCSCTTY) (session),
    // then fcntl, prctl, landlock_restrict_self and seccomp through the landlock and seccompiler
    // crates (sandbox), reading data built before fork; its errors are `io::Error`s made from
    // raw OS codes or `ErrorKind`s, which do not allocate.
    unsafe {
        command.pre_exec(move || setup.apply());
    }
}

/// The OS error inside a landlock error (all the child can meet are system-call failures).
fn landlock_os_error(error: RulesetError) -> io::Error {
    match error {
        RulesetError::RestrictSelf(
            RestrictSelfError::SetNoNewPrivsCall { source, .. }
            | RestrictSelfError::RestrictSelfCall { source, .. },
        ) => source,
        _ => io::ErrorKind::PermissionDenied.into(),
    }
}
