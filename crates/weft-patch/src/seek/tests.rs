use super::seek_sequence;

fn lines(items: &[&str]) -> Vec<String> {
    items.iter().map(|item| (*item).to_owned()).collect()
}

#[test]
fn exact_match() {
    assert_eq!(
        seek_sequence(&lines(&["a", "b", "c"]), &lines(&["b", "c"]), 0, false),
        Some(1)
    );
}

#[test]
fn trailing_whitespace_ignored_in_second_pass() {
    assert_eq!(
        seek_sequence(
            &lines(&["foo   ", "bar\t"]),
            &lines(&["foo", "bar"]),
            0,
            false
        ),
        Some(0)
    );
}

#[test]
fn surrounding_whitespace_ignored_in_third_pass() {
    assert_eq!(
        seek_sequence(
            &lines(&["  foo  ", "\tbar"]),
            &lines(&["foo", "bar"]),
            0,
            false
        ),
        Some(0)
    );
}

#[test]
fn unicode_punctuation_normalised_in_fourth_pass() {
    let file = lines(&["let s = \u{201C}hi\u{201D} \u{2014} it\u{2019}s\u{00A0}ok"]);
    assert_eq!(
        seek_sequence(&file, &lines(&["let s = \"hi\" - it's ok"]), 0, false),
        Some(0)
    );
}

#[test]
fn stricter_pass_wins_over_earlier_fuzzy_match() {
    let file = lines(&["foo  ", "x", "foo"]);
    assert_eq!(seek_sequence(&file, &lines(&["foo"]), 0, false), Some(2));
}

#[test]
fn search_starts_at_start() {
    let file = lines(&["a", "b", "a"]);
    assert_eq!(seek_sequence(&file, &lines(&["a"]), 1, false), Some(2));
    assert_eq!(seek_sequence(&file, &lines(&["a"]), 3, false), None);
}

#[test]
fn end_of_file_only_tries_the_end() {
    let file = lines(&["x", "y", "x"]);
    assert_eq!(seek_sequence(&file, &lines(&["x"]), 0, true), Some(2));
    assert_eq!(seek_sequence(&file, &lines(&["y"]), 0, true), None);
}

#[test]
fn empty_and_oversized_patterns() {
    let file = lines(&["only"]);
    assert_eq!(seek_sequence(&file, &[], 1, false), Some(1));
    assert_eq!(seek_sequence(&file, &lines(&["a", "b"]), 0, false), None);
    assert_eq!(seek_sequence(&[], &lines(&["a"]), 0, false), None);
}
