//! The heuristic that decides whether a failed sandboxed command was stopped by the sandbox
//! (core.md §4.5), which is what makes the core offer a retry without the sandbox. It is a text
//! match on purpose: the reference uses the same words, and tools report EACCES/EPERM/EROFS in
//! their own phrasing.

/// Exit status of a process killed by `SIGSYS` (128 + 31), the signal a seccomp `KILL`/`TRAP`
/// verdict produces; it counts as a denial whatever the output says.
pub const SIGSYS_EXIT_CODE: i32 = 128 + libc::SIGSYS;

/// Words (matched case-insensitively) that mark a failure as the sandbox's doing.
const DENIAL_KEYWORDS: [&str; 7] = [
    "operation not permitted",
    "permission denied",
    "read-only file system",
    "seccomp",
    "sandbox",
    "landlock",
    "failed to write file",
];

/// Whether a sandboxed command that exited with `exit_code` (a signal death as 128 + signal)
/// and printed `output` (stdout, stderr or both aggregated; call once per text to check) was
/// likely denied by the sandbox. Exit 0 never counts; `SIGSYS_EXIT_CODE` always does; any other
/// non-zero code counts only when the output holds one of the denial words, so exit codes 2,
/// 126 and 127 without them are ordinary failures. Timeouts are the caller's to exclude.
#[must_use]
pub fn is_likely_sandbox_denial(exit_code: i32, output: &str) -> bool {
    if exit_code == 0 {
        return false;
    }
    if exit_code == SIGSYS_EXIT_CODE {
        return true;
    }
    DENIAL_KEYWORDS
        .iter()
        .any(|keyword| contains_ignore_ascii_case(output, keyword))
}

/// `haystack` contains `needle`, ASCII letters compared without case (the keywords are ASCII).
fn contains_ignore_ascii_case(haystack: &str, needle: &str) -> bool {
    haystack
        .as_bytes()
        .windows(needle.len())
        .any(|window| window.eq_ignore_ascii_case(needle.as_bytes()))
}

#[cfg(test)]
mod tests;
