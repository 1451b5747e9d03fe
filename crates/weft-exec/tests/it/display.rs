//! Display strings, shell argv and `commandActions`.

use proptest::prelude::*;
use serde_json::json;
use weft_exec::{
    CommandAction, FALLBACK_SHELL, command_actions, display_command, resolve_read_paths, shell_argv,
};

fn strings(words: &[&str]) -> Vec<String> {
    words.iter().map(|word| (*word).to_owned()).collect()
}

#[test]
fn display_quotes_like_the_reference() {
    assert_eq!(
        display_command(&strings(&["/bin/bash", "-lc", "echo hello-approval"])),
        "/bin/bash -lc 'echo hello-approval'"
    );
    // Differences from naive quoting the cross-check with the reference found (bench/compat).
    assert_eq!(display_command(&strings(&["x=1"])), "'x=1'");
    assert_eq!(display_command(&strings(&["it's"])), "\"it's\"");
}

#[test]
fn shell_argv_uses_a_supported_shell() {
    assert_eq!(
        shell_argv(Some("/usr/bin/zsh"), true, "ls"),
        strings(&["/usr/bin/zsh", "-lc", "ls"])
    );
    assert_eq!(
        shell_argv(Some("/bin/sh"), false, "ls"),
        strings(&["/bin/sh", "-c", "ls"])
    );
    assert_eq!(
        shell_argv(Some("/usr/bin/fish"), true, "ls"),
        strings(&[FALLBACK_SHELL, "-lc", "ls"])
    );
    let default = shell_argv(None, true, "ls");
    assert_eq!(default[1..], strings(&["-lc", "ls"]));
    assert!(["bash", "zsh", "sh"].contains(&default[0].rsplit('/').next().unwrap()));
}

fn actions_json(script: &str) -> serde_json::Value {
    serde_json::to_value(command_actions(script)).expect("actions serialise")
}

#[test]
fn unknown_is_the_observed_shape() {
    assert_eq!(
        actions_json("echo hello-approval"),
        json!([{"type": "unknown", "command": "echo hello-approval"}])
    );
    assert_eq!(
        actions_json("cat a.txt | head"),
        json!([{"type": "unknown", "command": "cat a.txt | head"}])
    );
    assert_eq!(
        actions_json("cd src && ls"),
        json!([{"type": "unknown", "command": "cd src && ls"}])
    );
    assert_eq!(
        actions_json("cat a b"),
        json!([{"type": "unknown", "command": "cat a b"}])
    );
    assert_eq!(
        actions_json("cat $FILE"),
        json!([{"type": "unknown", "command": "cat $FILE"}])
    );
}

#[test]
fn reads_are_recognised() {
    assert_eq!(
        actions_json("cat src/lib.rs"),
        json!([{"type": "read", "command": "cat src/lib.rs", "name": "lib.rs", "path": "src/lib.rs"}])
    );
    assert_eq!(
        actions_json("sed -n '1,200p' src/main.rs"),
        json!([{"type": "read", "command": "sed -n '1,200p' src/main.rs", "name": "main.rs", "path": "src/main.rs"}])
    );
    assert_eq!(
        actions_json("head -n 50 README.md"),
        json!([{"type": "read", "command": "head -n 50 README.md", "name": "README.md", "path": "README.md"}])
    );
    assert_eq!(
        actions_json("tail -20 'my log.txt'"),
        json!([{"type": "read", "command": "tail -20 'my log.txt'", "name": "my log.txt", "path": "my log.txt"}])
    );
    assert_eq!(
        actions_json("sed -i 's/a/b/' f"),
        json!([{"type": "unknown", "command": "sed -i s/a/b/ f"}])
    );
}

#[test]
fn listings_and_searches_are_recognised() {
    assert_eq!(
        actions_json("ls"),
        json!([{"type": "listFiles", "command": "ls", "path": null}])
    );
    assert_eq!(
        actions_json("ls -la src"),
        json!([{"type": "listFiles", "command": "ls -la src", "path": "src"}])
    );
    assert_eq!(
        actions_json("rg --files crates"),
        json!([{"type": "listFiles", "command": "rg --files crates", "path": "crates"}])
    );
    assert_eq!(
        actions_json("rg -n \"fn main\" src"),
        json!([{"type": "search", "command": "rg -n 'fn main' src", "query": "fn main", "path": "src"}])
    );
    assert_eq!(
        actions_json("grep -rn TODO ."),
        json!([{"type": "search", "command": "grep -rn TODO .", "query": "TODO", "path": "."}])
    );
    assert_eq!(
        actions_json("rg -g '*.rs' needle"),
        json!([{"type": "search", "command": "rg -g '*.rs' needle", "query": "needle", "path": null}])
    );
}

#[test]
fn read_paths_resolve_against_the_cwd() {
    let mut actions = command_actions("cat src/lib.rs");
    resolve_read_paths(&mut actions, std::path::Path::new("/work/repo"));
    assert_eq!(
        actions,
        vec![CommandAction::Read {
            command: "cat src/lib.rs".to_owned(),
            name: "lib.rs".to_owned(),
            path: "/work/repo/src/lib.rs".to_owned(),
        }]
    );
}

proptest! {
    #[test]
    fn command_actions_never_panics(script in any::<String>()) {
        prop_assert!(!command_actions(&script).is_empty());
    }

    #[test]
    fn quoting_round_trips_through_the_splitter(word in "[ -~]{0,20}") {
        // `cat <quoted>` with a single operand is recognised as reading exactly that word,
        // unless the word is one the classifier refuses (flags, `-`, empty).
        let script = format!("cat {}", display_command(std::slice::from_ref(&word)));
        if let [CommandAction::Read { path, .. }] = command_actions(&script).as_slice() {
            prop_assert_eq!(path, &word);
        }
    }
}
