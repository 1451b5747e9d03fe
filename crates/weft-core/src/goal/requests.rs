//! `thread/goal/set`, `get` and `clear` (protocol.md §3.1, lifecycle.md R35): a loaded thread's
//! actor answers them (`Command::Goal`), so its goal notifications are ordered with its
//! events; a stored thread's goal is read from its rollout and changed by appending a goal line
//! to it, then announced from here.
//!
//! A stored change must not race a cold resume of the same thread (which would load the
//! rollout without the new line) nor an archive (which moves the file). So it takes the
//! thread's *loading* mark in the registry first — a cold resume waits for the mark to go,
//! then reads the file with the new line — and then the thread-list permit (R33), in the same
//! order a cold resume takes them. If the thread turns out to be loaded meanwhile, the request
//! goes to its actor after all.

use std::sync::Arc;

use weft_protocol::RpcError;
use weft_protocol::errors::GOALS_DISABLED;
use weft_protocol::v2::{
    ServerNotification, ThreadGoal, ThreadGoalClearParams, ThreadGoalClearResponse,
    ThreadGoalGetParams, ThreadGoalGetResponse, ThreadGoalSetParams, ThreadGoalSetResponse,
    ThreadGoalUpdatedNotification, ThreadIdNotification,
};

use crate::clients::Reply;
use crate::core::Core;
use crate::goal::{self, GoalRequest};
use crate::ids::{ThreadId, now_secs};
use crate::thread::Command;
use crate::thread::registry::{Busy, SendRefused, too_many_loaded};

/// What a goal request did to a stored thread.
enum StoredOutcome {
    /// `get`: the goal the rollout records.
    Got(Option<ThreadGoal>),
    /// `set`: the goal recorded now.
    Set(ThreadGoal),
    /// `clear`: whether there was a goal to remove.
    Cleared(bool),
    /// The thread was loaded meanwhile: ask its actor.
    Loaded,
}

impl Core {
    /// `thread/goal/set`: answered `{goal}`, then `thread/goal/updated {turnId: null}` is
    /// broadcast.
    pub async fn thread_goal_set(&self, params: ThreadGoalSetParams, reply: Reply) {
        let thread_id = params.thread_id.clone();
        self.goal_request(&thread_id, GoalRequest::Set(Box::new(params)), reply)
            .await;
    }

    /// `thread/goal/get`: `{goal}`, `null` when the thread has none.
    pub async fn thread_goal_get(&self, params: ThreadGoalGetParams, reply: Reply) {
        self.goal_request(&params.thread_id, GoalRequest::Get, reply)
            .await;
    }

    /// `thread/goal/clear`: `{cleared}`, then `thread/goal/cleared` when there was a goal.
    pub async fn thread_goal_clear(&self, params: ThreadGoalClearParams, reply: Reply) {
        self.goal_request(&params.thread_id, GoalRequest::Clear, reply)
            .await;
    }

    async fn goal_request(&self, raw_id: &str, request: GoalRequest, reply: Reply) {
        if !self.services().config.goals.enabled {
            return reply.send::<()>(Err(RpcError::invalid_request(GOALS_DISABLED)));
        }
        let id = match ThreadId::parse(raw_id) {
            Ok(id) => id,
            Err(err) => return reply.send::<()>(Err(RpcError::invalid_thread_id(&err))),
        };
        loop {
            let command = Command::Goal {
                request: request.clone(),
                reply: reply.clone(),
            };
            match self.services().registry.send(id, command) {
                Ok(()) => return,
                Err(SendRefused::NotLoaded) => {}
                Err(refused) => {
                    return reply.send::<()>(Err(refused.into_rpc(id, RpcError::thread_closing)));
                }
            }
            match self.stored_goal_request(id, &request).await {
                Ok(StoredOutcome::Loaded) => {}
                Ok(outcome) => return self.answer_stored(id, outcome, reply),
                Err(err) => return reply.send::<()>(Err(err)),
            }
        }
    }

    /// Answers a stored thread's goal request, then announces the change (R2: broadcast).
    fn answer_stored(&self, id: ThreadId, outcome: StoredOutcome, reply: Reply) {
        let thread_id = id.to_string();
        let announce = match outcome {
            StoredOutcome::Got(goal) => {
                return reply.send(Ok(ThreadGoalGetResponse { goal }));
            }
            StoredOutcome::Set(goal) => {
                reply.send(Ok(ThreadGoalSetResponse { goal: goal.clone() }));
                ServerNotification::ThreadGoalUpdated(ThreadGoalUpdatedNotification {
                    thread_id,
                    turn_id: None,
                    goal,
                })
            }
            StoredOutcome::Cleared(cleared) => {
                reply.send(Ok(ThreadGoalClearResponse { cleared }));
                if !cleared {
                    return;
                }
                ServerNotification::ThreadGoalCleared(ThreadIdNotification { thread_id })
            }
            StoredOutcome::Loaded => return,
        };
        self.services().clients.broadcast(&Arc::new(announce));
    }

    /// The goal request of a thread that is not loaded, on its rollout.
    async fn stored_goal_request(
        &self,
        id: ThreadId,
        request: &GoalRequest,
    ) -> Result<StoredOutcome, RpcError> {
        if matches!(request, GoalRequest::Get) {
            let path = self.stored_goal_rollout(id).await?;
            let goal = self.read_stored_goal(id, path).await?;
            return Ok(StoredOutcome::Got(goal));
        }
        let registry = &self.services().registry;
        let _loading = loop {
            match registry.begin_load(id) {
                Ok(guard) => break guard,
                Err(Busy::Loading(mut done)) => {
                    let _ = done.changed().await;
                }
                Err(Busy::Loaded) => return Ok(StoredOutcome::Loaded),
                Err(Busy::Closing) => return Err(RpcError::thread_closing(&id.to_string())),
                Err(Busy::Full) => return Err(too_many_loaded()),
            }
        };
        let _permit = self.thread_list_permit().await?;
        let path = self.stored_goal_rollout(id).await?;
        let current = self.read_stored_goal(id, path.clone()).await?;
        let thread_id = id.to_string();
        let persistence = &self.services().persistence;
        match request {
            GoalRequest::Set(params) => {
                let outcome = goal::apply_set(current.as_ref(), params, &thread_id, now_secs())?;
                let line = weft_store::goal::goal_updated_payload(&thread_id, None, &outcome.goal);
                persistence.append_event(path, line).await.map_err(|err| {
                    RpcError::internal(format!("failed to update thread goal: {err}"))
                })?;
                Ok(StoredOutcome::Set(outcome.goal))
            }
            GoalRequest::Clear => {
                if current.is_none() {
                    return Ok(StoredOutcome::Cleared(false));
                }
                let line = weft_store::goal::goal_cleared_payload(&thread_id);
                persistence.append_event(path, line).await.map_err(|err| {
                    RpcError::internal(format!("failed to clear thread goal: {err}"))
                })?;
                Ok(StoredOutcome::Cleared(true))
            }
            GoalRequest::Get => Ok(StoredOutcome::Got(current)),
        }
    }

    /// The rollout of a stored thread that has goals: `thread not found: <id>` when there is
    /// none in `sessions/` (an archived thread included, as the reference looks only there).
    async fn stored_goal_rollout(&self, id: ThreadId) -> Result<std::path::PathBuf, RpcError> {
        let row =
            self.services().persistence.find(id).await.map_err(|err| {
                RpcError::internal(format!("failed to locate thread id {id}: {err}"))
            })?;
        match row {
            Some(row) if !row.archived => Ok(row.rollout_path),
            _ => Err(RpcError::thread_not_found(&id.to_string())),
        }
    }

    async fn read_stored_goal(
        &self,
        id: ThreadId,
        path: std::path::PathBuf,
    ) -> Result<Option<ThreadGoal>, RpcError> {
        let goal = self
            .services()
            .persistence
            .read_goal(path)
            .await
            .map_err(|err| RpcError::internal(format!("failed to read thread goal: {err}")))?;
        // A fork's copied goal line names the source thread; the goal is this thread's.
        Ok(goal.map(|goal| ThreadGoal {
            thread_id: id.to_string(),
            ..goal
        }))
    }
}
