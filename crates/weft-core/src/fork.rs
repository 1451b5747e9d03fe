//! `thread/fork` (protocol.md §3): a new thread whose history is a copy of another's.
//!
//! The copy is the source's rollout, line for line (its `session_meta` included: later
//! `session_meta` lines are "forked history" to every reader), after the fork's own
//! `session_meta` naming the source in `forked_from_id`. `lastTurnId` cuts it after that turn;
//! a source that is running a turn is copied with that turn ended as interrupted. The new
//! thread's state is then built like a cold resume's, from that copy, and its actor announces
//! it like `thread/start`'s.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;
use weft_protocol::v2::ThreadSettingsOverrides;
use weft_protocol::{PROTOCOL_VERSION, RpcError};
use weft_store::{Rollout, RolloutDigest, RolloutLine, RolloutWriter};

use crate::clients::{ClientSink, Reply};
use crate::core::Core;
use crate::ids::{ThreadId, now_ms, now_secs};
use crate::thread::build::{self, Stored};
use crate::thread::record::{self, kind};
use crate::thread::state::ThreadState;
use crate::thread::{Command, ForkSource, Origin, launch};
use crate::turn::context::{self, TURN_ABORTED_MARKER};

/// `thread/fork` params (the `thread/start` overrides apply to the new thread).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ForkParams {
    thread_id: String,
    #[serde(default)]
    last_turn_id: Option<String>,
    #[serde(default)]
    ephemeral: Option<bool>,
    #[serde(default)]
    exclude_turns: Option<bool>,
    #[serde(flatten)]
    settings: ThreadSettingsOverrides,
}

/// Where the copy ends.
#[derive(Debug)]
struct Cut {
    /// Copy through this turn (inclusive).
    last_turn_id: Option<String>,
    /// The source's running turn (id, start in seconds, start in ms): never copied as running.
    running: Option<(String, i64, i64)>,
}

impl Core {
    /// `thread/fork`: copy, load and subscribe; the new thread's actor answers and broadcasts
    /// `thread/started`.
    pub async fn thread_fork(&self, sink: &ClientSink, params: Value, reply: Reply) {
        if let Err(err) = self.fork(sink, params, &reply).await {
            reply.send::<()>(Err(err));
        }
    }

    async fn fork(&self, sink: &ClientSink, params: Value, reply: &Reply) -> Result<(), RpcError> {
        self.refuse_if_draining()?;
        let params: ForkParams = serde_json::from_value(params)
            .map_err(|err| RpcError::unparsable_request(&err.to_string()))?;
        let source_id =
            ThreadId::parse(&params.thread_id).map_err(|err| RpcError::invalid_session_id(&err))?;
        let _permit = self.thread_list_permit().await?;
        let (source_path, name, running) = self.fork_source(source_id).await?;
        let cut = Cut {
            last_turn_id: params.last_turn_id.clone(),
            running,
        };
        let services = self.services();
        let id = ThreadId::new();
        let created = chrono::Local::now();
        let path = (!params.ephemeral.unwrap_or(false))
            .then(|| services.persistence.rollout_path(id, created));
        let config = std::sync::Arc::clone(&services.config);
        let originator = services.models.identity().originator;
        let overrides = params.settings.clone();
        let made = tokio::task::spawn_blocking(move || {
            let lines = copy_history(&source_path, source_id, &cut)?;
            let rollout = Rollout::from_lines(lines, 0).map_err(|err| {
                RpcError::invalid_request(format!("failed to load thread {source_id}: {err}"))
            })?;
            let stored = Stored {
                updated_at: created.timestamp(),
                recency_at: created.timestamp(),
                name,
                path: path.clone(),
                git: None,
            };
            let mut state = build::from_rollout(
                &config,
                stored,
                RolloutDigest::of(&rollout),
                &overrides,
                None,
            );
            become_fork(&mut state, id, source_id, created, originator);
            let writer = match &path {
                Some(path) => Some(write_copy(path, &state, &rollout, created)?),
                None => None,
            };
            Ok::<_, RpcError>((state, writer))
        })
        .await
        .map_err(|err| RpcError::internal(format!("error forking thread: {err}")))?;
        let (state, writer) = made?;
        if let Some(path) = state.meta.path.clone() {
            services.persistence.index_path(path).await;
        }
        let origin = Origin::Created {
            sink: sink.clone(),
            reply: reply.clone(),
            include_turns: !params.exclude_turns.unwrap_or(false),
        };
        let registry = &services.registry;
        launch(services, state, writer, origin, |handle| {
            registry.insert(handle)
        })?;
        Ok(())
    }

    /// The source's rollout, name and running turn: from its actor when it is loaded (its
    /// rollout is current), else from the store.
    async fn fork_source(
        &self,
        id: ThreadId,
    ) -> Result<(PathBuf, Option<String>, Option<(String, i64, i64)>), RpcError> {
        if let Some(handle) = self.services().registry.handle(id)
            && let Ok(source) = handle.ask(|reply| Command::ForkSource { reply }).await
        {
            let ForkSource {
                path,
                running,
                name,
            } = source;
            let path = path.ok_or_else(|| RpcError::no_rollout_found(&id.to_string()))?;
            return Ok((path, name, running));
        }
        let row = self
            .services()
            .persistence
            .find(id)
            .await
            .map_err(|err| RpcError::invalid_request(format!("failed to load thread {id}: {err}")))?
            .ok_or_else(|| RpcError::no_rollout_found(&id.to_string()))?;
        if row.archived {
            return Err(RpcError::invalid_request(format!(
                "session {id} is archived. Run `codex unarchive {id}` to unarchive it first."
            )));
        }
        Ok((row.rollout_path, row.name, None))
    }
}

/// The source's lines through the cut; a running turn is ended as interrupted (the marker the
/// model sees, then `turn_aborted`), as an interrupt would have recorded it.
fn copy_history(
    source: &Path,
    source_id: ThreadId,
    cut: &Cut,
) -> Result<Vec<RolloutLine>, RpcError> {
    let rollout = weft_store::read_rollout(source).map_err(|err| {
        RpcError::invalid_request(format!("failed to load thread {source_id}: {err}"))
    })?;
    let mut lines = rollout.lines().to_vec();
    let running_id = cut.running.as_ref().map(|(turn_id, ..)| turn_id.as_str());
    if let Some(last) = &cut.last_turn_id {
        if Some(last.as_str()) == running_id {
            return Err(RpcError::fork_turn_in_progress(last));
        }
        let end = lines
            .iter()
            .position(|line| ends_turn(line, last))
            .ok_or_else(|| RpcError::turn_not_found(last))?;
        lines.truncate(end + 1);
        return Ok(lines);
    }
    if let Some((turn_id, started_at, started_ms)) = &cut.running {
        let now = weft_store::line::format_timestamp(chrono::Utc::now());
        // A call the running turn has not answered yet (a command waiting on approval) gets the
        // output an interrupt gives it: every call in history keeps its output.
        let history: Vec<serde_json::Value> = lines
            .iter()
            .filter(|line| line.kind == kind::RESPONSE_ITEM)
            .map(|line| line.payload.clone())
            .collect();
        let outputs: Vec<_> = crate::turn::items::unanswered_calls(&history)
            .iter()
            .map(|call| (kind::RESPONSE_ITEM, aborted_output(call)))
            .collect();
        let marker = context::message("user", vec![context::input_text(TURN_ABORTED_MARKER)]);
        let aborted = record::turn_aborted(turn_id, *started_at, now_secs(), now_ms() - started_ms);
        let ending = [(kind::RESPONSE_ITEM, marker), (kind::EVENT_MSG, aborted)];
        for (line_kind, payload) in outputs.into_iter().chain(ending) {
            lines.push(RolloutLine {
                timestamp: now.clone(),
                ordinal: None,
                kind: line_kind.to_owned(),
                payload,
                metadata: None,
            });
        }
    }
    Ok(lines)
}

/// The output an interrupted call gets: `aborted by user`, as a function or custom tool output.
fn aborted_output(call: &serde_json::Value) -> serde_json::Value {
    let call_id = call
        .get("call_id")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default();
    if call.get("type").and_then(serde_json::Value::as_str) == Some("custom_tool_call") {
        serde_json::json!({
            "type": "custom_tool_call_output",
            "call_id": call_id,
            "output": ABORTED_OUTPUT,
        })
    } else {
        crate::turn::tools::function_output(call_id, ABORTED_OUTPUT)
    }
}

/// What an interrupted call's output says (the text an interrupted tool records).
const ABORTED_OUTPUT: &str = "aborted by user";

/// Whether `line` is the end of turn `turn_id` (`task_complete` or `turn_aborted`).
fn ends_turn(line: &RolloutLine, turn_id: &str) -> bool {
    line.kind == kind::EVENT_MSG
        && matches!(
            line.payload.get("type").and_then(Value::as_str),
            Some("task_complete" | "turn_aborted")
        )
        && line.payload.get("turn_id").and_then(Value::as_str) == Some(turn_id)
}

/// Gives the copied state the fork's own identity.
fn become_fork(
    state: &mut ThreadState,
    id: ThreadId,
    source_id: ThreadId,
    created: chrono::DateTime<chrono::Local>,
    originator: String,
) {
    let meta = &mut state.meta;
    meta.id = id;
    meta.session_id = id.to_string();
    meta.forked_from_id = Some(source_id.to_string());
    meta.created_at = created.timestamp();
    meta.cli_version = PROTOCOL_VERSION.to_owned();
    meta.originator = Some(originator);
    meta.source =
        weft_protocol::v2::SessionSource::Named(weft_protocol::v2::SessionSourceName::Vscode);
    meta.history_mode = "paginated".to_owned();
}

/// Writes the fork's rollout: its `session_meta`, then the copied lines with their timestamps
/// (ordinals renumbered), fsynced before the fork is answered.
fn write_copy(
    path: &Path,
    state: &ThreadState,
    rollout: &Rollout,
    created: chrono::DateTime<chrono::Local>,
) -> Result<RolloutWriter, RpcError> {
    let failed = |err: String| RpcError::internal(format!("error forking thread: {err}"));
    let created_utc = created.with_timezone(&chrono::Utc);
    let created_text = weft_store::line::format_timestamp(created_utc);
    let meta = record::session_meta(&state.meta, &state.settings, &created_text);
    let mut writer =
        RolloutWriter::create_at(path, meta, created_utc).map_err(|err| failed(err.to_string()))?;
    for line in rollout.lines() {
        let at = chrono::DateTime::parse_from_rfc3339(&line.timestamp)
            .map_or(created_utc, |at| at.with_timezone(&chrono::Utc));
        writer
            .append_at(at, &line.kind, line.payload.clone())
            .map_err(|err| failed(err.to_string()))?;
    }
    writer.sync().map_err(|err| failed(err.to_string()))?;
    Ok(writer)
}
