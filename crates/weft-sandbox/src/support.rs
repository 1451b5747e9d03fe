//! Probing the running kernel for Landlock, once, before any command runs. The probe is one
//! `landlock_create_ruleset(NULL, 0, VERSION)` call made by the landlock crate; it changes
//! nothing in the calling process.

use landlock::{ABI, LandlockStatus, RestrictSelf};

use crate::limits::{LANDLOCK_ABI_MIN, LANDLOCK_ABI_SCOPES, LANDLOCK_ABI_TESTED};

/// What the kernel offers the sandbox. The core probes this once at start-up: when it is
/// [`Support::Unavailable`] it emits a `configWarning` and refuses sandboxed commands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Support {
    /// Landlock works; `abi` is the kernel's Landlock ABI version (it may be newer than
    /// [`LANDLOCK_ABI_TESTED`], whose rights are the only ones requested).
    Available {
        /// The kernel's Landlock ABI version (≥ [`LANDLOCK_ABI_MIN`]).
        abi: i32,
    },
    /// The sandbox cannot be enforced; `reason` says why, in words fit for a warning.
    Unavailable {
        /// Why, e.g. "Landlock is not enabled in the running kernel (boot with lsm=…,landlock)".
        reason: String,
    },
}

impl Support {
    /// Whether sandboxed commands can run at all.
    #[must_use]
    pub fn is_available(&self) -> bool {
        matches!(self, Self::Available { .. })
    }

    /// Whether signals and abstract UNIX sockets are scoped to the command's own tree
    /// (Landlock ABI ≥ 6). Without scopes, signals to outside processes are not blocked.
    #[must_use]
    pub fn has_scopes(&self) -> bool {
        matches!(self, Self::Available { abi } if *abi >= LANDLOCK_ABI_SCOPES)
    }
}

/// Probes the kernel's Landlock support. Cheap (one system call) but not free: callers keep
/// the answer instead of asking per command.
#[must_use]
pub fn support() -> Support {
    match probe() {
        Ok(probed) => Support::Available {
            abi: probed.kernel_abi,
        },
        Err(reason) => Support::Unavailable { reason },
    }
}

/// The result of a successful probe: the kernel's version number and the ABI whose rights
/// the rulesets request (never newer than [`LANDLOCK_ABI_TESTED`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Probed {
    pub(crate) kernel_abi: i32,
    pub(crate) abi: ABI,
}

/// Asks the landlock crate for the kernel's status without restricting anything:
/// `RestrictSelf` with `no_new_privs(false)` and no flags only probes (documented there).
pub(crate) fn probe() -> Result<Probed, String> {
    let status = RestrictSelf::default()
        .no_new_privs(false)
        .apply()
        .map_err(|error| format!("probing Landlock failed: {error}"))?;
    match status.landlock {
        LandlockStatus::NotEnabled => Err("Landlock is not enabled in the running kernel \
             (it must be listed in the `lsm=` boot parameter)"
            .to_owned()),
        LandlockStatus::NotImplemented => Err(
            "the running kernel is not built with Landlock (CONFIG_SECURITY_LANDLOCK)".to_owned(),
        ),
        LandlockStatus::Available {
            effective_abi,
            kernel_abi,
        } => {
            let known = effective_abi as i32;
            let kernel_abi = kernel_abi.unwrap_or(known);
            if known < LANDLOCK_ABI_MIN {
                return Err(format!(
                    "the running kernel's Landlock ABI {kernel_abi} is older than \
                     {LANDLOCK_ABI_MIN} (Linux 6.2), which is needed to restrict truncate(2)"
                ));
            }
            let abi = if known > LANDLOCK_ABI_TESTED {
                tested_abi()
            } else {
                effective_abi
            };
            Ok(Probed { kernel_abi, abi })
        }
    }
}

/// [`LANDLOCK_ABI_TESTED`] as the landlock crate's type.
fn tested_abi() -> ABI {
    ABI::V7
}

#[cfg(test)]
mod tests;
