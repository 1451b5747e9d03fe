//! Helpers shared by the test modules: temp dirs, file IO, and one-call patch runs.

use std::fs;
use std::path::Path;

use tempfile::TempDir;
use weft_patch::{ApplySummary, PatchError, PlannedChange, parse_patch, plan};

/// A patch text with the begin and end markers around `body`.
pub(crate) fn wrap(body: &str) -> String {
    format!("*** Begin Patch\n{body}\n*** End Patch")
}

pub(crate) fn tempdir() -> TempDir {
    tempfile::tempdir().expect("tempdir")
}

pub(crate) fn write(dir: &Path, relative: &str, content: &str) {
    let path = dir.join(relative);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("create parents");
    }
    fs::write(path, content).expect("write");
}

pub(crate) fn read(dir: &Path, relative: &str) -> String {
    fs::read_to_string(dir.join(relative)).expect("read")
}

/// Parses and plans `patch_text` against `cwd`.
pub(crate) fn plan_text(patch_text: &str, cwd: &Path) -> Result<Vec<PlannedChange>, PatchError> {
    plan(&parse_patch(patch_text)?, cwd)
}

/// Parses, plans and applies `patch_text` against `cwd`.
pub(crate) fn run(patch_text: &str, cwd: &Path) -> Result<ApplySummary, PatchError> {
    weft_patch::apply(&plan_text(patch_text, cwd)?)
}

/// The error text the model would see for `patch_text` run in `cwd`.
pub(crate) fn run_error(patch_text: &str, cwd: &Path) -> String {
    run(patch_text, cwd)
        .expect_err("patch should fail")
        .to_string()
}
