//! Requests that read history or load a stored thread: `thread/list`, `thread/read`,
//! `thread/turns/list`, `thread/items/list`, `thread/resume`.

use serde_json::Value;
use weft_protocol::RpcError;
use weft_protocol::v2::{
    ItemBody, SortDirection, Thread, ThreadEnvironment, ThreadItemEntry, ThreadItemsListParams,
    ThreadItemsListResponse, ThreadListParams, ThreadListResponse, ThreadReadParams,
    ThreadReadResponse, ThreadResumeParams, ThreadStatus, ThreadTurnsListParams,
    ThreadTurnsListResponse, Turn, TurnItemsView,
};
use weft_store::{ListQuery, RolloutDigest, RolloutWriter, ThreadRow};

use crate::clients::{ClientSink, Reply};
use crate::core::Core;
use crate::ids::ThreadId;
use crate::limits::{HISTORY_PAGE_DEFAULT, HISTORY_PAGE_MAX};
use crate::thread::registry::{Busy, LoadGuard, SendRefused, too_many_loaded};
use crate::thread::state::{ThreadState, normalize_stale_turns};
use crate::thread::{Command, Origin, build, launch};

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
        let services = self.services();
        let config = &services.config;
        let mut params = params;
        params.cwd = params.cwd.map(|filter| match filter {
            weft_protocol::v2::CwdFilter::One(cwd) => {
                weft_protocol::v2::CwdFilter::One(config.absolute_cwd(&cwd))
            }
            weft_protocol::v2::CwdFilter::Many(cwds) => weft_protocol::v2::CwdFilter::Many(
                cwds.iter().map(|cwd| config.absolute_cwd(cwd)).collect(),
            ),
        });
        let provider = config.model_provider.clone();
        let query = ListQuery::from_params(&params, provider.clone())
            .map_err(|err| RpcError::invalid_params(err.to_string()))?;
        let page = services
            .persistence
            .list(query)
            .await
            .map_err(|err| RpcError::internal(format!("failed to list threads: {err}")))?;
        let mut data = Vec::with_capacity(page.rows.len());
        for row in &page.rows {
            let mut thread = row.to_thread(&provider);
            let id = ThreadId::from_uuid(row.id);
            if let Some(status) = self.live_status(id).await {
                thread.status = status;
                // A loaded thread's row carries its live environments, as in the reference
                // (protocol.md §6.8; `null` when not loaded).
                thread.environments = self.live_environments(id).await;
            }
            data.push(thread);
        }
        let read_states = self.read_states_of(&data).await;
        Ok(ThreadListResponse {
            data,
            next_cursor: page.next_cursor,
            backwards_cursor: page.backwards_cursor,
            read_states,
        })
    }

    async fn live_status(&self, id: ThreadId) -> Option<ThreadStatus> {
        let handle = self.services().registry.handle(id)?;
        handle.ask(|reply| Command::Status { reply }).await.ok()
    }

    async fn live_environments(&self, id: ThreadId) -> Option<Vec<ThreadEnvironment>> {
        let handle = self.services().registry.handle(id)?;
        let thread = handle
            .ask(|reply| Command::Read {
                include_turns: false,
                reply,
            })
            .await
            .ok()?
            .ok()?;
        thread.environments
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
        let read_state = self.read_state_of(&thread).await;
        Ok(ThreadReadResponse { thread, read_state })
    }

    pub(crate) async fn read_thread(
        &self,
        id: ThreadId,
        raw_id: &str,
        include_turns: bool,
    ) -> Result<Thread, RpcError> {
        // A thread that unloads while the read waits drops the question; the read then falls
        // back to disk like any read of a thread that is not loaded.
        if let Some(handle) = self.services().registry.handle(id)
            && let Ok(answer) = handle
                .ask(|reply| Command::Read {
                    include_turns,
                    reply,
                })
                .await
        {
            return answer;
        }
        let row = self
            .stored_row(id)
            .await?
            .ok_or_else(|| RpcError::thread_not_loaded(raw_id))?;
        let mut thread = row.to_thread(&self.services().config.model_provider);
        if include_turns {
            let rollout = self.load_rollout(&row).await?;
            thread.turns = rollout.turns;
            // A turn suspended on a question (R37) is not over: it goes on when resumed.
            let suspended = self.suspended_turn(id).await;
            normalize_stale_turns(
                &mut thread.turns,
                suspended.as_ref().map(|record| record.turn_id.as_str()),
            );
        }
        Ok(thread)
    }

    /// The durable record of what a stored thread's turn waits on, when `durable_approvals`
    /// is on (R37); with it off, such a turn reads `interrupted` as in the reference.
    async fn suspended_turn(&self, id: ThreadId) -> Option<weft_store::SuspendedTurn> {
        if !self.services().config.durable_approvals {
            return None;
        }
        self.services().persistence.read_suspended(id).await
    }

    async fn stored_row(&self, id: ThreadId) -> Result<Option<ThreadRow>, RpcError> {
        self.services()
            .persistence
            .find(id)
            .await
            .map_err(|err| RpcError::internal(format!("failed to read thread: {err}")))
    }

    async fn load_rollout(&self, row: &ThreadRow) -> Result<RolloutDigest, RpcError> {
        self.services()
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

    /// `thread/resume`, the part that must keep the caller's request order: a loaded thread is
    /// rejoined through its actor at once (R21); a thread that is not loaded comes back as a
    /// [`ColdResume`] for the caller to run (it reads the disk).
    #[must_use]
    pub fn thread_resume(
        &self,
        sink: &ClientSink,
        params: ThreadResumeParams,
        reply: Reply,
    ) -> Option<ColdResume> {
        if let Err(err) = self.refuse_if_draining() {
            reply.send::<()>(Err(err));
            return None;
        }
        let id = match ThreadId::parse(&params.thread_id) {
            Ok(id) => id,
            Err(err) => {
                reply.send::<()>(Err(RpcError::invalid_session_id(&err)));
                return None;
            }
        };
        let request = ColdResume {
            core: self.clone(),
            sink: sink.clone(),
            id,
            params,
            reply: reply.clone(),
        };
        let rejoin = Command::Resume(Box::new(request.clone()));
        match self.services().registry.send(id, rejoin) {
            Ok(()) => None,
            Err(SendRefused::NotLoaded) => Some(request),
            Err(refused) => {
                reply.send::<()>(Err(refused.into_rpc(id, RpcError::thread_closing_resume)));
                None
            }
        }
    }
}

/// A `thread/resume` of a thread that was not loaded: read it from disk, start its runtime,
/// answer. Run with [`ColdResume::run`]. The same request handed to a loaded thread's actor
/// (`Command::Resume`) is rejoined there, or run by the actor as a reload (R26).
#[derive(Debug, Clone)]
pub struct ColdResume {
    core: Core,
    sink: ClientSink,
    id: ThreadId,
    params: ThreadResumeParams,
    reply: Reply,
}

impl ColdResume {
    /// Loads the thread and answers. When another load of the same thread is under way it waits
    /// for that one and rejoins; a thread that started closing meanwhile gets the closing text.
    pub async fn run(self) {
        let core = self.core.clone();
        let registry = &core.services().registry;
        let guard = loop {
            match registry.begin_load(self.id) {
                Ok(guard) => break guard,
                Err(Busy::Loading(mut done)) => {
                    let _ = done.changed().await;
                }
                Err(Busy::Loaded) => {
                    let rejoin = Command::Resume(Box::new(self.clone()));
                    if let Err(refused) = registry.send(self.id, rejoin) {
                        if refused == SendRefused::NotLoaded {
                            continue;
                        }
                        let err = refused.into_rpc(self.id, RpcError::thread_closing_resume);
                        self.reply.send::<()>(Err(err));
                    }
                    return;
                }
                Err(Busy::Closing) => {
                    let id = self.id.to_string();
                    return self
                        .reply
                        .send::<()>(Err(RpcError::thread_closing_resume(&id)));
                }
                Err(Busy::Full) => return self.reply.send::<()>(Err(too_many_loaded())),
            }
        };
        self.load(guard).await;
    }

    /// R26: the second half of a reload. The runtime of registry generation `generation` has
    /// shut down and holds the closing mark; that mark becomes this load's loading mark at
    /// once, so a resume racing the reload waits for it instead of loading a runtime of its
    /// own. Should the entry be gone meanwhile (an archive), this is an ordinary resume.
    pub(crate) async fn reload(self, generation: u64) {
        let core = self.core.clone();
        let registry = &core.services().registry;
        match registry.begin_reload(self.id, generation) {
            Some(guard) => self.load(guard).await,
            None => self.run().await,
        }
    }

    /// Reads the thread under `guard`'s loading mark, starts its runtime, answers.
    async fn load(self, guard: LoadGuard<'_>) {
        // R38 ★: a stream position names a runtime that has ended; the caller reloads instead.
        if let Some(asked) = self.event_position() {
            let id = self.id.to_string();
            let err = RpcError::event_stream_gap(&id, asked, None, false);
            return self.reply.send::<()>(Err(err));
        }
        let loaded = match self.core.load_stored(self.id, &self.params).await {
            Ok(loaded) => loaded,
            Err(err) => return self.reply.send::<()>(Err(err)),
        };
        let (state, writer) = loaded;
        let origin = Origin::Resumed {
            sink: self.sink.clone(),
            reply: self.reply.clone(),
            include_turns: self.include_turns(),
        };
        let services = self.core.services();
        if let Err(err) = launch(services, state, Some(writer), origin, |handle| {
            Ok(guard.finish(handle))
        }) {
            self.reply.send::<()>(Err(err));
        }
    }

    /// The caller.
    pub(crate) fn sink(&self) -> &ClientSink {
        &self.sink
    }

    /// Where the answer goes.
    pub(crate) fn reply(&self) -> &Reply {
        &self.reply
    }

    /// Whether the answer carries the thread's turns (`excludeTurns` not set).
    pub(crate) fn include_turns(&self) -> bool {
        !self.params.exclude_turns.unwrap_or(false)
    }

    /// The settings the request asks for.
    /// The event position to resume after (R38 ★), for a connection that opted in.
    pub(crate) fn event_position(&self) -> Option<&weft_protocol::v2::EventPosition> {
        self.params
            .weft_after_seq
            .as_ref()
            .filter(|_| self.sink.wants_event_stream())
    }

    pub(crate) fn overrides(&self) -> &weft_protocol::v2::ThreadSettingsOverrides {
        &self.params.settings
    }
}

impl Core {
    /// Reads a stored thread for a cold resume: its state and its rollout opened for appending.
    async fn load_stored(
        &self,
        id: ThreadId,
        params: &ThreadResumeParams,
    ) -> Result<(ThreadState, RolloutWriter), RpcError> {
        let _permit = self.thread_list_permit().await?;
        let row = match self.stored_row(id).await? {
            Some(row) if row.archived => {
                return Err(RpcError::invalid_request(format!(
                    "session {id} is archived. Run `codex unarchive {id}` to unarchive it first."
                )));
            }
            Some(row) => row,
            None => return Err(RpcError::no_rollout_found(&params.thread_id)),
        };
        let rollout = self.load_rollout(&row).await?;
        let stored = build::Stored::from_row(&row);
        let suspended = self.suspended_turn(id).await;
        let state = build::from_rollout(
            &self.services().config,
            stored,
            rollout,
            &params.settings,
            suspended,
        );
        let path = row.rollout_path.clone();
        let opened = tokio::task::spawn_blocking(move || RolloutWriter::open_append(&path))
            .await
            .map_err(|err| err.to_string())
            .and_then(|opened| opened.map_err(|err| err.to_string()));
        match opened {
            Ok(writer) => Ok((state, writer)),
            Err(err) => Err(RpcError::internal(format!("error resuming thread: {err}"))),
        }
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
