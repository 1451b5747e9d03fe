//! The context items every model request starts with (core.md §1.2 step 2): the base
//! instructions as `input[0]`, a developer message with the permission fragments, and a user
//! message with the `<environment_context>`.
//!
//! The base instructions are weft's own words. They are not stored as a history item: they
//! are rebuilt for every request from the thread's settings, with an id derived from the
//! thread id so that it is byte-identical on every request of the thread, also after a restart
//! (prompt caching depends on a stable prefix).

use serde_json::{Value, json};
use uuid::Uuid;

use crate::config::ThreadSettings;
use crate::ids::ThreadId;

/// weft's system prompt.
pub const BASE_INSTRUCTIONS: &str = "You are weft, a coding agent working in the user's \
workspace through a client such as a terminal or an editor. Be precise, safe and helpful.\n\n\
- Read the request carefully and do what was asked, no more and no less.\n\
- Prefer small, verifiable steps; say what you changed and how you checked it.\n\
- When a tool is available for an action, use it rather than describing the action.\n\
- Respect the sandbox and approval settings described in the permissions instructions; when an \
action is refused, explain what you need instead of retrying blindly.\n\
- Keep answers short and concrete; use Markdown only where it helps.";

/// Namespace for the UUIDv5 of the base-instructions message id.
const BASE_INSTRUCTIONS_NAMESPACE: Uuid =
    Uuid::from_u128(0x5c1e_7a3b_9d24_4f0e_8b61_2a7d_03e9_c415);

/// `input[0]`: the base instructions as a developer message with a per-thread stable id.
#[must_use]
pub fn base_instructions_item(thread_id: ThreadId, text: &str) -> Value {
    let id = Uuid::new_v5(&BASE_INSTRUCTIONS_NAMESPACE, thread_id.uuid().as_bytes());
    json!({
        "type": "message",
        "id": format!("msg_{}", id.hyphenated()),
        "role": "developer",
        "content": [{"type": "input_text", "text": text}],
    })
}

/// The context items recorded on a thread's first turn: the developer fragments and the
/// environment context, in that order.
#[must_use]
pub fn initial_context_items(settings: &ThreadSettings, today: &str, timezone: &str) -> Vec<Value> {
    let mut fragments = Vec::new();
    if let Some(developer) = settings
        .developer_instructions
        .as_deref()
        .filter(|text| !text.is_empty())
    {
        fragments.push(input_text(developer));
    }
    fragments.push(input_text(&permissions_instructions(settings)));
    vec![
        message("developer", fragments),
        message(
            "user",
            vec![input_text(&environment_context(settings, today, timezone))],
        ),
    ]
}

/// A `message` item with a fresh weft-authored id.
#[must_use]
pub fn message(role: &str, content: Vec<Value>) -> Value {
    json!({
        "type": "message",
        "id": format!("msg_{}", Uuid::now_v7().hyphenated()),
        "role": role,
        "content": content,
    })
}

/// An `input_text` content part.
#[must_use]
pub fn input_text(text: &str) -> Value {
    json!({"type": "input_text", "text": text})
}

fn permissions_instructions(settings: &ThreadSettings) -> String {
    let sandbox = settings.sandbox.mode().as_str();
    let approval = settings.approval_policy.as_config_str();
    let sandbox_text = match sandbox {
        "read-only" => "Commands may read files anywhere but must not write any.",
        "workspace-write" => {
            "Commands may read files anywhere and write inside the workspace roots; network \
             access is off."
        }
        _ => "Commands run without a sandbox.",
    };
    let approval_text = match approval {
        "never" => "You are never asked for approval: act within the sandbox on your own.",
        "untrusted" => "Commands not known to be safe are shown to the user for approval first.",
        _ => "Ask the user for approval when an action needs to leave the sandbox.",
    };
    format!(
        "<permissions instructions>\nSandbox mode: {sandbox}. {sandbox_text}\nApproval policy: \
         {approval}. {approval_text}\n</permissions instructions>"
    )
}

fn environment_context(settings: &ThreadSettings, today: &str, timezone: &str) -> String {
    format!(
        "<environment_context>\n  <cwd>{cwd}</cwd>\n  <shell>bash</shell>\n  <current_date>{today}</current_date>\n  <timezone>{timezone}</timezone>\n  <filesystem><workspace_roots><root>{cwd}</root></workspace_roots></filesystem>\n</environment_context>",
        cwd = settings.cwd,
    )
}

/// The user-role marker appended to history after an interrupted turn (core.md §1.5).
pub const TURN_ABORTED_MARKER: &str = "<turn_aborted>\nThe user interrupted the previous turn on \
purpose. Any running processes may still be running in the background. If any tools or commands \
were aborted, they may have partially executed.\n</turn_aborted>";
