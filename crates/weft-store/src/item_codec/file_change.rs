//! `FileChange` ⇄ wire `fileChange`, and the legacy `patch_apply_end` event.
//!
//! Core shape (reference `FileChangeItem`): `{"type":"FileChange","id","changes":{<path>:
//! FileChange…},"status"?}` where a `FileChange` is `{"type":"add","content"}`,
//! `{"type":"delete","content"}` or `{"type":"update","unified_diff","move_path"}` (older files:
//! `{"add":{"content"}}`, externally tagged) and `status` is `completed`, `failed` or `declined`
//! — absent while the patch is in progress. The legacy event `patch_apply_end {call_id, stdout,
//! stderr, success, changes, status?}` has the same `changes`.
//!
//! Wire ⇄ core, as the reference converts: `diff` is the added file's content, the deleted
//! file's content, or the update's `unified_diff` followed by `\n\nMoved to: <move_path>` when
//! the file moves; `changes` are listed sorted by path; `inProgress` is no `status`.
//!
//! What the format cannot carry: the order of `changes` (read back sorted by path) and two
//! changes of one path (the last one stays); an update-with-move `diff` without the
//! `Moved to:` suffix is read back with it.

use serde_json::{Map, Value, json};
use weft_protocol::v2::{FileUpdateChange, ItemBody, PatchChangeKind};

use super::fields::{camel_to_snake, field, snake_to_camel, str_field};

/// The core `type` tag.
pub(crate) const TYPE: &str = "FileChange";
/// The wire status of a change with no core `status`.
const IN_PROGRESS: &str = "inProgress";

/// The core item for a wire file change.
pub(crate) fn encode(id: &str, changes: &[FileUpdateChange], status: &str) -> Value {
    let mut item = Map::new();
    item.insert("type".to_owned(), json!(TYPE));
    item.insert("id".to_owned(), json!(id));
    let mut by_path = Map::new();
    for change in changes {
        by_path.insert(change.path.clone(), encode_change(change));
    }
    item.insert("changes".to_owned(), Value::Object(by_path));
    if status != IN_PROGRESS {
        item.insert("status".to_owned(), json!(camel_to_snake(status)));
    }
    Value::Object(item)
}

fn encode_change(change: &FileUpdateChange) -> Value {
    match &change.kind {
        PatchChangeKind::Add => json!({"type": "add", "content": change.diff}),
        PatchChangeKind::Delete => json!({"type": "delete", "content": change.diff}),
        PatchChangeKind::Update { move_path } => {
            let unified_diff = move_path
                .as_deref()
                .and_then(|to| change.diff.strip_suffix(moved_suffix(to).as_str()))
                .unwrap_or(&change.diff);
            json!({"type": "update", "unified_diff": unified_diff, "move_path": move_path})
        }
    }
}

/// What the reference appends to an update's diff when the file moves.
fn moved_suffix(move_path: &str) -> String {
    format!("\n\nMoved to: {move_path}")
}

/// The wire body of a core file change (or of a legacy `patch_apply_end`, whose status may
/// come from `success` alone).
pub(crate) fn decode(item: &Value, id: String) -> ItemBody {
    let status = match str_field(item, "status") {
        Some(status) => snake_to_camel(&status),
        None => match item.get("success").and_then(Value::as_bool) {
            Some(true) => "completed".to_owned(),
            Some(false) => "failed".to_owned(),
            None => IN_PROGRESS.to_owned(),
        },
    };
    let mut changes: Vec<FileUpdateChange> = field(item, "changes")
        .and_then(Value::as_object)
        .map(|by_path| {
            by_path
                .iter()
                .filter_map(|(path, change)| decode_change(path, change))
                .collect()
        })
        .unwrap_or_default();
    changes.sort_by(|left, right| left.path.cmp(&right.path));
    ItemBody::FileChange {
        id,
        changes,
        status,
    }
}

/// One core `FileChange` (internally or, in older files, externally tagged) in wire shape;
/// `None` for an unknown kind.
fn decode_change(path: &str, change: &Value) -> Option<FileUpdateChange> {
    let (kind, fields) = match change.get("type").and_then(Value::as_str) {
        Some(kind) => (kind, change),
        None => {
            let (kind, fields) = change.as_object()?.iter().next()?;
            (kind.as_str(), fields)
        }
    };
    let content = || str_field(fields, "content").unwrap_or_default();
    let (kind, diff) = match kind {
        "add" => (PatchChangeKind::Add, content()),
        "delete" => (PatchChangeKind::Delete, content()),
        "update" => {
            let move_path = str_field(fields, "move_path");
            let unified_diff = str_field(fields, "unified_diff").unwrap_or_default();
            let diff = match &move_path {
                Some(to) => format!("{unified_diff}{}", moved_suffix(to)),
                None => unified_diff,
            };
            (PatchChangeKind::Update { move_path }, diff)
        }
        _ => return None,
    };
    Some(FileUpdateChange {
        path: path.to_owned(),
        kind,
        diff,
    })
}

/// A legacy `patch_apply_end` event as a wire body.
pub(crate) fn decode_legacy(payload: &Value, fallback_id: String) -> ItemBody {
    let id = str_field(payload, "call_id").unwrap_or(fallback_id);
    decode(payload, id)
}
