//! Requests that read history or load a stored thread: `thread/list`, `thread/read`,
//! `thread/turns/list`, `thread/items/list`, `thread/resume`.

use std::sync::Arc;

use serde_json::Value;
use weft_protocol::RpcError;
use weft_protocol::v2::{
    ItemBody, SandboxPolicy, ServerNotification, SessionSource, SortDirection, Thread,
    ThreadItemEntry, ThreadItemsListParams, ThreadItemsListResponse, ThreadListParams,
    ThreadListResponse, ThreadReadParams, ThreadReadResponse, ThreadResumeParams, ThreadStatus,
    ThreadStatusChangedNotification, ThreadTurnsListParams, ThreadTurnsListResponse, Turn,
    TurnItemsView,
};
use weft_store::{ListQuery, RolloutDigest, RolloutWriter, ThreadRow};

use crate::clients::{ClientSink, Reply};
use crate::core::Core;
use crate::ids::ThreadId;
use crate::limits::{HISTORY_PAGE_DEFAULT, HISTORY_PAGE_MAX};
use crate::thread::state::{ThreadMeta, ThreadState, normalize_stale_turns};
use crate::thread::{ActorDeps, Command, spawn};

impl Core {
    /// `thread/list`: a page from the index, with live status for loaded threads.
    ///
    /// # Errors
    /// Filter errors (-32602) and store failures (`failed to list threads: …`, -32603).
    pub async fn thread_list(
        &self,
        params: ThreadListParams,
    ) -> Result<ThreadListResponse, RpcError> {
        if params
            .originators
            .as_ref()
            .is_some_and(|list| !list.is_empty())
        {
            return Err(RpcError::invalid_params(
                weft_protocol::errors::ORIGINATOR_FILTER_UNSUPPORTED,
            ));
        }
        let shared = self.shared();
        let mut params = params;
        params.cwd = params.cwd.map(|filter| match filter {
            weft_protocol::v2::CwdFilter::One(cwd) => {
                weft_protocol::v2::CwdFilter::One(shared.absolute_cwd(&cwd))
            }
            weft_protocol::v2::CwdFilter::Many(cwds) => weft_protocol::v2::CwdFilter::Many(
                cwds.iter().map(|cwd| shared.absolute_cwd(cwd)).collect(),
            ),
        });
        let provider = shared.config.model_provider.clone();
        let query = ListQuery::from_params(&params, provider.clone())
            .map_err(|err| RpcError::invalid_params(err.to_string()))?;
        let page = shared
            .persistence
            .list(query)
            .await
            .map_err(|err| RpcError::internal(format!("failed to list threads: {err}")))?;
        let mut data = Vec::with_capacity(page.rows.len());
        for row in &page.rows {
            let mut thread = row.to_thread(&provider);
            if let Some(status) = self.live_status(ThreadId::from_uuid(row.id)).await {
                thread.status = status;
            }
            data.push(thread);
        }
        Ok(ThreadListResponse {
            data,
            next_cursor: page.next_cursor,
            backwards_cursor: page.backwards_cursor,
        })
    }

    async fn live_status(&self, id: ThreadId) -> Option<ThreadStatus> {
        let handle = self.shared().thread_handle(id)?;
        handle.ask(|reply| Command::Status { reply }).await.ok()
    }

    /// `thread/read`: a loaded thread from its actor, else from the store. Does not load.
    ///
    /// # Errors
    /// `invalid thread id`, `thread not loaded`, `list_turns is not supported yet`.
    pub async fn thread_read(
        &self,
        params: ThreadReadParams,
    ) -> Result<ThreadReadResponse, RpcError> {
        let id =
            ThreadId::parse(&params.thread_id).map_err(|err| RpcError::invalid_thread_id(&err))?;
        let include_turns = params.include_turns.unwrap_or(false);
        let thread = self
            .read_thread(id, &params.thread_id, include_turns)
            .await?;
        Ok(ThreadReadResponse { thread })
    }

    async fn read_thread(
        &self,
        id: ThreadId,
        raw_id: &str,
        include_turns: bool,
    ) -> Result<Thread, RpcError> {
        if let Some(handle) = self.shared().thread_handle(id) {
            return handle
                .ask(|reply| Command::Read {
                    include_turns,
                    reply,
                })
                .await?;
        }
        let row = self
            .stored_row(id)
            .await?
            .ok_or_else(|| RpcError::thread_not_loaded(raw_id))?;
        let mut thread = row.to_thread(&self.shared().config.model_provider);
        if include_turns {
            let rollout = self.load_rollout(&row).await?;
            thread.turns = rollout.turns;
            normalize_stale_turns(&mut thread.turns, None);
        }
        Ok(thread)
    }

    async fn stored_row(&self, id: ThreadId) -> Result<Option<ThreadRow>, RpcError> {
        self.shared()
            .persistence
            .find(id)
            .await
            .map_err(|err| RpcError::internal(format!("failed to read thread: {err}")))
    }

    async fn load_rollout(&self, row: &ThreadRow) -> Result<RolloutDigest, RpcError> {
        self.shared()
            .persistence
            .load(row.rollout_path.clone())
            .await
            .map_err(|err| RpcError::internal(format!("failed to read thread: {err}")))
    }

    /// `thread/turns/list`: newest first by default, items in the requested view.
    ///
    /// # Errors
    /// As `thread/read`, plus `invalid cursor`.
    pub async fn thread_turns_list(
        &self,
        params: ThreadTurnsListParams,
    ) -> Result<ThreadTurnsListResponse, RpcError> {
        let id =
            ThreadId::parse(&params.thread_id).map_err(|err| RpcError::invalid_thread_id(&err))?;
        let mut turns = self.read_thread(id, &params.thread_id, true).await?.turns;
        let direction = params.sort_direction.unwrap_or(SortDirection::Desc);
        if direction == SortDirection::Desc {
            turns.reverse();
        }
        let view = params.items_view.unwrap_or(TurnItemsView::Summary);
        let (page, next_cursor, backwards_cursor) =
            paginate(turns, params.cursor.as_deref(), params.limit)?;
        let data = page.into_iter().map(|turn| with_view(turn, view)).collect();
        Ok(ThreadTurnsListResponse {
            data,
            next_cursor,
            backwards_cursor,
        })
    }

    /// `thread/items/list`: items across the thread (or one turn), oldest first by default.
    ///
    /// # Errors
    /// As `thread/read`, plus `invalid cursor`.
    pub async fn thread_items_list(
        &self,
        params: ThreadItemsListParams,
    ) -> Result<ThreadItemsListResponse, RpcError> {
        let id =
            ThreadId::parse(&params.thread_id).map_err(|err| RpcError::invalid_thread_id(&err))?;
        let turns = self.read_thread(id, &params.thread_id, true).await?.turns;
        let mut entries: Vec<ThreadItemEntry> = turns
            .into_iter()
            .filter(|turn| {
                params
                    .turn_id
                    .as_ref()
                    .is_none_or(|wanted| *wanted == turn.id)
            })
            .flat_map(|turn| {
                let turn_id = turn.id;
                turn.items.into_iter().map(move |item| ThreadItemEntry {
                    turn_id: turn_id.clone(),
                    started_at_ms: item.started_at_ms,
                    completed_at_ms: item.completed_at_ms,
                    item,
                })
            })
            .collect();
        if params.sort_direction == Some(SortDirection::Desc) {
            entries.reverse();
        }
        let cursor = match &params.cursor {
            None | Some(Value::Null) => None,
            Some(Value::String(cursor)) => Some(cursor.clone()),
            Some(other) => {
                return Err(RpcError::invalid_request(format!(
                    "invalid cursor: {other}"
                )));
            }
        };
        let (data, next_cursor, backwards_cursor) =
            paginate(entries, cursor.as_deref(), params.limit)?;
        Ok(ThreadItemsListResponse {
            data,
            next_cursor,
            backwards_cursor,
        })
    }

    /// `thread/resume`: rejoin a loaded thread through its actor, or load it from disk (cold).
    pub async fn thread_resume(&self, sink: &ClientSink, params: ThreadResumeParams, reply: Reply) {
        if let Err(err) = self.refuse_if_draining() {
            return reply.send::<()>(Err(err));
        }
        let include_turns = !params.exclude_turns.unwrap_or(false);
        let id = match ThreadId::parse(&params.thread_id) {
            Ok(id) => id,
            Err(err) => return reply.send::<()>(Err(RpcError::invalid_session_id(&err))),
        };
        let shared = self.shared();
        if let Some(handle) = shared.thread_handle(id) {
            let command = Command::Resume {
                sink: sink.clone(),
                reply: reply.clone(),
                include_turns,
            };
            if let Err(err) = handle.send(command) {
                reply.send::<()>(Err(err));
            }
            return;
        }
        let row = match self.stored_row(id).await {
            Ok(Some(row)) if row.archived => {
                return reply.send::<()>(Err(RpcError::invalid_request(format!(
                    "session {id} is archived. Run `codex unarchive {id}` to unarchive it first."
                ))));
            }
            Ok(Some(row)) => row,
            Ok(None) => {
                return reply.send::<()>(Err(RpcError::no_rollout_found(&params.thread_id)));
            }
            Err(err) => return reply.send::<()>(Err(err)),
        };
        let state = match self.load_rollout(&row).await {
            Ok(rollout) => self.state_from_rollout(&row, rollout, &params),
            Err(err) => return reply.send::<()>(Err(err)),
        };
        let path = row.rollout_path.clone();
        let opened = tokio::task::spawn_blocking(move || RolloutWriter::open_append(&path))
            .await
            .map_err(|err| err.to_string())
            .and_then(|opened| opened.map_err(|err| err.to_string()));
        let writer = match opened {
            Ok(writer) => writer,
            Err(err) => {
                let message = format!("error resuming thread: {err}");
                return reply.send::<()>(Err(RpcError::internal(message)));
            }
        };
        let handle = spawn(
            state,
            Some(writer),
            ActorDeps {
                shared: Arc::clone(shared),
            },
        );
        let handle = match shared.register_or_existing(handle) {
            Ok(handle) => handle,
            Err(err) => return reply.send::<()>(Err(err)),
        };
        shared
            .clients
            .broadcast(&Arc::new(ServerNotification::ThreadStatusChanged(
                ThreadStatusChangedNotification {
                    thread_id: id.to_string(),
                    status: ThreadStatus::Idle,
                },
            )));
        let command = Command::Resume {
            sink: sink.clone(),
            reply: reply.clone(),
            include_turns,
        };
        if let Err(err) = handle.send(command) {
            reply.send::<()>(Err(err));
        }
    }

    fn state_from_rollout(
        &self,
        row: &ThreadRow,
        rollout: RolloutDigest,
        params: &ThreadResumeParams,
    ) -> ThreadState {
        let shared = self.shared();
        let meta = &rollout.meta;
        let mut overrides = params.settings.clone();
        let context = rollout.last_turn_context.as_ref();
        let stored = |key: &str| {
            context
                .and_then(|ctx| ctx.get(key))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        overrides.model = overrides.model.or_else(|| rollout.last_model.clone());
        overrides.model_provider = overrides
            .model_provider
            .or_else(|| meta.model_provider.clone());
        overrides.cwd = overrides
            .cwd
            .or_else(|| stored("cwd"))
            .or_else(|| Some(meta.cwd.clone()));
        if overrides.approval_policy.is_none() {
            overrides.approval_policy = stored("approval_policy")
                .and_then(|policy| serde_json::from_value(Value::String(policy)).ok());
        }
        overrides.base_instructions = overrides
            .base_instructions
            .or_else(|| meta.base_instructions.clone());
        let mut settings = shared.settings_for(&overrides);
        if params.settings.sandbox.is_none()
            && let Some(policy) = context
                .and_then(|ctx| ctx.get("sandbox_policy"))
                .and_then(stored_sandbox)
        {
            settings.sandbox = policy;
        }
        let mut turns = rollout.turns;
        normalize_stale_turns(&mut turns, None);
        let usage = rollout.last_token_usage.map(|usage| {
            (
                usage,
                turns.last().map(|turn| turn.id.clone()).unwrap_or_default(),
            )
        });
        ThreadState {
            meta: ThreadMeta {
                id: ThreadId::from_uuid(meta.id),
                session_id: meta
                    .session_id
                    .clone()
                    .unwrap_or_else(|| meta.id.to_string()),
                created_at: meta.created_at.timestamp(),
                updated_at: row.updated_at_ms.div_euclid(1000),
                recency_at: row.recency_at_ms.div_euclid(1000),
                preview: rollout.preview,
                name: row.name.clone(),
                path: Some(row.rollout_path.clone()),
                ephemeral: false,
                cli_version: meta.cli_version.clone(),
                originator: Some(meta.originator.clone())
                    .filter(|originator| !originator.is_empty()),
                source: SessionSource::from_rollout(&meta.source),
                forked_from_id: meta.forked_from_id.map(|id| id.to_string()),
                history_mode: meta.history_mode.as_str().to_owned(),
                pending_session_meta: None,
            },
            settings,
            history: rollout.model_history,
            turns,
            usage,
            system_error: false,
            resumed: true,
        }
    }
}

/// The rollout's `sandbox_policy` (`{"type":"workspace-write",…}`) as a wire policy.
fn stored_sandbox(value: &Value) -> Option<SandboxPolicy> {
    let flag = |key: &str| value.get(key).and_then(Value::as_bool).unwrap_or(false);
    match value.get("type").and_then(Value::as_str)? {
        "danger-full-access" => Some(SandboxPolicy::DangerFullAccess),
        "read-only" => Some(SandboxPolicy::ReadOnly {
            network_access: flag("network_access"),
        }),
        "workspace-write" => Some(SandboxPolicy::WorkspaceWrite {
            writable_roots: value
                .get("writable_roots")
                .and_then(Value::as_array)
                .map(|roots| {
                    roots
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            network_access: flag("network_access"),
            exclude_tmpdir_env_var: flag("exclude_tmpdir_env_var"),
            exclude_slash_tmp: flag("exclude_slash_tmp"),
        }),
        _ => None,
    }
}

/// A turn in the requested items view.
fn with_view(mut turn: Turn, view: TurnItemsView) -> Turn {
    match view {
        TurnItemsView::Full => {}
        TurnItemsView::NotLoaded => turn.items.clear(),
        TurnItemsView::Summary => {
            let last = turn
                .items
                .iter()
                .rev()
                .find(|item| matches!(item.body, ItemBody::AgentMessage { .. }))
                .cloned();
            turn.items = last.into_iter().collect();
        }
    }
    turn.items_view = view;
    turn
}

type Page<T> = (Vec<T>, Option<String>, Option<String>);

/// Offset pagination over an already ordered list; cursors are decimal offsets.
fn paginate<T>(
    items: Vec<T>,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<Page<T>, RpcError> {
    let start = match cursor {
        None => 0,
        Some(cursor) => cursor
            .parse::<usize>()
            .map_err(|_| RpcError::invalid_request(format!("invalid cursor: {cursor}")))?,
    };
    let limit = limit
        .unwrap_or(HISTORY_PAGE_DEFAULT)
        .clamp(1, HISTORY_PAGE_MAX) as usize;
    let total = items.len();
    let page: Vec<T> = items.into_iter().skip(start).take(limit).collect();
    let end = start + page.len();
    let next_cursor = (end < total).then(|| end.to_string());
    let backwards_cursor = (!page.is_empty()).then(|| start.to_string());
    Ok((page, next_cursor, backwards_cursor))
}
