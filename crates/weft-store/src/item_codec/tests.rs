//! Unit tests of the codec helpers; the per-type round trips are in `tests/it/item_codec.rs`.

use serde_json::json;

use super::fields::{camel_to_snake, camelize_keys, snake_to_camel, snakify_keys};
use super::path_uri::{path_text, to_file_uri};
use super::shell::{NUL_COMMAND_DISPLAY, shell_join, shell_split};

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

#[test]
fn file_uris_as_the_url_crate_spells_them() {
    assert_eq!(
        to_file_uri("/tmp/drive-work").as_deref(),
        Some("file:///tmp/drive-work")
    );
    assert_eq!(to_file_uri("/").as_deref(), Some("file:///"));
    assert_eq!(
        to_file_uri("/a b/c#d%e/é").as_deref(),
        Some("file:///a%20b/c%23d%25e/%C3%A9")
    );
    assert_eq!(to_file_uri("/a//b/./c/").as_deref(), Some("file:///a/b/c"));
    assert_eq!(to_file_uri("relative/path"), None);
    assert_eq!(to_file_uri(""), None);
    assert_eq!(path_text("file:///a%20b/c%23d%25e/%C3%A9"), "/a b/c#d%e/é");
    assert_eq!(path_text("file://localhost/x"), "/x");
    assert_eq!(path_text("/plain/path"), "/plain/path");
    assert_eq!(path_text("file:///100%+1"), "/100%+1");
}

#[test]
fn key_casing_both_ways() {
    assert_eq!(snake_to_camel("unified_exec_startup"), "unifiedExecStartup");
    assert_eq!(camel_to_snake("unifiedExecStartup"), "unified_exec_startup");
    let wire = json!([{"byteRange": {"start": 0, "end": 3}, "placeholder": null}]);
    let core = snakify_keys(&wire);
    assert_eq!(
        core,
        json!([{"byte_range": {"start": 0, "end": 3}, "placeholder": null}])
    );
    assert_eq!(camelize_keys(&core), wire);
}
