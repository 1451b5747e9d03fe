//! What one `exec`/`write_stdin` call returns, and every text the model reads about a command.
//!
//! The layouts are the reference's, byte for byte (core.md §3.1–§3.3 and §1.5): the unified
//! exec response, the classic `Exit code:` form used when a patch result is reported through
//! `exec_command`, the nested form that wraps one in the other, and the text of a call the user
//! interrupted. They are pure functions of their inputs so tests can pin them exactly.

use std::time::Duration;

use rand::Rng;

use crate::truncate::{truncate_for_model, truncate_middle};

/// The result of one `exec` or `write_stdin` call.
///
/// Exactly one of `exit_code` and `session_id` is set: the process either exited during this
/// call (its entry is gone from the table) or is still running under `session_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecOutcome {
    /// Random 6-hex-digit id of this chunk of output (`Chunk ID:`).
    pub chunk_id: String,
    /// Time spent in this call.
    pub wall_time: Duration,
    /// Exit code when the process exited during this call; a signal `n` reads as `128 + n`.
    pub exit_code: Option<i32>,
    /// Session id for `write_stdin` when the process is still running.
    pub session_id: Option<i32>,
    /// OS process id of the command, which is also its process group id.
    pub pid: u32,
    /// Output produced since the previous call (head+tail bounded, with an omission marker),
    /// untruncated by the token budget: this is what `aggregatedOutput`/deltas correspond to.
    pub output: String,
    /// Raw output bytes produced since the previous call, including any omitted ones.
    pub output_bytes: u64,
    /// Approximate tokens of the raw output (bytes / 4, rounded up): `Original token count:`.
    pub original_token_count: u64,
    /// Budget `output` is truncated to in [`ExecOutcome::to_model_text`].
    pub max_output_tokens: usize,
    /// The whole transcript of the process (bounded like `output`) when it exited during this
    /// call: what `item/completed` reports as `aggregatedOutput`. `None` while running.
    pub aggregated_output: Option<String>,
    /// Output deltas dropped so far because the delta channel was full (for the whole process).
    pub deltas_dropped: u64,
}

impl ExecOutcome {
    /// The text returned to the model (`function_call_output`), exactly the reference's layout:
    ///
    /// ```text
    /// Chunk ID: <6 hex>
    /// Wall time: <s, 4 decimals> seconds
    /// Process exited with code <n>            (only if it exited during this call)
    /// Process running with session ID <id>    (only if still running)
    /// Original token count: <n>
    /// Output:
    /// <output truncated to max_output_tokens>
    /// ```
    pub fn to_model_text(&self) -> String {
        let mut sections = Vec::with_capacity(7);
        if !self.chunk_id.is_empty() {
            sections.push(format!("Chunk ID: {}", self.chunk_id));
        }
        sections.push(format!(
            "Wall time: {:.4} seconds",
            self.wall_time.as_secs_f64()
        ));
        if let Some(exit_code) = self.exit_code {
            sections.push(format!("Process exited with code {exit_code}"));
        }
        if let Some(session_id) = self.session_id {
            sections.push(format!("Process running with session ID {session_id}"));
        }
        sections.push(format!(
            "Original token count: {}",
            self.original_token_count
        ));
        sections.push("Output:".to_owned());
        sections.push(truncate_for_model(&self.output, self.max_output_tokens));
        sections.join("\n")
    }
}

/// A fresh random chunk id: 6 lowercase hex digits.
pub fn generate_chunk_id() -> String {
    let value: u32 = rand::rng().random_range(0..0x100_0000);
    format!("{value:06x}")
}

/// Wall time as the classic shell tools print it: rounded to one decimal in `f32`, shown
/// without trailing zeros (`0.1`, `2`, `12.3`), exactly as the reference.
fn classic_seconds(wall_time: Duration) -> String {
    let seconds = (wall_time.as_secs_f32() * 10.0).round() / 10.0;
    format!("{seconds}")
}

/// The classic exec text (shell tools, and the inner part of a patch result):
/// `Exit code: <n>\nWall time: <s> seconds\n[Total output lines: <n>\n]Output:\n<output>`.
///
/// `output` is cut in the middle to `max_output_tokens`; the line-count header appears only
/// when that changed the number of lines, as in the reference.
pub fn classic_exec_text(
    exit_code: i32,
    wall_time: Duration,
    output: &str,
    max_output_tokens: usize,
) -> String {
    let total_lines = output.lines().count();
    let truncated = truncate_middle(output, max_output_tokens);
    let mut sections = vec![
        format!("Exit code: {exit_code}"),
        format!("Wall time: {} seconds", classic_seconds(wall_time)),
    ];
    if truncated.lines().count() != total_lines {
        sections.push(format!("Total output lines: {total_lines}"));
    }
    sections.push("Output:".to_owned());
    sections.push(truncated);
    sections.join("\n")
}

/// The unified-exec header without chunk id, exit line or token count, around `inner`:
/// `Wall time: <s, 4 decimals> seconds\nOutput:\n<inner>`.
///
/// This is how the reference reports an `apply_patch` intercepted from `exec_command`
/// (core.md §3.3): `unified_wrapper_text(outer, &classic_exec_text(0, inner, "Success. …", n))`
/// gives `Wall time: 0.0000 seconds\nOutput:\nExit code: 0\nWall time: 0.1 seconds\nOutput:\n
/// Success. …`.
pub fn unified_wrapper_text(wall_time: Duration, inner: &str) -> String {
    format!(
        "Wall time: {:.4} seconds\nOutput:\n{inner}",
        wall_time.as_secs_f64()
    )
}

/// The output of a command call the user interrupted (core.md §1.5):
/// `Wall time: <s, 1 decimal> seconds\naborted by user`.
pub fn aborted_text(wall_time: Duration) -> String {
    format!(
        "Wall time: {:.1} seconds\naborted by user",
        wall_time.as_secs_f32()
    )
}
