//! Times the phases of reading one rollout (a profiling aid for `thread/resume`).
//!
//! `read_time <rollout> [runs]`: times `digest_rollout` first (so its first run is as cold as
//! a fresh process gets), `runs` times (default 1), then the full `read_rollout` path phase by
//! phase, and checks that both agree.
#![allow(clippy::print_stdout, clippy::unwrap_used, missing_docs)]
use std::path::Path;
use std::time::Instant;

fn main() {
    let path = std::env::args().nth(1).expect("path");
    let runs: usize = std::env::args()
        .nth(2)
        .map_or(1, |runs| runs.parse().expect("runs"));
    let path = Path::new(&path);

    let mut digest = None;
    for _ in 0..runs {
        drop(digest.take());
        let start = Instant::now();
        let fresh = weft_store::digest_rollout(path).unwrap();
        let digest_time = start.elapsed();
        let thread_json = serde_json::to_vec(&fresh.turns).unwrap();
        let ser = start.elapsed() - digest_time;
        println!(
            "digest {digest_time:?} turns ({}) history ({}) skipped {} serialize {ser:?} ({} bytes)",
            fresh.turns.len(),
            fresh.model_history.len(),
            fresh.skipped_lines,
            thread_json.len()
        );
        digest = Some(fresh);
    }

    let start = Instant::now();
    let rollout = weft_store::read_rollout(path).unwrap();
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

    let digest = digest.unwrap();
    let same = digest.meta == *rollout.meta()
        && digest.preview == rollout.preview()
        && digest.turns == turns
        && digest.model_history == history
        && digest.last_token_usage == rollout.last_token_usage()
        && digest.last_turn_context.as_ref() == rollout.last_turn_context()
        && digest.last_model.as_deref() == rollout.last_model()
        && digest.last_ordinal == rollout.last_ordinal()
        && digest.skipped_lines == rollout.skipped_lines();
    println!("digest equals read_rollout: {same}");
}
