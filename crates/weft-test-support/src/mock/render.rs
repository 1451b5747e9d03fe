//! Rendering a `Script` into SSE text and timed actions, allocating ids on the way.
//!
//! All ids of a reply are allocated when the request arrives (not lazily while streaming), so
//! numbering follows request order even when replies overlap. Allocation order matches the
//! reference mock: the response id first, then each item id in order, a call id right after its
//! function call's item id (`resp_1`, `fc_2`, `call_3`; then `resp_4`, `msg_5`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::{Map, Value, json};

use crate::mock::script::{Ending, Gate, Step};

/// One thing the reply body does, in order.
#[derive(Debug, Clone)]
pub(crate) enum Action {
    /// Send these bytes.
    Send(String),
    /// Wait (tokio time).
    Delay(Duration),
    /// Wait for the test.
    Gate(Gate),
    /// Abort the connection.
    Reset,
    /// Never send anything again.
    Hang,
}

/// Formats one SSE event: `event: <kind>\ndata: <json>\n\n`, with `"type": kind` first in the
/// payload unless the payload already has a `type`.
pub fn sse_event(kind: &str, data: &Value) -> String {
    let payload = match data {
        Value::Object(fields) if !fields.contains_key("type") => {
            let mut with_type = Map::new();
            with_type.insert("type".to_owned(), Value::from(kind));
            with_type.extend(fields.clone());
            Value::Object(with_type)
        }
        other => other.clone(),
    };
    format!("event: {kind}\ndata: {payload}\n\n")
}

/// Allocates `prefix_N` ids from the server's counter.
pub(crate) struct Ids<'a>(pub(crate) &'a AtomicU64);

impl Ids<'_> {
    fn next(&self, prefix: &str) -> String {
        format!("{prefix}_{}", self.0.fetch_add(1, Ordering::Relaxed) + 1)
    }
}

/// Per-reply rendering state.
struct Renderer<'a> {
    ids: Ids<'a>,
    response_id: String,
    message: Option<(String, String)>,
    output_index: usize,
    actions: Vec<Action>,
}

/// Renders one SSE reply.
pub(crate) fn render(steps: &[Step], ending: &Ending, ids: Ids<'_>) -> Vec<Action> {
    let response_id = ids.next("resp");
    let mut renderer = Renderer {
        ids,
        response_id,
        message: None,
        output_index: 0,
        actions: Vec::new(),
    };
    for step in steps {
        renderer.step(step);
    }
    renderer.ending(ending);
    renderer.actions
}

impl Renderer<'_> {
    fn send(&mut self, kind: &str, data: Value) {
        self.actions.push(Action::Send(sse_event(kind, &data)));
    }

    fn step(&mut self, step: &Step) {
        match step {
            Step::Created => {
                let response = json!({"id": self.response_id, "object": "response",
                    "status": "in_progress", "output": []});
                self.send("response.created", json!({"response": response}));
            }
            Step::MessageAdded => self.message_added(),
            Step::TextDelta(delta) => self.text_delta(delta),
            Step::MessageDone => self.message_done(),
            Step::FunctionCall {
                name,
                call_id,
                arguments,
            } => {
                self.function_call(name, call_id.as_deref(), arguments);
            }
            Step::Reasoning { summary, text } => self.reasoning(summary, text.as_deref()),
            Step::Event { kind, data } => self.send(kind, data.clone()),
            Step::Raw(text) => self.actions.push(Action::Send(text.clone())),
            Step::Delay(delay) => self.actions.push(Action::Delay(*delay)),
            Step::Gate(gate) => self.actions.push(Action::Gate(gate.clone())),
        }
    }

    fn message_added(&mut self) {
        let id = self.ids.next("msg");
        let item = json!({"type": "message", "id": id, "role": "assistant",
            "status": "in_progress", "content": []});
        self.send(
            "response.output_item.added",
            json!({"output_index": self.output_index, "item": item}),
        );
        self.message = Some((id, String::new()));
    }

    fn text_delta(&mut self, delta: &str) {
        if self.message.is_none() {
            self.message_added();
        }
        let Some((id, text)) = &mut self.message else {
            return;
        };
        text.push_str(delta);
        let data = json!({"item_id": id, "output_index": self.output_index,
            "content_index": 0, "delta": delta});
        self.send("response.output_text.delta", data);
    }

    fn message_done(&mut self) {
        let Some((id, text)) = self.message.take() else {
            return;
        };
        let item = json!({"type": "message", "id": id, "role": "assistant",
            "status": "completed",
            "content": [{"type": "output_text", "text": text, "annotations": []}]});
        self.send(
            "response.output_item.done",
            json!({"output_index": self.output_index, "item": item}),
        );
        self.output_index += 1;
    }

    fn function_call(&mut self, name: &str, call_id: Option<&str>, arguments: &str) {
        let id = self.ids.next("fc");
        let call_id = call_id.map_or_else(|| self.ids.next("call"), str::to_owned);
        let item = |status: &str, arguments: &str| {
            json!({"type": "function_call", "id": id, "status": status, "name": name,
                "arguments": arguments, "call_id": call_id})
        };
        let index = self.output_index;
        self.send(
            "response.output_item.added",
            json!({"output_index": index, "item": item("in_progress", "")}),
        );
        self.send(
            "response.output_item.done",
            json!({"output_index": index, "item": item("completed", arguments)}),
        );
        self.output_index += 1;
    }

    fn reasoning(&mut self, summary: &[String], text: Option<&str>) {
        let id = self.ids.next("rs");
        let index = self.output_index;
        let added = json!({"type": "reasoning", "id": id, "summary": []});
        self.send(
            "response.output_item.added",
            json!({"output_index": index, "item": added}),
        );
        for (summary_index, part) in summary.iter().enumerate() {
            let part_data = json!({"item_id": id, "output_index": index,
                "summary_index": summary_index, "part": {"type": "summary_text", "text": ""}});
            self.send("response.reasoning_summary_part.added", part_data);
            let delta = json!({"item_id": id, "output_index": index,
                "summary_index": summary_index, "delta": part});
            self.send("response.reasoning_summary_text.delta", delta);
        }
        if let Some(text) = text {
            let delta =
                json!({"item_id": id, "output_index": index, "content_index": 0, "delta": text});
            self.send("response.reasoning_text.delta", delta);
        }
        let summary: Vec<Value> = summary
            .iter()
            .map(|part| json!({"type": "summary_text", "text": part}))
            .collect();
        let mut done = json!({"type": "reasoning", "id": id, "summary": summary,
            "encrypted_content": format!("enc_{id}")});
        if let Some(text) = text {
            done["content"] = json!([{"type": "reasoning_text", "text": text}]);
        }
        self.send(
            "response.output_item.done",
            json!({"output_index": index, "item": done}),
        );
        self.output_index += 1;
    }

    fn ending(&mut self, ending: &Ending) {
        match ending {
            Ending::Completed { usage, end_turn } => {
                let mut response = json!({"id": self.response_id, "object": "response",
                    "status": "completed", "output": []});
                if let Some(usage) = usage {
                    response["usage"] = usage.clone();
                }
                if let Some(end_turn) = end_turn {
                    response["end_turn"] = Value::from(*end_turn);
                }
                self.send("response.completed", json!({"response": response}));
            }
            Ending::Failed(error) => {
                let mut response =
                    json!({"id": self.response_id, "object": "response", "status": "failed"});
                if let Some(error) = error {
                    response["error"] = error.clone();
                }
                self.send("response.failed", json!({"response": response}));
            }
            Ending::Incomplete(reason) => {
                let response = json!({"id": self.response_id, "object": "response",
                    "status": "incomplete", "incomplete_details": {"reason": reason}});
                self.send("response.incomplete", json!({"response": response}));
            }
            Ending::Cut => {}
            Ending::Reset => self.actions.push(Action::Reset),
            Ending::Hang => self.actions.push(Action::Hang),
        }
    }
}
