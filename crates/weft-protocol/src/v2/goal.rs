//! Thread goals (protocol.md §3.1 "Goals"): the goal object, the `thread/goal/*` params and
//! results, `thread/goal/updated`, and the goal texts and limits the reference enforces.
//!
//! A thread has at most one goal: an objective the agent keeps working toward across turns
//! (continuation turns), with an optional token budget. The wire names and shapes are the
//! reference's `ThreadGoal*.json` schemas; the error texts are its `thread/goal/set` texts.

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

use crate::errors::{GOAL_BUDGET_NOT_POSITIVE, GOAL_OBJECTIVE_CHARS_MAX, GOAL_OBJECTIVE_EMPTY};

/// The objective as the reference stores it: trimmed, 1…[`GOAL_OBJECTIVE_CHARS_MAX`]
/// characters.
///
/// # Errors
/// [`GOAL_OBJECTIVE_EMPTY`] or [`crate::errors::goal_objective_too_long`].
pub fn validate_goal_objective(objective: &str) -> Result<String, String> {
    let objective = objective.trim();
    if objective.is_empty() {
        return Err(GOAL_OBJECTIVE_EMPTY.to_owned());
    }
    if objective.chars().count() > GOAL_OBJECTIVE_CHARS_MAX {
        return Err(crate::errors::goal_objective_too_long());
    }
    Ok(objective.to_owned())
}

/// A budget, when given, must be positive.
///
/// # Errors
/// [`GOAL_BUDGET_NOT_POSITIVE`].
pub fn validate_goal_budget(budget: Option<i64>) -> Result<(), String> {
    match budget {
        Some(budget) if budget <= 0 => Err(GOAL_BUDGET_NOT_POSITIVE.to_owned()),
        _ => Ok(()),
    }
}

/// Where a goal stands. Only `active` goals continue the thread by themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum ThreadGoalStatus {
    /// Being pursued: tokens count against it and idle turns continue it.
    Active,
    /// Stopped by the user (or by weft's continuation bound) until set active again.
    Paused,
    /// The agent cannot make progress without the user.
    Blocked,
    /// The account's usage limit stopped it.
    UsageLimited,
    /// `tokensUsed` reached `tokenBudget`.
    BudgetLimited,
    /// Achieved.
    Complete,
}

/// Who asked for a goal change: `thread/goal/set` and `clear` carry it. weft records every
/// change the same way whatever the origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum ThreadGoalMutationOrigin {
    /// An explicit user action.
    User,
    /// An automatic lifecycle change.
    Automatic,
}

/// A thread's goal, as every goal method and notification carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThreadGoal {
    /// The thread.
    pub thread_id: String,
    /// What to achieve (trimmed, 1…4000 characters).
    pub objective: String,
    /// Where it stands.
    pub status: ThreadGoalStatus,
    /// Most tokens to spend on it; `null` for no budget.
    #[serde(default)]
    pub token_budget: Option<i64>,
    /// Tokens of the model responses spent on it (non-cached input plus output).
    pub tokens_used: i64,
    /// Seconds of turns spent on it.
    pub time_used_seconds: i64,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub updated_at: i64,
}

/// Reads a member that may be absent (`None`), `null` (`Some(None)`) or a value.
fn double_option<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// `thread/goal/set` params: create the goal (objective required) or change the existing one.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThreadGoalSetParams {
    /// The thread.
    pub thread_id: String,
    /// A new objective (trimmed); absent keeps the current one.
    #[serde(default)]
    pub objective: Option<String>,
    /// A new status; absent keeps it (a new goal starts `active`).
    #[serde(default)]
    pub status: Option<ThreadGoalStatus>,
    /// Absent keeps the budget; `null` removes it; a number (positive) sets it.
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<i64>")]
    pub token_budget: Option<Option<i64>>,
    /// Missing provenance does not supply user authorization.
    #[serde(default)]
    pub origin: Option<ThreadGoalMutationOrigin>,
}

/// `thread/goal/set` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ThreadGoalSetResponse {
    /// The goal after the change.
    pub goal: ThreadGoal,
}

/// `thread/goal/get` params.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThreadGoalGetParams {
    /// The thread.
    pub thread_id: String,
}

/// `thread/goal/get` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ThreadGoalGetResponse {
    /// The goal; `null` when the thread has none.
    #[serde(default)]
    pub goal: Option<ThreadGoal>,
}

/// `thread/goal/clear` params.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThreadGoalClearParams {
    /// The thread.
    pub thread_id: String,
    /// Missing provenance does not supply user authorization.
    #[serde(default)]
    pub origin: Option<ThreadGoalMutationOrigin>,
}

/// `thread/goal/clear` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ThreadGoalClearResponse {
    /// Whether there was a goal to remove (then `thread/goal/cleared` follows).
    pub cleared: bool,
}

/// `thread/goal/updated` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThreadGoalUpdatedNotification {
    /// The thread.
    pub thread_id: String,
    /// The turn that changed the goal (a goal tool, token accounting); `null` for requests and
    /// the snapshot after a resume.
    pub turn_id: Option<String>,
    /// The goal after the change.
    pub goal: ThreadGoal,
}
