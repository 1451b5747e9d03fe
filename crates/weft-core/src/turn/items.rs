//! Model output items (Responses JSON) to wire items.

use serde_json::Value;
use weft_protocol::v2::{ItemBody, ThreadItem};

/// The wire item started for a model output item, if it surfaces as one.
pub(super) fn started_item(item: &Value, now_ms: i64) -> Option<ThreadItem> {
    let id = item
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let body = match item_type(item) {
        "message" if role(item) == "assistant" => agent_message(id, String::new(), item),
        "reasoning" => ItemBody::Reasoning {
            id,
            summary: Vec::new(),
            content: Vec::new(),
        },
        _ => return None,
    };
    Some(ThreadItem {
        body,
        started_at_ms: Some(now_ms),
        completed_at_ms: None,
    })
}

/// The final wire item for a finished model output item, if it surfaces as one.
pub(super) fn completed_item(item: &Value, started_at_ms: i64, now_ms: i64) -> Option<ThreadItem> {
    let id = item
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let body = match item_type(item) {
        "message" if role(item) == "assistant" => agent_message(id, message_text(item), item),
        "reasoning" => ItemBody::Reasoning {
            id,
            summary: texts(item.get("summary")),
            content: texts(item.get("content")),
        },
        _ => return None,
    };
    Some(ThreadItem {
        body,
        started_at_ms: Some(started_at_ms),
        completed_at_ms: Some(now_ms),
    })
}

fn agent_message(id: String, text: String, item: &Value) -> ItemBody {
    ItemBody::AgentMessage {
        id,
        text,
        phase: item.get("phase").and_then(Value::as_str).map(str::to_owned),
        memory_citation: None,
        delivery: None,
        questions: None,
        moderation: None,
    }
}

/// The `type` of a Responses item.
pub(super) fn item_type(item: &Value) -> &str {
    item.get("type").and_then(Value::as_str).unwrap_or_default()
}

fn role(item: &Value) -> &str {
    item.get("role").and_then(Value::as_str).unwrap_or_default()
}

/// Concatenated `output_text` parts of an assistant message.
pub(super) fn message_text(item: &Value) -> String {
    item.get("content")
        .and_then(Value::as_array)
        .map(|parts| {
            parts
                .iter()
                .filter(|part| part.get("type").and_then(Value::as_str) == Some("output_text"))
                .filter_map(|part| part.get("text").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default()
}

fn texts(parts: Option<&Value>) -> Vec<String> {
    parts
        .and_then(Value::as_array)
        .map(|parts| {
            parts
                .iter()
                .filter_map(|part| part.get("text").and_then(Value::as_str).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether a finished output item is a call that needs an output and a follow-up request.
/// The calls of the last model response that have no output in `history`: what a turn
/// suspended on a question (R37) must run again when it is revived. Only calls after the last
/// `user` message count; earlier ones belong to finished requests.
pub(crate) fn unanswered_calls(history: &[Value]) -> Vec<Value> {
    let start = history
        .iter()
        .rposition(|item| item_type(item) == "message" && role(item) == "user")
        .map_or(0, |index| index + 1);
    let tail = &history[start..];
    let answered: std::collections::HashSet<&str> = tail
        .iter()
        .filter(|item| item_type(item).ends_with("_call_output"))
        .filter_map(|item| item.get("call_id").and_then(Value::as_str))
        .collect();
    tail.iter()
        .filter(|item| is_call(item))
        .filter(|item| {
            item.get("call_id")
                .and_then(Value::as_str)
                .is_some_and(|id| !answered.contains(id))
        })
        .cloned()
        .collect()
}

/// Gives every call in a request's input that has no output an `aborted` one, right after the
/// call, as the reference does when it builds a prompt (`ensure_call_outputs_present`): a
/// history cut by a crash, or copied mid-turn, would otherwise be refused by the API ("no tool
/// output found for function call"). Returns how many were added.
pub(crate) fn pair_open_calls(input: &mut Vec<Value>) -> usize {
    let answered: std::collections::HashSet<String> = input
        .iter()
        .filter(|item| item_type(item).ends_with("_call_output"))
        .filter_map(|item| item.get("call_id").and_then(Value::as_str))
        .map(str::to_owned)
        .collect();
    let mut added = 0;
    let mut index = 0;
    while index < input.len() {
        let item = &input[index];
        index += 1;
        if !is_call(item) {
            continue;
        }
        let Some(call_id) = item.get("call_id").and_then(Value::as_str) else {
            continue;
        };
        if answered.contains(call_id) {
            continue;
        }
        let output_type = if item_type(item) == "custom_tool_call" {
            "custom_tool_call_output"
        } else {
            "function_call_output"
        };
        let output = serde_json::json!({
            "type": output_type,
            "call_id": call_id,
            "output": "aborted",
        });
        input.insert(index, output);
        index += 1;
        added += 1;
    }
    added
}

pub(super) fn is_call(item: &Value) -> bool {
    matches!(
        item_type(item),
        "function_call" | "custom_tool_call" | "local_shell_call"
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::unanswered_calls;

    #[test]
    fn only_the_last_requests_calls_without_output_are_open() {
        let user = |text: &str| json!({"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]});
        let call = |id: &str| json!({"type": "function_call", "call_id": id, "name": "exec_command", "arguments": "{}"});
        let output =
            |id: &str| json!({"type": "function_call_output", "call_id": id, "output": "ok"});
        let history = vec![
            user("first"),
            call("old"),
            user("second"),
            call("done"),
            output("done"),
            call("open_a"),
            json!({"type": "custom_tool_call", "call_id": "open_b", "name": "apply_patch", "input": ""}),
        ];
        let open: Vec<_> = unanswered_calls(&history)
            .iter()
            .map(|call| call["call_id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(open, ["open_a", "open_b"]);
        assert!(unanswered_calls(&history[..5]).is_empty());
    }

    #[test]
    fn open_calls_get_an_aborted_output_right_after_them() {
        let call = |id: &str| json!({"type": "function_call", "call_id": id, "name": "exec_command", "arguments": "{}"});
        let output =
            |id: &str| json!({"type": "function_call_output", "call_id": id, "output": "ok"});
        let mut input = vec![
            call("a"),
            json!({"type": "custom_tool_call", "call_id": "b", "name": "apply_patch", "input": ""}),
            call("c"),
            output("c"),
        ];
        assert_eq!(super::pair_open_calls(&mut input), 2);
        let kinds: Vec<(&str, &str)> = input
            .iter()
            .map(|item| {
                (
                    item["type"].as_str().unwrap(),
                    item["call_id"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            kinds,
            [
                ("function_call", "a"),
                ("function_call_output", "a"),
                ("custom_tool_call", "b"),
                ("custom_tool_call_output", "b"),
                ("function_call", "c"),
                ("function_call_output", "c"),
            ]
        );
        assert_eq!(input[1]["output"], "aborted");
        assert_eq!(super::pair_open_calls(&mut input), 0);
    }
}
