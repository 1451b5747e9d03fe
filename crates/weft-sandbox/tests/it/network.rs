//! The seccomp network filter and the environment marker.

use weft_sandbox::{NETWORK_DISABLED_ENV, SandboxPolicy};

use crate::{Workspace, landlock_or_skip, run};

const TCP: &str = "python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_STREAM)'";
const UDP: &str = "python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM)'";
const TCP6: &str = "python3 -c 'import socket; socket.socket(socket.AF_INET6, socket.SOCK_STREAM)'";
const UNIX: &str = "python3 -c '
import socket
socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
a, b = socket.socketpair()
a.sendall(b\"ping\")
assert b.recv(4) == b\"ping\"
'";
/// `syscall($1, $2, <zeroed buffer>, 0)` through libc; prints the errno name on failure.
const SYSCALL: &str = "python3 -c '
import ctypes, errno, sys
libc = ctypes.CDLL(None, use_errno=True)
buffer = ctypes.create_string_buffer(256)
if libc.syscall(int(sys.argv[1]), int(sys.argv[2]), buffer, 0) < 0:
    print(\"errno\", errno.errorcode[ctypes.get_errno()], file=sys.stderr)
    sys.exit(1)
' \"$1\" \"$2\"";
#[tokio::test]
async fn tcp_and_udp_sockets_are_denied_with_the_network_off() {
    if !landlock_or_skip() {
        return;
    }
    let workspace = Workspace::new();
    for script in [TCP, UDP, TCP6] {
        let outcome = run(&workspace.policy(), script, &[]).await;
        outcome.assert_denied();
        assert!(
            outcome.stderr.contains("Operation not permitted"),
            "{outcome:?}"
        );
    }
    let read_only = SandboxPolicy::read_only();
    run(&read_only, TCP, &[]).await.assert_denied();
}

#[tokio::test]
async fn sockets_are_allowed_with_full_access_or_network_on() {
    let full = SandboxPolicy::danger_full_access();
    run(&full, &format!("{TCP} && {UDP}"), &[])
        .await
        .assert_ok();
    if !landlock_or_skip() {
        return;
    }
    let workspace = Workspace::new();
    let networked = SandboxPolicy::workspace_write(vec![workspace.root.clone()], true);
    run(&networked, &format!("{TCP} && {UDP}"), &[])
        .await
        .assert_ok();
}

#[tokio::test]
async fn unix_sockets_and_socketpairs_still_work() {
    if !landlock_or_skip() {
        return;
    }
    let workspace = Workspace::new();
    run(&workspace.policy(), UNIX, &[]).await.assert_ok();
}

#[tokio::test]
async fn io_uring_and_kernel_changing_calls_are_denied() {
    if !landlock_or_skip() {
        return;
    }
    let workspace = Workspace::new();
    let io_uring_setup = libc::SYS_io_uring_setup.to_string();
    let finit_module = libc::SYS_finit_module.to_string();
    for (syscall, first) in [(&io_uring_setup, "1"), (&finit_module, "-1")] {
        let outcome = run(&workspace.policy(), SYSCALL, &[syscall, first]).await;
        assert_eq!(outcome.code, 1, "{outcome:?}");
        assert_eq!(outcome.stderr, "errno EPERM\n");
    }
    // Unsandboxed, the call reaches the kernel: EBADF for the bad descriptor, or ENOSYS on a
    // kernel built without module support.
    let full = SandboxPolicy::danger_full_access();
    let outcome = run(&full, SYSCALL, &[&finit_module, "-1"]).await;
    assert!(
        ["errno EBADF\n", "errno ENOSYS\n"].contains(&outcome.stderr.as_str()),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn network_marker_is_set_only_with_the_network_off() {
    if !landlock_or_skip() {
        return;
    }
    let workspace = Workspace::new();
    let script = format!("printf '%s' \"${{{NETWORK_DISABLED_ENV}:-unset}}\"");
    let off = run(&workspace.policy(), &script, &[]).await;
    assert_eq!(off.stdout, "1");
    let on = SandboxPolicy::workspace_write(vec![workspace.root.clone()], true);
    assert_eq!(run(&on, &script, &[]).await.stdout, "unset");
    assert_eq!(
        run(&SandboxPolicy::danger_full_access(), &script, &[])
            .await
            .stdout,
        "unset"
    );
}

#[tokio::test]
async fn full_access_file_system_with_network_off_uses_seccomp_alone() {
    let policy = SandboxPolicy {
        file_system: weft_sandbox::FileSystemPolicy::FullAccess,
        network_allowed: false,
    };
    let outside = tempfile::tempdir().unwrap();
    let file = outside.path().join("f");
    let file = file.to_str().unwrap();
    run(&policy, "echo x > \"$1\"", &[file]).await.assert_ok();
    run(&policy, TCP, &[]).await.assert_denied();
}
