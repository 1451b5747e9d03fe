//! `weft demo`: the offline walk through the tool loop prints the approval and its answer, the
//! command's completion, the patch's `fileChange` item and turn diff, the created file and a
//! final answer; it cleans up after itself unless `--home` is given, and the binary exits 0.

use std::path::PathBuf;
use std::time::Duration;

/// How long the binary may take: the demo is meant to finish in a couple of seconds.
const BINARY_WAIT: Duration = Duration::from_secs(60);

async fn demo(home: Option<&std::path::Path>, prompt: &str) -> String {
    let mut out = Vec::new();
    weft_cli::demo::run_into(&mut out, home, &[], prompt)
        .await
        .unwrap();
    String::from_utf8(out).unwrap()
}

/// The path printed after `label` in the demo's header.
fn header_path(out: &str, label: &str) -> PathBuf {
    let line = out
        .lines()
        .find_map(|line| line.trim_start().strip_prefix(label))
        .unwrap_or_else(|| panic!("no {label} line in\n{out}"));
    PathBuf::from(line.trim().split(" (").next().unwrap())
}

/// The index of the first line starting with `prefix`, after line `from`.
fn line_after(lines: &[&str], from: usize, prefix: &str) -> usize {
    lines[from..]
        .iter()
        .position(|line| line.starts_with(prefix))
        .map(|index| index + from)
        .unwrap_or_else(|| panic!("no line starting {prefix:?} after line {from} in\n{lines:#?}"))
}

#[tokio::test]
async fn the_demo_walks_the_tool_loop_and_cleans_up() {
    let out = demo(None, "bye").await;
    let lines: Vec<&str> = out.lines().collect();
    let workspace = header_path(&out, "workspace ");
    let home = header_path(&out, "home ");

    let asked = line_after(
        &lines,
        0,
        "? item/commandExecution/requestApproval (request 0): may the model run \
         `/bin/bash -lc 'echo hello from weft && pwd'`",
    );
    let accepted = line_after(
        &lines,
        asked,
        "← {\"decision\":\"accept\"}: the demo approves",
    );
    assert_eq!(accepted, asked + 1, "{out}");
    let resolved = line_after(&lines, accepted, "· serverRequest/resolved: request 0");
    let completed = line_after(&lines, resolved, "· item/completed commandExecution: ");
    let support = weft_sandbox::support();
    if support.is_available() {
        assert!(
            lines[completed]
                .starts_with("· item/completed commandExecution: completed, exit code 0"),
            "{out}"
        );
        let streamed = &lines[resolved..completed];
        assert!(streamed.contains(&"  │ hello from weft"), "{out}");
        assert!(
            streamed.contains(&format!("  │ {}", workspace.display()).as_str()),
            "{out}"
        );
        line_after(
            &lines,
            completed,
            "✓ the command ran: completed, exit code 0",
        );
    } else {
        eprintln!("skipped: the sandboxed command itself ({support:?}); checking the refusal");
        line_after(
            &lines,
            completed,
            "! the command did not run: sandbox unavailable: ",
        );
    }
    let replied = line_after(&lines, completed, "  » done: Chunk ID: ");
    let first_turn = line_after(&lines, replied, "· turn/completed: completed in ");

    let change = line_after(
        &lines,
        first_turn,
        &format!(
            "· item/completed fileChange: completed — add {}/hello.txt (1 line)",
            workspace.display()
        ),
    );
    let diff = line_after(&lines, change, "· turn/diff/updated: 7 lines");
    assert!(lines[diff + 1].starts_with("  ┊ diff --git a/"), "{out}");
    assert!(lines[diff + 1].ends_with("hello.txt"), "{out}");
    assert_eq!(lines[diff + 7], "  ┊ +hello from mock", "{out}");
    let second_turn = line_after(&lines, diff, "· turn/completed: completed in ");
    line_after(
        &lines,
        second_turn,
        &format!(
            "✓ {}/hello.txt exists in the workspace, containing \"hello from mock\\n\"",
            workspace.display()
        ),
    );

    let answer = line_after(&lines, second_turn, "  » Hello from mock. You said: bye");
    line_after(&lines, answer, "· turn/completed: completed in ");
    assert_eq!(
        lines.last(),
        Some(&"✓ demo finished; the temporary home and workspace are removed")
    );
    assert!(!workspace.exists() && !home.exists(), "{out}");
}

#[tokio::test]
async fn with_a_home_the_workspace_and_the_thread_are_kept() {
    let home = tempfile::tempdir().unwrap();
    let out = demo(Some(home.path()), "hi").await;
    let workspace = header_path(&out, "workspace ");
    assert!(workspace.starts_with(std::fs::canonicalize(home.path()).unwrap()));
    assert_eq!(
        std::fs::read_to_string(workspace.join("hello.txt")).unwrap(),
        "hello from mock\n"
    );
    assert!(home.path().join("sessions").is_dir(), "the rollout is kept");
    assert_eq!(
        out.lines().last().unwrap(),
        format!(
            "✓ demo finished; the workspace is kept at {}",
            workspace.display()
        )
    );
    // A second run gets a workspace of its own.
    let again = header_path(&demo(Some(home.path()), "hi").await, "workspace ");
    assert_ne!(again, workspace);
}

#[tokio::test]
async fn the_binary_runs_the_demo_and_exits_0() {
    let run = tokio::process::Command::new(env!("CARGO_BIN_EXE_weft"))
        .arg("demo")
        .env_remove("OPENAI_API_KEY")
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(BINARY_WAIT, run)
        .await
        .expect("the demo finishes")
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("← {\"decision\":\"accept\"}"), "{stdout}");
    assert!(stdout.ends_with("✓ demo finished; the temporary home and workspace are removed\n"));
}
