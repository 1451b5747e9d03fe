//! The thread actor's loop: commands first, then turn events (R8), each handled completely
//! before the next. State changes and rollout appends happen before the notifications that
//! announce them (R9); an item is in the rollout before its `item/completed` leaves.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use weft_protocol::RpcError;
use weft_protocol::v2::{
    ErrorNotification, ItemBody, ItemCompletedNotification, ItemStartedNotification,
    ServerNotification, ThreadItem, ThreadNameUpdatedNotification, ThreadResumeResponse,
    ThreadStartedNotification, ThreadStatus, ThreadStatusChangedNotification,
    ThreadTokenUsageUpdatedNotification, ThreadUnsubscribeResponse, TokenUsageBreakdown, Turn,
    TurnError, TurnItemsView, TurnNotification, TurnStatus, UnsubscribeStatus, UserInput,
};
use weft_store::RolloutWriter;

use crate::clients::{ClientId, ClientSink, Reply};
use crate::ids::{TurnId, now_ms, now_secs};
use crate::server_requests::PendingRequest;
use crate::services::ThreadServices;
use crate::thread::record::{self, kind};
use crate::thread::state::{ThreadState, normalize_stale_turns};
use crate::thread::{Command, Origin, ThreadHandle, WeakThreadHandle};
use crate::turn::context::{self, TURN_ABORTED_MARKER};
use crate::turn::{TurnEvent, TurnOutcome};
use goal::GoalTurnEnd;

mod durable;
mod event_log;
mod goal;
mod read_state;
mod requests;
mod transcript;
mod turn_start;
mod unload;
mod usage;
mod user_shell;

/// Spawns the actor of a registered thread (registry generation `generation`), taking the
/// commands sent to `handle`. Its first act is to announce `origin`.
pub(super) fn spawn(
    commands: mpsc::Receiver<Command>,
    handle: &ThreadHandle,
    state: ThreadState,
    rollout: Option<RolloutWriter>,
    services: ThreadServices,
    generation: u64,
    origin: Origin,
) {
    let actor = Actor::new(handle, state, rollout, services, generation);
    // Instrumented, not entered inside: a guard held across awaits would leak the span into
    // other tasks on the same worker thread.
    let span = tracing::info_span!("thread", thread_id = %actor.state.meta.id);
    let memory = std::sync::Arc::clone(&actor.services.memory);
    // Once the runtime and everything it held are freed, the pages go back (an unload). A
    // combinator, not an async block: a block awaiting the captured future would hold it twice.
    let run = futures_util::FutureExt::map(actor.run(commands, origin), move |()| {
        memory.release_soon();
    });
    tokio::spawn(tracing::Instrument::instrument(run, span));
}

struct ActiveTurn {
    turn_id: TurnId,
    /// Completed items so far (the snapshot a rejoining client gets).
    items: Vec<ThreadItem>,
    started_at: i64,
    started_ms: i64,
    cancel: CancellationToken,
    events: mpsc::Receiver<TurnEvent>,
    interrupt_replies: Vec<Reply>,
    last_agent_message: Option<ThreadItem>,
    usage: TokenUsageBreakdown,
    /// Usage of the last response (last, thread total), reported once its tools finished.
    unsettled_usage: Option<(TokenUsageBreakdown, TokenUsageBreakdown)>,
    /// Unix ms up to which this turn's time is counted in the goal's `timeUsedSeconds`.
    goal_clock_ms: i64,
    /// Where `turn/steer` input goes (core.md §1.4).
    steers: mpsc::Sender<crate::turn::Steer>,
    /// The receiving end until the turn's task takes it; a turn that never takes it (a user
    /// shell command's) cannot be steered.
    steer_inbox: Option<mpsc::Receiver<crate::turn::Steer>>,
    /// Stopped by the server (unload, shutdown) rather than by a client: an interrupted turn
    /// then leaves an active goal active, to continue after a resume.
    system_stop: bool,
}

struct Actor {
    state: ThreadState,
    rollout: Option<RolloutWriter>,
    subscribers: BTreeMap<ClientId, ClientSink>,
    active: Option<ActiveTurn>,
    /// Server requests sent and not yet answered or cleared, by id (R29); ids ascend, so the
    /// map's order is the replay order (R32).
    pending: BTreeMap<i64, PendingRequest>,
    /// This actor's own handle, weak so it does not keep the actor alive; named as the owner of
    /// its server requests.
    me: WeakThreadHandle,
    /// Unified exec sessions; they outlive turns and end with the thread (dropping the table
    /// kills what still runs).
    processes: weft_exec::ProcessTable,
    /// Approvals remembered for the thread ("accept for session", allowed prefixes); shared
    /// with the running turn, whose tools read and extend it.
    approvals: Arc<std::sync::Mutex<crate::turn::tools::approval::SessionApprovals>>,
    last_status: ThreadStatus,
    /// Since when the thread has had no subscribers and nothing running (R12).
    idle: unload::IdleClock,
    /// This runtime's registry generation: it removes only its own entry (R7).
    generation: u64,
    /// Callers of [`Command::Unload`], told once the thread is gone.
    unload_waiters: Vec<tokio::sync::oneshot::Sender<()>>,
    /// Goal continuation turns started in a row without user input (bounded by
    /// `GoalsConfig::continuation_turns_max`).
    goal_continuations: usize,
    /// Requests of an earlier process pending again, until the revived turn asks them again
    /// (R37).
    revived: durable::RevivedRequests,
    /// The pending table changed since the durable record was last written (R37).
    pending_dirty: bool,
    /// A durable record may exist on disk for this thread (R37): one was written, or the
    /// thread came from disk, where an earlier process may have left one.
    has_record: bool,
    /// Suspended for a restart at the drain deadline (R37): nothing more is recorded.
    suspended: bool,
    /// This runtime's numbered notifications (R38 ★).
    events: event_log::EventLog,
    services: ThreadServices,
}

impl Actor {
    /// A runtime for `state`, registered as `handle` under registry generation `generation`,
    /// with no subscribers, no turn and nothing pending yet.
    fn new(
        handle: &ThreadHandle,
        state: ThreadState,
        rollout: Option<RolloutWriter>,
        services: ThreadServices,
        generation: u64,
    ) -> Self {
        let status = state.status(false);
        let has_record = state.resumed;
        Actor {
            state,
            rollout,
            subscribers: BTreeMap::new(),
            active: None,
            pending: BTreeMap::new(),
            me: handle.downgrade(),
            processes: weft_exec::ProcessTable::new(),
            approvals: Arc::default(),
            last_status: status,
            idle: unload::IdleClock::default(),
            generation,
            unload_waiters: Vec::new(),
            goal_continuations: 0,
            revived: durable::RevivedRequests::new(),
            events: event_log::EventLog::new(),
            pending_dirty: false,
            has_record,
            suspended: false,
            services,
        }
    }

    /// The loop (R8): commands first, then the running turn's events, then the unload
    /// deadline; each handled completely before the next.
    ///
    /// The rare, deep steps (a command, a turn's end, an unload) run as boxed futures: the
    /// loop's own future is what every loaded thread holds while idle, and inlining them made
    /// it 16 KiB (idle threads are meant to be small, issue 13 item 9).
    async fn run(mut self, mut commands: mpsc::Receiver<Command>, origin: Origin) {
        if let Some(revival) = self.state.revival.take() {
            self.revive(revival);
        }
        self.announce(origin);
        self.evict_transcript();
        loop {
            let subscribers = self.live_subscribers();
            let active = self.is_active();
            let delay = self.services.config.thread_unload_delay;
            let deadline = self.idle.refresh(subscribers, active, delay);
            // An unload already asked for is not raced by the idle one.
            let deadline = deadline.filter(|_| self.unload_waiters.is_empty());
            tokio::select! {
                biased;
                command = commands.recv() => match command {
                    Some(command) => {
                        if Box::pin(self.handle(command, &commands)).await {
                            break;
                        }
                    }
                    None => break,
                },
                event = next_event(self.active.as_mut()) => self.on_turn_event(event).await,
                () = unload::sleep_until(deadline) => {
                    if Box::pin(self.try_unload(&commands)).await {
                        break;
                    }
                }
            }
            if self.pending_dirty {
                Box::pin(self.persist_pending()).await;
            }
            // Idle again: the history goes back to being the rollout's alone (item 9).
            self.evict_transcript();
            // An unload that was asked for happens once no turn runs (the interrupted turn has
            // been recorded).
            if !self.unload_waiters.is_empty() && self.active.is_none() {
                Box::pin(self.unload_now()).await;
                break;
            }
        }
        if let Some(active) = &self.active {
            active.cancel.cancel();
        }
        // Whatever was queued after the end (answers racing the unload, reads) is answered, so
        // no caller waits on a thread that is gone.
        commands.close();
        while let Ok(command) = commands.try_recv() {
            self.refuse(command);
        }
        tracing::debug!("thread actor stopped");
    }

    /// The first act of a new runtime: how it came to be loaded, told in the order R21 and
    /// `thread/start` give.
    fn announce(&mut self, origin: Origin) {
        match origin {
            Origin::Created {
                sink,
                reply,
                include_turns,
            } => {
                // R5: a connection that left while the thread was created is not subscribed;
                // the thread still unloads after the delay.
                if !sink.is_closed() {
                    self.subscribe(&sink);
                }
                let turns = if include_turns {
                    self.state
                        .transcript
                        .get()
                        .map(|resident| resident.turns.clone())
                        .unwrap_or_default()
                } else {
                    Vec::new()
                };
                let thread = self.state.to_wire(self.status(), turns);
                reply.send(Ok(self.state.start_response(thread)));
                if include_turns {
                    self.send_usage(&sink);
                }
                let thread = self.state.to_wire(self.status(), Vec::new());
                self.broadcast(ServerNotification::ThreadStarted(
                    ThreadStartedNotification { thread },
                ));
            }
            Origin::Resumed {
                sink,
                reply,
                include_turns,
            } => {
                self.broadcast(ServerNotification::ThreadStatusChanged(
                    ThreadStatusChangedNotification {
                        thread_id: self.state.meta.id.to_string(),
                        status: self.last_status.clone(),
                    },
                ));
                self.resume(sink, reply, include_turns, None);
            }
        }
    }

    /// Adds a subscriber; one that opted into the resumable event stream starts the keeping
    /// of this thread's notifications (R38 ★).
    fn subscribe(&mut self, sink: &ClientSink) {
        if sink.wants_event_stream() {
            self.events.start_buffering();
        }
        sink.watch(self.state.meta.id);
        self.subscribers.insert(sink.id(), sink.clone());
    }

    /// R26: the settings a `thread/resume` asks for that differ from the loaded thread's, as
    /// `key=value` (or the key alone for policies), in a fixed order; empty when none differ.
    fn differing_overrides(
        &self,
        overrides: &weft_protocol::v2::ThreadSettingsOverrides,
    ) -> Vec<String> {
        let settings = &self.state.settings;
        let config = &self.services.config;
        let mut differing = Vec::new();
        let mut differs = |key: &str, asked: Option<String>, current: Option<String>| {
            if asked.is_some() && asked != current {
                differing.push(format!("{key}={}", asked.unwrap_or_default()));
            }
        };
        differs(
            "model",
            overrides.model.clone(),
            Some(settings.model.clone()),
        );
        differs(
            "modelProvider",
            overrides.model_provider.clone(),
            Some(settings.model_provider.clone()),
        );
        differs(
            "cwd",
            overrides.cwd.as_deref().map(|cwd| config.absolute_cwd(cwd)),
            Some(settings.cwd.clone()),
        );
        differs(
            "serviceTier",
            overrides.service_tier.clone(),
            settings.service_tier.clone(),
        );
        differs(
            "developerInstructions",
            overrides.developer_instructions.clone(),
            settings.developer_instructions.clone(),
        );
        differs(
            "baseInstructions",
            overrides.base_instructions.clone(),
            Some(settings.base_instructions.clone()),
        );
        if let Some(policy) = &overrides.approval_policy
            && *policy != settings.approval_policy
        {
            differing.push("approvalPolicy".to_owned());
        }
        if let Some(mode) = overrides.sandbox
            && config.sandbox_policy_for(mode) != settings.sandbox
        {
            differing.push("sandbox".to_owned());
        }
        differing
    }

    /// A rejoin (R21, R24) that keeps the loaded thread's settings; what the request asked for
    /// differently (`ignored`, R26) is logged.
    fn rejoin(&mut self, request: &crate::reads::ColdResume, ignored: &[String]) {
        if !ignored.is_empty() {
            tracing::warn!(
                "thread/resume overrides ignored for loaded thread {}: {}",
                self.state.meta.id,
                ignored.join(", ")
            );
        }
        self.resume(
            request.sink().clone(),
            request.reply().clone(),
            request.include_turns(),
            request.event_position().cloned(),
        );
    }

    /// Subscribers whose connection is still there.
    fn live_subscribers(&mut self) -> usize {
        self.subscribers.retain(|_, sink| !sink.is_closed());
        self.subscribers.len()
    }

    /// Active in the sense of protocol.md §6.2: a turn runs or a request waits for an answer.
    fn is_active(&self) -> bool {
        self.active.is_some() || !self.pending.is_empty()
    }

    /// Handles one command; true when the actor must stop (R26: it reloaded itself).
    async fn handle(&mut self, command: Command, commands: &mpsc::Receiver<Command>) -> bool {
        let Some(command) = self.with_transcript(command).await else {
            return false;
        };
        match command {
            Command::Unsubscribe { client, reply } => {
                let status = if let Some(sink) = self.subscribers.remove(&client) {
                    sink.unwatch(self.state.meta.id);
                    UnsubscribeStatus::Unsubscribed
                } else {
                    UnsubscribeStatus::NotSubscribed
                };
                reply.send(Ok(ThreadUnsubscribeResponse { status }));
            }
            Command::ClientGone(client) => {
                self.subscribers.remove(&client);
            }
            Command::Resume(request) => return self.resume_or_reload(*request, commands).await,
            Command::Read {
                include_turns,
                reply,
            } => {
                let _ = reply.send(self.read(include_turns));
            }
            Command::Status { reply } => {
                let _ = reply.send(self.status());
            }
            Command::StartTurn { params, reply } => self.start_turn(*params, reply),
            Command::Interrupt { turn_id, reply } => self.interrupt(&turn_id, reply),
            Command::Steer { params, reply } => self.steer(*params, reply),
            Command::InterruptRunning => {
                if self.suspend_for_restart().await {
                    return false;
                }
                if let Some(active) = self.active.as_mut() {
                    active.system_stop = true;
                    active.cancel.cancel();
                }
            }
            Command::ForkSource { reply } => {
                let _ = reply.send(crate::thread::ForkSource {
                    path: self
                        .rollout
                        .as_ref()
                        .map(|writer| writer.path().to_path_buf()),
                    running: self.active.as_ref().map(|active| {
                        (
                            active.turn_id.to_string(),
                            active.started_at,
                            active.started_ms,
                        )
                    }),
                    name: self.state.meta.name.clone(),
                });
            }
            Command::SetName { name, reply } => {
                self.state.meta.name = Some(name.clone());
                reply.send(Ok(json!({})));
                self.broadcast(ServerNotification::ThreadNameUpdated(
                    ThreadNameUpdatedNotification {
                        thread_id: self.state.meta.id.to_string(),
                        thread_name: Some(name),
                    },
                ));
            }
            Command::Unload { done } => {
                // Closing from now on: nothing new subscribes or starts while the turn stops.
                let id = self.state.meta.id;
                let _ = self
                    .services
                    .registry
                    .mark_closing(id, self.generation, || true);
                if let Some(active) = self.active.as_mut() {
                    active.system_stop = true;
                    active.cancel.cancel();
                }
                self.unload_waiters.push(done);
            }
            Command::TerminateProcesses { done } => {
                let processes = self.processes.clone();
                tokio::spawn(async move {
                    processes.terminate_all().await;
                    let _ = done.send(());
                });
            }
            Command::AnswerServerRequest { id, from, answer } => {
                self.answer_server_request(id, from, answer);
            }
            Command::UserShell {
                command,
                timeout,
                reply,
            } => self.user_shell(command, timeout, reply),
            Command::UserShellEvent { turn_id, event } => self.user_shell_event(&turn_id, *event),
            Command::Goal { request, reply } => self.goal_command(request, reply).await,
            Command::UpdateReadState {
                expected_revision,
                mark,
                reply,
            } => self.update_read_state(expected_revision, mark, reply).await,
            Command::PatchGitInfo { patch, reply } => self.patch_git_info(&patch, reply),
        }
        false
    }

    fn emit_item_started(&mut self, item: ThreadItem) {
        let Some(active) = self.active.as_ref() else {
            return;
        };
        let turn_id = active.turn_id.to_string();
        let started_at_ms = item.started_at_ms.unwrap_or_else(now_ms);
        self.emit(ServerNotification::ItemStarted(ItemStartedNotification {
            item,
            thread_id: self.state.meta.id.to_string(),
            turn_id,
            started_at_ms,
        }));
    }

    /// `thread/read` of a loaded thread: turns only once the thread has a rollout.
    fn read(&self, include_turns: bool) -> Result<weft_protocol::v2::Thread, RpcError> {
        if include_turns && self.state.meta.ephemeral {
            return Err(RpcError::invalid_request(
                "ephemeral threads do not support includeTurns",
            ));
        }
        if include_turns
            && self.rollout.is_none()
            && self
                .state
                .transcript
                .get()
                .is_none_or(|resident| resident.turns.is_empty())
            && self.active.is_none()
        {
            return Err(RpcError::list_turns_unavailable());
        }
        Ok(self.snapshot(include_turns))
    }

    /// The wire thread, with history (and the running turn merged, R22) when asked.
    fn snapshot(&self, include_turns: bool) -> weft_protocol::v2::Thread {
        let mut turns = Vec::new();
        if include_turns {
            turns = self
                .state
                .transcript
                .get()
                .map(|resident| resident.turns.clone())
                .unwrap_or_default();
            turns.extend(self.active_snapshot());
            let running = self
                .active
                .as_ref()
                .map(|active| active.turn_id.to_string());
            normalize_stale_turns(&mut turns, running.as_deref());
        }
        self.state.to_wire(self.status(), turns)
    }

    /// The `thread/resume` result, serialised. A long history is moved into the response and
    /// back rather than cloned: a 10,000-item thread is answered without copying its items.
    fn serialized_resume_response(
        &mut self,
        include_turns: bool,
    ) -> Result<Box<serde_json::value::RawValue>, RpcError> {
        let mut turns = if include_turns {
            self.state
                .transcript
                .get_mut()
                .map(|resident| std::mem::take(&mut resident.turns))
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        let live = include_turns.then(|| self.active_snapshot()).flatten();
        let pushed = live.is_some();
        turns.extend(live);
        let thread = self.state.to_wire(self.status(), turns);
        let response = ThreadResumeResponse {
            base: self.state.start_response(thread),
            collaboration_mode: Some(json!({
                "mode": "default",
                "settings": {
                    "model": self.state.settings.model,
                    "reasoning_effort": self.state.settings.reasoning_effort,
                    "developer_instructions": self.state.settings.developer_instructions,
                },
            })),
            initial_turns_page: None,
            turns_backwards_cursor: None,
            items_backwards_cursor: None,
        };
        let serialized = serde_json::value::to_raw_value(&response)
            .map_err(|err| RpcError::internal(format!("failed to serialize response: {err}")));
        if include_turns {
            let mut turns = response.base.thread.turns;
            if pushed {
                turns.pop();
            }
            if let Some(resident) = self.state.transcript.get_mut() {
                resident.turns = turns;
            }
        }
        serialized
    }

    /// The running turn as a resuming client sees it: completed items only (R22).
    fn active_snapshot(&self) -> Option<Turn> {
        let active = self.active.as_ref()?;
        Some(Turn {
            id: active.turn_id.to_string(),
            root_turn_id: Some(active.turn_id.to_string()),
            items: active.items.clone(),
            items_view: TurnItemsView::Full,
            status: TurnStatus::InProgress,
            error: None,
            started_at: Some(active.started_at),
            completed_at: None,
            duration_ms: None,
        })
    }

    /// A rejoin (R24, R25). With `after` (R38 ★, for a connection that opted in), the
    /// response is followed by exactly the notifications after that position instead of the
    /// usage and goal snapshots, which the stream already holds.
    fn resume(
        &mut self,
        sink: ClientSink,
        reply: Reply,
        include_turns: bool,
        after: Option<weft_protocol::v2::EventPosition>,
    ) {
        let materialized = self.rollout.is_some()
            || self
                .state
                .transcript
                .get()
                .is_some_and(|resident| !resident.turns.is_empty());
        if !materialized && self.active.is_none() {
            // R28: a loaded thread that has not run a turn has nothing to resume yet.
            let id = self.state.meta.id.to_string();
            return reply.send::<()>(Err(RpcError::no_rollout_found(&id)));
        }
        let replay = match after.filter(|_| sink.wants_event_stream()) {
            None => None,
            Some(asked) => match self.events.after(&asked) {
                Ok(replay) => Some(replay),
                Err(event_log::Gap::Unavailable { oldest }) => {
                    let id = self.state.meta.id.to_string();
                    return reply.send::<()>(Err(RpcError::event_stream_gap(
                        &id,
                        &asked,
                        oldest.as_ref(),
                        true,
                    )));
                }
            },
        };
        self.subscribe(&sink);
        let response = self.serialized_resume_response(include_turns);
        reply.sink.reply(reply.to, response);
        if let Some(replay) = replay {
            for (position, notification) in replay {
                sink.notify_event(notification, position);
            }
        } else {
            // With or without turns (the reference's rejoin and cold resume both send it:
            // `send_thread_token_usage_update_to_connection`, checked side by side).
            self.send_usage(&sink);
            // R27: the goal snapshot, a broadcast.
            self.goal_snapshot();
        }
        // R32: every still-pending request again, same id and params, in id order.
        for (id, pending) in &self.pending {
            sink.request(*id, Arc::clone(&pending.request));
        }
        // R25 (4): only now may an active goal continue the thread.
        self.maybe_continue_goal();
    }

    /// The thread's token usage to one client (after a resume or fork answer, R25 step 1), when
    /// some turn has reported usage.
    fn send_usage(&self, sink: &ClientSink) {
        if let Some((usage, turn_id)) = &self.state.usage {
            sink.notify(Arc::new(ServerNotification::ThreadTokenUsageUpdated(
                ThreadTokenUsageUpdatedNotification {
                    thread_id: self.state.meta.id.to_string(),
                    turn_id: turn_id.clone(),
                    token_usage: *usage,
                },
            )));
        }
    }

    /// R10: one raw model item to the subscribers (`rawResponseItem/completed`).
    fn emit_raw(&mut self, turn_id: &str, item: Value) {
        self.emit(ServerNotification::RawResponseItemCompleted(
            weft_protocol::v2::RawResponseItemCompletedNotification {
                thread_id: self.state.meta.id.to_string(),
                turn_id: turn_id.to_owned(),
                item,
            },
        ));
    }

    /// A notification to the thread's subscribers, numbered in its event stream (R38 ★).
    fn emit(&mut self, notification: ServerNotification) {
        let notification = Arc::new(notification);
        match self.events.record(&notification) {
            Some(position) => self.subscribers.retain(|_, sink| {
                sink.notify_event(Arc::clone(&notification), Arc::clone(&position))
            }),
            None => self
                .subscribers
                .retain(|_, sink| sink.notify(Arc::clone(&notification))),
        }
    }

    /// A notification about the thread to every connection, numbered in its event stream.
    fn broadcast(&mut self, notification: ServerNotification) {
        let notification = Arc::new(notification);
        match self.events.record(&notification) {
            Some(position) => self
                .services
                .clients
                .broadcast_event(&notification, &position),
            None => self.services.clients.broadcast(&notification),
        }
    }

    fn publish_status(&mut self) {
        let status = self.status();
        if status != self.last_status {
            self.last_status = status.clone();
            self.broadcast(ServerNotification::ThreadStatusChanged(
                ThreadStatusChangedNotification {
                    thread_id: self.state.meta.id.to_string(),
                    status,
                },
            ));
        }
    }

    /// Appends one rollout line, creating the file on the first one (deferred materialisation).
    fn record(&mut self, line_kind: &str, payload: Value) {
        if self.state.meta.ephemeral {
            return;
        }
        if self.rollout.is_none() {
            let (Some(path), Some(meta)) = (
                self.state.meta.path.clone(),
                self.state.meta.pending_session_meta.take(),
            ) else {
                return;
            };
            match RolloutWriter::create(&path, meta) {
                Ok(writer) => self.rollout = Some(writer),
                Err(err) => {
                    tracing::error!(path = %path.display(), %err, "cannot create rollout");
                    return;
                }
            }
        }
        if let Some(writer) = self.rollout.as_mut()
            && let Err(err) = writer.append(line_kind, payload)
        {
            tracing::error!(%err, "rollout append failed");
        }
    }

    /// Records an item's completion (event line, then its history line) and emits it.
    fn complete_item(&mut self, item: ThreadItem, response_item: Option<Value>) {
        let Some(active) = self.active.as_mut() else {
            return;
        };
        let turn_id = active.turn_id.to_string();
        active.items.push(item.clone());
        if matches!(item.body, ItemBody::AgentMessage { .. }) {
            active.last_agent_message = Some(item.clone());
        }
        let thread_id = self.state.meta.id.to_string();
        if let Some(line) = record::item_completed(&thread_id, &turn_id, &item) {
            self.record(kind::EVENT_MSG, line);
        }
        if let Some(response_item) = response_item {
            self.record(kind::RESPONSE_ITEM, response_item.clone());
            self.state.transcript.push_history(response_item);
        }
        let completed_at_ms = item.completed_at_ms.unwrap_or_else(now_ms);
        self.emit(ServerNotification::ItemCompleted(
            ItemCompletedNotification {
                item,
                thread_id,
                turn_id,
                content_token_count: None,
                completed_at_ms,
            },
        ));
    }

    fn interrupt(&mut self, turn_id: &str, reply: Reply) {
        match self.active.as_mut() {
            None => reply.send::<()>(Err(RpcError::invalid_request(
                weft_protocol::errors::NO_ACTIVE_TURN_TO_INTERRUPT,
            ))),
            Some(active) if active.turn_id.as_str() != turn_id => {
                let actual = active.turn_id.to_string();
                reply.send::<()>(Err(RpcError::interrupt_turn_mismatch(turn_id, &actual)));
            }
            Some(active) => {
                active.cancel.cancel();
                active.interrupt_replies.push(reply);
            }
        }
    }

    async fn on_turn_event(&mut self, event: TurnEvent) {
        let Some(active) = self.active.as_ref() else {
            return;
        };
        let thread_id = self.state.meta.id.to_string();
        let turn_id = active.turn_id.to_string();
        match event {
            TurnEvent::ItemStarted(item) => self.emit_item_started(item),
            TurnEvent::Delta(notification) => self.emit(*notification),
            TurnEvent::ItemCompleted {
                item,
                response_item,
            } => {
                let raw = response_item.clone().filter(|_| self.state.raw_events);
                self.complete_item(item, response_item);
                if let Some(raw) = raw {
                    self.emit_raw(&turn_id, raw);
                }
            }
            TurnEvent::ServerRequest { announce, outgoing } => {
                Box::pin(self.send_server_request(announce, outgoing)).await;
            }
            TurnEvent::HistoryItems(items) => {
                for item in items {
                    self.record(kind::RESPONSE_ITEM, item.clone());
                    // The model's own calls are raw output; their outputs are not.
                    let is_call = item
                        .get("type")
                        .and_then(Value::as_str)
                        .is_some_and(|kind| kind.ends_with("_call"));
                    if self.state.raw_events && is_call {
                        self.emit_raw(&turn_id, item.clone());
                    }
                    self.state.transcript.push_history(item);
                }
            }
            TurnEvent::ResponseCompleted { response_id, usage } => {
                self.response_completed(&response_id, usage);
            }
            TurnEvent::UsageSettled => self.usage_settled(),
            TurnEvent::ResponseCut => self.usage_unchanged(),
            TurnEvent::RevivedCallsDone => self.drop_unclaimed_revived(),
            TurnEvent::Goal { call, reply } => self.goal_tool(call, reply),
            TurnEvent::UserInput(steer) => {
                let turn_id = active.turn_id.clone();
                self.record_user_input(&turn_id, *steer);
            }
            TurnEvent::Retrying(error) => self.emit(ServerNotification::Error(ErrorNotification {
                error,
                will_retry: true,
                thread_id,
                turn_id,
            })),
            TurnEvent::Finished(outcome) => Box::pin(self.finish_turn(outcome)).await,
        }
    }

    async fn finish_turn(&mut self, outcome: TurnOutcome) {
        let Some(active) = self.active.take() else {
            return;
        };
        // What still runs under the turn's token (a user shell command started inside it) ends
        // with the turn; the turn task itself is already done.
        active.cancel.cancel();
        let completed_at = now_secs();
        let duration_ms = now_ms() - active.started_ms;
        let turn_id = active.turn_id.to_string();
        let thread_id = self.state.meta.id.to_string();
        let mut summary_items = Vec::new();
        let goal_end = GoalTurnEnd::of(&outcome, active.system_stop);
        let attention = read_state::TurnAttention::of(&outcome, active.last_agent_message.as_ref());
        let ended_turn_id = turn_id.clone();
        let (status, error) = match outcome {
            TurnOutcome::Completed { last_agent_message } => {
                let text = last_agent_message.as_deref();
                let line = record::task_complete(
                    &turn_id,
                    text,
                    active.started_at,
                    completed_at,
                    duration_ms,
                    None,
                );
                self.record(kind::EVENT_MSG, line);
                summary_items.extend(active.last_agent_message.clone());
                (TurnStatus::Completed, None)
            }
            TurnOutcome::Failed(error) => {
                let line = record::task_complete(
                    &turn_id,
                    None,
                    active.started_at,
                    completed_at,
                    duration_ms,
                    Some(&error),
                );
                self.record(kind::EVENT_MSG, line);
                self.state.system_error = true;
                // The reference reports systemError before the final error (checked side by side).
                self.publish_status();
                self.emit(ServerNotification::Error(ErrorNotification {
                    error: error.clone(),
                    will_retry: false,
                    thread_id: thread_id.clone(),
                    turn_id: turn_id.clone(),
                }));
                (TurnStatus::Failed, Some(error))
            }
            TurnOutcome::Interrupted => {
                self.record(kind::EVENT_MSG, record::token_count(None));
                let marker =
                    context::message("user", vec![context::input_text(TURN_ABORTED_MARKER)]);
                self.record(kind::RESPONSE_ITEM, marker.clone());
                self.state.transcript.push_history(marker);
                self.record(
                    kind::EVENT_MSG,
                    record::turn_aborted(&turn_id, active.started_at, completed_at, duration_ms),
                );
                (TurnStatus::Interrupted, None)
            }
        };
        for reply in active.interrupt_replies {
            reply.send(Ok(json!({})));
        }
        self.state.meta.updated_at = completed_at;
        self.state.transcript.push_turn(Turn {
            id: turn_id.clone(),
            root_turn_id: Some(turn_id.clone()),
            items: active.items,
            items_view: TurnItemsView::Full,
            status,
            error: error.clone(),
            started_at: Some(active.started_at),
            completed_at: Some(completed_at),
            duration_ms: Some(duration_ms),
        });
        // protocol.md §8: `thread/readState/changed` precedes `thread/status/changed {idle}`.
        self.publish_attention(&turn_id, attention).await;
        self.publish_status();
        let items_view = if summary_items.is_empty() {
            TurnItemsView::NotLoaded
        } else {
            TurnItemsView::Summary
        };
        self.emit(ServerNotification::TurnCompleted(TurnNotification {
            thread_id,
            turn: Turn {
                id: turn_id.clone(),
                root_turn_id: Some(turn_id),
                items: summary_items,
                items_view,
                status,
                error,
                started_at: Some(active.started_at),
                completed_at: Some(completed_at),
                duration_ms: Some(duration_ms),
            },
        }));
        // R31: the turn's questions are obsolete; clients see them resolved after turn/completed.
        self.clear_server_requests();
        self.persist_turn_end().await;
        // Counted down only once the turn is durable, so a draining shutdown waits for the fsync
        // (a turn suspended for a restart was counted down then, R37).
        if !self.suspended {
            self.services
                .running_turns
                .send_modify(|count| *count = count.saturating_sub(1));
        }
        // R35: the goal learns how the turn ended, and an active one may continue the thread.
        self.goal_after_turn(&ended_turn_id, goal_end);
    }

    /// fsync the rollout and refresh the index row; runs after `turn/completed` left, before
    /// the next command is handled.
    async fn persist_turn_end(&mut self) {
        self.sync_rollout().await;
        self.services.persistence.index_thread(&self.state).await;
    }

    /// fsync the rollout (on a blocking task; the actor waits).
    async fn sync_rollout(&mut self) {
        if let Some(mut writer) = self.rollout.take() {
            let synced = tokio::task::spawn_blocking(move || {
                if let Err(err) = writer.sync() {
                    tracing::error!(%err, "rollout fsync failed");
                }
                writer
            })
            .await;
            match synced {
                Ok(writer) => self.rollout = Some(writer),
                Err(err) => tracing::error!(%err, "rollout fsync task failed"),
            }
        }
    }
}

async fn next_event(active: Option<&mut ActiveTurn>) -> TurnEvent {
    match active {
        Some(active) => match active.events.recv().await {
            Some(event) => event,
            None => TurnEvent::Finished(TurnOutcome::Failed(TurnError {
                message: "turn task stopped unexpectedly".to_owned(),
                codex_error_info: Some(json!("internalServerError")),
                additional_details: None,
                misalignment: None,
            })),
        },
        None => std::future::pending().await,
    }
}

/// A turn that just started (the `turn/start` answer has no start time; `turn/started` has).
fn new_turn(turn_id: &TurnId, started_at: Option<i64>) -> Turn {
    Turn {
        id: turn_id.to_string(),
        root_turn_id: Some(turn_id.to_string()),
        items: Vec::new(),
        items_view: TurnItemsView::NotLoaded,
        status: TurnStatus::InProgress,
        error: None,
        started_at,
        completed_at: None,
        duration_ms: None,
    }
}

fn first_text(input: &[UserInput]) -> String {
    input
        .iter()
        .find_map(|input| match input {
            UserInput::Text { text, .. } => Some(text.clone()),
            _ => None,
        })
        .unwrap_or_default()
}
