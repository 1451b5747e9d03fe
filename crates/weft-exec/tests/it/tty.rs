//! Commands on a pseudo-terminal (`tty: true`): the program sees a terminal of the requested
//! size, interactive programs answer typed lines, Ctrl-C reaches the foreground job, a resize
//! shows, and ending the command leaves no process of its session behind.

use std::time::Duration;

use tokio_util::sync::CancellationToken;
use weft_exec::{ExecOutcome, ExecRequest, ProcessTable, SpawnHook, TerminalSize};
use weft_sandbox::Session;

use crate::{TEST_WAIT, is_dead, poll_until};

/// The session setup weft-core installs for an unsandboxed `tty` command.
fn session_hook() -> SpawnHook {
    Box::new(|command| {
        weft_sandbox::install_child(command, Session::ControllingTerminal, None);
        Ok(())
    })
}

/// `argv` on a terminal, in the temp dir, with a short yield so interactive programs come back
/// as sessions.
fn tty(argv: &[&str]) -> ExecRequest {
    let mut request = ExecRequest::new(
        argv.iter().map(|arg| (*arg).to_owned()).collect(),
        std::env::temp_dir(),
    );
    request.tty = true;
    request.yield_time = Duration::from_millis(250);
    request
}

/// An interactive bash without startup files, so its output is only what the test types.
fn bash() -> ExecRequest {
    tty(&["bash", "--norc", "--noprofile", "-i"])
}

async fn start(table: &ProcessTable, request: ExecRequest) -> ExecOutcome {
    tokio::time::timeout(
        TEST_WAIT,
        table.exec(
            request,
            Some(session_hook()),
            None,
            CancellationToken::new(),
        ),
    )
    .await
    .expect("exec finished in time")
    .expect("exec succeeded")
}

/// Types `chars` into `session`, then polls until the output since (starting with the write's
/// own output) contains `needle` (`None`: until it exits).
async fn type_until(
    table: &ProcessTable,
    session_id: i32,
    chars: &str,
    needle: Option<&str>,
) -> (String, ExecOutcome) {
    let written = table
        .write_stdin(
            session_id,
            chars,
            None,
            10_000,
            None,
            CancellationToken::new(),
        )
        .await
        .expect("write succeeded");
    poll_until(table, written, needle).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_program_sees_a_terminal_on_every_stream() {
    let table = ProcessTable::new();
    let script = "test -t 0 && test -t 1 && test -t 2 && echo tty; echo err >&2";
    let outcome = start(&table, tty(&["/bin/sh", "-c", script])).await;
    let (output, last) = poll_until(&table, outcome, None).await;
    assert_eq!(last.exit_code, Some(0), "{output:?}");
    // One stream, in order, with the terminal's newline translation.
    assert_eq!(output, "tty\r\nerr\r\n");
    assert!(table.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_initial_size_and_a_resize_show_in_stty() {
    let table = ProcessTable::new();
    let mut request = tty(&["/bin/sh", "-c", "stty size; read line; stty size"]);
    request.terminal_size = TerminalSize {
        rows: 40,
        cols: 100,
    };
    let outcome = start(&table, request).await;
    let (output, running) = poll_until(&table, outcome, Some("40 100\r\n")).await;
    assert!(output.starts_with("40 100\r\n"), "{output:?}");
    let session_id = running.session_id.expect("waits for a line");
    let size = TerminalSize {
        rows: 50,
        cols: 132,
    };
    table
        .resize(session_id, size, weft_sandbox::set_window_size)
        .expect("resize");
    let (output, last) = type_until(&table, session_id, "\n", None).await;
    assert_eq!(last.exit_code, Some(0));
    assert!(output.ends_with("50 132\r\n"), "{output:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_size_is_24_by_80() {
    let table = ProcessTable::new();
    let outcome = start(&table, tty(&["stty", "size"])).await;
    let (output, _) = poll_until(&table, outcome, None).await;
    assert_eq!(output, "24 80\r\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interactive_bash_answers_typed_lines() {
    let table = ProcessTable::new();
    let outcome = start(&table, bash()).await;
    let session_id = outcome.session_id.expect("bash waits for input");
    let (output, _) = type_until(&table, session_id, "echo $((6 * 7))\n", Some("42\r\n")).await;
    // The terminal echoes the typed line before the result.
    assert!(output.contains("echo $((6 * 7))"), "{output:?}");
    let (_, last) = type_until(&table, session_id, "exit 3\n", None).await;
    assert_eq!(last.exit_code, Some(3));
    assert!(table.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_interrupts_the_foreground_program() {
    let table = ProcessTable::new();
    let outcome = start(&table, tty(&["sleep", "1000"])).await;
    let session_id = outcome.session_id.expect("sleep runs");
    let (_, last) = type_until(&table, session_id, "\u{3}", None).await;
    assert_eq!(last.exit_code, Some(128 + 2), "ended by SIGINT");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_d_ends_input_without_closing_the_terminal() {
    let table = ProcessTable::new();
    let outcome = start(&table, tty(&["/bin/sh", "-c", "cat; echo done"])).await;
    let session_id = outcome.session_id.expect("cat waits");
    let (output, last) = type_until(&table, session_id, "abc\n\u{4}", None).await;
    assert_eq!(last.exit_code, Some(0));
    assert!(output.ends_with("done\r\n"), "{output:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resizing_a_piped_command_is_refused() {
    let table = ProcessTable::new();
    let request = ExecRequest {
        yield_time: Duration::from_millis(250),
        ..crate::sh("sleep 1000")
    };
    let outcome = crate::run(&table, request).await;
    let session_id = outcome.session_id.expect("running");
    let error = table
        .resize(
            session_id,
            TerminalSize::default(),
            weft_sandbox::set_window_size,
        )
        .unwrap_err();
    assert_eq!(error.to_string(), "process is not attached to a PTY");
    let error = table
        .resize(1, TerminalSize::default(), weft_sandbox::set_window_size)
        .unwrap_err();
    assert_eq!(error.to_string(), "Unknown process id 1");
    table.terminate_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminating_ends_every_job_of_the_session() {
    let table = ProcessTable::new();
    let outcome = start(&table, bash()).await;
    let session_id = outcome.session_id.expect("bash waits for input");
    let leader = outcome.pid;
    let (output, _) = type_until(
        &table,
        session_id,
        "sleep 1000 & echo job=$!\n",
        Some("\r\njob="),
    )
    .await;
    let job: u32 = output
        .split("\r\njob=")
        .nth(1)
        .and_then(|rest| rest.split("\r\n").next())
        .and_then(|pid| pid.trim().parse().ok())
        .unwrap_or_else(|| panic!("no job pid in {output:?}"));
    // Job control gave the job a process group of its own: signalling bash's group alone
    // would miss it.
    let stat = std::fs::read_to_string(format!("/proc/{job}/stat")).expect("job stat");
    let job_group = stat[stat.rfind(')').expect("comm") + 1..]
        .split_whitespace()
        .nth(2)
        .expect("pgrp field")
        .to_owned();
    assert_eq!(job_group, job.to_string());
    assert!(table.terminate(session_id).await);
    let deadline = tokio::time::Instant::now() + TEST_WAIT;
    while !(is_dead(leader) && is_dead(job)) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "session not ended: leader {leader}, job {job}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(table.is_empty());
}
