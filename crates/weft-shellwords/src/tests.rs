//! `shell_join` quotes like the reference's shlex; `shell_split` reads it back.

use super::{NUL_COMMAND_DISPLAY, shell_join, shell_split};

fn argv(words: &[&str]) -> Vec<String> {
    words.iter().map(|word| (*word).to_owned()).collect()
}

#[test]
fn shell_join_quotes_like_shlex() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["/bin/bash", "-lc", "echo hello-approval"],
            "/bin/bash -lc 'echo hello-approval'",
        ),
        (&["ls", "-la"], "ls -la"),
        (&[""], "''"),
        (&["it's"], "\"it's\""),
        (&["a\\b"], "\"a\\\\b\""),
        (&["$HOME"], "'$HOME'"),
        (&["don't $x"], "\"don't \"'$x'"),
        (&["^x"], "'^x'"),
        (&["a^b"], "a'^b'"),
        (&["héllo"], "'héllo'"),
        (&["a=b", "x,y", "50%"], "'a=b' 'x,y' '50%'"),
    ];
    for (words, display) in cases {
        assert_eq!(shell_join(&argv(words)), *display, "{words:?}");
        assert_eq!(shell_split(display), argv(words), "{display}");
    }
}

#[test]
fn shell_join_of_nul_is_the_reference_placeholder() {
    assert_eq!(shell_join(&argv(&["echo", "a\0b"])), NUL_COMMAND_DISPLAY);
}

#[test]
fn shell_split_reads_ordinary_command_lines() {
    assert_eq!(shell_split("  ls   -la\tx\n"), argv(&["ls", "-la", "x"]));
    assert_eq!(
        shell_split(r#"a\ b "c\"d" 'e\f'"#),
        argv(&["a b", "c\"d", "e\\f"])
    );
    assert_eq!(shell_split(r#""\x""#), argv(&["\\x"]));
    assert_eq!(shell_split("'unterminated"), argv(&["unterminated"]));
    assert!(shell_split("").is_empty());
}
