//! OpenAI's official Python SDK (PyPI `openai-codex==0.163.0`) driving the real `weft` binary:
//! runs `tests/python_sdk/smoke.py` (threads, streamed turns, interrupt, resume),
//! `tests/python_sdk/approvals.py` (the low-level client answering command approvals with
//! accept and decline) and `tests/python_sdk/threads.py` (name, steer, fork, archive, unarchive, goals)
//! against the test build of the binary, offline with the `scripted`
//! model. The Python comes from `$WEFT_SDK_PYTHON` (default [`DEFAULT_PYTHON`], the venv
//! `.ci/run` creates); without it or without the SDK the tests print `skipped: …` and pass.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;

/// The interpreter used when `$WEFT_SDK_PYTHON` is unset: the venv `.ci/run` installs into.
const DEFAULT_PYTHON: &str = "/tmp/weft-sdk-venv/bin/python";

/// How to get the SDK, quoted in every `skipped:` line.
const INSTALL_HINT: &str = "install it with `python3 -m venv /tmp/weft-sdk-venv && \
     /tmp/weft-sdk-venv/bin/pip install openai-codex==0.163.0`, or point $WEFT_SDK_PYTHON \
     at a Python that has it";

/// Outer bound on one script run. Each script stops itself after 60 s (exit 3); this only
/// catches a script that hangs outside its own watchdog, with room for a loaded 2-core CI box.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(120);

/// Bound on the `import openai_codex` probe (pydantic import included).
const PROBE_TIMEOUT: Duration = Duration::from_secs(30);

/// The Python to use, or why the SDK tests cannot run here.
async fn sdk_python() -> Result<PathBuf, String> {
    let (python, origin) = match std::env::var_os("WEFT_SDK_PYTHON") {
        Some(value) if !value.is_empty() => (PathBuf::from(value), "$WEFT_SDK_PYTHON"),
        _ => (PathBuf::from(DEFAULT_PYTHON), "the default"),
    };
    if !python.is_file() {
        return Err(format!(
            "no Python at {} ({origin}); {INSTALL_HINT}",
            python.display()
        ));
    }
    let probe = Command::new(&python)
        .args(["-c", "import openai_codex"])
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    match tokio::time::timeout(PROBE_TIMEOUT, probe).await {
        Ok(Ok(output)) if output.status.success() => Ok(python),
        Ok(Ok(output)) => Err(format!(
            "{} cannot import openai_codex ({}); {INSTALL_HINT}",
            python.display(),
            String::from_utf8_lossy(&output.stderr)
                .lines()
                .last()
                .unwrap_or("no error text")
        )),
        Ok(Err(error)) => Err(format!(
            "cannot run {}: {error}; {INSTALL_HINT}",
            python.display()
        )),
        Err(_) => Err(format!(
            "{} did not import openai_codex within {PROBE_TIMEOUT:?}",
            python.display()
        )),
    }
}

/// `(passed, failed)` from a script's last line, `<name>: N passed, M failed`.
fn summary(stdout: &str, name: &str) -> Option<(u32, u32)> {
    let last = stdout.lines().rev().find(|line| !line.trim().is_empty())?;
    let counts = last.strip_prefix(name)?.strip_prefix(": ")?;
    let (passed, failed) = counts.split_once(" passed, ")?;
    let failed = failed.strip_suffix(" failed")?;
    Some((passed.parse().ok()?, failed.parse().ok()?))
}

/// Runs `tests/python_sdk/<name>.py` against the test binary and asserts it passed.
#[expect(
    clippy::print_stdout,
    reason = "the skip line and the script's transcript are the test's report"
)]
async fn run_script(name: &str) {
    let python = match sdk_python().await {
        Ok(python) => python,
        Err(why) => {
            println!("skipped: {name}.py needs OpenAI's Python SDK: {why}");
            return;
        }
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/python_sdk")
        .join(format!("{name}.py"));
    let run = Command::new(&python)
        .arg(&script)
        .arg(env!("CARGO_BIN_EXE_weft"))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONUNBUFFERED", "1")
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(SCRIPT_TIMEOUT, run)
        .await
        .unwrap_or_else(|_| panic!("{name}.py still running after {SCRIPT_TIMEOUT:?}"))
        .unwrap_or_else(|error| panic!("cannot run {}: {error}", python.display()));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let report = format!(
        "{name}.py: {}\n--- stdout\n{stdout}--- stderr\n{stderr}",
        output.status
    );
    println!("{report}");
    assert!(output.status.success(), "{report}");
    let (passed, failed) =
        summary(&stdout, name).unwrap_or_else(|| panic!("no summary line\n{report}"));
    assert!(passed > 0 && failed == 0, "{report}");
}

#[tokio::test]
async fn python_sdk_smoke_drives_the_binary() {
    run_script("smoke").await;
}

#[tokio::test]
async fn python_sdk_answers_approvals() {
    run_script("approvals").await;
}

#[tokio::test]
async fn python_sdk_thread_flows_name_steer_fork_archive_unarchive_goals() {
    run_script("threads").await;
}

#[test]
fn summary_reads_the_last_line_only() {
    assert_eq!(
        summary("ok   a\napprovals: 5 passed, 0 failed\n", "approvals"),
        Some((5, 0))
    );
    assert_eq!(
        summary("smoke: 2 passed, 1 failed\n\n", "smoke"),
        Some((2, 1))
    );
    assert_eq!(
        summary("smoke: 2 passed, 0 failed\nFAIL x\n", "smoke"),
        None
    );
    assert_eq!(summary("approvals: 2 passed, 0 failed", "smoke"), None);
    assert_eq!(summary("", "smoke"), None);
}
