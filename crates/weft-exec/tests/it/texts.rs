//! The texts the model reads, pinned exactly.

use std::time::Duration;

use weft_exec::{
    ExecError, ExecOutcome, aborted_text, classic_exec_text, generate_chunk_id,
    unified_wrapper_text,
};

fn outcome(output: &str) -> ExecOutcome {
    ExecOutcome {
        chunk_id: "c36d2a".to_owned(),
        wall_time: Duration::from_micros(100),
        exit_code: Some(0),
        session_id: None,
        pid: 4242,
        output: output.to_owned(),
        output_bytes: output.len() as u64,
        original_token_count: output.len().div_ceil(4) as u64,
        max_output_tokens: 10_000,
        aggregated_output: Some(output.to_owned()),
        deltas_dropped: 0,
    }
}

#[test]
fn exited_outcome_text() {
    assert_eq!(
        outcome("hello-approval\n").to_model_text(),
        "Chunk ID: c36d2a\nWall time: 0.0001 seconds\nProcess exited with code 0\n\
         Original token count: 4\nOutput:\nhello-approval\n"
    );
}

#[test]
fn running_outcome_text() {
    let running = ExecOutcome {
        wall_time: Duration::from_millis(10_250),
        exit_code: None,
        session_id: Some(16476),
        aggregated_output: None,
        ..outcome("")
    };
    assert_eq!(
        running.to_model_text(),
        "Chunk ID: c36d2a\nWall time: 10.2500 seconds\nProcess running with session ID 16476\n\
         Original token count: 0\nOutput:\n"
    );
}

#[test]
fn truncated_outcome_text() {
    let long = ExecOutcome {
        max_output_tokens: 10,
        original_token_count: 25,
        ..outcome(&"a".repeat(100))
    };
    let twenty = "a".repeat(20);
    assert_eq!(
        long.to_model_text(),
        format!(
            "Chunk ID: c36d2a\nWall time: 0.0001 seconds\nProcess exited with code 0\n\
             Original token count: 25\nOutput:\nTotal output lines: 1\n\n\
             {twenty}…15 tokens truncated…{twenty}"
        )
    );
}

#[test]
fn patch_result_through_exec_command() {
    let inner = classic_exec_text(
        0,
        Duration::from_millis(100),
        "Success. Updated the following files:\nA hello.txt\n",
        10_000,
    );
    assert_eq!(
        unified_wrapper_text(Duration::ZERO, &inner),
        "Wall time: 0.0000 seconds\nOutput:\nExit code: 0\nWall time: 0.1 seconds\nOutput:\n\
         Success. Updated the following files:\nA hello.txt\n"
    );
}

#[test]
fn classic_wall_time_drops_trailing_zeros() {
    assert_eq!(
        classic_exec_text(1, Duration::from_secs(2), "x", 10),
        "Exit code: 1\nWall time: 2 seconds\nOutput:\nx"
    );
    assert_eq!(
        classic_exec_text(0, Duration::from_millis(12_345), "", 10),
        "Exit code: 0\nWall time: 12.3 seconds\nOutput:\n"
    );
}

#[test]
fn classic_text_reports_total_lines_when_truncation_changes_them() {
    let output: String = (0..100).map(|line| format!("line {line}\n")).collect();
    let text = classic_exec_text(0, Duration::ZERO, &output, 10);
    assert!(
        text.starts_with(
            "Exit code: 0\nWall time: 0 seconds\nTotal output lines: 100\nOutput:\nline 0\n"
        ),
        "{text}"
    );
    assert!(text.ends_with("line 99\n"), "{text}");
    assert!(text.contains(" tokens truncated…"), "{text}");
}

#[test]
fn aborted_and_error_texts() {
    assert_eq!(
        aborted_text(Duration::from_millis(2_230)),
        "Wall time: 2.2 seconds\naborted by user"
    );
    let cancelled = ExecError::Cancelled {
        wall_time: Duration::from_millis(8_900),
    };
    assert_eq!(
        cancelled.to_model_text(),
        "Wall time: 8.9 seconds\naborted by user"
    );
    assert_eq!(
        ExecError::UnknownProcessId { session_id: 1234 }.to_model_text(),
        "Unknown process id 1234"
    );
    assert_eq!(
        ExecError::WriteToStdin.to_model_text(),
        "failed to write to stdin"
    );
}

#[test]
fn chunk_ids_are_six_hex_digits() {
    for _ in 0..100 {
        let chunk_id = generate_chunk_id();
        assert_eq!(chunk_id.len(), 6, "{chunk_id}");
        assert!(
            chunk_id
                .bytes()
                .all(|byte| byte.is_ascii_hexdigit() && !byte.is_ascii_uppercase())
        );
    }
}
