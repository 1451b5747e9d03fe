//! Items as the rollout stores them (core shape, legacy events) turned into wire items.
//!
//! Conversion goes through the wire JSON (protocol.md §6.4) and then into weft-protocol's
//! `ThreadItem` by serde, so this module depends on the wire format — fixed by the reference
//! schema — rather than on the Rust shape of the protocol types. An item type the protocol crate
//! does not model yet fails that last step and is skipped with a debug log.

use serde::Deserialize;
use serde_json::{Map, Value, json};
use weft_protocol::v2::ThreadItem;

/// Text of a core `UserMessage` item: its text inputs joined (as the reference's `message()`).
pub(crate) fn user_message_text(item: &Value) -> String {
    array(item, "content")
        .iter()
        .filter(|input| input.get("type").and_then(Value::as_str) == Some("text"))
        .filter_map(|input| input.get("text").and_then(Value::as_str))
        .collect()
}

/// Adds the item times and types the wire JSON; `None` (logged) when the protocol crate has
/// no such item.
pub(super) fn typed_item(
    mut wire: Value,
    started_at_ms: Option<i64>,
    completed_at_ms: Option<i64>,
) -> Option<ThreadItem> {
    if let Some(object) = wire.as_object_mut() {
        object.insert("startedAtMs".to_owned(), json!(started_at_ms));
        object.insert("completedAtMs".to_owned(), json!(completed_at_ms));
    }
    match ThreadItem::deserialize(&wire) {
        Ok(item) => Some(item),
        Err(error) => {
            let item_type = wire.get("type").and_then(Value::as_str).unwrap_or("?");
            tracing::debug!(item_type, %error, "rollout item not representable on the wire; skipped");
            None
        }
    }
}

/// A core-shape item (`item_completed.item`) in wire shape (without the times).
pub(super) fn core_item_to_wire(item: &Value) -> Option<Value> {
    let id = str_field(item, "id")?;
    let wire = match item.get("type")?.as_str()? {
        "UserMessage" => json!({
            "type": "userMessage",
            "id": id,
            "clientId": field(item, "client_id"),
            "content": array(item, "content").iter().filter_map(user_input_to_wire).collect::<Vec<_>>(),
        }),
        "AgentMessage" => json!({
            "type": "agentMessage",
            "moderation": null,
            "id": id,
            "text": agent_text(item),
            "phase": field(item, "phase"),
            "memoryCitation": field(item, "memory_citation"),
            "delivery": field(item, "delivery"),
            "questions": null,
        }),
        "Reasoning" => json!({
            "type": "reasoning",
            "id": id,
            "summary": field(item, "summary_text").or_else(|| field(item, "summary")).unwrap_or(json!([])),
            "content": field(item, "raw_content").or_else(|| field(item, "content")).unwrap_or(json!([])),
        }),
        "Plan" => {
            json!({ "type": "plan", "id": id, "text": str_field(item, "text").unwrap_or_default() })
        }
        "CommandExecution" => command_execution(item, id),
        "ContextCompaction" => json!({ "type": "contextCompaction", "id": id }),
        other => generic_item(item, other),
    };
    Some(wire)
}

/// A legacy event (older rollouts) in wire item shape; `None` for events that are not items.
pub(super) fn legacy_event_to_wire(payload: &Value, fallback_id: &str) -> Option<Value> {
    let id = |key: &str| str_field(payload, key).unwrap_or_else(|| fallback_id.to_owned());
    let wire = match payload.get("type")?.as_str()? {
        "user_message" => legacy_user_message(payload, fallback_id),
        "agent_message" => json!({
            "type": "agentMessage",
            "moderation": null,
            "id": fallback_id,
            "text": str_field(payload, "message").unwrap_or_default(),
            "phase": field(payload, "phase"),
            "memoryCitation": null,
            "delivery": null,
            "questions": null,
        }),
        "agent_reasoning" => json!({
            "type": "reasoning",
            "id": fallback_id,
            "summary": [str_field(payload, "text").unwrap_or_default()],
            "content": [],
        }),
        "exec_command_end" => command_execution(payload, id("call_id")),
        "context_compacted" => json!({ "type": "contextCompaction", "id": fallback_id }),
        _ => return None,
    };
    Some(wire)
}

fn legacy_user_message(payload: &Value, id: &str) -> Value {
    let mut content = vec![json!({
        "type": "text",
        "text": str_field(payload, "message").unwrap_or_default(),
        "text_elements": field(payload, "text_elements").map(|elements| text_elements(&elements)).unwrap_or(json!([])),
    })];
    content.extend(
        array(payload, "images")
            .iter()
            .filter_map(Value::as_str)
            .map(|url| json!({ "type": "image", "url": url, "detail": null })),
    );
    content.extend(
        array(payload, "local_images")
            .iter()
            .filter_map(Value::as_str)
            .map(|path| json!({ "type": "localImage", "path": path, "detail": null })),
    );
    json!({ "type": "userMessage", "id": id, "clientId": field(payload, "client_id"), "content": content })
}

/// A core `UserInput` in wire shape.
fn user_input_to_wire(input: &Value) -> Option<Value> {
    let wire = match input.get("type")?.as_str()? {
        "text" => json!({
            "type": "text",
            "text": str_field(input, "text").unwrap_or_default(),
            "text_elements": text_elements(&field(input, "text_elements").unwrap_or(json!([]))),
        }),
        "image" => json!({
            "type": "image",
            "url": field(input, "image_url").or_else(|| field(input, "url")),
            "detail": field(input, "detail"),
        }),
        "local_image" | "localImage" => json!({
            "type": "localImage",
            "path": path_text(&str_field(input, "path").unwrap_or_default()),
            "detail": field(input, "detail"),
        }),
        "skill" | "mention" => {
            let mut wire = input.clone();
            if let (Some(object), Some(path)) = (wire.as_object_mut(), str_field(input, "path")) {
                object.insert("path".to_owned(), json!(path_text(&path)));
            }
            wire
        }
        other => {
            let mut wire = camelize_keys(input);
            if let Some(object) = wire.as_object_mut() {
                object.insert("type".to_owned(), json!(snake_to_camel(other)));
            }
            wire
        }
    };
    Some(wire)
}

/// Core text elements (`byte_range`) in wire shape (`byteRange`).
fn text_elements(elements: &Value) -> Value {
    camelize_keys(elements)
}

fn agent_text(item: &Value) -> String {
    array(item, "content")
        .iter()
        .filter_map(|part| part.get("text").and_then(Value::as_str))
        .collect()
}

/// A core `CommandExecution` item, or a legacy `exec_command_end` event, in wire shape.
fn command_execution(item: &Value, id: String) -> Value {
    let command: Vec<String> = array(item, "command")
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    let exit_code = field(item, "exit_code").and_then(|code| code.as_i64());
    let status = str_field(item, "status")
        .map(|status| snake_to_camel(&status))
        .unwrap_or_else(|| {
            if exit_code == Some(0) {
                "completed"
            } else {
                "failed"
            }
            .to_owned()
        });
    let actions: Vec<Value> = array(item, "parsed_cmd")
        .iter()
        .filter_map(command_action)
        .collect();
    json!({
        "type": "commandExecution",
        "id": id,
        "pluginId": field(item, "plugin_id"),
        "scriptPath": field(item, "script_path"),
        "command": shell_join(&command),
        "cwd": path_text(&str_field(item, "cwd").unwrap_or_default()),
        "processId": field(item, "process_id"),
        "source": str_field(item, "source").map_or_else(|| "agent".to_owned(), |source| snake_to_camel(&source)),
        "status": status,
        "commandActions": actions,
        "aggregatedOutput": str_field(item, "aggregated_output").filter(|output| !output.is_empty()),
        "exitCode": exit_code,
        "durationMs": duration_ms(item),
    })
}

/// A core `ParsedCommand` as a wire `CommandAction`.
fn command_action(parsed: &Value) -> Option<Value> {
    let command = str_field(parsed, "cmd").or_else(|| str_field(parsed, "command"))?;
    let path = str_field(parsed, "path").map(|path| path_text(&path));
    let action = match parsed.get("type")?.as_str()? {
        "read" => json!({
            "type": "read",
            "command": command,
            "name": str_field(parsed, "name").unwrap_or_default(),
            "path": path.unwrap_or_default(),
        }),
        "list_files" | "listFiles" => {
            json!({ "type": "listFiles", "command": command, "path": path })
        }
        "search" => json!({
            "type": "search",
            "command": command,
            "query": field(parsed, "query"),
            "path": path,
        }),
        _ => json!({ "type": "unknown", "command": command }),
    };
    Some(action)
}

/// Best effort for item types without a dedicated mapping: lowerCamel tag, camelCase keys,
/// `duration` as `durationMs`.
fn generic_item(item: &Value, tag: &str) -> Value {
    let mut wire = camelize_keys(item);
    if let Some(object) = wire.as_object_mut() {
        let mut tag_chars = tag.chars();
        let lower_tag = tag_chars
            .next()
            .map(|first| first.to_lowercase().chain(tag_chars).collect::<String>())
            .unwrap_or_default();
        object.insert("type".to_owned(), json!(lower_tag));
        if object.contains_key("duration") {
            object.remove("duration");
            object.insert("durationMs".to_owned(), json!(duration_ms(item)));
        }
    }
    wire
}

/// `duration` as `{secs, nanos}` (serde's `Duration`) or `duration_ms`, in whole milliseconds.
fn duration_ms(item: &Value) -> Option<i64> {
    if let Some(ms) = field(item, "duration_ms").and_then(|ms| ms.as_i64()) {
        return Some(ms);
    }
    let duration = field(item, "duration")?;
    let secs = duration.get("secs").and_then(Value::as_i64).unwrap_or(0);
    let nanos = duration.get("nanos").and_then(Value::as_i64).unwrap_or(0);
    Some(secs.saturating_mul(1000).saturating_add(nanos / 1_000_000))
}

/// A path that may be a `file://` URI (the core's `PathUri`) as a plain path.
fn path_text(path: &str) -> String {
    match path.strip_prefix("file://") {
        Some(rest) => percent_decode(rest),
        None => path.to_owned(),
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let hex = bytes
            .get(index + 1..index + 3)
            .and_then(|pair| std::str::from_utf8(pair).ok());
        match (
            bytes[index],
            hex.and_then(|pair| u8::from_str_radix(pair, 16).ok()),
        ) {
            (b'%', Some(byte)) => {
                out.push(byte);
                index += 3;
            }
            (byte, _) => {
                out.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Joins argv for display the way a POSIX shell would read it back
/// (`/bin/bash -lc 'echo hi'`).
pub(super) fn shell_join(args: &[String]) -> String {
    args.iter()
        .map(|arg| shell_quote(arg))
        .collect::<Vec<_>>()
        .join(" ")
}

fn shell_quote(arg: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "@%+=:,./_-".contains(c);
    if !arg.is_empty() && arg.chars().all(safe) {
        arg.to_owned()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

/// `snake_case` → `camelCase` (already-camel text is unchanged).
pub(super) fn snake_to_camel(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut upper_next = false;
    for c in text.chars() {
        if c == '_' {
            upper_next = !out.is_empty();
        } else if upper_next {
            out.extend(c.to_uppercase());
            upper_next = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Every object key, recursively, in camelCase.
pub(super) fn camelize_keys(value: &Value) -> Value {
    match value {
        Value::Object(object) => Value::Object(
            object
                .iter()
                .map(|(key, value)| (snake_to_camel(key), camelize_keys(value)))
                .collect::<Map<_, _>>(),
        ),
        Value::Array(values) => Value::Array(values.iter().map(camelize_keys).collect()),
        other => other.clone(),
    }
}

/// `value[snake]`, else `value[camel]`, ignoring nulls (the core changed casing over time).
fn field(value: &Value, snake: &str) -> Option<Value> {
    value
        .get(snake)
        .filter(|found| !found.is_null())
        .or_else(|| {
            value
                .get(snake_to_camel(snake))
                .filter(|found| !found.is_null())
        })
        .cloned()
}

fn str_field(value: &Value, snake: &str) -> Option<String> {
    field(value, snake).and_then(|found| found.as_str().map(str::to_owned))
}

fn array<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    value
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}
