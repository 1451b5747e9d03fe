//! The tools a turn serves (core.md §3): which are offered, and how one call becomes items,
//! server requests and the output the model reads next.
//!
//! A tool runs inside the turn task. It reports to the thread actor through the turn's event
//! channel like any other turn event (items, deltas, server requests), so the actor still
//! records before it notifies; the tool itself only returns the `function_call_output` for the
//! model. Calls of one response run concurrently; their outputs enter history in call order.

pub(crate) mod approval;
mod exec;
mod goal;
pub(crate) use exec::actions_json as exec_actions_json;
mod image;
pub(crate) mod patch;
pub(crate) mod permissions;
mod plan;
pub(crate) mod rules;
pub(crate) mod spec;
mod user_input;

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;
use weft_protocol::v2::{ItemBody, ServerNotification, ServerRequest, ThreadItem};

use crate::config::ThreadSettings;
use crate::ids::{ThreadId, TurnId, now_ms};
use crate::server_requests::{OutgoingRequest, ServerRequestAnswer};
use crate::turn::TurnEvent;

/// What every tool call of a turn can use.
#[derive(Debug, Clone)]
pub(crate) struct ToolContext {
    /// The thread.
    pub(crate) thread_id: ThreadId,
    /// The turn.
    pub(crate) turn_id: TurnId,
    /// The turn's settings (cwd, approval policy, sandbox).
    pub(crate) settings: Arc<ThreadSettings>,
    /// The turn's events to the actor.
    pub(crate) events: mpsc::Sender<TurnEvent>,
    /// Cancelled by `turn/interrupt`.
    pub(crate) cancel: CancellationToken,
    /// The thread's unified exec sessions (they outlive the turn).
    pub(crate) processes: weft_exec::ProcessTable,
    /// What the thread remembers of approvals.
    pub(crate) approvals: Arc<Mutex<approval::SessionApprovals>>,
    /// The turn's aggregated diff.
    pub(crate) diff: Arc<Mutex<weft_patch::TurnDiff>>,
    /// Held by a patch from planning to writing: a turn applies one patch at a time.
    pub(crate) patches: Arc<tokio::sync::Mutex<()>>,
    /// The home folder (rules files).
    pub(crate) home: PathBuf,
    /// Whether the kernel can enforce the sandbox (probed at start).
    pub(crate) sandbox_support: weft_sandbox::Support,
    /// The goal tools are offered this turn (otherwise their calls are unsupported).
    pub(crate) goal_tools: bool,
}

/// Why a tool stopped without an output of its own.
#[derive(Debug)]
pub(crate) enum ToolStop {
    /// The turn was interrupted (or the client chose `cancel`): the output says so, and the
    /// turn ends once every call has its output.
    Interrupted {
        /// The output the model sees for this call (pairing invariant).
        output: Value,
    },
}

/// The outcome of one call: its output, and whether the turn must end.
#[derive(Debug)]
pub(crate) struct CallResult {
    /// `function_call_output` / `custom_tool_call_output`.
    pub(crate) output: Value,
    /// The turn is interrupted after this call.
    pub(crate) interrupts: bool,
}

impl ToolContext {
    /// The thread's approval memory; held only for short, non-async sections.
    pub(crate) fn session(&self) -> MutexGuard<'_, approval::SessionApprovals> {
        self.approvals
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Sends an event to the actor, unless the turn is gone.
    pub(crate) async fn send(&self, event: TurnEvent) {
        if self.events.send(event).await.is_err() {
            tracing::debug!("thread actor gone; tool event dropped");
        }
    }

    /// Starts a wire item.
    pub(crate) async fn item_started(&self, item: ThreadItem) {
        self.send(TurnEvent::ItemStarted(item)).await;
    }

    /// Completes a wire item (recorded, then emitted).
    pub(crate) async fn item_completed(&self, item: ThreadItem) {
        self.send(TurnEvent::ItemCompleted {
            item,
            response_item: None,
        })
        .await;
    }

    /// Forwards a notification as is.
    pub(crate) async fn notify(&self, notification: ServerNotification) {
        self.send(TurnEvent::Delta(Box::new(notification))).await;
    }

    /// Sends a server request and waits for its answer. `None` when the turn was interrupted
    /// or the request was cleared before anyone answered.
    pub(crate) async fn ask(
        &self,
        announce: Option<ThreadItem>,
        request: ServerRequest,
    ) -> Option<ServerRequestAnswer> {
        let (answer, receiver) = oneshot::channel();
        self.send(TurnEvent::ServerRequest {
            announce,
            outgoing: Box::new(OutgoingRequest { request, answer }),
        })
        .await;
        tokio::select! {
            () = self.cancel.cancelled() => None,
            answer = receiver => answer.ok(),
        }
    }
}

/// Runs one call the model made and returns its output.
pub(crate) async fn run_call(context: &ToolContext, call: &Value) -> CallResult {
    let call_id = text(call, "call_id");
    let name = text(call, "name");
    let kind = call.get("type").and_then(Value::as_str).unwrap_or_default();
    if kind == "custom_tool_call" && name == spec::APPLY_PATCH {
        let input = call
            .get("input")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let (text, interrupts) = match freeform_patch(context, call_id, input).await {
            Ok(text) => (text, false),
            Err(ToolStop::Interrupted { output }) => (
                output["output"].as_str().unwrap_or_default().to_owned(),
                true,
            ),
        };
        return CallResult {
            output: json!({"type": "custom_tool_call_output", "call_id": call_id, "output": text}),
            interrupts,
        };
    }
    if kind != "function_call" {
        let output = if kind == "custom_tool_call" {
            json!({
                "type": "custom_tool_call_output",
                "call_id": call_id,
                "output": format!("unsupported custom tool call: {name}"),
            })
        } else {
            function_output(call_id, &format!("unsupported call: {name}"))
        };
        return CallResult {
            output,
            interrupts: false,
        };
    }
    let arguments = call
        .get("arguments")
        .and_then(Value::as_str)
        .unwrap_or("{}");
    let result = match name {
        spec::EXEC_COMMAND => exec::exec_command(context, call_id, arguments).await,
        spec::WRITE_STDIN => exec::write_stdin(context, arguments).await,
        spec::APPLY_PATCH => apply_patch_tool(context, call_id, arguments).await,
        spec::REQUEST_USER_INPUT => user_input::run(context, call_id, arguments).await,
        spec::VIEW_IMAGE => {
            let output = image::run(context, call_id, arguments).await;
            return CallResult {
                output: function_output_value(call_id, output),
                interrupts: false,
            };
        }
        spec::UPDATE_PLAN => Ok(plan::run(context, arguments).await),
        spec::GET_GOAL | spec::CREATE_GOAL | spec::UPDATE_GOAL if context.goal_tools => {
            Ok(goal::run(context, name, arguments).await)
        }
        _ => {
            tracing::info!(tool = name, "model called a tool weft does not offer");
            Ok(format!("unsupported call: {name}"))
        }
    };
    match result {
        Ok(text) => CallResult {
            output: function_output(call_id, &text),
            interrupts: false,
        },
        Err(ToolStop::Interrupted { mut output }) => {
            // Tools that cannot know the call id when they stop fill it in here.
            output["call_id"] = Value::String(call_id.to_owned());
            CallResult {
                output,
                interrupts: true,
            }
        }
    }
}

/// The JSON `apply_patch` tool (`{input}`), for model configurations that offer it.
async fn apply_patch_tool(
    context: &ToolContext,
    call_id: &str,
    arguments: &str,
) -> Result<String, ToolStop> {
    #[derive(serde::Deserialize)]
    struct Arguments {
        input: String,
    }
    match parse_arguments::<Arguments>(arguments) {
        Ok(arguments) => freeform_patch(context, call_id, &arguments.input).await,
        Err(text) => Ok(text),
    }
}

/// A patch given as text (the JSON tool's `input`, or a freeform `custom_tool_call` named
/// `apply_patch`, as models with the grammar tool send it).
async fn freeform_patch(
    context: &ToolContext,
    call_id: &str,
    input: &str,
) -> Result<String, ToolStop> {
    let parsed = match weft_patch::parse_patch(input) {
        Ok(parsed) => parsed,
        Err(err) => return Ok(err.to_string()),
    };
    let cwd = PathBuf::from(&context.settings.cwd);
    match patch::run(context, call_id, parsed, cwd, None).await {
        None => Err(ToolStop::Interrupted {
            output: function_output(call_id, "aborted by user"),
        }),
        Some(result) if result.interrupts => Err(ToolStop::Interrupted {
            output: function_output(call_id, &result.text),
        }),
        Some(result) => Ok(result.text),
    }
}

/// Parses a call's JSON arguments; the error text is what the model sees (core.md §3.0).
pub(crate) fn parse_arguments<T: DeserializeOwned>(arguments: &str) -> Result<T, String> {
    serde_json::from_str(arguments)
        .map_err(|err| format!("failed to parse function arguments: {err}"))
}

/// A `function_call_output` with a fresh `fco_` id.
pub(crate) fn function_output(call_id: &str, output: &str) -> Value {
    function_output_value(call_id, Value::String(output.to_owned()))
}

/// A `function_call_output` whose output is a string or a list of content parts.
pub(crate) fn function_output_value(call_id: &str, output: Value) -> Value {
    json!({
        "type": "function_call_output",
        "id": format!("fco_{}", Uuid::now_v7().hyphenated()),
        "call_id": call_id,
        "output": output,
    })
}

/// A wire item started now.
pub(crate) fn started(body: ItemBody) -> ThreadItem {
    ThreadItem {
        body,
        started_at_ms: Some(now_ms()),
        completed_at_ms: None,
    }
}

/// The same item, completed now with a new body.
pub(crate) fn completed(started: &ThreadItem, body: ItemBody) -> ThreadItem {
    ThreadItem {
        body,
        started_at_ms: started.started_at_ms,
        completed_at_ms: Some(now_ms()),
    }
}

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}
