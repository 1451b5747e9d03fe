use super::{SIGSYS_EXIT_CODE, is_likely_sandbox_denial};

#[test]
fn exit_zero_never_counts() {
    assert!(!is_likely_sandbox_denial(0, "Permission denied"));
    assert!(!is_likely_sandbox_denial(0, ""));
}

#[test]
fn sigsys_always_counts() {
    assert_eq!(SIGSYS_EXIT_CODE, 159);
    assert!(is_likely_sandbox_denial(159, ""));
    assert!(is_likely_sandbox_denial(159, "whatever"));
}

#[test]
fn every_keyword_counts_case_insensitively() {
    for text in [
        "touch: cannot touch '/etc/x': Permission denied",
        "PermissionError: [Errno 1] Operation not permitted",
        "sh: 1: cannot create /x: Read-only file system",
        "killed by SECCOMP",
        "Sandbox refused",
        "landlock: denied",
        "error: Failed to write file foo.txt",
        "PERMISSION DENIED",
    ] {
        assert!(is_likely_sandbox_denial(1, text), "{text}");
    }
}

#[test]
fn usage_and_not_found_codes_without_keywords_are_ordinary() {
    assert!(!is_likely_sandbox_denial(2, "usage: ls [-a]"));
    assert!(!is_likely_sandbox_denial(126, "cannot execute binary file"));
    assert!(!is_likely_sandbox_denial(
        127,
        "sh: 1: frobnicate: not found"
    ));
    assert!(!is_likely_sandbox_denial(
        1,
        "test failed: expected 3, got 4"
    ));
    assert!(!is_likely_sandbox_denial(1, ""));
}

#[test]
fn usage_and_not_found_codes_with_keywords_count() {
    assert!(is_likely_sandbox_denial(
        2,
        "ls: cannot open directory: Permission denied"
    ));
    assert!(is_likely_sandbox_denial(126, "sh: ./x: Permission denied"));
    assert!(is_likely_sandbox_denial(127, "landlock"));
}

#[test]
fn negative_and_large_codes_follow_the_text() {
    assert!(!is_likely_sandbox_denial(-1, "timeout"));
    assert!(is_likely_sandbox_denial(-1, "operation not permitted"));
    assert!(!is_likely_sandbox_denial(137, "Killed"));
}

#[test]
fn non_ascii_output_is_searched_without_panicking() {
    assert!(is_likely_sandbox_denial(1, "ü✓ Permission denied ✓"));
    assert!(!is_likely_sandbox_denial(1, "ü✓ Érreur ✓"));
    assert!(!is_likely_sandbox_denial(1, "sand"));
}
