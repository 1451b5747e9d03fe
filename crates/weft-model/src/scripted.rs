//! The scripted provider: a deterministic offline model for `weft demo` and tests.
//!
//! It follows the reference mock's rules (transcripts README), deciding the reply from the
//! request alone: a trailing tool output → `done: <first 40 chars>`; `RUN:<cmd>` in the last
//! user text → an `exec_command` call; `PATCH:<file>` → an `exec_command` running an
//! `apply_patch` heredoc; `SLOW` → 20 deltas 250 ms apart; otherwise
//! `Hello from mock. You said: <text>`. Every reply ends with `response.completed` carrying 100
//! input / 10 output tokens. Ids come from one counter per client, allocated as the reference
//! mock does (response id, then item id, then call id: `resp_1`, `msg_2`; `resp_1`, `fc_2`,
//! `call_3`), which reproduces the transcripts' `msg_2`, `fc_2`/`call_3`, `msg_5`.
//!
//! weft-test-support's HTTP mock implements the same rules independently (it cannot depend on
//! this crate without a dependency cycle); the two are compared by their own tests.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::error::ModelError;
use crate::event::ModelEvent;
use crate::limits;
use crate::request::ModelRequest;
use crate::stream::{ResponseStream, cancelled};
use crate::usage::TokenUsage;

/// The offline provider. Cheap to clone; clones share the id counter.
#[derive(Debug, Clone, Default)]
pub struct ScriptedModelClient {
    ids: Arc<AtomicU64>,
}

/// What the rules decided to answer.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Reply {
    Text(String),
    Slow,
    ExecCommand(String),
}

/// One step of a scripted reply.
enum Step {
    Event(ModelEvent),
    Delay(Duration),
}

impl ScriptedModelClient {
    /// A fresh provider whose ids start at 1.
    pub fn new() -> Self {
        Self::default()
    }

    fn next_id(&self, prefix: &str) -> String {
        format!("{prefix}_{}", self.ids.fetch_add(1, Ordering::Relaxed) + 1)
    }

    /// Streams the reply the rules pick for `request`. Never fails to start; `cancel` ends the
    /// stream with [`ModelError::Interrupted`].
    ///
    /// # Errors
    /// None today; the signature matches [`crate::HttpModelClient::stream`].
    pub async fn stream(
        &self,
        request: &ModelRequest,
        cancel: Option<CancellationToken>,
    ) -> Result<ResponseStream, ModelError> {
        let steps = self.plan(&decide(&request.input));
        let events = stream::unfold((steps, cancel), |(mut steps, cancel)| async move {
            loop {
                match steps.pop_front()? {
                    Step::Event(event) => return Some((Ok(event), (steps, cancel))),
                    Step::Delay(delay) => {
                        tokio::select! {
                            biased;
                            () = cancelled(cancel.as_ref()) => {
                                return Some((Err(ModelError::Interrupted), (VecDeque::new(), None)));
                            }
                            () = tokio::time::sleep(delay) => {}
                        }
                    }
                }
            }
        });
        Ok(ResponseStream::new(events.boxed()))
    }

    fn plan(&self, reply: &Reply) -> VecDeque<Step> {
        let response_id = self.next_id("resp");
        let mut steps = VecDeque::from([Step::Event(ModelEvent::Created)]);
        match reply {
            Reply::Text(text) => {
                let deltas = text
                    .split_inclusive(' ')
                    .map(|word| (Duration::ZERO, word.to_owned()));
                self.plan_message(&mut steps, deltas.collect());
            }
            Reply::Slow => {
                let delta = (limits::SCRIPTED_SLOW_DELTA_INTERVAL, "slow ".to_owned());
                self.plan_message(&mut steps, vec![delta; limits::SCRIPTED_SLOW_DELTAS]);
            }
            Reply::ExecCommand(cmd) => self.plan_exec_command(&mut steps, cmd),
        }
        let usage = TokenUsage {
            input_tokens: limits::SCRIPTED_INPUT_TOKENS,
            output_tokens: limits::SCRIPTED_OUTPUT_TOKENS,
            total_tokens: limits::SCRIPTED_INPUT_TOKENS + limits::SCRIPTED_OUTPUT_TOKENS,
            ..TokenUsage::default()
        };
        steps.push_back(Step::Event(ModelEvent::Completed {
            response_id,
            usage: Some(usage),
            end_turn: None,
        }));
        steps
    }

    fn plan_message(&self, steps: &mut VecDeque<Step>, deltas: Vec<(Duration, String)>) {
        let id = self.next_id("msg");
        steps.push_back(Step::Event(ModelEvent::OutputItemAdded(json!({
            "type": "message", "id": id, "role": "assistant", "status": "in_progress",
            "content": []
        }))));
        let mut text = String::new();
        for (delay, delta) in deltas {
            if !delay.is_zero() {
                steps.push_back(Step::Delay(delay));
            }
            text.push_str(&delta);
            let item_id = Some(id.clone());
            steps.push_back(Step::Event(ModelEvent::OutputTextDelta { item_id, delta }));
        }
        steps.push_back(Step::Event(ModelEvent::OutputItemDone(json!({
            "type": "message", "id": id, "role": "assistant", "status": "completed",
            "content": [{"type": "output_text", "text": text, "annotations": []}]
        }))));
    }

    fn plan_exec_command(&self, steps: &mut VecDeque<Step>, cmd: &str) {
        let id = self.next_id("fc");
        let call_id = self.next_id("call");
        let arguments = exec_command_arguments(cmd);
        let item = |status: &str, arguments: &str| {
            json!({"type": "function_call", "id": id, "status": status, "name": "exec_command",
                "arguments": arguments, "call_id": call_id})
        };
        steps.push_back(Step::Event(ModelEvent::OutputItemAdded(item(
            "in_progress",
            "",
        ))));
        steps.push_back(Step::Event(ModelEvent::OutputItemDone(item(
            "completed",
            &arguments,
        ))));
    }
}

/// `{"cmd": <cmd>, "yield_time_ms": 2000}`, spaced the way the reference mock (Python's
/// `json.dumps`) writes it, so replayed arguments match the transcripts byte for byte.
fn exec_command_arguments(cmd: &str) -> String {
    let cmd = Value::from(cmd).to_string();
    format!("{{\"cmd\": {cmd}, \"yield_time_ms\": 2000}}")
}

/// Applies the rules to a request's `input`.
fn decide(input: &[Value]) -> Reply {
    if let Some(output) = input.last().and_then(tool_output_text) {
        let prefix: String = output
            .chars()
            .take(limits::SCRIPTED_TOOL_OUTPUT_PREFIX_CHARS)
            .collect();
        return Reply::Text(format!("done: {prefix}"));
    }
    let text = last_user_text(input).unwrap_or_default();
    if let Some(cmd) = marker_argument(&text, "RUN:") {
        return Reply::ExecCommand(cmd);
    }
    if let Some(file) = marker_argument(&text, "PATCH:") {
        let patch = format!(
            "apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: {file}\n+hello from mock\n*** End Patch\nEOF"
        );
        return Reply::ExecCommand(patch);
    }
    if text.contains("SLOW") {
        return Reply::Slow;
    }
    Reply::Text(format!("Hello from mock. You said: {text}"))
}

/// The text of a tool output item (`*_output`), joining content parts when it is an array.
fn tool_output_text(item: &Value) -> Option<String> {
    let kind = item.get("type").and_then(Value::as_str)?;
    if !kind.ends_with("_output") {
        return None;
    }
    Some(match item.get("output") {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Array(parts)) => parts.iter().filter_map(part_text).collect(),
        _ => String::new(),
    })
}

fn part_text(part: &Value) -> Option<&str> {
    part.get("text").and_then(Value::as_str)
}

/// The `input_text` parts of the last user message, joined with newlines.
fn last_user_text(input: &[Value]) -> Option<String> {
    let message = input.iter().rev().find(|item| {
        item.get("type").and_then(Value::as_str) == Some("message")
            && item.get("role").and_then(Value::as_str) == Some("user")
    })?;
    let parts = message.get("content")?.as_array()?;
    let texts: Vec<&str> = parts
        .iter()
        .filter(|part| part.get("type").and_then(Value::as_str) == Some("input_text"))
        .filter_map(part_text)
        .collect();
    Some(texts.join("\n"))
}

/// The trimmed rest of the line after `marker`, when present and not empty.
fn marker_argument(text: &str, marker: &str) -> Option<String> {
    let start = text.find(marker)? + marker.len();
    let rest = text[start..].lines().next().unwrap_or_default().trim();
    (!rest.is_empty()).then(|| rest.to_owned())
}

#[cfg(test)]
mod tests;
