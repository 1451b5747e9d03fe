//! The seccomp program, compiled before fork. It never kills: a denied call fails with `EPERM`
//! ("Operation not permitted", which the denial heuristic recognises).
//!
//! - Always: `io_uring_setup`, `io_uring_enter` and `io_uring_register` fail. io_uring performs
//!   socket and file operations from kernel workers that seccomp never sees, so it would bypass
//!   this filter; ordinary command-line tools fall back to plain system calls.
//! - Always: the calls that change the running kernel itself (loading or removing modules,
//!   `kexec`, `reboot`). They need root, Landlock does not cover them, and weft may well run as
//!   root in a VM or container; no command a model runs has a reason to make them.
//! - Network off: `socket()` fails for every domain except `AF_UNIX` (so TCP, UDP, raw, netlink
//!   and the rest); `socketpair()` stays allowed (the kernel only supports it for `AF_UNIX`).
//!
//! The compiled program starts with seccompiler's architecture check, which kills a process
//! that switches to another system-call ABI (32-bit `int 0x80` on x86-64), so `socketcall()`
//! cannot sidestep it. x32 system-call numbers share the x86-64 architecture value, so on
//! x86-64 the same rules are repeated for the x32 numbers (harmless where x32 is compiled out).

use std::collections::BTreeMap;

use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule, TargetArch,
};

use crate::error::SandboxError;

/// System calls denied under every restricted policy (see the module docs).
const ALWAYS_DENIED: [i64; 9] = [
    libc::SYS_io_uring_setup,
    libc::SYS_io_uring_enter,
    libc::SYS_io_uring_register,
    libc::SYS_init_module,
    libc::SYS_finit_module,
    libc::SYS_delete_module,
    libc::SYS_kexec_load,
    libc::SYS_kexec_file_load,
    libc::SYS_reboot,
];

/// Builds the BPF program for the given network setting.
pub(crate) fn build_filter(network_allowed: bool) -> Result<BpfProgram, SandboxError> {
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> = BTreeMap::new();
    for syscall in ALWAYS_DENIED {
        insert(&mut rules, syscall, Vec::new());
    }
    if !network_allowed {
        let not_unix = SeccompCondition::new(
            0,
            SeccompCmpArgLen::Dword,
            SeccompCmpOp::Ne,
            libc::AF_UNIX as u64,
        )
        .map_err(seccomp_error)?;
        let rule = SeccompRule::new(vec![not_unix]).map_err(seccomp_error)?;
        insert(&mut rules, libc::SYS_socket, vec![rule]);
    }
    let arch = TargetArch::try_from(std::env::consts::ARCH).map_err(seccomp_error)?;
    let filter = SeccompFilter::new(
        rules,
        SeccompAction::Allow,
        SeccompAction::Errno(libc::EPERM as u32),
        arch,
    )
    .map_err(seccomp_error)?;
    BpfProgram::try_from(filter).map_err(seccomp_error)
}

/// Adds the rules for one system call (and, on x86-64, for its x32 number).
fn insert(rules: &mut BTreeMap<i64, Vec<SeccompRule>>, syscall: i64, chain: Vec<SeccompRule>) {
    #[cfg(target_arch = "x86_64")]
    {
        /// `__X32_SYSCALL_BIT`: x32 system calls are x86-64 numbers with this bit set.
        const X32_SYSCALL_BIT: i64 = 0x4000_0000;
        rules.insert(syscall | X32_SYSCALL_BIT, chain.clone());
    }
    rules.insert(syscall, chain);
}

/// Wraps a seccompiler error.
fn seccomp_error(error: impl std::fmt::Display) -> SandboxError {
    SandboxError::Seccomp(error.to_string())
}
