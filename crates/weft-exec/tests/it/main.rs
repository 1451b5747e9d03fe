//! weft-exec's integration tests: real `/bin/sh` processes through the public API, plus the
//! pure text, truncation and display helpers. Waits are bounded; nothing sleeps to synchronise.

mod display;
mod exec;
mod flood;
mod kill;
mod sessions;
mod texts;
mod truncation;
mod tty;

use std::time::Duration;

use tokio_util::sync::CancellationToken;
use weft_exec::{ExecOutcome, ExecRequest, ProcessTable};

/// Upper bound on any single wait in these tests; generous for a loaded 2-core machine.
pub(crate) const TEST_WAIT: Duration = Duration::from_secs(60);

/// `/bin/sh -c <script>` in the temp dir with default settings.
pub(crate) fn sh(script: &str) -> ExecRequest {
    ExecRequest::new(
        vec!["/bin/sh".to_owned(), "-c".to_owned(), script.to_owned()],
        std::env::temp_dir(),
    )
}

/// [`sh`] with a yield time.
pub(crate) fn sh_yield(script: &str, yield_time: Duration) -> ExecRequest {
    ExecRequest {
        yield_time,
        ..sh(script)
    }
}

/// Runs `request` with no hook, no deltas and a token that never fires.
pub(crate) async fn run(table: &ProcessTable, request: ExecRequest) -> ExecOutcome {
    tokio::time::timeout(
        TEST_WAIT,
        table.exec(request, None, None, CancellationToken::new()),
    )
    .await
    .expect("exec finished in time")
    .expect("exec succeeded")
}

/// Polls `first`'s session until the accumulated output (starting with `first.output`)
/// contains `needle` (`None`: until it exits) or it exits; returns that output and the last
/// outcome.
pub(crate) async fn poll_until(
    table: &ProcessTable,
    first: ExecOutcome,
    needle: Option<&str>,
) -> (String, ExecOutcome) {
    let deadline = tokio::time::Instant::now() + TEST_WAIT;
    let mut seen = first.output.clone();
    let mut last = first;
    while last.exit_code.is_none() && !needle.is_some_and(|needle| seen.contains(needle)) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "gave up waiting for {needle:?}"
        );
        let session_id = last.session_id.expect("running");
        last = table
            .write_stdin(session_id, "", None, 10_000, None, CancellationToken::new())
            .await
            .expect("poll succeeded");
        seen.push_str(&last.output);
    }
    (seen, last)
}

/// Whether `pid` is gone or a zombie (a zombie holds no resources; reaping an orphan is its
/// new parent's job).
pub(crate) fn is_dead(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat_field(&stat, 0) == Some("Z".to_owned()),
    }
}

/// Waits (bounded) until `pid` is dead and no live process remains in group `pgid`.
///
/// Signals to processes that are not our children are delivered asynchronously and there is
/// no event for their death we can wait on without `unsafe`, so this polls `/proc` until the
/// condition holds or `TEST_WAIT` passes; it returns whether it held.
pub(crate) async fn wait_until_gone(pid: u32, pgid: u32) -> bool {
    let deadline = tokio::time::Instant::now() + TEST_WAIT;
    loop {
        if is_dead(pid) && live_group_members(pgid).is_empty() {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Live (non-zombie) processes whose process group is `pgid`.
pub(crate) fn live_group_members(pgid: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                return false;
            };
            let state = stat_field(&stat, 0);
            let group = stat_field(&stat, 2);
            state.as_deref() != Some("Z") && group == Some(pgid.to_string())
        })
        .collect()
}

/// Field `index` after the `(comm)` of a `/proc/<pid>/stat` line (0 = state, 2 = pgrp).
fn stat_field(stat: &str, index: usize) -> Option<String> {
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_whitespace().nth(index).map(str::to_owned)
}
