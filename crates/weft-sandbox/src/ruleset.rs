//! Building the Landlock ruleset before fork: read everywhere, write where the plan says, a few
//! device files for ordinary shells, and the signal / abstract-socket scopes. The ruleset is
//! created with [`CompatLevel::HardRequirement`], so a kernel that cannot enforce any part of it
//! fails here, in the parent, with a clear error; the child only calls `landlock_restrict_self`.

use std::path::{Path, PathBuf};

use landlock::{
    ABI, Access, AccessFs, BitFlags, CompatLevel, Compatible, PathBeneath, Ruleset, RulesetAttr,
    RulesetCreated, RulesetCreatedAttr, RulesetError, Scope, make_bitflags,
};
use nix::fcntl::{OFlag, open};
use nix::sys::stat::Mode;

use crate::error::SandboxError;
use crate::plan::{GrantKind, WritePlan, kind_of, plan_writable_roots};
use crate::policy::FileSystemPolicy;
use crate::support::Probed;

/// Character devices every sandboxed command may write (and `ioctl`), in both read-only and
/// workspace-write: the bit buckets and sources shells redirect to, the controlling terminal,
/// and pseudo-terminal allocation. Missing ones are skipped.
const DEVICE_FILES: [&str; 7] = [
    "/dev/null",
    "/dev/zero",
    "/dev/full",
    "/dev/random",
    "/dev/urandom",
    "/dev/tty",
    "/dev/ptmx",
];

/// Directories of device files granted the same rights (pseudo-terminal slaves).
const DEVICE_DIRS: [&str; 1] = ["/dev/pts"];

/// POSIX shared memory (`shm_open`, `sem_open`, Python's multiprocessing locks): a world-writable
/// tmpfs like `/tmp`, so it is writable under workspace-write (which writes `/tmp` by default)
/// and not under read-only.
const SHARED_MEMORY_DIR: &str = "/dev/shm";

/// The ruleset plus what it grants, for diagnostics.
pub(crate) struct BuiltRuleset {
    pub(crate) ruleset: RulesetCreated,
    pub(crate) writable: Vec<PathBuf>,
    pub(crate) protected: Vec<PathBuf>,
}

/// Builds the ruleset for a restricted file-system policy (`FullAccess` has none).
pub(crate) fn build(
    probed: Probed,
    file_system: &FileSystemPolicy,
    network_allowed: bool,
) -> Result<BuiltRuleset, SandboxError> {
    let abi = probed.abi;
    let mut plan = match file_system {
        FileSystemPolicy::WorkspaceWrite { writable_roots } => plan_writable_roots(writable_roots)?,
        FileSystemPolicy::ReadOnly | FileSystemPolicy::FullAccess => WritePlan::default(),
    };
    let shared_memory = matches!(file_system, FileSystemPolicy::WorkspaceWrite { .. });
    let mut ruleset = create(abi, network_allowed).map_err(not_enforced)?;
    let root = open_following(Path::new("/")).ok_or_else(|| SandboxError::Unavailable {
        reason: "cannot open /".to_owned(),
    })?;
    add(&mut ruleset, root.0, AccessFs::from_read(abi))?;
    let mut writable = Vec::new();
    for device in DEVICE_FILES.iter().chain(DEVICE_DIRS.iter()) {
        if let Some((fd, _)) = open_following(Path::new(device)) {
            add(&mut ruleset, fd, device_access(abi))?;
            writable.push(PathBuf::from(device));
        }
    }
    if shared_memory
        && let Some((fd, GrantKind::Dir)) = open_following(Path::new(SHARED_MEMORY_DIR))
    {
        add(&mut ruleset, fd, write_access(abi, GrantKind::Dir))?;
        writable.push(PathBuf::from(SHARED_MEMORY_DIR));
    }
    for grant in plan.grants.drain(..) {
        add(&mut ruleset, grant.fd, write_access(abi, grant.kind))?;
        writable.push(grant.path);
    }
    Ok(BuiltRuleset {
        ruleset,
        writable,
        protected: plan.protected,
    })
}

/// Creates the ruleset: every file-system right of `abi` handled, plus the scopes when the ABI
/// has them (signals always; abstract UNIX sockets only when the network is off, since they
/// reach services outside the sandbox much like the network does).
fn create(abi: ABI, network_allowed: bool) -> Result<RulesetCreated, RulesetError> {
    let mut ruleset = Ruleset::default()
        .set_compatibility(CompatLevel::HardRequirement)
        .handle_access(AccessFs::from_all(abi))?;
    if abi >= ABI::V6 {
        let scopes = if network_allowed {
            BitFlags::from(Scope::Signal)
        } else {
            Scope::Signal | Scope::AbstractUnixSocket
        };
        ruleset = ruleset.scope(scopes)?;
    }
    ruleset.create()
}

/// Adds one rule.
fn add(
    ruleset: &mut RulesetCreated,
    fd: std::os::fd::OwnedFd,
    access: BitFlags<AccessFs>,
) -> Result<(), SandboxError> {
    ruleset
        .add_rule(PathBeneath::new(fd, access))
        .map_err(not_enforced)?;
    Ok(())
}

/// Rights for a writable directory hierarchy or file: everything except creating device nodes
/// (a root-owned command could `mknod` a disk device inside the workspace and write the raw
/// disk through it) and device `ioctl`s.
pub(crate) fn write_access(abi: ABI, kind: GrantKind) -> BitFlags<AccessFs> {
    let all =
        AccessFs::from_all(abi) & !make_bitflags!(AccessFs::{MakeChar | MakeBlock | IoctlDev});
    match kind {
        GrantKind::Dir => all,
        GrantKind::File => all & AccessFs::from_file(abi),
    }
}

/// Rights on the device files: open for writing, truncate (`> /dev/null` opens with
/// `O_TRUNC`) and `ioctl` (terminal control).
fn device_access(abi: ABI) -> BitFlags<AccessFs> {
    make_bitflags!(AccessFs::{WriteFile | Truncate | IoctlDev}) & AccessFs::from_all(abi)
}

/// Opens a system path with `O_PATH`, following symlinks (`/dev/ptmx` is often one), with its
/// kind; `None` when it does not exist.
fn open_following(path: &Path) -> Option<(std::os::fd::OwnedFd, GrantKind)> {
    let fd = open(path, OFlag::O_PATH | OFlag::O_CLOEXEC, Mode::empty()).ok()?;
    let kind = kind_of(&fd)?;
    Some((fd, kind))
}

/// Wraps a landlock crate error.
fn not_enforced(source: RulesetError) -> SandboxError {
    SandboxError::NotEnforced { source }
}
