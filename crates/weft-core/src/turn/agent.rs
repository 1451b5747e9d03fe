//! The agent loop of one turn (core.md §1.2 step 4): sample the model, turn its output into
//! items, answer calls, and sample again until the model is done — with stream retries,
//! interruption and a bound on the number of requests.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use weft_model::{ModelError, ModelEvent, ModelRequest, Reasoning, RequestHeaders};
use weft_protocol::v2::{
    ItemDeltaNotification, ReasoningSummaryPartAddedNotification,
    ReasoningSummaryTextDeltaNotification, ReasoningTextDeltaNotification, ServerNotification,
    TokenUsageBreakdown, TurnError,
};

use crate::config::ThreadSettings;
use crate::ids::{ThreadId, TurnId, now_ms};
use crate::limits::SAMPLING_REQUESTS_PER_TURN_MAX;
use crate::services::ThreadServices;
use crate::turn::context::base_instructions_item;
use crate::turn::items;
use crate::turn::tools::{self, ToolContext};
use crate::turn::{Steer, TurnEvent, TurnOutcome};

/// Everything a turn task starts with.
#[derive(Debug)]
pub struct TurnInput {
    /// The thread.
    pub thread_id: ThreadId,
    /// This turn.
    pub turn_id: TurnId,
    /// Settings for this turn.
    pub settings: ThreadSettings,
    /// Model history so far, the user's message last.
    pub history: Vec<Value>,
    /// First request after a cold resume.
    pub resumed: bool,
    /// Offer the goal tools (goals enabled, a thread with a rollout).
    pub goal_tools: bool,
    /// Where events go (the thread actor).
    pub events: mpsc::Sender<TurnEvent>,
    /// Cancelled by `turn/interrupt`.
    pub cancel: CancellationToken,
    /// The thread's unified exec sessions.
    pub(crate) processes: weft_exec::ProcessTable,
    /// The thread's approval memory.
    pub(crate) approvals: Arc<std::sync::Mutex<tools::approval::SessionApprovals>>,
    /// `turn/steer` input for this turn (core.md §1.4); `None` when it cannot be steered.
    pub(crate) steers: Option<mpsc::Receiver<Steer>>,
    /// A revived turn (R37): the calls it was suspended in, run again before the next
    /// request; empty for every other turn.
    pub(crate) revived_calls: Vec<Value>,
}

/// Spawns the turn task.
pub(crate) fn spawn(services: &ThreadServices, input: TurnInput) {
    let services = services.clone();
    // Instrumented, not entered inside: a guard held across awaits would leak the span into
    // other tasks on the same worker thread. The thread's span (current here, in the actor) is
    // its parent.
    let span = tracing::info_span!("turn", turn_id = %input.turn_id);
    let task = async move {
        let events = input.events.clone();
        let cancel = input.cancel.clone();
        let outcome = run(&services, input).await;
        // The actor drains events until Finished, so this send only waits for room.
        let _ = events.send(TurnEvent::Finished(outcome)).await;
        drop(cancel);
    };
    tokio::spawn(tracing::Instrument::instrument(task, span));
}

/// The next steer, or never (no steering for this turn, or its sender is gone).
async fn next_steer(steers: Option<&mut mpsc::Receiver<Steer>>) -> Steer {
    match steers {
        Some(steers) => match steers.recv().await {
            Some(steer) => steer,
            None => std::future::pending().await,
        },
        None => std::future::pending().await,
    }
}

/// Why a sampling request stopped early.
enum SampleError {
    Interrupted,
    /// The actor is gone; nobody listens any more.
    Detached,
    /// A steer arrived while the response streamed: the response is abandoned (items already
    /// done are kept, its usage is never known) and a new request goes out with the steer last
    /// (core.md §1.4).
    Steered,
    Model(ModelError),
}

struct Turn<'a> {
    services: &'a ThreadServices,
    input: TurnInput,
    tools: ToolContext,
    last_agent_message: Option<String>,
    /// Steers received and not yet taken into history.
    steered: Vec<Steer>,
}

async fn run(services: &ThreadServices, input: TurnInput) -> TurnOutcome {
    let home = services.config.home.clone();
    let rules_home = home.clone();
    if let Ok(rules) = tokio::task::spawn_blocking(move || tools::rules::load(&rules_home)).await {
        let mut approvals = input
            .approvals
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for rule in rules {
            approvals.add_rule(rule);
        }
    }
    let tools = ToolContext {
        thread_id: input.thread_id,
        turn_id: input.turn_id.clone(),
        settings: Arc::new(input.settings.clone()),
        events: input.events.clone(),
        cancel: input.cancel.clone(),
        processes: input.processes.clone(),
        approvals: Arc::clone(&input.approvals),
        diff: Arc::new(std::sync::Mutex::new(weft_patch::TurnDiff::new(
            std::path::Path::new(&input.settings.cwd),
        ))),
        patches: Arc::default(),
        home,
        sandbox_support: services.config.sandbox_support.clone(),
        goal_tools: input.goal_tools,
    };
    let mut turn = Turn {
        services,
        input,
        tools,
        last_agent_message: None,
        steered: Vec::new(),
    };
    let revived_calls = std::mem::take(&mut turn.input.revived_calls);
    if !revived_calls.is_empty() {
        if let Err(outcome) = turn.run_tools(revived_calls).await {
            return outcome;
        }
        if turn.send(TurnEvent::RevivedCallsDone).await.is_err() {
            return TurnOutcome::Interrupted;
        }
    }
    for round in 0..SAMPLING_REQUESTS_PER_TURN_MAX {
        // Steering input joins history before every request but the first (core.md §1.2 4.1).
        if round > 0
            && let Err(outcome) = turn.take_steers().await
        {
            return outcome;
        }
        match turn.sample_with_retries().await {
            Ok(true) => {}
            // The model would end the turn, but input is waiting: one more request.
            Ok(false) if turn.steers_waiting() => {}
            Ok(false) => {
                return TurnOutcome::Completed {
                    last_agent_message: turn.last_agent_message,
                };
            }
            Err(outcome) => return outcome,
        }
    }
    TurnOutcome::Failed(TurnError {
        message: format!(
            "turn stopped after {SAMPLING_REQUESTS_PER_TURN_MAX} model requests without finishing"
        ),
        codex_error_info: Some(json!("other")),
        additional_details: None,
        misalignment: None,
    })
}

impl Turn<'_> {
    /// One sampling request with stream-layer retries. `Ok(true)` = a follow-up is needed.
    async fn sample_with_retries(&mut self) -> Result<bool, TurnOutcome> {
        let max_retries = self
            .services
            .models
            .stream_max_retries(&self.input.settings.model_provider);
        let mut attempt: u64 = 0;
        loop {
            let error = match self.sample().await {
                Ok(Sampled::FollowUp(calls)) => return self.run_tools(calls).await,
                Ok(Sampled::Done { end_turn }) => return Ok(end_turn == Some(false)),
                Err(SampleError::Interrupted | SampleError::Detached) => {
                    return Err(TurnOutcome::Interrupted);
                }
                Err(SampleError::Steered) => return Ok(true),
                Err(SampleError::Model(error)) => error,
            };
            if !error.is_retryable() || attempt >= max_retries {
                return Err(TurnOutcome::Failed(turn_error(&error)));
            }
            attempt += 1;
            let notice = TurnError {
                message: format!("Reconnecting... {attempt}/{max_retries}"),
                codex_error_info: Some(json!({
                    "responseStreamDisconnected": {"httpStatusCode": error.http_status()}
                })),
                additional_details: Some(error.message()),
                misalignment: None,
            };
            self.send(TurnEvent::Retrying(notice))
                .await
                .map_err(|_| TurnOutcome::Interrupted)?;
            let delay = error
                .retry_delay()
                .unwrap_or_else(|| weft_model::backoff(u32::try_from(attempt).unwrap_or(u32::MAX)));
            self.pause(delay)
                .await
                .map_err(|_| TurnOutcome::Interrupted)?;
        }
    }

    /// Moves every steer received so far into history, each announced to the actor (which
    /// records it and emits its `userMessage` item).
    async fn take_steers(&mut self) -> Result<(), TurnOutcome> {
        if let Some(steers) = self.input.steers.as_mut() {
            while let Ok(steer) = steers.try_recv() {
                self.steered.push(steer);
            }
        }
        for steer in std::mem::take(&mut self.steered) {
            self.input.history.push(steer.response_item.clone());
            self.send(TurnEvent::UserInput(Box::new(steer)))
                .await
                .map_err(|_| TurnOutcome::Interrupted)?;
        }
        Ok(())
    }

    /// Whether steering input is waiting to be taken.
    fn steers_waiting(&mut self) -> bool {
        if let Some(steers) = self.input.steers.as_mut() {
            while let Ok(steer) = steers.try_recv() {
                self.steered.push(steer);
            }
        }
        !self.steered.is_empty()
    }

    async fn pause(&self, delay: Duration) -> Result<(), SampleError> {
        tokio::select! {
            () = self.input.cancel.cancelled() => Err(SampleError::Interrupted),
            () = tokio::time::sleep(delay) => Ok(()),
        }
    }

    async fn send(&self, event: TurnEvent) -> Result<(), SampleError> {
        tokio::select! {
            () = self.input.cancel.cancelled() => Err(SampleError::Interrupted),
            sent = self.input.events.send(event) => sent.map_err(|_| SampleError::Detached),
        }
    }

    fn request(&self) -> ModelRequest {
        let settings = &self.input.settings;
        let thread_id = self.input.thread_id.to_string();
        let mut input = Vec::with_capacity(self.input.history.len() + 1);
        input.push(base_instructions_item(
            self.input.thread_id,
            &settings.base_instructions,
        ));
        input.extend(self.input.history.iter().cloned());
        // A call a crash (or a fork mid-turn) left without output: the API refuses those.
        let paired = items::pair_open_calls(&mut input);
        if paired > 0 {
            tracing::info!(paired, "calls without output sent as aborted");
        }
        let identity = self.services.models.identity();
        ModelRequest {
            model: settings.model.clone(),
            input,
            tools: tools::spec::tools(tools::spec::Offered {
                update_plan: self.services.config.include_plan_tool,
                apply_patch: self.services.config.include_apply_patch_tool,
                goals: self.input.goal_tools,
            }),
            parallel_tool_calls: true,
            reasoning: Some(Reasoning {
                effort: settings.reasoning_effort.as_deref().and_then(parse_effort),
                summary: Some(model_summary(settings.reasoning_summary)),
            }),
            prompt_cache_key: thread_id.clone(),
            client_metadata: std::collections::BTreeMap::new(),
            service_tier: settings.service_tier.clone(),
            text: None,
            headers: RequestHeaders {
                originator: identity.originator,
                user_agent: identity.user_agent,
                client_request_id: Some(thread_id.clone()),
                session_id: Some(thread_id.clone()),
                thread_id: Some(thread_id),
                extra: Vec::new(),
            },
        }
    }

    /// Runs the calls of one response concurrently, records their outputs in call order, then
    /// settles the response's usage. `Ok(true)`: sample again; interruption (by the client, or
    /// a `cancel` decision) ends the turn once every call has its output (pairing invariant).
    async fn run_tools(&mut self, calls: Vec<Value>) -> Result<bool, TurnOutcome> {
        let context = &self.tools;
        let results =
            futures_util::future::join_all(calls.iter().map(|call| tools::run_call(context, call)))
                .await;
        let mut interrupted = self.input.cancel.is_cancelled();
        let mut outputs = Vec::with_capacity(results.len());
        for result in results {
            interrupted |= result.interrupts;
            outputs.push(result.output);
        }
        self.input.history.extend(outputs.iter().cloned());
        // Sent even when interrupted: every call must keep its output in history.
        let _ = self
            .input
            .events
            .send(TurnEvent::HistoryItems(outputs))
            .await;
        if interrupted {
            self.input.cancel.cancel();
            return Err(TurnOutcome::Interrupted);
        }
        self.send(TurnEvent::UsageSettled)
            .await
            .map_err(|_| TurnOutcome::Interrupted)?;
        tools::patch::publish_turn_diff(&self.tools).await;
        Ok(true)
    }

    /// One request: stream it and report its items. Calls are collected for
    /// [`Self::run_tools`].
    async fn sample(&mut self) -> Result<Sampled, SampleError> {
        let request = self.request();
        let model = self
            .services
            .models
            .model(&self.input.settings.model_provider)
            .map_err(SampleError::Model)?;
        let mut stream = tokio::select! {
            biased;
            () = self.input.cancel.cancelled() => return Err(SampleError::Interrupted),
            steer = next_steer(self.input.steers.as_mut()) => {
                self.steered.push(steer);
                return Err(SampleError::Steered);
            }
            stream = model.stream(&request, Some(self.input.cancel.clone())) => match stream {
                Ok(stream) => stream,
                // The client saw the token before the headers came: that is the interrupt, not a
                // failure of the request (issue 16, fault 4).
                Err(ModelError::Interrupted) => return Err(SampleError::Interrupted),
                Err(_) if self.input.cancel.is_cancelled() => {
                    return Err(SampleError::Interrupted);
                }
                Err(error) => return Err(SampleError::Model(error)),
            }
        };
        let mut state = SampleState::default();
        loop {
            // A steer cuts the response short unless it already called tools: those calls must
            // get their outputs first, and the steer follows them (core.md §1.4). The cut
            // response reports the thread's usage unchanged before the steer is recorded, as the
            // reference does once its stream is open (checked side by side).
            let steerable = state.calls.is_empty();
            let event = tokio::select! {
                biased;
                () = self.input.cancel.cancelled() => return Err(SampleError::Interrupted),
                steer = next_steer(self.input.steers.as_mut()), if steerable => {
                    self.steered.push(steer);
                    self.send(TurnEvent::ResponseCut).await?;
                    return Err(SampleError::Steered);
                }
                event = stream.next_event() => event,
            };
            match event {
                None => {
                    return Err(SampleError::Model(ModelError::Stream {
                        message: weft_model::STREAM_CLOSED_MESSAGE.to_owned(),
                        delay: None,
                    }));
                }
                Some(Err(ModelError::Interrupted)) => return Err(SampleError::Interrupted),
                Some(Err(error)) => return Err(SampleError::Model(error)),
                Some(Ok(ModelEvent::Completed {
                    response_id,
                    usage,
                    end_turn,
                })) => {
                    self.send(TurnEvent::ResponseCompleted {
                        response_id,
                        usage: usage.map(breakdown),
                    })
                    .await?;
                    if !state.calls.is_empty() {
                        return Ok(Sampled::FollowUp(std::mem::take(&mut state.calls)));
                    }
                    self.send(TurnEvent::UsageSettled).await?;
                    tools::patch::publish_turn_diff(&self.tools).await;
                    return Ok(Sampled::Done { end_turn });
                }
                Some(Ok(event)) => self.on_event(event, &mut state).await?,
            }
        }
    }

    async fn on_event(
        &mut self,
        event: ModelEvent,
        state: &mut SampleState,
    ) -> Result<(), SampleError> {
        let thread_id = self.input.thread_id.to_string();
        let turn_id = self.input.turn_id.to_string();
        let item = |item_id: Option<String>| {
            item_id
                .or_else(|| state.current_item.clone())
                .unwrap_or_default()
        };
        let delta = match event {
            ModelEvent::OutputItemAdded(added) => {
                if let Some(started) = items::started_item(&added, now_ms()) {
                    let id = started.id().to_owned();
                    state
                        .started
                        .push((id.clone(), started.started_at_ms.unwrap_or_default()));
                    state.current_item = Some(id);
                    self.send(TurnEvent::ItemStarted(started)).await?;
                }
                return Ok(());
            }
            ModelEvent::OutputItemDone(done) => return self.item_done(done, state).await,
            ModelEvent::Created | ModelEvent::Completed { .. } => return Ok(()),
            ModelEvent::OutputTextDelta { item_id, delta } => {
                ServerNotification::AgentMessageDelta(ItemDeltaNotification {
                    thread_id,
                    turn_id,
                    item_id: item(item_id),
                    delta,
                })
            }
            ModelEvent::ReasoningSummaryTextDelta {
                item_id,
                delta,
                summary_index,
            } => ServerNotification::ReasoningSummaryTextDelta(
                ReasoningSummaryTextDeltaNotification {
                    thread_id,
                    turn_id,
                    item_id: item(item_id),
                    delta,
                    summary_index,
                },
            ),
            ModelEvent::ReasoningSummaryPartAdded {
                item_id,
                summary_index,
            } => ServerNotification::ReasoningSummaryPartAdded(
                ReasoningSummaryPartAddedNotification {
                    thread_id,
                    turn_id,
                    item_id: item(item_id),
                    summary_index,
                },
            ),
            ModelEvent::ReasoningTextDelta {
                item_id,
                delta,
                content_index,
            } => ServerNotification::ReasoningTextDelta(ReasoningTextDeltaNotification {
                thread_id,
                turn_id,
                item_id: item(item_id),
                delta,
                content_index,
            }),
        };
        self.send(TurnEvent::Delta(Box::new(delta))).await
    }

    async fn item_done(&mut self, item: Value, state: &mut SampleState) -> Result<(), SampleError> {
        let id = item
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let now = now_ms();
        let started_at = state
            .started
            .iter()
            .find(|(started, _)| *started == id)
            .map_or(now, |(_, at)| *at);
        self.input.history.push(item.clone());
        if let Some(completed) = items::completed_item(&item, started_at, now) {
            if items::item_type(&item) == "message" {
                self.last_agent_message = Some(items::message_text(&item));
            }
            return self
                .send(TurnEvent::ItemCompleted {
                    item: completed,
                    response_item: Some(item),
                })
                .await;
        }
        if items::is_call(&item) {
            state.calls.push(item.clone());
        }
        self.send(TurnEvent::HistoryItems(vec![item])).await
    }
}

#[derive(Default)]
struct SampleState {
    /// Items started in this response, with their start time.
    started: Vec<(String, i64)>,
    /// The item deltas without an item id belong to.
    current_item: Option<String>,
    /// Calls emitted by this response, in order.
    calls: Vec<Value>,
}

/// How a sampling request ended.
enum Sampled {
    /// The model called tools: run them, then sample again.
    FollowUp(Vec<Value>),
    /// No calls; `end_turn: false` still asks for a follow-up.
    Done { end_turn: Option<bool> },
}

fn turn_error(error: &ModelError) -> TurnError {
    TurnError {
        message: error.message(),
        codex_error_info: Some(error.codex_error_info()),
        additional_details: None,
        misalignment: None,
    }
}

fn breakdown(usage: weft_model::TokenUsage) -> TokenUsageBreakdown {
    TokenUsageBreakdown {
        total_tokens: usage.total_tokens,
        input_tokens: usage.input_tokens,
        cached_input_tokens: usage.cached_input_tokens,
        cache_write_input_tokens: usage.cache_write_input_tokens,
        output_tokens: usage.output_tokens,
        reasoning_output_tokens: usage.reasoning_output_tokens,
    }
}

fn parse_effort(effort: &str) -> Option<weft_model::ReasoningEffort> {
    serde_json::from_value(Value::String(effort.to_owned())).ok()
}

fn model_summary(
    summary: Option<weft_protocol::v2::ReasoningSummary>,
) -> weft_model::ReasoningSummary {
    use weft_protocol::v2::ReasoningSummary;
    match summary {
        None | Some(ReasoningSummary::Auto) => weft_model::ReasoningSummary::Auto,
        Some(ReasoningSummary::Concise) => weft_model::ReasoningSummary::Concise,
        Some(ReasoningSummary::Detailed) => weft_model::ReasoningSummary::Detailed,
        Some(ReasoningSummary::None) => weft_model::ReasoningSummary::None,
    }
}
