//! The mock's default reply when no script is queued: the reference mock's rules.
//!
//! From the transcripts README: the reply depends only on the request. A trailing tool output →
//! `done: <first 40 chars of the output>`; `RUN:<cmd>` in the last user text → `exec_command`
//! with `{"cmd": <cmd>, "yield_time_ms": 2000}`; `PATCH:<file>` → `exec_command` running an
//! `apply_patch` heredoc that adds `<file>` containing `hello from mock`; `SLOW` → 20 text
//! deltas 250 ms apart; otherwise `Hello from mock. You said: <text>`. weft-model's scripted
//! provider implements the same rules for offline use.

use std::time::Duration;

use serde_json::Value;

use crate::mock::script::{Script, Step};

/// Characters of a tool output echoed back after `done: `.
pub const TOOL_OUTPUT_PREFIX_CHARS: usize = 40;

/// `yield_time_ms` of the reference mock's `RUN:` call.
pub const REFERENCE_RUN_YIELD_MS: u64 = 2000;

/// Number of deltas of a `SLOW` reply.
pub const SLOW_DELTAS: usize = 20;

/// Pause before each delta of a `SLOW` reply.
pub const SLOW_DELTA_INTERVAL: Duration = Duration::from_millis(250);

/// The default reply for a request body.
pub(crate) fn default_script(body: &Value, run_yield_ms: u64) -> Script {
    let input: &[Value] = body
        .get("input")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice);
    if let Some(output) = input.last().and_then(tool_output_text) {
        let prefix: String = output.chars().take(TOOL_OUTPUT_PREFIX_CHARS).collect();
        return Script::text(&format!("done: {prefix}"));
    }
    let text = last_user_text(input).unwrap_or_default();
    if let Some(cmd) = marker_argument(&text, "RUN:") {
        return exec_command(&cmd, run_yield_ms);
    }
    if let Some(file) = marker_argument(&text, "PATCH:") {
        return exec_command(
            &format!(
                "apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: {file}\n+hello from mock\n*** End Patch\nEOF"
            ),
            run_yield_ms,
        );
    }
    if text.contains("SLOW") {
        let mut script = Script::new().with_message_added();
        for _ in 0..SLOW_DELTAS {
            script = script
                .with_delay(SLOW_DELTA_INTERVAL)
                .with_text_delta("slow ");
        }
        return script.with_message_done();
    }
    Script::text(&format!("Hello from mock. You said: {text}"))
}

/// An `exec_command` call whose ids (`fc_N`, `call_N`) come from the server's counter, with
/// arguments spaced like the reference mock's `json.dumps`.
fn exec_command(cmd: &str, yield_ms: u64) -> Script {
    let cmd = Value::from(cmd).to_string();
    let arguments = format!("{{\"cmd\": {cmd}, \"yield_time_ms\": {yield_ms}}}");
    let mut script = Script::new();
    if let crate::mock::script::Reply::Sse { steps, .. } = &mut script.reply {
        steps.push(Step::FunctionCall {
            name: "exec_command".to_owned(),
            call_id: None,
            arguments,
        });
    }
    script
}

/// The text of a tool output item (`*_output`); content-part arrays are concatenated.
pub(crate) fn tool_output_text(item: &Value) -> Option<String> {
    let kind = item.get("type").and_then(Value::as_str)?;
    if !kind.ends_with("_output") {
        return None;
    }
    Some(match item.get("output") {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|part| part.get("text").and_then(Value::as_str))
            .collect(),
        _ => String::new(),
    })
}

/// The `input_text` parts of the last user message, joined with newlines.
pub(crate) fn last_user_text(input: &[Value]) -> Option<String> {
    let message = input.iter().rev().find(|item| {
        item.get("type").and_then(Value::as_str) == Some("message")
            && item.get("role").and_then(Value::as_str) == Some("user")
    })?;
    let texts: Vec<&str> = message
        .get("content")?
        .as_array()?
        .iter()
        .filter(|part| part.get("type").and_then(Value::as_str) == Some("input_text"))
        .filter_map(|part| part.get("text").and_then(Value::as_str))
        .collect();
    Some(texts.join("\n"))
}

/// The trimmed rest of the line after `marker`, when present and not empty.
fn marker_argument(text: &str, marker: &str) -> Option<String> {
    let start = text.find(marker)? + marker.len();
    let rest = text[start..].lines().next().unwrap_or_default().trim();
    (!rest.is_empty()).then(|| rest.to_owned())
}
