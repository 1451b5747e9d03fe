//! `request_user_input` (core.md §3.6): in Plan mode the questions go to the client as the
//! server request `item/tool/requestUserInput` and the answers come back to the model as JSON;
//! in any other collaboration mode the call is refused with the reference's text.

use serde::Deserialize;
use serde_json::json;
use weft_protocol::v2::{
    ServerRequest, ToolRequestUserInputParams, ToolRequestUserInputResponse, UserInputOption,
    UserInputQuestion,
};

use crate::server_requests::ServerRequestAnswer;
use crate::turn::tools::{ToolContext, ToolStop, function_output, parse_arguments};

#[derive(Debug, Deserialize)]
struct Arguments {
    questions: Vec<Question>,
}

#[derive(Debug, Deserialize)]
struct Question {
    id: String,
    header: String,
    question: String,
    #[serde(default)]
    options: Vec<UserInputOption>,
}

/// Runs the call; the `Ok` text is the model's output.
pub(super) async fn run(
    context: &ToolContext,
    call_id: &str,
    arguments: &str,
) -> Result<String, ToolStop> {
    let mode = context.settings.collaboration_mode.as_str();
    if mode != "plan" {
        return Ok(format!(
            "request_user_input is unavailable in {} mode",
            mode_display_name(mode)
        ));
    }
    let arguments: Arguments = match parse_arguments(arguments) {
        Ok(arguments) => arguments,
        Err(text) => return Ok(text),
    };
    if arguments
        .questions
        .iter()
        .any(|question| question.options.is_empty())
    {
        return Ok("request_user_input requires non-empty options for every question".to_owned());
    }
    let request = ServerRequest::ToolRequestUserInput(ToolRequestUserInputParams {
        thread_id: context.thread_id.to_string(),
        turn_id: context.turn_id.to_string(),
        item_id: call_id.to_owned(),
        is_blocking: true,
        questions: arguments
            .questions
            .into_iter()
            .map(|question| UserInputQuestion {
                id: question.id,
                header: question.header,
                question: question.question,
                options: Some(question.options),
                is_other: true,
                is_secret: false,
            })
            .collect(),
    });
    match context.ask(None, request).await {
        None => Err(ToolStop::Interrupted {
            output: function_output(
                call_id,
                "request_user_input was interrupted before the user answered",
            ),
        }),
        Some(ServerRequestAnswer::Result(result)) => {
            match serde_json::from_value::<ToolRequestUserInputResponse>(result) {
                Ok(response) => Ok(json!({"answers": response.answers}).to_string()),
                Err(err) => Ok(format!("request_user_input failed: invalid answer: {err}")),
            }
        }
        Some(ServerRequestAnswer::Error(error)) => Ok(format!(
            "request_user_input failed: the client answered with an error: {error}"
        )),
    }
}

fn mode_display_name(mode: &str) -> String {
    let mut chars = mode.chars();
    chars.next().map_or_else(
        || "Default".to_owned(),
        |first| first.to_uppercase().chain(chars).collect(),
    )
}
