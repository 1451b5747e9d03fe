//! The model's goal tools (core.md §3.7): `get_goal {}`, `create_goal {objective,
//! token_budget?}`, `update_goal {status}`. The turn only parses the call; the thread actor owns
//! the goal, so it applies the call (`TurnEvent::Goal`), announces any change
//! (`thread/goal/updated` with this turn's id) and returns the output text: the goal as JSON,
//! or the reference's refusal text.

use serde::Deserialize;
use tokio::sync::oneshot;
use weft_protocol::v2::ThreadGoalStatus;

use super::{ToolContext, spec};
use crate::turn::{GoalToolCall, TurnEvent};

/// `create_goal` arguments, as the reference reads them.
#[derive(Deserialize)]
struct CreateArguments {
    objective: String,
    #[serde(default)]
    token_budget: Option<i64>,
}

/// `update_goal` arguments.
#[derive(Deserialize)]
struct UpdateArguments {
    status: ThreadGoalStatus,
}

/// Runs one goal tool call and returns its output text.
pub(crate) async fn run(context: &ToolContext, name: &str, arguments: &str) -> String {
    let call = match parse(name, arguments) {
        Ok(call) => call,
        Err(text) => return text,
    };
    let (reply, answer) = oneshot::channel();
    context.send(TurnEvent::Goal { call, reply }).await;
    answer
        .await
        .unwrap_or_else(|_| "failed to read goal: the thread stopped".to_owned())
}

/// The call, or the text the model reads when its arguments do not parse (the reference's goal
/// tools give serde's text as it is).
fn parse(name: &str, arguments: &str) -> Result<GoalToolCall, String> {
    match name {
        spec::CREATE_GOAL => {
            let arguments: CreateArguments =
                serde_json::from_str(arguments).map_err(|err| err.to_string())?;
            Ok(GoalToolCall::Create {
                objective: arguments.objective,
                token_budget: arguments.token_budget,
            })
        }
        spec::UPDATE_GOAL => {
            let arguments: UpdateArguments =
                serde_json::from_str(arguments).map_err(|err| err.to_string())?;
            Ok(GoalToolCall::Update {
                status: arguments.status,
            })
        }
        _ => Ok(GoalToolCall::Get),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_parse_as_the_reference_reads_them() {
        assert_eq!(parse(spec::GET_GOAL, "{}"), Ok(GoalToolCall::Get));
        assert_eq!(
            parse(
                spec::CREATE_GOAL,
                r#"{"objective": " ship ", "token_budget": 500}"#
            ),
            Ok(GoalToolCall::Create {
                objective: " ship ".to_owned(),
                token_budget: Some(500)
            })
        );
        assert_eq!(
            parse(spec::UPDATE_GOAL, r#"{"status": "complete"}"#),
            Ok(GoalToolCall::Update {
                status: ThreadGoalStatus::Complete
            })
        );
        let error = parse(spec::UPDATE_GOAL, r#"{"status": "done"}"#).unwrap_err();
        assert!(error.starts_with("unknown variant `done`"), "{error}");
        let error = parse(spec::CREATE_GOAL, "{}").unwrap_err();
        assert!(error.starts_with("missing field `objective`"), "{error}");
    }
}
