//! Commands on a pseudo-terminal: `install_child` with `Session::ControllingTerminal` makes
//! the child a session leader with the terminal as controlling terminal, in the same `pre_exec`
//! as the sandbox, which stays fully in force.

use std::io::Read;
use std::os::fd::OwnedFd;
use std::process::{Command, Stdio};
use std::sync::mpsc;

use nix::fcntl::{FcntlArg, FdFlag, fcntl};
use nix::pty::{Winsize, openpty};
use weft_sandbox::{SandboxPolicy, Session, install_child_std, prepare, set_window_size};

use crate::{COMMAND_TIMEOUT, Outcome, Workspace, display, landlock_or_skip};

/// Runs `/bin/sh -c script sh args…` on a fresh 24 × 80 terminal with the terminal session set
/// up and, when `policy` restricts anything, the sandbox; returns the exit code and everything
/// read from the master (as `stdout`).
fn run_on_terminal(policy: Option<&SandboxPolicy>, script: &str, args: &[&str]) -> Outcome {
    let size = Winsize {
        ws_row: 24,
        ws_col: 80,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    let pair = openpty(&size, None).expect("openpty");
    for fd in [&pair.master, &pair.slave] {
        // Other tests spawn concurrently: keep this terminal out of their children.
        fcntl(fd, FcntlArg::F_SETFD(FdFlag::FD_CLOEXEC)).expect("cloexec");
    }
    let mut command = Command::new("/bin/sh");
    command.arg("-c").arg(script).arg("sh").args(args);
    command
        .stdin(Stdio::from(pair.slave.try_clone().expect("dup slave")))
        .stdout(Stdio::from(pair.slave.try_clone().expect("dup slave")))
        .stderr(Stdio::from(pair.slave));
    let sandbox = policy.and_then(|policy| prepare(policy).expect("prepare"));
    install_child_std(&mut command, Session::ControllingTerminal, sandbox);
    let mut child = command.spawn().expect("spawn");
    // Our copies of the slave go with the command, so the master ends when the child does.
    drop(command);
    let (sender, receiver) = mpsc::channel();
    let master = pair.master;
    std::thread::spawn(move || {
        let output = read_to_end(master);
        let code = child.wait().expect("wait").code().unwrap_or(-1);
        let _ = sender.send((code, output));
    });
    let (code, stdout) = receiver
        .recv_timeout(COMMAND_TIMEOUT)
        .expect("command finished in time");
    Outcome {
        code,
        stdout,
        stderr: String::new(),
    }
}

/// Reads the master until every slave is closed (the kernel answers `EIO` then).
fn read_to_end(master: OwnedFd) -> String {
    let mut file = std::fs::File::from(master);
    let mut output = Vec::new();
    let mut buffer = [0_u8; 4096];
    loop {
        match file.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(read) => output.extend_from_slice(&buffer[..read]),
        }
    }
    String::from_utf8_lossy(&output).into_owned()
}

/// Prints `pid pgrp session tty_nr` of the shell (fields 1, 5, 6, 7 of its stat line; `sh`
/// has no space in its name).
const SESSION_FIELDS: &str = "cut -d' ' -f1,5,6,7 /proc/$$/stat";

#[track_caller]
fn assert_leads_a_session_with_a_terminal(output: &str) {
    let line = output.lines().next().expect("stat line");
    let fields: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(fields.len(), 4, "{output:?}");
    assert_eq!(fields[0], fields[1], "group leader: {output:?}");
    assert_eq!(fields[0], fields[2], "session leader: {output:?}");
    assert_ne!(fields[3], "0", "has a controlling terminal: {output:?}");
}

#[test]
fn the_child_leads_a_session_on_its_terminal() {
    let outcome = run_on_terminal(None, &format!("{SESSION_FIELDS}; stty size"), &[]);
    outcome.assert_ok();
    assert_leads_a_session_with_a_terminal(&outcome.stdout);
    assert!(outcome.stdout.ends_with("24 80\r\n"), "{outcome:?}");
}

#[test]
fn a_sandboxed_terminal_command_is_still_denied_writes_outside_the_roots() {
    if !landlock_or_skip() {
        return;
    }
    let workspace = Workspace::new();
    let outside = tempfile::tempdir().expect("tempdir");
    let outside_file = outside.path().join("escaped.txt");
    let script = format!(
        "{SESSION_FIELDS}; test -t 0 && echo tty; stty size; echo in > \"$1\" && echo wrote; \
         echo out > \"$2\""
    );
    let outcome = run_on_terminal(
        Some(&workspace.policy()),
        &script,
        &[&workspace.path("src/inside.txt"), &display(&outside_file)],
    );
    outcome.assert_denied();
    assert_leads_a_session_with_a_terminal(&outcome.stdout);
    assert!(
        outcome.stdout.contains("tty\r\n24 80\r\nwrote\r\n"),
        "{outcome:?}"
    );
    assert!(workspace.root.join("src/inside.txt").exists());
    assert!(!outside_file.exists(), "a write escaped the sandbox");
}

#[test]
fn a_session_cannot_be_combined_with_a_new_process_group() {
    let pair = openpty(None, None).expect("openpty");
    let mut command = Command::new("/bin/true");
    command.stdin(Stdio::from(pair.slave));
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    install_child_std(&mut command, Session::ControllingTerminal, None);
    let error = command
        .spawn()
        .expect_err("setsid fails for a group leader");
    assert_eq!(error.raw_os_error(), Some(nix::errno::Errno::EPERM as i32));
}

#[test]
fn set_window_size_needs_a_terminal() {
    let pair = openpty(None, None).expect("openpty");
    set_window_size(std::os::fd::AsFd::as_fd(&pair.master), 50, 132).expect("resize");
    let file = tempfile::tempfile().expect("tempfile");
    let error = set_window_size(std::os::fd::AsFd::as_fd(&file), 50, 132).unwrap_err();
    assert_eq!(error.raw_os_error(), Some(nix::errno::Errno::ENOTTY as i32));
}
