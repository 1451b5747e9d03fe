//! `ThreadItem` and `UserInput` (protocol.md §6.4, §6.6).
//!
//! Every item carries `startedAtMs` / `completedAtMs` next to its type-specific members, so the
//! item is a struct around a tagged [`ItemBody`]; the body variants are the item types weft
//! produces or reads back from rollouts. More arrive with the tools work.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One item of a turn, with its lifecycle times.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThreadItem {
    /// Type-specific members, tagged by `type`.
    #[serde(flatten)]
    pub body: ItemBody,
    /// Unix ms when the item started.
    #[serde(default)]
    pub started_at_ms: Option<i64>,
    /// Unix ms when it completed; null until then.
    #[serde(default)]
    pub completed_at_ms: Option<i64>,
}

impl ThreadItem {
    /// The item's id, whatever its type.
    #[must_use]
    pub fn id(&self) -> &str {
        match &self.body {
            ItemBody::UserMessage { id, .. }
            | ItemBody::AgentMessage { id, .. }
            | ItemBody::Plan { id, .. }
            | ItemBody::Reasoning { id, .. }
            | ItemBody::CommandExecution { id, .. }
            | ItemBody::FileChange { id, .. }
            | ItemBody::ImageView { id, .. }
            | ItemBody::ContextCompaction { id } => id,
        }
    }
}

/// The type-specific members of a [`ThreadItem`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum ItemBody {
    /// What the user sent.
    #[serde(rename_all = "camelCase")]
    UserMessage {
        /// UUIDv7.
        id: String,
        /// The inputs, as sent.
        content: Vec<UserInput>,
        /// `clientUserMessageId` of `turn/start`, echoed.
        #[serde(default)]
        client_id: Option<String>,
    },
    /// Text from the model.
    #[serde(rename_all = "camelCase")]
    AgentMessage {
        /// The model's item id (`msg_…`).
        id: String,
        /// Full text (`""` when started).
        text: String,
        /// `commentary`, `partial_answer`, `final_answer` or null.
        #[serde(default)]
        phase: Option<String>,
        /// Memory citation (null).
        #[serde(default)]
        memory_citation: Option<serde_json::Value>,
        /// `async` or null.
        #[serde(default)]
        delivery: Option<String>,
        /// Async questions (null).
        #[serde(default)]
        questions: Option<serde_json::Value>,
        /// Moderation metadata (null).
        #[serde(default)]
        moderation: Option<serde_json::Value>,
    },
    /// A plan text.
    Plan {
        /// Item id.
        id: String,
        /// Plan text.
        text: String,
    },
    /// Model reasoning.
    Reasoning {
        /// The model's item id.
        id: String,
        /// Summary sections.
        #[serde(default)]
        summary: Vec<String>,
        /// Raw reasoning text parts.
        #[serde(default)]
        content: Vec<String>,
    },
    /// A shell command.
    #[serde(rename_all = "camelCase")]
    CommandExecution {
        /// The call id.
        id: String,
        /// Display string, e.g. `/bin/bash -lc 'echo hi'`.
        command: String,
        /// Working directory.
        cwd: String,
        /// Parsed actions, kept as JSON.
        command_actions: Vec<serde_json::Value>,
        /// `inProgress`, `completed`, `failed`, `declined`.
        status: String,
        /// stdout + stderr.
        #[serde(default)]
        aggregated_output: Option<String>,
        /// Exit code.
        #[serde(default)]
        exit_code: Option<i32>,
        /// Run time.
        #[serde(default)]
        duration_ms: Option<i64>,
        /// PTY process id.
        #[serde(default)]
        process_id: Option<String>,
        /// `agent`, `userShell`, `unifiedExecStartup`, `unifiedExecInteraction`. Not nullable:
        /// absent is written as `agent`, the reference's default.
        #[serde(default, serialize_with = "source_or_agent")]
        #[schemars(with = "CommandExecutionSource")]
        source: Option<String>,
    },
    /// A patch: the files it changes.
    FileChange {
        /// The call id.
        id: String,
        /// One entry per file.
        changes: Vec<FileUpdateChange>,
        /// `inProgress`, `completed`, `failed`, `declined`.
        status: String,
    },
    /// An image the model looked at (`view_image`).
    ImageView {
        /// The call id.
        id: String,
        /// Absolute path.
        path: String,
    },
    /// A context compaction marker.
    ContextCompaction {
        /// Item id.
        id: String,
    },
}

/// One file of a `fileChange` item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FileUpdateChange {
    /// Absolute path.
    pub path: String,
    /// Add, delete or update (with an optional move).
    pub kind: PatchChangeKind,
    /// New content (add), old content (delete) or a unified diff (update).
    pub diff: String,
}

/// What a patch does to one file (`PatchChangeKind`, tag `type`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum PatchChangeKind {
    /// A new file.
    Add,
    /// A removed file.
    Delete,
    /// A changed file, possibly moved.
    Update {
        /// Where it moved to.
        #[serde(default)]
        move_path: Option<String>,
    },
}

/// Who started a command (`CommandExecutionSource`), the schema of `commandExecution.source`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum CommandExecutionSource {
    /// The model (the default).
    #[default]
    Agent,
    /// The user, through `thread/shellCommand`.
    UserShell,
    /// Start-up of a unified exec session.
    UnifiedExecStartup,
    /// Input to a unified exec session.
    UnifiedExecInteraction,
}

fn source_or_agent<S: serde::Serializer>(
    source: &Option<String>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(source.as_deref().unwrap_or("agent"))
}

/// One input of a user message (tag `type`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum UserInput {
    /// Text.
    Text {
        /// The text.
        text: String,
        /// UI spans, kept verbatim.
        #[serde(default)]
        text_elements: Vec<serde_json::Value>,
    },
    /// An image by URL or file id. `url` and `fileId` are omitted when absent, never `null`
    /// (the reference's schema has no `null` for them), hence their schema is a plain string.
    #[serde(rename_all = "camelCase")]
    Image {
        /// Image URL (or data URL).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schemars(with = "String")]
        url: Option<String>,
        /// Uploaded file id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schemars(with = "String")]
        file_id: Option<String>,
        /// `auto`, `low`, `high`, `original`.
        #[serde(default)]
        detail: Option<String>,
    },
    /// An image on the server's disk.
    LocalImage {
        /// File path.
        path: String,
        /// Detail level.
        #[serde(default)]
        detail: Option<String>,
    },
    /// Audio by URL or file id; `url` / `fileId` as for [`UserInput::Image`].
    #[serde(rename_all = "camelCase")]
    Audio {
        /// Audio URL.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schemars(with = "String")]
        url: Option<String>,
        /// Uploaded file id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schemars(with = "String")]
        file_id: Option<String>,
    },
    /// Audio on the server's disk.
    LocalAudio {
        /// File path.
        path: String,
    },
    /// A skill reference.
    Skill {
        /// Skill name.
        name: String,
        /// Skill path.
        path: String,
    },
    /// A mention.
    Mention {
        /// Display name.
        name: String,
        /// Path.
        path: String,
    },
}

impl UserInput {
    /// Unicode scalar values of this input's text (0 for non-text inputs); the input limit
    /// counts these.
    #[must_use]
    pub fn text_chars(&self) -> usize {
        match self {
            Self::Text { text, .. } => text.chars().count(),
            _ => 0,
        }
    }
}
