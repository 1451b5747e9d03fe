//! `update_plan` (core.md §3.5): the plan becomes `turn/plan/updated`; the model reads
//! `Plan updated`. There is no item.

use serde::Deserialize;
use weft_protocol::v2::{
    ServerNotification, TurnPlanStep, TurnPlanStepStatus, TurnPlanUpdatedNotification,
};

use crate::turn::tools::{ToolContext, parse_arguments};

#[derive(Debug, Deserialize)]
struct Arguments {
    #[serde(default)]
    explanation: Option<String>,
    plan: Vec<Step>,
}

#[derive(Debug, Deserialize)]
struct Step {
    step: String,
    status: Status,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Status {
    Pending,
    InProgress,
    Completed,
}

/// Runs the call; returns the model's output text.
pub(super) async fn run(context: &ToolContext, arguments: &str) -> String {
    let arguments: Arguments = match parse_arguments(arguments) {
        Ok(arguments) => arguments,
        Err(text) => return text,
    };
    let plan = arguments
        .plan
        .into_iter()
        .map(|step| TurnPlanStep {
            step: step.step,
            status: match step.status {
                Status::Pending => TurnPlanStepStatus::Pending,
                Status::InProgress => TurnPlanStepStatus::InProgress,
                Status::Completed => TurnPlanStepStatus::Completed,
            },
        })
        .collect();
    context
        .notify(ServerNotification::TurnPlanUpdated(
            TurnPlanUpdatedNotification {
                thread_id: context.thread_id.to_string(),
                turn_id: context.turn_id.to_string(),
                explanation: arguments.explanation,
                plan,
            },
        ))
        .await;
    "Plan updated".to_owned()
}
