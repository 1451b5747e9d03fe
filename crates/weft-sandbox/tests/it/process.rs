//! Signals, ptrace and namespaces: the command may touch its own process tree only, and runs
//! in the parent's user namespace.

use weft_sandbox::SandboxPolicy;

use crate::{Outsider, Workspace, landlock_or_skip, run};

/// `PTRACE_ATTACH` to `$1` through libc; prints the error on failure.
const PTRACE_ATTACH: &str = "python3 -c '
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
if libc.ptrace(16, int(sys.argv[1]), None, None) != 0:
    print(\"ptrace:\", os.strerror(ctypes.get_errno()), file=sys.stderr)
    sys.exit(1)
' \"$1\"";

/// Opens `/proc/$1/mem` (a ptrace-mode access check), reading nothing.
const OPEN_MEM: &str =
    "python3 -c 'import sys; open(\"/proc/\" + sys.argv[1] + \"/mem\", \"rb\")' \"$1\"";

#[tokio::test]
async fn signals_to_outside_processes_are_denied() {
    if !landlock_or_skip() {
        return;
    }
    if !weft_sandbox::support().has_scopes() {
        println!("skipped: Landlock ABI < 6 has no signal scoping");
        return;
    }
    let outsider = Outsider::spawn();
    let workspace = Workspace::new();
    for policy in [workspace.policy(), SandboxPolicy::read_only()] {
        run(&policy, "kill -0 \"$1\"", &[&outsider.pid()])
            .await
            .assert_denied();
        run(&policy, "kill -TERM \"$1\"", &[&outsider.pid()])
            .await
            .assert_denied();
    }
    run(
        &SandboxPolicy::danger_full_access(),
        "kill -0 \"$1\"",
        &[&outsider.pid()],
    )
    .await
    .assert_ok();
}

#[tokio::test]
async fn signals_inside_the_command_tree_still_work() {
    if !landlock_or_skip() {
        return;
    }
    let workspace = Workspace::new();
    let script = "sleep 30 & child=$!; kill -0 $child && kill $child; wait $child; echo $?";
    let outcome = run(&workspace.policy(), script, &[]).await;
    outcome.assert_ok();
    assert_eq!(outcome.stdout, "143\n");
}

#[tokio::test]
async fn ptrace_and_proc_access_to_outside_processes_are_denied() {
    if !landlock_or_skip() {
        return;
    }
    let outsider = Outsider::spawn();
    let workspace = Workspace::new();
    for policy in [workspace.policy(), SandboxPolicy::read_only()] {
        run(&policy, PTRACE_ATTACH, &[&outsider.pid()])
            .await
            .assert_denied();
        run(&policy, OPEN_MEM, &[&outsider.pid()])
            .await
            .assert_denied();
        run(&policy, "ls -l \"/proc/$1/cwd/\"", &[&outsider.pid()])
            .await
            .assert_denied();
    }
    let full = SandboxPolicy::danger_full_access();
    run(&full, OPEN_MEM, &[&outsider.pid()]).await.assert_ok();
    run(&full, "ls -l \"/proc/$1/cwd/\"", &[&outsider.pid()])
        .await
        .assert_ok();
    let traced = Outsider::spawn();
    run(&full, PTRACE_ATTACH, &[&traced.pid()])
        .await
        .assert_ok();
}

#[tokio::test]
async fn the_command_runs_in_the_parent_user_namespace() {
    if !landlock_or_skip() {
        return;
    }
    let parent = std::fs::read_link("/proc/self/ns/user").unwrap();
    let workspace = Workspace::new();
    for policy in [workspace.policy(), SandboxPolicy::read_only()] {
        let outcome = run(&policy, "readlink /proc/self/ns/user", &[]).await;
        outcome.assert_ok();
        assert_eq!(outcome.stdout.trim_end(), parent.to_str().unwrap());
    }
}

#[tokio::test]
async fn setuid_cannot_regain_privileges() {
    if !landlock_or_skip() {
        return;
    }
    let workspace = Workspace::new();
    let outcome = run(
        &workspace.policy(),
        "grep NoNewPrivs /proc/self/status",
        &[],
    )
    .await;
    outcome.assert_ok();
    assert!(outcome.stdout.contains('1'), "{outcome:?}");
}
