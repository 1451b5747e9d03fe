//! Times the phases of reading one rollout (a profiling aid for `thread/resume`).
#![allow(clippy::print_stdout, clippy::unwrap_used, missing_docs)]
use std::time::Instant;
fn main() {
    let path = std::env::args().nth(1).expect("path");
    let start = Instant::now();
    let rollout = weft_store::read_rollout(std::path::Path::new(&path)).unwrap();
    let read = start.elapsed();
    let turns = rollout.turns();
    let turns_time = start.elapsed() - read;
    let history = rollout.model_history();
    let history_time = start.elapsed() - read - turns_time;
    let thread_json = serde_json::to_vec(&turns).unwrap();
    let ser = start.elapsed() - read - turns_time - history_time;
    println!(
        "read {read:?} turns {turns_time:?} ({}) history {history_time:?} ({}) serialize {ser:?} ({} bytes)",
        turns.len(),
        history.len(),
        thread_json.len()
    );
}
