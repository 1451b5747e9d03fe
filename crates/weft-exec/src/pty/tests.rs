//! Parsing `/proc/<pid>/stat` for the session scan.

use super::group_and_session;

#[test]
fn fields_are_counted_after_the_command_name() {
    let stat = "4242 (a) b (c)) S 1 4240 4200 34816 4240 4194304 …";
    assert_eq!(group_and_session(stat), Some((4240, 4200)));
}

#[test]
fn truncated_or_garbled_lines_give_none() {
    assert_eq!(group_and_session(""), None);
    assert_eq!(group_and_session("1 (sh) S 0"), None);
    assert_eq!(group_and_session("1 (sh) S 0 x 1"), None);
}
