//! Integration tests: real `/bin/sh -c` children under each policy. Every test first checks
//! `support()` and prints `skipped: …` when the kernel lacks Landlock.

mod fs;
mod network;
mod prepare;
mod process;
mod terminal;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use weft_sandbox::{SandboxPolicy, Support, install, is_likely_sandbox_denial, prepare, support};

/// Longest a test command may run; they all finish in milliseconds.
pub(crate) const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// What a child did.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Outcome {
    /// Asserts exit 0 (with the output in the message).
    #[track_caller]
    pub(crate) fn assert_ok(&self) {
        assert_eq!(self.code, 0, "expected success: {self:?}");
    }

    /// Asserts a failure that the core would classify as a sandbox denial.
    #[track_caller]
    pub(crate) fn assert_denied(&self) {
        assert_ne!(self.code, 0, "expected denial: {self:?}");
        let output = format!("{}{}", self.stdout, self.stderr);
        assert!(
            is_likely_sandbox_denial(self.code, &output),
            "not classified as denial: {self:?}"
        );
    }
}

/// `true` when Landlock is usable; otherwise prints the skip line.
#[allow(
    clippy::print_stdout,
    reason = "the skip line is the test's report, as in a #[test]"
)]
pub(crate) fn landlock_or_skip() -> bool {
    match support() {
        Support::Available { .. } => true,
        Support::Unavailable { reason } => {
            println!("skipped: {reason}");
            false
        }
    }
}

/// Runs `script` with `/bin/sh -c` under `policy`, with `args` as `$1…`.
pub(crate) async fn run(policy: &SandboxPolicy, script: &str, args: &[&str]) -> Outcome {
    let mut command = tokio::process::Command::new("/bin/sh");
    command.arg("-c").arg(script).arg("sh").args(args);
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command.kill_on_drop(true);
    if let Some(prepared) = prepare(policy).expect("prepare") {
        install(&mut command, prepared);
    }
    let output = tokio::time::timeout(COMMAND_TIMEOUT, command.output())
        .await
        .expect("command timed out")
        .expect("spawn");
    Outcome {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A workspace: a canonical temporary root with a `.git` directory (config, hooks) and a `src`
/// subdirectory, as a repository checkout has.
pub(crate) struct Workspace {
    _dir: tempfile::TempDir,
    pub(crate) root: PathBuf,
}

impl Workspace {
    pub(crate) fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = std::fs::canonicalize(dir.path()).expect("canonicalize");
        std::fs::create_dir_all(root.join(".git/hooks")).expect("mkdir .git");
        std::fs::write(root.join(".git/config"), "[core]\n").expect("write config");
        std::fs::create_dir(root.join("src")).expect("mkdir src");
        std::fs::write(root.join("README.md"), "hello\n").expect("write readme");
        Self { _dir: dir, root }
    }

    /// `workspace_write([root], network_allowed = false)`.
    pub(crate) fn policy(&self) -> SandboxPolicy {
        SandboxPolicy::workspace_write(vec![self.root.clone()], false)
    }

    pub(crate) fn path(&self, relative: &str) -> String {
        display(&self.root.join(relative))
    }
}

pub(crate) fn display(path: &Path) -> String {
    path.to_str().expect("utf-8 path").to_owned()
}

/// An unsandboxed `sleep` outside every command's tree, killed on drop.
pub(crate) struct Outsider(std::process::Child);

impl Outsider {
    pub(crate) fn spawn() -> Self {
        let child = std::process::Command::new("sleep")
            .arg("300")
            .stdin(Stdio::null())
            .spawn()
            .expect("spawn sleep");
        Self(child)
    }

    pub(crate) fn pid(&self) -> String {
        self.0.id().to_string()
    }
}

impl Drop for Outsider {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
