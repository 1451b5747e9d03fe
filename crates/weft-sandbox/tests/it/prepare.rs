//! The `prepare` / `install` API itself: what it returns, what it reports, reuse of a command.

use weft_sandbox::{SandboxPolicy, install, prepare};

use crate::{Workspace, landlock_or_skip};

#[test]
fn full_access_needs_no_sandbox() {
    assert!(
        prepare(&SandboxPolicy::danger_full_access())
            .unwrap()
            .is_none()
    );
    assert!(!SandboxPolicy::danger_full_access().is_restricted());
    assert!(SandboxPolicy::read_only().is_restricted());
}

#[test]
fn prepared_reports_its_write_rules_and_protected_paths() {
    if !landlock_or_skip() {
        return;
    }
    let workspace = Workspace::new();
    let prepared = prepare(&workspace.policy()).unwrap().expect("restricted");
    let writable = prepared.writable_paths();
    assert!(writable.iter().any(|path| path.as_os_str() == "/dev/null"));
    assert!(writable.contains(&workspace.root.join("src")));
    assert!(writable.contains(&workspace.root.join("README.md")));
    assert!(!writable.contains(&workspace.root));
    assert_eq!(prepared.protected_paths(), [workspace.root.join(".git")]);
    assert!(!prepared.network_allowed());

    let read_only = prepare(&SandboxPolicy::read_only())
        .unwrap()
        .expect("restricted");
    assert!(
        read_only
            .writable_paths()
            .iter()
            .all(|path| path.starts_with("/dev"))
    );
    assert!(
        !read_only
            .writable_paths()
            .iter()
            .any(|path| path.as_os_str() == "/dev/shm")
    );
}

#[test]
fn relative_roots_are_refused() {
    if !landlock_or_skip() {
        return;
    }
    let policy = SandboxPolicy::workspace_write(vec!["relative".into()], false);
    let error = prepare(&policy).unwrap_err();
    assert_eq!(
        error.to_string(),
        "writable root is not an absolute path: relative"
    );
}

#[tokio::test]
async fn one_installed_command_can_be_spawned_twice_and_stays_restricted() {
    if !landlock_or_skip() {
        return;
    }
    let workspace = Workspace::new();
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("x");
    let mut command = tokio::process::Command::new("/bin/sh");
    command
        .arg("-c")
        .arg("echo x > \"$1\"")
        .arg("sh")
        .arg(&target);
    command.stderr(std::process::Stdio::null());
    install(
        &mut command,
        prepare(&workspace.policy()).unwrap().expect("restricted"),
    );
    for _ in 0..2 {
        let status = tokio::time::timeout(crate::COMMAND_TIMEOUT, command.status())
            .await
            .unwrap()
            .unwrap();
        assert!(!status.success());
    }
    assert!(!target.exists());
}
