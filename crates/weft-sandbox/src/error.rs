//! Why a sandbox could not be prepared. Every variant means "do not run this command
//! sandboxed": the core refuses to run it (and reports a `configWarning` at start-up when the
//! kernel lacks Landlock) rather than silently running it without a sandbox.

use std::path::PathBuf;

/// Failure to build the sandbox for a policy in [`crate::prepare`].
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The kernel cannot enforce file-system rules at all (no Landlock, Landlock disabled, or an
    /// ABI older than [`crate::limits::LANDLOCK_ABI_MIN`]).
    #[error("Landlock is not available: {reason}")]
    Unavailable {
        /// Human-readable cause, e.g. "Landlock is not enabled in the running kernel".
        reason: String,
    },
    /// Landlock exists but refused part of the ruleset; the text starts like the reference's.
    #[error("Landlock was not able to fully enforce all sandbox rules: {source}")]
    NotEnforced {
        /// The landlock crate's error.
        #[source]
        source: landlock::RulesetError,
    },
    /// A writable root was not an absolute path; the sandbox never guesses a base directory.
    #[error("writable root is not an absolute path: {}", path.display())]
    RelativeRoot {
        /// The offending root as given.
        path: PathBuf,
    },
    /// A path needed for a rule could not be opened or listed.
    #[error("cannot prepare sandbox rule for {}: {source}", path.display())]
    Path {
        /// The path being opened or listed.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The policy needs more Landlock rules than [`crate::limits::LANDLOCK_RULES_MAX`].
    #[error("sandbox needs more than {max} Landlock rules (while expanding {})", path.display())]
    TooManyRules {
        /// The bound that was hit.
        max: usize,
        /// The directory being expanded when it was hit.
        path: PathBuf,
    },
    /// A protected path lies deeper than [`crate::limits::PROTECTED_DEPTH_MAX`] below its root.
    #[error("protected path {} is too deep below its writable root", path.display())]
    ProtectedTooDeep {
        /// The protected path.
        path: PathBuf,
    },
    /// The seccomp program could not be built (unsupported architecture, for instance).
    #[error("cannot build the seccomp network filter: {0}")]
    Seccomp(String),
}
