//! `extract_from_argv`: the forms that are patch invocations, and the ones that are not.

use std::path::{Path, PathBuf};

use weft_patch::{ExtractError, Hunk, ShellPatch, extract_from_argv};

const PATCH: &str = "*** Begin Patch\n*** Add File: foo\n+hi\n*** End Patch";

fn argv(items: &[&str]) -> Vec<String> {
    items.iter().map(|item| (*item).to_owned()).collect()
}

fn bash(script: &str) -> Vec<String> {
    argv(&["bash", "-lc", script])
}

fn heredoc(prefix: &str) -> String {
    format!("{prefix}apply_patch <<'PATCH'\n{PATCH}\nPATCH")
}

fn found(argv: &[String]) -> ShellPatch {
    match extract_from_argv(argv) {
        Some(Ok(shell_patch)) => shell_patch,
        other => panic!("expected a patch for {argv:?}, got {other:?}"),
    }
}

fn assert_foo_patch(argv: &[String], workdir: Option<&str>) {
    let shell_patch = found(argv);
    assert_eq!(shell_patch.workdir, workdir.map(PathBuf::from), "{argv:?}");
    assert_eq!(
        shell_patch.patch.hunks,
        vec![Hunk::Add {
            path: "foo".into(),
            contents: "hi\n".into()
        }],
        "{argv:?}"
    );
}

fn assert_not_patch(argv: &[String]) {
    assert_eq!(extract_from_argv(argv), None, "{argv:?}");
}

#[test]
fn the_mock_command() {
    let script = "apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: hello.txt\n+hello from mock\n\
                  *** End Patch\nEOF";
    let shell_patch = found(&argv(&["/bin/bash", "-lc", script]));
    assert_eq!(
        shell_patch.text,
        "*** Begin Patch\n*** Add File: hello.txt\n+hello from mock\n*** End Patch"
    );
    assert_eq!(shell_patch.workdir, None);
    assert_eq!(
        shell_patch.patch.hunks,
        vec![Hunk::Add {
            path: "hello.txt".into(),
            contents: "hello from mock\n".into()
        }]
    );
}

#[test]
fn heredoc_quoting_and_delimiters() {
    for script in [
        format!("apply_patch <<EOF\n{PATCH}\nEOF"),
        format!("apply_patch <<'EOF'\n{PATCH}\nEOF\n"),
        format!("apply_patch <<\"EOF\"\n{PATCH}\nEOF\n\n"),
        format!("apply_patch << 'PATCH'\n{PATCH}\nPATCH"),
        format!("apply_patch<<EOF\n{PATCH}\nEOF"),
        format!("  \napplypatch <<'EOF'\n{PATCH}\nEOF"),
    ] {
        assert_foo_patch(&bash(&script), None);
    }
}

#[test]
fn cd_prefix_sets_the_workdir() {
    assert_foo_patch(&bash(&heredoc("cd sub && ")), Some("sub"));
    assert_foo_patch(&bash(&heredoc("cd /abs/dir &&  ")), Some("/abs/dir"));
    assert_foo_patch(&bash(&heredoc("cd 'foo bar' && ")), Some("foo bar"));
    assert_foo_patch(&bash(&heredoc("cd \"foo bar\" && ")), Some("foo bar"));
    assert_foo_patch(&bash(&heredoc("cd sub &&\n")), Some("sub"));
}

#[test]
fn shells_and_flags() {
    let script = heredoc("");
    for shell_argv in [
        argv(&["bash", "-c", &script]),
        argv(&["/bin/bash", "-lc", &script]),
        argv(&["/usr/bin/zsh", "-lc", &script]),
        argv(&["sh", "-c", &script]),
        argv(&["powershell.exe", "-Command", &script]),
        argv(&["pwsh", "-NoProfile", "-Command", &script]),
        argv(&["cmd.exe", "/c", &script]),
    ] {
        assert_foo_patch(&shell_argv, None);
    }
}

#[test]
fn direct_argv() {
    assert_foo_patch(&argv(&["apply_patch", PATCH]), None);
    assert_foo_patch(&argv(&["applypatch", &format!("{PATCH}\n")]), None);
    // The reference's lenient parser also strips a literal heredoc passed as the argument.
    assert_foo_patch(
        &argv(&["apply_patch", &format!("<<'EOF'\n{PATCH}\nEOF\n")]),
        None,
    );
}

#[test]
fn crlf_patch_body_is_normalised() {
    let script = format!(
        "apply_patch <<'EOF'\r\n{}\r\nEOF\r\n",
        PATCH.replace('\n', "\r\n")
    );
    let shell_patch = found(&bash(&script));
    assert_eq!(shell_patch.text, PATCH);
}

#[test]
fn bare_patch_body_is_an_implicit_invocation() {
    let expected = "patch detected without explicit call to apply_patch. Rerun as \
                    [\"apply_patch\", \"<patch>\"]";
    for bare in [argv(&[PATCH]), bash(PATCH), argv(&["zsh", "-c", PATCH])] {
        let Some(Err(error)) = extract_from_argv(&bare) else {
            panic!("expected an implicit-invocation error for {bare:?}")
        };
        assert_eq!(error, ExtractError::ImplicitInvocation);
        assert_eq!(error.to_string(), expected);
    }
}

#[test]
fn invocation_with_a_bad_patch_is_an_error() {
    let first_line = "invalid patch: The first line of the patch must be '*** Begin Patch'";
    let Some(Err(error)) = extract_from_argv(&argv(&["apply_patch", "garbage"])) else {
        panic!("expected a parse error")
    };
    assert_eq!(error.to_string(), first_line);
    let script =
        "cd x && apply_patch <<'EOF'\n*** Begin Patch\n*** Update File: a\n*** End Patch\nEOF";
    let Some(Err(error)) = extract_from_argv(&bash(script)) else {
        panic!("expected a parse error")
    };
    assert_eq!(
        error.to_string(),
        "invalid hunk at line 2, Update file hunk for path 'a' is empty"
    );
}

#[test]
fn other_commands_are_not_patches() {
    for script in [
        heredoc("cd foo; "),
        heredoc("cd bar || "),
        heredoc("cd bar | "),
        heredoc("echo foo && "),
        heredoc("echo foo; cd bar && "),
        heredoc("cd foo && cd bar && "),
        heredoc("cd foo bar && "),
        heredoc("cd $HOME && "),
        heredoc("cd ~/x && "),
        heredoc("cd \"$HOME\" && "),
        format!("{} && echo done", heredoc("cd bar && ")),
        format!("{}\necho done", heredoc("")),
        format!("apply_patch foo <<'PATCH'\n{PATCH}\nPATCH"),
        format!("apply_patch <<-'PATCH'\n{PATCH}\nPATCH"),
        format!("apply_patch <<<'{PATCH}'"),
        format!("apply_patch <<'PATCH' | cat\n{PATCH}\nPATCH"),
        format!("apply_patch <<'PATCH' > out\n{PATCH}\nPATCH"),
        format!("apply_patch <<'PATCH'\n{PATCH}\n"),
        format!("apply_patchx <<'PATCH'\n{PATCH}\nPATCH"),
        format!("cat <<'PATCH'\n{PATCH}\nPATCH"),
        "apply_patch".to_owned(),
        "echo hello".to_owned(),
        String::new(),
    ] {
        assert_not_patch(&bash(&script));
    }
    assert_not_patch(&argv(&["ls", "-la"]));
    assert_not_patch(&argv(&[]));
    assert_not_patch(&argv(&["bash", "-x", &heredoc("")]));
    assert_not_patch(&argv(&["fish", "-c", &heredoc("")]));
    assert_not_patch(&argv(&["bash", "-lc", &heredoc(""), "extra"]));
    assert_not_patch(&argv(&["bash", "-NoProfile", "-lc", &heredoc("")]));
    assert_not_patch(&argv(&["apply_patch"]));
    assert_not_patch(&argv(&["git", PATCH]));
}

#[test]
fn effective_cwd_joins_the_workdir() {
    let relative = found(&bash(&heredoc("cd sub && ")));
    assert_eq!(
        relative.effective_cwd(Path::new("/repo")),
        PathBuf::from("/repo/sub")
    );
    let absolute = found(&bash(&heredoc("cd /elsewhere && ")));
    assert_eq!(
        absolute.effective_cwd(Path::new("/repo")),
        PathBuf::from("/elsewhere")
    );
    let none = found(&bash(&heredoc("")));
    assert_eq!(
        none.effective_cwd(Path::new("/repo")),
        PathBuf::from("/repo")
    );
}
