//! Starting turns: `turn/start` (the user's), goal continuations (R35) and the common opening
//! (state, `turn/started`, the rollout's turn start, the initial context, the user's message).

use std::sync::Arc;

use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use weft_protocol::RpcError;
use weft_protocol::v2::{
    ItemBody, ItemStartedNotification, ServerNotification, ThreadItem, TokenUsageBreakdown,
    TurnNotification, TurnStartParams, TurnStartResponse, TurnSteerParams, TurnSteerResponse,
    UserInput,
};

use super::{ActiveTurn, Actor, first_text, new_turn};
use crate::clients::Reply;
use crate::ids::{TurnId, now_ms, now_secs};
use crate::thread::record::{self, kind};
use crate::turn::context;
use crate::turn::{Steer, TurnEvent, agent};
use weft_protocol::errors::{
    EXPECTED_TURN_ID_EMPTY, INPUT_CHARS_MAX, INPUT_EMPTY, NO_ACTIVE_TURN_TO_STEER,
};

impl Actor {
    pub(super) fn start_turn(&mut self, params: TurnStartParams, reply: Reply) {
        if let Some(active) = &self.active {
            reply.send::<()>(Err(RpcError::invalid_request(format!(
                "turn {} is still running on thread {}; use turn/interrupt first",
                active.turn_id, self.state.meta.id
            ))));
            return;
        }
        self.apply_overrides(&params);
        // User input: goal continuation counts from zero again.
        self.goal_continuations = 0;
        self.clear_server_requests();
        let turn_id = TurnId::new();
        reply.send(Ok(TurnStartResponse {
            turn: new_turn(&turn_id, None),
        }));
        let (events, cancel) = self.open_turn(&turn_id);
        self.record_user_message(&turn_id, &params);
        self.spawn_turn(turn_id, events, cancel, Vec::new());
    }

    /// Starts a turn nobody asked for: a goal continuation (R35), whose input is hidden context
    /// in history, not a user item.
    pub(super) fn start_continuation_turn(&mut self, input: Value) {
        self.clear_server_requests();
        let turn_id = TurnId::new();
        let (events, cancel) = self.open_turn(&turn_id);
        self.record(kind::RESPONSE_ITEM, input.clone());
        self.state.transcript.push_history(input);
        self.spawn_turn(turn_id, events, cancel, Vec::new());
    }

    /// Hands the opened turn to its task (a revived turn with the calls it runs again).
    pub(super) fn spawn_turn(
        &mut self,
        turn_id: TurnId,
        events: mpsc::Sender<TurnEvent>,
        cancel: CancellationToken,
        revived_calls: Vec<Value>,
    ) {
        let steers = self
            .active
            .as_mut()
            .and_then(|active| active.steer_inbox.take());
        let input = agent::TurnInput {
            steers,
            thread_id: self.state.meta.id,
            turn_id,
            settings: self.state.settings.clone(),
            history: self.turn_history(),
            resumed: self.state.resumed,
            goal_tools: self.goal_tools_offered(),
            events,
            cancel,
            processes: self.processes.clone(),
            approvals: Arc::clone(&self.approvals),
            revived_calls,
        };
        self.state.resumed = false;
        agent::spawn(&self.services, input);
    }

    /// The history a new turn starts from. Every command that can start a turn has the
    /// transcript read back first (`with_transcript`), so it is resident here.
    fn turn_history(&self) -> Vec<Value> {
        match self.state.transcript.get() {
            Some(resident) => resident.history.clone(),
            None => {
                debug_assert!(false, "a turn started without the transcript in memory");
                tracing::error!("a turn started without the thread's history in memory");
                Vec::new()
            }
        }
    }

    /// Makes `turn_id` the running turn: state, `thread/status/changed`, `turn/started`, and the
    /// rollout's turn start. Returns where the turn's task sends its events and its token.
    pub(super) fn open_turn(
        &mut self,
        turn_id: &TurnId,
    ) -> (mpsc::Sender<TurnEvent>, CancellationToken) {
        let started_at = now_secs();
        let started_ms = now_ms();
        let (events, cancel) = self.install_turn(turn_id, started_at, started_ms, Vec::new());
        self.state.system_error = false;
        self.state.meta.recency_at = started_at;
        self.state.meta.updated_at = started_at;
        self.publish_status();
        self.emit(ServerNotification::TurnStarted(TurnNotification {
            thread_id: self.state.meta.id.to_string(),
            turn: new_turn(turn_id, Some(started_at)),
        }));
        self.record_turn_start(turn_id, started_at);
        (events, cancel)
    }

    /// Makes `turn_id` the running turn (counted as running) without announcing it: the
    /// common part of a new turn and of a revived one (R37), which clients already know.
    pub(super) fn install_turn(
        &mut self,
        turn_id: &TurnId,
        started_at: i64,
        started_ms: i64,
        items: Vec<ThreadItem>,
    ) -> (mpsc::Sender<TurnEvent>, CancellationToken) {
        let (events, received) = mpsc::channel(crate::limits::TURN_EVENT_QUEUE_DEPTH);
        let cancel = CancellationToken::new();
        let (steers, steer_inbox) = mpsc::channel(crate::limits::STEER_QUEUE_DEPTH);
        let last_agent_message = items
            .iter()
            .rev()
            .find(|item| matches!(item.body, ItemBody::AgentMessage { .. }))
            .cloned();
        self.active = Some(ActiveTurn {
            steers,
            steer_inbox: Some(steer_inbox),
            turn_id: turn_id.clone(),
            items,
            started_at,
            started_ms,
            cancel: cancel.clone(),
            events: received,
            interrupt_replies: Vec::new(),
            last_agent_message,
            usage: TokenUsageBreakdown::default(),
            unsettled_usage: None,
            goal_clock_ms: started_ms,
            system_stop: false,
        });
        self.services.running_turns.send_modify(|count| *count += 1);
        (events, cancel)
    }

    /// `task_started`, the initial context when history is empty (so a later model turn still
    /// finds it first), and `turn_context`.
    pub(super) fn record_turn_start(&mut self, turn_id: &TurnId, started_at: i64) {
        let window = self.services.config.model_context_window();
        self.record(
            kind::EVENT_MSG,
            record::task_started(turn_id.as_str(), started_at, window),
        );
        if self
            .state
            .transcript
            .get()
            .is_some_and(|resident| resident.history.is_empty())
        {
            let today = chrono::Local::now().format("%Y-%m-%d").to_string();
            for item in context::initial_context_items(&self.state.settings, &today, "Etc/UTC") {
                self.record(kind::RESPONSE_ITEM, item.clone());
                self.state.transcript.push_history(item);
            }
        }
        self.record(
            kind::TURN_CONTEXT,
            record::turn_context(turn_id.as_str(), &self.state.settings),
        );
    }

    pub(super) fn apply_overrides(&mut self, params: &TurnStartParams) {
        let settings = &mut self.state.settings;
        if let Some(model) = &params.model {
            settings.model.clone_from(model);
        }
        if let Some(effort) = &params.effort {
            settings.reasoning_effort = Some(effort.clone());
        }
        if let Some(summary) = params.summary {
            settings.reasoning_summary = Some(summary);
        }
        if let Some(cwd) = &params.cwd {
            settings.cwd = self.services.config.absolute_cwd(cwd);
        }
        if let Some(policy) = &params.approval_policy {
            settings.approval_policy = policy.clone();
        }
        if let Some(reviewer) = params.approvals_reviewer {
            settings.approvals_reviewer = reviewer;
        }
        if let Some(sandbox) = &params.sandbox_policy {
            settings.sandbox = sandbox.clone();
        }
        if let Some(tier) = &params.service_tier {
            settings.service_tier = Some(tier.clone());
        }
        if let Some(mode) = params
            .collaboration_mode
            .as_ref()
            .and_then(|mode| mode.get("mode"))
            .and_then(serde_json::Value::as_str)
        {
            settings.collaboration_mode = mode.to_owned();
        }
    }

    pub(super) fn record_user_message(&mut self, turn_id: &TurnId, params: &TurnStartParams) {
        let steer = Steer {
            response_item: user_message_item(&params.input),
            input: params.input.clone(),
            client_id: params.client_user_message_id.clone(),
        };
        self.record_user_input(turn_id, steer);
    }

    /// Records a user message of the running turn (its start, or a steer the turn has taken):
    /// the model's `user` message in history and rollout, then the `userMessage` item.
    pub(super) fn record_user_input(&mut self, turn_id: &TurnId, steer: Steer) {
        self.record(kind::RESPONSE_ITEM, steer.response_item.clone());
        self.state.transcript.push_history(steer.response_item);
        let now = now_ms();
        let item = ThreadItem {
            body: ItemBody::UserMessage {
                id: uuid::Uuid::now_v7().hyphenated().to_string(),
                content: steer.input.clone(),
                client_id: steer.client_id,
            },
            started_at_ms: Some(now),
            completed_at_ms: None,
        };
        if self.state.meta.preview.is_empty() {
            self.state.meta.preview = first_text(&steer.input);
        }
        let thread_id = self.state.meta.id.to_string();
        self.emit(ServerNotification::ItemStarted(ItemStartedNotification {
            item: item.clone(),
            thread_id,
            turn_id: turn_id.to_string(),
            started_at_ms: now,
        }));
        let completed = ThreadItem {
            completed_at_ms: Some(now),
            ..item
        };
        self.complete_item(completed, None);
    }

    /// `turn/steer` (core.md §1.4, protocol.md §7's order of checks): queued for the running
    /// turn, which takes it at its next step; answered with the turn's id at once.
    pub(super) fn steer(&mut self, params: TurnSteerParams, reply: Reply) {
        if params.expected_turn_id.is_empty() {
            return reply.send::<()>(Err(RpcError::invalid_request(EXPECTED_TURN_ID_EMPTY)));
        }
        let chars: usize = params.input.iter().map(UserInput::text_chars).sum();
        if chars > INPUT_CHARS_MAX {
            return reply.send::<()>(Err(RpcError::input_too_large(chars)));
        }
        let Some(active) = self
            .active
            .as_ref()
            .filter(|active| active.steer_inbox.is_none())
        else {
            return reply.send::<()>(Err(RpcError::invalid_request(NO_ACTIVE_TURN_TO_STEER)));
        };
        if active.turn_id.as_str() != params.expected_turn_id {
            let actual = active.turn_id.to_string();
            return reply.send::<()>(Err(RpcError::steer_turn_mismatch(
                &params.expected_turn_id,
                &actual,
            )));
        }
        if params.input.is_empty() {
            return reply.send::<()>(Err(RpcError::invalid_request(INPUT_EMPTY)));
        }
        let steer = Steer {
            response_item: user_message_item(&params.input),
            input: params.input,
            client_id: params.client_user_message_id,
        };
        match active.steers.try_send(steer) {
            Ok(()) => reply.send(Ok(TurnSteerResponse {
                turn_id: active.turn_id.to_string(),
            })),
            Err(mpsc::error::TrySendError::Full(_)) => {
                reply.send::<()>(Err(RpcError::overloaded()));
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                reply.send::<()>(Err(RpcError::invalid_request(NO_ACTIVE_TURN_TO_STEER)));
            }
        }
    }
}

/// The model's `user` message for some input: `input_text` per text, `input_image` per image.
fn user_message_item(input: &[UserInput]) -> Value {
    let parts: Vec<Value> = input
        .iter()
        .filter_map(|input| match input {
            UserInput::Text { text, .. } => Some(context::input_text(text)),
            UserInput::Image {
                url: Some(url),
                detail,
                ..
            } => Some(json!({
                "type": "input_image",
                "image_url": url,
                "detail": detail.clone().unwrap_or_else(|| "auto".to_owned()),
            })),
            _ => None,
        })
        .collect();
    context::message("user", parts)
}
