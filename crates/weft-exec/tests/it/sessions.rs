//! Sessions: `write_stdin` writes and polls, end of input, closed stdin, unknown ids, pruning
//! at `PROCESSES_MAX`, `terminate_all`.

use std::time::Duration;

use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use weft_exec::limits::{POLL_YIELD_TIME_MIN, PROCESSES_MAX};
use weft_exec::{END_OF_INPUT, ExecError, ProcessTable};

use crate::{TEST_WAIT, is_dead, poll_until, run, sh_yield};

const SHORT: Duration = Duration::from_millis(250);

async fn write(
    table: &ProcessTable,
    session_id: i32,
    chars: &str,
) -> Result<weft_exec::ExecOutcome, ExecError> {
    tokio::time::timeout(
        TEST_WAIT,
        table.write_stdin(
            session_id,
            chars,
            Some(Duration::from_secs(1)),
            10_000,
            None,
            CancellationToken::new(),
        ),
    )
    .await
    .expect("write_stdin finished in time")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cat_echoes_what_is_written_then_exits_on_end_of_input() {
    let table = ProcessTable::new();
    let started = run(&table, sh_yield("cat", SHORT)).await;
    let session_id = started.session_id.expect("cat waits for input");
    assert_eq!(started.output, "");

    let written = write(&table, session_id, "hello\n").await.unwrap();
    assert_eq!(written.session_id, Some(session_id));
    let (seen, _) = poll_until(&table, written, Some("hello\n")).await;
    assert_eq!(seen, "hello\n");

    let ended = write(&table, session_id, &format!("bye\n{END_OF_INPUT}"))
        .await
        .unwrap();
    let (seen, last) = poll_until(&table, ended, None).await;
    assert_eq!(seen, "bye\n");
    assert_eq!(last.exit_code, Some(0));
    assert_eq!(last.session_id, None);
    assert_eq!(last.aggregated_output.as_deref(), Some("hello\nbye\n"));
    assert!(table.is_empty());

    let error = write(&table, session_id, "again\n").await.unwrap_err();
    assert_eq!(
        error.to_string(),
        format!("Unknown process id {session_id}")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_session_id_is_an_error_text() {
    let table = ProcessTable::new();
    let error = write(&table, 7, "").await.unwrap_err();
    assert!(matches!(
        error,
        ExecError::UnknownProcessId { session_id: 7 }
    ));
    assert_eq!(error.to_model_text(), "Unknown process id 7");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writing_after_end_of_input_is_a_clear_error() {
    let table = ProcessTable::new();
    let started = run(&table, sh_yield("cat >/dev/null; sleep 1000", SHORT)).await;
    let session_id = started.session_id.unwrap();
    let closed = write(&table, session_id, &END_OF_INPUT.to_string())
        .await
        .unwrap();
    assert_eq!(closed.session_id, Some(session_id));
    let error = write(&table, session_id, "more\n").await.unwrap_err();
    assert!(matches!(error, ExecError::StdinClosed), "{error:?}");
    assert_eq!(
        error.to_string(),
        "stdin is closed for this session; the process no longer reads input"
    );
    table.terminate_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writing_to_a_child_that_closed_its_stdin_is_a_clear_error() {
    let table = ProcessTable::new();
    let started = run(
        &table,
        sh_yield("exec 0<&-; echo closed; sleep 1000", SHORT),
    )
    .await;
    let session_id = started.session_id.unwrap();
    let (seen, _) = poll_until(&table, started, Some("closed\n")).await;
    assert_eq!(seen, "closed\n");
    let error = write(&table, session_id, "x\n").await.unwrap_err();
    assert!(matches!(error, ExecError::StdinClosed), "{error:?}");
    table.terminate_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_poll_waits_at_least_the_poll_minimum() {
    let table = ProcessTable::new();
    let started = run(&table, sh_yield("sleep 1000", SHORT)).await;
    let session_id = started.session_id.unwrap();
    let polled = table
        .write_stdin(
            session_id,
            "",
            Some(Duration::from_millis(1)),
            10_000,
            None,
            CancellationToken::new(),
        )
        .await
        .unwrap();
    assert!(
        polled.wall_time >= POLL_YIELD_TIME_MIN,
        "{:?}",
        polled.wall_time
    );
    assert_eq!(polled.session_id, Some(session_id));
    table.terminate_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poll_reports_an_exit_that_happened_between_calls() {
    let table = ProcessTable::new();
    let started = run(&table, sh_yield("read line; echo got $line", SHORT)).await;
    let session_id = started.session_id.unwrap();
    let answered = write(&table, session_id, "it\n").await.unwrap();
    let (seen, last) = poll_until(&table, answered, None).await;
    assert_eq!(seen, "got it\n");
    assert_eq!(last.exit_code, Some(0));
    assert!(table.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminate_all_ends_every_group() {
    let table = ProcessTable::new();
    let first = run(&table, sh_yield("sleep 1000", SHORT)).await;
    let second = run(&table, sh_yield("sleep 1000 & sleep 1000", SHORT)).await;
    assert_eq!(table.len(), 2);
    tokio::time::timeout(TEST_WAIT, table.terminate_all())
        .await
        .unwrap();
    assert!(table.is_empty());
    for outcome in [&first, &second] {
        assert!(is_dead(outcome.pid));
        assert!(crate::wait_until_gone(outcome.pid, outcome.pid).await);
    }
    let error = write(&table, first.session_id.unwrap(), "")
        .await
        .unwrap_err();
    assert!(matches!(error, ExecError::UnknownProcessId { .. }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminate_one_session() {
    let table = ProcessTable::new();
    let started = run(&table, sh_yield("sleep 1000", SHORT)).await;
    let session_id = started.session_id.unwrap();
    assert!(table.terminate(session_id).await);
    assert!(!table.terminate(session_id).await);
    assert!(is_dead(started.pid));
    assert!(table.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_table_prunes_the_least_recently_used_at_the_limit() {
    let table = ProcessTable::new();
    let oldest = run(&table, sh_yield("sleep 1000", SHORT)).await;
    let oldest_id = oldest.session_id.unwrap();

    let mut starts = JoinSet::new();
    for _ in 1..PROCESSES_MAX {
        let table = table.clone();
        starts.spawn(async move { run(&table, sh_yield("sleep 1000", SHORT)).await });
    }
    while let Some(started) = starts.join_next().await {
        assert!(started.unwrap().session_id.is_some());
    }
    assert_eq!(table.len(), PROCESSES_MAX);
    assert!(table.session_ids().contains(&oldest_id));

    let newest = run(&table, sh_yield("sleep 1000", SHORT)).await;
    assert_eq!(table.len(), PROCESSES_MAX);
    let ids = table.session_ids();
    assert!(!ids.contains(&oldest_id));
    assert!(ids.contains(&newest.session_id.unwrap()));
    let error = write(&table, oldest_id, "").await.unwrap_err();
    assert!(matches!(error, ExecError::UnknownProcessId { .. }));

    tokio::time::timeout(TEST_WAIT, table.terminate_all())
        .await
        .unwrap();
    assert!(table.is_empty());
}
