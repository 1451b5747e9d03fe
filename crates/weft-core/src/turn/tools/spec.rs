//! The tool specs the model is offered (core.md §3.0): the reference's names, kinds and
//! parameter schemas, in its order, with weft's own descriptions. Properties are written sorted
//! by name, as the reference emits them (`serde_json` keeps insertion order here).

use serde_json::{Value, json};

/// `exec_command`.
pub(crate) const EXEC_COMMAND: &str = "exec_command";
/// `write_stdin`.
pub(crate) const WRITE_STDIN: &str = "write_stdin";
/// `request_user_input`.
pub(crate) const REQUEST_USER_INPUT: &str = "request_user_input";
/// `view_image`.
pub(crate) const VIEW_IMAGE: &str = "view_image";
/// `update_plan` (offered only when configured, as the reference).
pub(crate) const UPDATE_PLAN: &str = "update_plan";
/// `apply_patch` as a JSON function tool (offered only when configured).
pub(crate) const APPLY_PATCH: &str = "apply_patch";

/// `get_goal`.
pub(crate) const GET_GOAL: &str = "get_goal";
/// `create_goal`.
pub(crate) const CREATE_GOAL: &str = "create_goal";
/// `update_goal`.
pub(crate) const UPDATE_GOAL: &str = "update_goal";

/// Which optional tools a turn offers.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Offered {
    /// `update_plan` (`include_plan_tool`).
    pub(crate) update_plan: bool,
    /// `apply_patch` as a JSON tool (`include_apply_patch_tool`).
    pub(crate) apply_patch: bool,
    /// `get_goal`, `create_goal`, `update_goal` (goals enabled, a thread with a rollout).
    pub(crate) goals: bool,
}

/// The tools of a turn, in the reference's order (the goal tools come after the sub-agent
/// namespace and before hosted web search there). weft offers only tools it serves: the
/// sub-agent namespace and hosted web search arrive with their features.
pub(crate) fn tools(offered: Offered) -> Vec<Value> {
    let mut tools = vec![
        exec_command(),
        write_stdin(),
        request_user_input(),
        view_image(),
    ];
    if offered.update_plan {
        tools.push(update_plan());
    }
    if offered.apply_patch {
        tools.push(apply_patch());
    }
    if offered.goals {
        tools.extend([get_goal(), create_goal(), update_goal()]);
    }
    tools
}

fn function(name: &str, description: &str, properties: Value, required: &[&str]) -> Value {
    json!({
        "type": "function",
        "name": name,
        "description": description,
        "strict": false,
        "parameters": {
            "type": "object",
            "properties": properties,
            "required": required,
            "additionalProperties": false,
        },
    })
}

fn string(description: &str) -> Value {
    json!({"type": "string", "description": description})
}

fn number(description: &str) -> Value {
    json!({"type": "number", "description": description})
}

fn boolean(description: &str) -> Value {
    json!({"type": "boolean", "description": description})
}

const OUTPUT_BUDGET: &str = "Most output tokens to return (about 4 bytes each). Defaults to 10000; the middle of longer output is elided.";

fn exec_command() -> Value {
    function(
        EXEC_COMMAND,
        "Runs a shell command in the workspace and returns its output. A command still running after `yield_time_ms` keeps running as a session you can poll or feed with write_stdin.",
        json!({
            "cmd": string("The shell script to run."),
            "justification": string("Only with `sandbox_permissions: \"require_escalated\"`: the question shown to the user when asking to run outside the sandbox."),
            "login": boolean("Run the shell as a login shell (-l). Defaults to true."),
            "max_output_tokens": number(OUTPUT_BUDGET),
            "prefix_rule": {
                "type": "array",
                "description": "Only with `require_escalated`: a command prefix the user may allow from now on, e.g. [\"cargo\", \"test\"].",
                "items": {"type": "string"},
            },
            "sandbox_permissions": {
                "type": "string",
                "description": "`use_default` (the default) runs in the sandbox; `require_escalated` asks the user to run it outside.",
                "enum": ["use_default", "require_escalated"],
            },
            "shell": string("Shell binary. Defaults to the user's shell."),
            "tty": boolean("Allocate a terminal for the command. Defaults to false (pipes)."),
            "workdir": string("Working directory. Defaults to the turn's working directory."),
            "yield_time_ms": number("How long to wait for the command before returning its output so far. Defaults to 10000; between 250 and 30000."),
        }),
        &["cmd"],
    )
}

fn write_stdin() -> Value {
    function(
        WRITE_STDIN,
        "Writes to a running exec_command session and returns the output produced since the last call. Empty `chars` just waits for more output.",
        json!({
            "chars": string("Bytes to write to the session's stdin; empty polls for output."),
            "max_output_tokens": number(OUTPUT_BUDGET),
            "session_id": number("The session id exec_command returned."),
            "yield_time_ms": number("How long to wait for output. Writes default to 250 (at most 30000); empty polls wait 5000 to 300000."),
        }),
        &["session_id"],
    )
}

fn request_user_input() -> Value {
    function(
        REQUEST_USER_INPUT,
        "Asks the user one to three short multiple-choice questions and waits for the answers. Only available in Plan mode.",
        json!({
            "questions": {
                "type": "array",
                "description": "The questions; prefer one, at most three.",
                "items": {
                    "type": "object",
                    "properties": {
                        "header": string("A label of at most 12 characters."),
                        "id": string("A snake_case id the answers are keyed by."),
                        "options": {
                            "type": "array",
                            "description": "Two or three exclusive choices, the recommended one first. The client adds a free-form answer itself.",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "description": string("One sentence on what choosing it means."),
                                    "label": string("One to five words."),
                                },
                                "required": ["label", "description"],
                                "additionalProperties": false,
                            },
                        },
                        "question": string("The question, one sentence."),
                    },
                    "required": ["id", "header", "question", "options"],
                    "additionalProperties": false,
                },
            },
        }),
        &["questions"],
    )
}

fn view_image() -> Value {
    function(
        VIEW_IMAGE,
        "Shows you an image file from the workspace.",
        json!({"path": string("Path of the image file.")}),
        &["path"],
    )
}

fn update_plan() -> Value {
    function(
        UPDATE_PLAN,
        "Records your plan for the task as steps with a status; at most one step is in_progress.",
        json!({
            "explanation": string("Why the plan is what it is, or what changed."),
            "plan": {
                "type": "array",
                "description": "The steps, in order.",
                "items": {
                    "type": "object",
                    "properties": {
                        "status": {
                            "type": "string",
                            "description": "pending, in_progress or completed.",
                            "enum": ["pending", "in_progress", "completed"],
                        },
                        "step": string("The step."),
                    },
                    "required": ["step", "status"],
                    "additionalProperties": false,
                },
            },
        }),
        &["plan"],
    )
}

fn apply_patch() -> Value {
    function(
        APPLY_PATCH,
        "Edits files with a patch in the apply_patch format (*** Begin Patch … *** End Patch).",
        json!({"input": string("The whole patch.")}),
        &["input"],
    )
}

fn get_goal() -> Value {
    function(
        GET_GOAL,
        "Returns this thread's goal: its objective, status, token budget, tokens and time used so far, and the tokens left in the budget.",
        json!({}),
        &[],
    )
}

fn create_goal() -> Value {
    function(
        CREATE_GOAL,
        "Starts a goal the thread keeps working toward across turns. Only when the user or the system/developer instructions explicitly ask for a goal; never turn an ordinary task into one. Fails while the thread has a goal that is not complete; use update_goal to change its status.",
        json!({
            "objective": string("Required. What to achieve, concretely. Replaces the current goal only when that one is complete."),
            "token_budget": {
                "type": "integer",
                "description": "A positive token budget for the goal. Only when the user asked for one.",
            },
        }),
        &["objective"],
    )
}

fn update_goal() -> Value {
    function(
        UPDATE_GOAL,
        "Changes the status of this thread's goal. `complete`: the objective is achieved and nothing required remains (not because the budget is nearly spent); with a budget, report the usage the result gives. `blocked`: the same blocker stopped progress for three goal turns in a row and only the user or an outside change can lift it. `paused`: only when the user explicitly asks to pause the goal. Resuming, budget limits and usage limits are not yours to set.",
        json!({
            "status": {
                "type": "string",
                "description": "Required: `complete`, `blocked` or `paused` (see the tool description for when each applies).",
                "enum": ["complete", "blocked", "paused"],
            },
        }),
        &["status"],
    )
}
