//! Cancellation ends the command's whole process group, even members that ignore SIGTERM.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use weft_exec::limits::KILL_GRACE;
use weft_exec::{ExecError, ExecOutcome, ProcessTable};

use crate::{TEST_WAIT, is_dead, live_group_members, sh_yield, wait_until_gone};

/// Starts `script` (long yield), waits until its deltas contain `lines` newline-terminated
/// lines, cancels, and returns those lines, the call's result and the time the cancellation
/// took.
async fn cancel_after_lines(
    table: &ProcessTable,
    script: &str,
    lines: usize,
) -> (Vec<String>, Result<ExecOutcome, ExecError>, Duration) {
    let (sender, mut receiver) = mpsc::channel(64);
    let cancel = CancellationToken::new();
    let call = tokio::spawn({
        let table = table.clone();
        let cancel = cancel.clone();
        let request = sh_yield(script, Duration::from_secs(30));
        async move { table.exec(request, None, Some(sender), cancel).await }
    });
    let mut seen = String::new();
    while seen.matches('\n').count() < lines {
        let delta = tokio::time::timeout(TEST_WAIT, receiver.recv())
            .await
            .expect("output in time")
            .expect("delta channel open");
        seen.push_str(&delta);
    }
    let cancelled_at = tokio::time::Instant::now();
    cancel.cancel();
    let result = tokio::time::timeout(TEST_WAIT, call)
        .await
        .expect("exec returned in time")
        .expect("exec task did not panic");
    let lines = seen.lines().map(str::to_owned).collect();
    (lines, result, cancelled_at.elapsed())
}

fn value(lines: &[String], key: &str) -> u32 {
    lines
        .iter()
        .find_map(|line| line.strip_prefix(key))
        .and_then(|value| value.parse().ok())
        .unwrap_or_else(|| panic!("no {key} in {lines:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancellation_kills_the_whole_group() {
    let table = ProcessTable::new();
    let (lines, result, _) = cancel_after_lines(
        &table,
        "sleep 1000 & echo background=$!; echo leader=$$; sleep 1000",
        2,
    )
    .await;
    let error = result.unwrap_err();
    assert!(matches!(error, ExecError::Cancelled { .. }), "{error:?}");
    assert!(error.to_model_text().ends_with(" seconds\naborted by user"));
    let leader = value(&lines, "leader=");
    let background = value(&lines, "background=");
    // The leader is reaped before the call returns; the rest of the group is signalled and
    // dies as soon as the kernel schedules it.
    assert!(is_dead(leader), "leader {leader} still alive");
    assert!(
        wait_until_gone(background, leader).await,
        "background {background} or group {leader} still alive: {:?}",
        live_group_members(leader)
    );
    assert!(table.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_that_ignores_sigterm_still_dies() {
    let table = ProcessTable::new();
    let (lines, result, took) = cancel_after_lines(
        &table,
        "trap '' TERM; sleep 1000 & echo background=$!; echo leader=$$; wait",
        2,
    )
    .await;
    assert!(matches!(result, Err(ExecError::Cancelled { .. })));
    // Nothing exited on SIGTERM, so the full grace passed before SIGKILL.
    assert!(took >= KILL_GRACE, "{took:?}");
    let leader = value(&lines, "leader=");
    assert!(is_dead(leader));
    assert!(wait_until_gone(value(&lines, "background="), leader).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_a_poll_ends_the_session() {
    let table = ProcessTable::new();
    let started = crate::run(&table, sh_yield("sleep 1000", Duration::from_millis(250))).await;
    let session_id = started.session_id.unwrap();
    let cancel = CancellationToken::new();
    let poll = tokio::spawn({
        let table = table.clone();
        let cancel = cancel.clone();
        async move {
            table
                .write_stdin(
                    session_id,
                    "",
                    Some(Duration::from_secs(300)),
                    100,
                    None,
                    cancel,
                )
                .await
        }
    });
    cancel.cancel();
    let result = tokio::time::timeout(TEST_WAIT, poll)
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(result, Err(ExecError::Cancelled { .. })));
    assert!(is_dead(started.pid));
    assert!(table.is_empty());
}
