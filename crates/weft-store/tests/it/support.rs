//! Shared helpers: temp homes, the reference sample, small synthetic rollouts.

use std::path::PathBuf;

use chrono::{DateTime, Duration, Local, TimeZone, Utc};
use serde_json::{Value, json};
use tempfile::TempDir;
use uuid::Uuid;
use weft_store::line::kind;
use weft_store::{Home, RolloutWriter};

/// Thread id of the reference sample.
pub(crate) const SAMPLE_ID: &str = "01a21024-af31-7412-8f78-454e24c7944a";
/// File name the reference gave the sample (its machine ran in UTC).
pub(crate) const SAMPLE_FILE_NAME: &str =
    "rollout-2026-11-25T00-39-29-01a21024-af31-7412-8f78-454e24c7944a.jsonl";

/// A temp home, removed with the value.
pub(crate) struct TestHome {
    _dir: TempDir,
    pub(crate) home: Home,
}

impl TestHome {
    pub(crate) fn new() -> TestHome {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = Home::new(dir.path());
        TestHome { _dir: dir, home }
    }

    /// Copies the reference sample under `sessions/2026/11/25/`; returns its path.
    pub(crate) fn with_sample(&self) -> PathBuf {
        let folder = self.home.sessions_dir().join("2026").join("11").join("25");
        std::fs::create_dir_all(&folder).expect("mkdir");
        let path = folder.join(SAMPLE_FILE_NAME);
        std::fs::copy(sample_source(), &path).expect("copy sample");
        path
    }
}

/// The reference sample, copied into the crate so the tests need nothing outside it.
pub(crate) fn sample_source() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/rollout-sample.jsonl")
}

/// A fixed instant: 2026-03-02T09:15:00Z plus `seconds`.
pub(crate) fn at(seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 15, 0)
        .single()
        .expect("valid time")
        + Duration::seconds(seconds)
}

/// A synthetic thread to write.
#[derive(Clone)]
pub(crate) struct ThreadSpec {
    pub(crate) id: Uuid,
    pub(crate) created: DateTime<Utc>,
    pub(crate) cwd: String,
    pub(crate) source: Value,
    pub(crate) provider: Option<String>,
    pub(crate) paginated: bool,
    /// User messages, one turn each; none → a thread without preview.
    pub(crate) messages: Vec<String>,
}

impl ThreadSpec {
    /// Thread `n`: id and creation derived from `n`, one turn saying `message n`.
    pub(crate) fn numbered(n: u32) -> ThreadSpec {
        ThreadSpec {
            id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 + u128::from(n)),
            created: at(i64::from(n) * 60),
            cwd: "/work/demo".to_owned(),
            source: json!("vscode"),
            provider: Some("mock".to_owned()),
            paginated: true,
            messages: vec![format!("message {n}")],
        }
    }

    pub(crate) fn session_meta(&self) -> Value {
        let mut meta = json!({
            "session_id": self.id.to_string(),
            "id": self.id.to_string(),
            "timestamp": weft_store::line::format_timestamp(self.created),
            "cwd": self.cwd,
            "originator": "weft-test",
            "cli_version": "0.169.0",
            "source": self.source,
            "base_instructions": { "text": "You are a test agent." },
            "history_mode": if self.paginated { "paginated" } else { "legacy" },
        });
        if let (Some(object), Some(provider)) = (meta.as_object_mut(), &self.provider) {
            object.insert("model_provider".to_owned(), json!(provider));
        }
        meta
    }

    /// Where the reference would put this thread's rollout.
    pub(crate) fn path(&self, home: &Home) -> PathBuf {
        home.rollout_path(self.id, self.created.with_timezone(&Local))
    }

    /// Writes the rollout through [`RolloutWriter`]; returns its path.
    pub(crate) fn write(&self, home: &Home) -> PathBuf {
        let path = self.path(home);
        let mut writer =
            RolloutWriter::create_at(&path, self.session_meta(), self.created).expect("create");
        for (turn, message) in self.messages.iter().enumerate() {
            let start =
                self.created + Duration::seconds(i64::try_from(turn).expect("small") * 10 + 1);
            for (offset, (line_kind, payload)) in turn_lines(self.id, turn, message, start)
                .into_iter()
                .enumerate()
            {
                let time = start + Duration::milliseconds(i64::try_from(offset).expect("small"));
                writer.append_at(time, line_kind, payload).expect("append");
            }
        }
        writer.sync().expect("sync");
        path
    }
}

/// The lines of one completed turn, as the reference writes them (shortened).
pub(crate) fn turn_lines(
    thread_id: Uuid,
    turn: usize,
    message: &str,
    start: DateTime<Utc>,
) -> Vec<(&'static str, Value)> {
    let turn_id = Uuid::new_v5(&thread_id, format!("turn-{turn}").as_bytes()).to_string();
    let user_item_id = Uuid::new_v5(&thread_id, format!("user-{turn}").as_bytes()).to_string();
    let start_ms = start.timestamp_millis();
    vec![
        (
            kind::EVENT_MSG,
            json!({"type": "task_started", "turn_id": turn_id, "root_turn_id": turn_id, "started_at": start.timestamp(), "model_context_window": 258400}),
        ),
        (
            kind::TURN_CONTEXT,
            json!({"turn_id": turn_id, "cwd": "/work/demo", "approval_policy": "never", "model": format!("model-{turn}"), "summary": "auto"}),
        ),
        (
            kind::RESPONSE_ITEM,
            json!({"type": "message", "id": format!("msg_u{turn}"), "role": "user", "content": [{"type": "input_text", "text": message}], "internal_chat_message_metadata_passthrough": {"turn_id": turn_id}}),
        ),
        (
            kind::EVENT_MSG,
            json!({"type": "item_completed", "thread_id": thread_id.to_string(), "turn_id": turn_id, "item": {"type": "UserMessage", "id": user_item_id, "content": [{"type": "text", "text": message, "text_elements": []}]}, "started_at_ms": start_ms, "completed_at_ms": start_ms}),
        ),
        (
            kind::EVENT_MSG,
            json!({"type": "item_completed", "thread_id": thread_id.to_string(), "turn_id": turn_id, "item": {"type": "AgentMessage", "id": format!("msg_a{turn}"), "content": [{"type": "Text", "text": format!("reply to {message}")}]}, "started_at_ms": start_ms + 5, "completed_at_ms": start_ms + 6}),
        ),
        (
            kind::RESPONSE_ITEM,
            json!({"type": "message", "id": format!("msg_a{turn}"), "role": "assistant", "status": "completed", "content": [{"type": "output_text", "text": format!("reply to {message}"), "annotations": []}]}),
        ),
        (
            kind::EVENT_MSG,
            json!({"type": "token_count", "info": {"total_token_usage": {"input_tokens": 100 * (turn + 1), "cached_input_tokens": 0, "output_tokens": 10 * (turn + 1), "reasoning_output_tokens": 0, "total_tokens": 110 * (turn + 1)}, "last_token_usage": {"input_tokens": 100, "cached_input_tokens": 0, "output_tokens": 10, "reasoning_output_tokens": 0, "total_tokens": 110}, "model_context_window": 258400}, "rate_limits": null}),
        ),
        (
            kind::EVENT_MSG,
            json!({"type": "task_complete", "turn_id": turn_id, "last_agent_message": format!("reply to {message}"), "started_at": start.timestamp(), "completed_at": start.timestamp(), "duration_ms": 7}),
        ),
    ]
}

/// Writes raw JSONL (one value per line) to `path`, making its folders.
pub(crate) fn write_lines(path: &std::path::Path, lines: &[Value]) {
    let mut text = String::new();
    for line in lines {
        text.push_str(&line.to_string());
        text.push('\n');
    }
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}
