//! A command printing 1 GiB keeps memory bounded and still finishes.

use std::time::Duration;

use tokio_util::sync::CancellationToken;
use weft_exec::limits::OUTPUT_BUFFER_BYTES_MAX;
use weft_exec::{ProcessTable, omitted_marker};

use crate::{run, sh_yield};

const GIB: u64 = 1 << 30;

fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_gib_of_output_stays_bounded() {
    let table = ProcessTable::new();
    let first = run(
        &table,
        sh_yield(
            "head -c 1073741824 /dev/zero | tr '\\0' a",
            Duration::from_secs(30),
        ),
    )
    .await;
    let mut outputs = vec![(first.output.len(), first.output_bytes)];
    let mut last = first;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(300);
    while last.exit_code.is_none() {
        // Slow machine: keep polling; each call's output is bounded on its own.
        assert!(
            tokio::time::Instant::now() < deadline,
            "flood did not finish"
        );
        last = table
            .write_stdin(
                last.session_id.expect("running"),
                "",
                Some(Duration::from_secs(30)),
                10_000,
                None,
                CancellationToken::new(),
            )
            .await
            .unwrap();
        outputs.push((last.output.len(), last.output_bytes));
    }
    assert_eq!(last.exit_code, Some(0));
    let total: u64 = outputs.iter().map(|(_, bytes)| bytes).sum();
    assert_eq!(total, GIB);
    for (rendered, _) in &outputs {
        assert!(*rendered <= OUTPUT_BUFFER_BYTES_MAX + 64, "{rendered}");
    }
    let aggregated = last.aggregated_output.expect("exited");
    let omitted = GIB - OUTPUT_BUFFER_BYTES_MAX as u64;
    let marker = omitted_marker(omitted);
    assert_eq!(aggregated.len(), OUTPUT_BUFFER_BYTES_MAX + marker.len());
    let half = OUTPUT_BUFFER_BYTES_MAX / 2;
    assert!(aggregated[..half].bytes().all(|byte| byte == b'a'));
    assert_eq!(&aggregated[half..half + marker.len()], marker);
    assert!(
        aggregated[half + marker.len()..]
            .bytes()
            .all(|byte| byte == b'a')
    );
    if let Some(peak) = peak_rss_bytes() {
        assert!(peak < 512 * 1024 * 1024, "peak RSS {peak} bytes");
    }
}
