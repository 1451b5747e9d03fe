//! The thread's goal, as its actor keeps it (lifecycle.md R27, R35): `thread/goal/*` of a
//! loaded thread, the model's goal tools, token accounting, the snapshot after a resume, and
//! continuation turns.
//!
//! Every change is recorded in the rollout (a goal line) before it is announced, and every
//! goal notification is a broadcast (R2) sent from here, so it is ordered with the thread's
//! other events. The rules of a change are `crate::goal`'s.
//!
//! When the thread is idle with an `active` goal — after a turn completed, after a client set
//! the goal active, after a resume once the replay of R25 is done — it starts a continuation
//! turn itself, at most `GoalsConfig::continuation_turns_max` in a row without user input. A
//! turn that failed does not continue (the goal becomes `blocked`, or `usageLimited` for a
//! usage limit, as the reference does); a turn the user interrupted pauses the goal (the
//! reference's `pause_active_thread_goal_for_interrupt`).

use std::sync::Arc;

use serde_json::Value;
use tokio::sync::oneshot;
use weft_protocol::RpcError;
use weft_protocol::v2::{
    ServerNotification, ThreadGoal, ThreadGoalClearResponse, ThreadGoalGetResponse,
    ThreadGoalSetResponse, ThreadGoalStatus, ThreadGoalUpdatedNotification, ThreadIdNotification,
    TokenUsageBreakdown, WarningNotification,
};

use super::Actor;
use crate::clients::Reply;
use crate::goal::{self, GoalRequest};
use crate::ids::{now_ms, now_secs};
use crate::thread::record::kind;
use crate::turn::{GoalToolCall, TurnOutcome};

/// How a turn ended, as far as its thread's goal cares.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum GoalTurnEnd {
    /// The model finished: an active goal may continue the thread.
    Completed,
    /// A fatal error, with its `codexErrorInfo`.
    Failed(Option<Value>),
    /// A client interrupted it (`turn/interrupt`, or `cancel` on an approval).
    InterruptedByUser,
    /// The server stopped it (unload, shutdown): the goal stays as it is.
    StoppedByServer,
}

impl GoalTurnEnd {
    /// The goal's view of a turn outcome; `system_stop` when the server cancelled the turn.
    pub(super) fn of(outcome: &TurnOutcome, system_stop: bool) -> Self {
        match outcome {
            TurnOutcome::Completed { .. } => Self::Completed,
            TurnOutcome::Failed(error) => Self::Failed(error.codex_error_info.clone()),
            TurnOutcome::Interrupted if system_stop => Self::StoppedByServer,
            TurnOutcome::Interrupted => Self::InterruptedByUser,
        }
    }
}

impl Actor {
    /// Goals apply to this thread: enabled, and a thread with a rollout (not ephemeral).
    pub(super) fn goal_tools_offered(&self) -> bool {
        self.services.config.goals.enabled && !self.state.meta.ephemeral
    }

    /// `thread/goal/get|set|clear` of this thread: the answer, then (for a change) the
    /// broadcast. A change is fsynced before it is answered.
    pub(super) async fn goal_command(&mut self, request: GoalRequest, reply: Reply) {
        let thread_id = self.state.meta.id.to_string();
        if self.state.meta.ephemeral {
            return reply.send::<()>(Err(RpcError::ephemeral_goal(&thread_id)));
        }
        match request {
            GoalRequest::Get => reply.send(Ok(ThreadGoalGetResponse {
                goal: self.state.goal.clone(),
            })),
            GoalRequest::Set(params) => {
                let outcome = match goal::apply_set(
                    self.state.goal.as_ref(),
                    &params,
                    &thread_id,
                    now_secs(),
                ) {
                    Ok(outcome) => outcome,
                    Err(err) => return reply.send::<()>(Err(err)),
                };
                let renewed = outcome.goal.status == ThreadGoalStatus::Active
                    && (outcome.created
                        || self
                            .state
                            .goal
                            .as_ref()
                            .is_none_or(|goal| goal.status != ThreadGoalStatus::Active));
                self.record_goal(&outcome.goal, None);
                self.sync_rollout().await;
                reply.send(Ok(ThreadGoalSetResponse {
                    goal: outcome.goal.clone(),
                }));
                self.announce_goal(outcome.goal, None);
                // A client setting the goal is user input: continuation counts from zero.
                self.goal_continuations = 0;
                if renewed {
                    self.restart_goal_clock();
                }
                self.maybe_continue_goal();
            }
            GoalRequest::Clear => {
                let cleared = self.state.goal.take().is_some();
                if cleared {
                    self.record(
                        kind::EVENT_MSG,
                        weft_store::goal::goal_cleared_payload(&thread_id),
                    );
                    self.sync_rollout().await;
                }
                reply.send(Ok(ThreadGoalClearResponse { cleared }));
                if cleared {
                    self.broadcast(ServerNotification::ThreadGoalCleared(
                        ThreadIdNotification { thread_id },
                    ));
                }
            }
        }
    }

    /// A goal tool call of the running turn: applied, announced with the turn's id, answered
    /// with the tool's output text.
    pub(super) fn goal_tool(&mut self, call: GoalToolCall, reply: oneshot::Sender<String>) {
        let thread_id = self.state.meta.id.to_string();
        let turn_id = self
            .active
            .as_ref()
            .map(|active| active.turn_id.to_string());
        let now = now_secs();
        let current = self.state.goal.as_ref();
        let output = match call {
            GoalToolCall::Get => goal::tool_output(current, false),
            GoalToolCall::Create {
                objective,
                token_budget,
            } => match goal::create(current, &objective, token_budget, &thread_id, now) {
                Ok(created) => {
                    let output = goal::tool_output(Some(&created), false);
                    self.goal_continuations = 0;
                    self.restart_goal_clock();
                    self.change_goal(created, turn_id);
                    output
                }
                Err(text) => text,
            },
            GoalToolCall::Update { status } => match goal::update_status(current, status, now) {
                Ok(updated) => {
                    let output =
                        goal::tool_output(Some(&updated), status == ThreadGoalStatus::Complete);
                    self.change_goal(updated, turn_id);
                    output
                }
                Err(text) => text,
            },
        };
        let _ = reply.send(output);
    }

    /// R35: a model response of the running turn completed with `usage`: its tokens, and the
    /// turn's time since the last accounting, count against an active goal (not in Plan mode,
    /// where the reference ignores goals). Reaching the budget makes it `budgetLimited`.
    pub(super) fn account_goal(&mut self, usage: &TokenUsageBreakdown) {
        if !self.goal_tools_offered() || self.state.settings.collaboration_mode == "plan" {
            return;
        }
        let Some(active) = self.active.as_mut() else {
            return;
        };
        let Some(goal) = self.state.goal.as_mut() else {
            return;
        };
        if goal.status != ThreadGoalStatus::Active {
            return;
        }
        let seconds = (now_ms() - active.goal_clock_ms).max(0) / 1000;
        active.goal_clock_ms += seconds * 1000;
        if !goal::account(goal, goal::response_tokens(usage), seconds, now_secs()) {
            return;
        }
        let (goal, turn_id) = (goal.clone(), active.turn_id.to_string());
        self.record_goal(&goal, Some(&turn_id));
        self.announce_goal(goal, Some(turn_id));
    }

    /// R27: the goal snapshot a resume sends after the response and the token usage: the goal,
    /// or `thread/goal/cleared` when there is none. Nothing when goals do not apply.
    pub(super) fn goal_snapshot(&mut self) {
        if !self.goal_tools_offered() {
            return;
        }
        let thread_id = self.state.meta.id.to_string();
        let notification = match &self.state.goal {
            Some(goal) => ServerNotification::ThreadGoalUpdated(ThreadGoalUpdatedNotification {
                thread_id,
                turn_id: None,
                goal: goal.clone(),
            }),
            None => ServerNotification::ThreadGoalCleared(ThreadIdNotification { thread_id }),
        };
        self.broadcast(notification);
    }

    /// A turn ended (and is recorded): a failed or user-interrupted turn stops an active goal;
    /// a completed one may be continued.
    pub(super) fn goal_after_turn(&mut self, turn_id: &str, end: GoalTurnEnd) {
        let active_goal = self
            .state
            .goal
            .as_ref()
            .filter(|goal| goal.status == ThreadGoalStatus::Active)
            .cloned();
        let (status, announced_turn) = match end {
            GoalTurnEnd::Completed => return self.maybe_continue_goal(),
            GoalTurnEnd::StoppedByServer => return,
            GoalTurnEnd::InterruptedByUser => (ThreadGoalStatus::Paused, None),
            GoalTurnEnd::Failed(info) => {
                match info.as_ref().and_then(Value::as_str) {
                    // Capacity errors do not spend the user's budget; the goal stays active
                    // and continues with the next turn someone starts.
                    Some("serverOverloaded") => return,
                    Some("usageLimitExceeded") => {
                        (ThreadGoalStatus::UsageLimited, Some(turn_id.to_owned()))
                    }
                    _ => (ThreadGoalStatus::Blocked, Some(turn_id.to_owned())),
                }
            }
        };
        let Some(goal) = active_goal.filter(|_| self.goal_tools_offered()) else {
            return;
        };
        self.change_goal(
            ThreadGoal {
                status,
                updated_at: now_secs(),
                ..goal
            },
            announced_turn,
        );
    }

    /// Starts a continuation turn when the thread is idle with an active goal (R35): no turn,
    /// no pending request (R25's replay is over), not unloading or shutting down, not in Plan
    /// mode. Past the bound of turns in a row without user input, the goal is paused instead
    /// and the subscribers are told why.
    pub(super) fn maybe_continue_goal(&mut self) {
        if !self.goal_tools_offered()
            || self.active.is_some()
            || !self.pending.is_empty()
            || !self.unload_waiters.is_empty()
            || self.services.is_draining()
            || self.state.settings.collaboration_mode == "plan"
        {
            return;
        }
        let Some(goal) = self
            .state
            .goal
            .as_ref()
            .filter(|goal| goal.status == ThreadGoalStatus::Active)
            .cloned()
        else {
            return;
        };
        let max = self.services.config.goals.continuation_turns_max;
        if self.goal_continuations >= max {
            let thread_id = self.state.meta.id.to_string();
            self.change_goal(
                ThreadGoal {
                    status: ThreadGoalStatus::Paused,
                    updated_at: now_secs(),
                    ..goal
                },
                None,
            );
            self.emit(ServerNotification::Warning(WarningNotification {
                message: format!(
                    "Goal paused after {max} automatic continuation turns in a row without user input; set the goal active again (thread/goal/set) or send a message to continue."
                ),
                thread_id: Some(thread_id),
            }));
            return;
        }
        self.goal_continuations += 1;
        self.start_continuation_turn(goal::continuation_input(&goal));
    }

    /// The goal's time is counted from now in the running turn (a goal that just became
    /// active pays for nothing before).
    fn restart_goal_clock(&mut self) {
        if let Some(active) = self.active.as_mut() {
            active.goal_clock_ms = now_ms();
        }
    }

    /// Makes `goal` the thread's goal: recorded, kept, announced.
    fn change_goal(&mut self, goal: ThreadGoal, turn_id: Option<String>) {
        self.record_goal(&goal, turn_id.as_deref());
        self.announce_goal(goal, turn_id);
    }

    /// Records `goal` as the thread's goal (the rollout's goal line, then the state).
    fn record_goal(&mut self, goal: &ThreadGoal, turn_id: Option<&str>) {
        let thread_id = self.state.meta.id.to_string();
        self.record(
            kind::EVENT_MSG,
            weft_store::goal::goal_updated_payload(&thread_id, turn_id, goal),
        );
        self.state.goal = Some(goal.clone());
    }

    /// `thread/goal/updated` to every initialised connection (R2).
    fn announce_goal(&self, goal: ThreadGoal, turn_id: Option<String>) {
        self.services
            .clients
            .broadcast(&Arc::new(ServerNotification::ThreadGoalUpdated(
                ThreadGoalUpdatedNotification {
                    thread_id: self.state.meta.id.to_string(),
                    turn_id,
                    goal,
                },
            )));
    }
}
