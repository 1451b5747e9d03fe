//! `CommandExecution` ⇄ wire `commandExecution`, and the legacy `exec_command_end` event.
//!
//! Core shape (reference 0.169.0, as in its own rollout):
//! `{"type":"CommandExecution","id","process_id"?,"command":[argv…],"cwd":"file:///…",
//! "parsed_cmd":[ParsedCommand…],"source":"unified_exec_startup","status":"completed",
//! "aggregated_output"?,"exit_code"?,"duration"?:{"secs","nanos"}}`. `ParsedCommand` is
//! `{"type":"read","cmd","name","path"}`, `{"type":"list_files","cmd","path"}`,
//! `{"type":"search","cmd","query","path"}` or `{"type":"unknown","cmd"}`; the wire's
//! `commandActions` are the same with `command` for `cmd` and camelCase tags.
//!
//! The wire `command` is a display string; the rollout needs the argv, so encoding splits it
//! back ([`super::shell_split`]) — exact for every display string [`super::shell_join`] made,
//! which is how the wire string is made from an argv (module `shell`).
//!
//! An empty `aggregated_output` is read back as no output (`null`), in items as in the legacy
//! event: the reference shows it so, live and on read (checked against 0.169.0 by
//! `bench/compat/tool_history.py --extended`, a command that prints nothing).
//!
//! What the format cannot carry: an empty `aggregatedOutput` as opposed to none (`""` is
//! written, as the reference writes it, and read back as `null`); a `source` of `null` (written
//! as `agent`, the reference's default, and read back as `agent`); a negative `durationMs` (left
//! out); sub-millisecond precision the other way (the reference's nanoseconds are read back as
//! whole milliseconds); a relative `cwd` (written as it is: the reference would reject the
//! line); a `read` action's relative path is read back joined to `cwd`, as the reference shows
//! it.

use serde_json::{Map, Value, json};
use weft_protocol::v2::ItemBody;

use super::fields::{array, camel_to_snake, field, opt_str_field, snake_to_camel, str_field};
use super::path_uri::{path_text, to_file_uri};
use weft_shellwords::{shell_join, shell_split};

/// The core `type` tag.
pub(crate) const TYPE: &str = "CommandExecution";

/// The wire fields of a command item, borrowed from an [`ItemBody::CommandExecution`].
pub(crate) struct CommandFields<'a> {
    pub(crate) id: &'a str,
    pub(crate) command: &'a str,
    pub(crate) cwd: &'a str,
    pub(crate) command_actions: &'a [Value],
    pub(crate) status: &'a str,
    pub(crate) aggregated_output: Option<&'a str>,
    pub(crate) exit_code: Option<i32>,
    pub(crate) duration_ms: Option<i64>,
    pub(crate) process_id: Option<&'a str>,
    pub(crate) source: Option<&'a str>,
}

/// The core item for a wire command item, keys in the reference's order.
pub(crate) fn encode(fields: &CommandFields<'_>) -> Value {
    let mut item = Map::new();
    let mut put = |key: &str, value: Value| {
        item.insert(key.to_owned(), value);
    };
    put("type", json!(TYPE));
    put("id", json!(fields.id));
    if let Some(process_id) = fields.process_id {
        put("process_id", json!(process_id));
    }
    put("command", json!(shell_split(fields.command)));
    put(
        "cwd",
        json!(to_file_uri(fields.cwd).unwrap_or_else(|| fields.cwd.to_owned())),
    );
    put(
        "parsed_cmd",
        Value::Array(fields.command_actions.iter().map(encode_action).collect()),
    );
    put(
        "source",
        json!(camel_to_snake(fields.source.unwrap_or("agent"))),
    );
    put("status", json!(fields.status));
    if let Some(output) = fields.aggregated_output {
        put("aggregated_output", json!(output));
    }
    if let Some(exit_code) = fields.exit_code {
        put("exit_code", json!(exit_code));
    }
    if let Some(duration_ms) = fields.duration_ms.filter(|ms| *ms >= 0) {
        put(
            "duration",
            json!({"secs": duration_ms / 1000, "nanos": (duration_ms % 1000) * 1_000_000}),
        );
    }
    Value::Object(item)
}

/// A wire `CommandAction` as a core `ParsedCommand`; an action of an unknown kind becomes
/// `unknown`.
fn encode_action(action: &Value) -> Value {
    let command = str_field(action, "command").unwrap_or_default();
    let text = |key: &str| field(action, key).cloned().unwrap_or(Value::Null);
    match action.get("type").and_then(Value::as_str) {
        Some("read") => json!({
            "type": "read",
            "cmd": command,
            "name": str_field(action, "name").unwrap_or_default(),
            "path": str_field(action, "path").unwrap_or_default(),
        }),
        Some("listFiles") => json!({"type": "list_files", "cmd": command, "path": text("path")}),
        Some("search") => json!({
            "type": "search",
            "cmd": command,
            "query": text("query"),
            "path": text("path"),
        }),
        _ => json!({"type": "unknown", "cmd": command}),
    }
}

/// The wire body of a core command item or legacy `exec_command_end` event; `None` when
/// `process_id` is not a string.
pub(crate) fn decode(item: &Value, id: String) -> Option<ItemBody> {
    let command = match field(item, "command") {
        Some(Value::String(display)) => display.clone(),
        _ => {
            let argv: Vec<String> = array(item, "command")
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect();
            shell_join(&argv)
        }
    };
    let cwd = path_text(&str_field(item, "cwd").unwrap_or_default());
    let exit_code = field(item, "exit_code")
        .and_then(Value::as_i64)
        .and_then(|code| i32::try_from(code).ok());
    let status = str_field(item, "status").map_or_else(
        || {
            if exit_code == Some(0) {
                "completed"
            } else {
                "failed"
            }
            .to_owned()
        },
        |status| snake_to_camel(&status),
    );
    let command_actions = array(item, "parsed_cmd")
        .iter()
        .filter_map(|parsed| decode_action(parsed, &cwd))
        .collect();
    let aggregated_output =
        str_field(item, "aggregated_output").filter(|output| !output.is_empty());
    let process_id = opt_str_field(item, "process_id").ok()?;
    let source = str_field(item, "source")
        .map_or_else(|| "agent".to_owned(), |source| snake_to_camel(&source));
    Some(ItemBody::CommandExecution {
        id,
        command,
        cwd,
        command_actions,
        status,
        aggregated_output,
        exit_code,
        duration_ms: duration_ms(item),
        process_id,
        source: Some(source),
    })
}

/// A core `ParsedCommand` as a wire `CommandAction`; a `read` path relative to `cwd` is joined
/// to it (as the reference shows it).
fn decode_action(parsed: &Value, cwd: &str) -> Option<Value> {
    let command = str_field(parsed, "cmd").or_else(|| str_field(parsed, "command"))?;
    let path = || field(parsed, "path").cloned().unwrap_or(Value::Null);
    let action = match parsed.get("type")?.as_str()? {
        "read" => {
            let path = path_text(&str_field(parsed, "path").unwrap_or_default());
            json!({
                "type": "read",
                "command": command,
                "name": str_field(parsed, "name").unwrap_or_default(),
                "path": join_to_cwd(cwd, path),
            })
        }
        "list_files" | "listFiles" => {
            json!({"type": "listFiles", "command": command, "path": path()})
        }
        "search" => json!({
            "type": "search",
            "command": command,
            "query": field(parsed, "query").cloned().unwrap_or(Value::Null),
            "path": path(),
        }),
        _ => json!({"type": "unknown", "command": command}),
    };
    Some(action)
}

/// `cwd/path` for a relative non-empty `path` and a non-empty `cwd`; `path` otherwise.
fn join_to_cwd(cwd: &str, path: String) -> String {
    if path.is_empty() || path.starts_with('/') || cwd.is_empty() {
        return path;
    }
    format!("{}/{path}", cwd.trim_end_matches('/'))
}

/// `duration` as `{secs, nanos}` (serde's `Duration`) or `duration_ms`, in whole milliseconds.
fn duration_ms(item: &Value) -> Option<i64> {
    if let Some(ms) = field(item, "duration_ms").and_then(Value::as_i64) {
        return Some(ms);
    }
    let duration = field(item, "duration")?;
    let secs = duration.get("secs").and_then(Value::as_i64).unwrap_or(0);
    let nanos = duration.get("nanos").and_then(Value::as_i64).unwrap_or(0);
    Some(secs.saturating_mul(1000).saturating_add(nanos / 1_000_000))
}
