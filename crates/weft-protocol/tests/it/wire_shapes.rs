//! Every wire shape weft writes, serialised from the protocol types: validated against the
//! reference JSON Schema and against weft's own generated schema, and snapshotted (JSON), so a
//! change of shape shows up as a reviewed snapshot diff (style.md §8).

use std::sync::OnceLock;

use serde::Serialize;
use serde_json::{Value, json};
use weft_protocol::RpcError;
use weft_protocol::jsonrpc::{ErrorEnvelope, NotificationEnvelope, ResponseEnvelope};
use weft_protocol::schema::{IMPLEMENTED_METHODS, SchemaFiles, SchemaOptions, generate};
use weft_protocol::v2::{
    CommandExecOutputDeltaNotification, CommandExecOutputStream, CommandExecParams,
    CommandExecResizeResponse, CommandExecResponse, CommandExecTerminateResponse,
    CommandExecWriteParams, CommandExecWriteResponse, ConfigWarningNotification, ErrorNotification,
    ItemCompletedNotification, ItemDeltaNotification, ItemStartedNotification,
    ReasoningSummaryPartAddedNotification, ReasoningSummaryTextDeltaNotification,
    ReasoningTextDeltaNotification, ServerNotification, ServerRequestResolvedNotification,
    ThreadActiveFlag, ThreadGoal, ThreadGoalClearResponse, ThreadGoalGetResponse,
    ThreadGoalSetResponse, ThreadGoalStatus, ThreadGoalUpdatedNotification, ThreadIdNotification,
    ThreadItemsListResponse, ThreadLoadedListResponse, ThreadNameUpdatedNotification,
    ThreadReadResponse, ThreadShellCommandResponse, ThreadStartedNotification, ThreadStatus,
    ThreadStatusChangedNotification, ThreadTokenUsageUpdatedNotification, ThreadTurnsListResponse,
    ThreadUnsubscribeResponse, TurnDiffUpdatedNotification, TurnInterruptResponse,
    TurnNotification, TurnPlanStep, TurnPlanStepStatus, TurnPlanUpdatedNotification,
    TurnStartResponse, UnsubscribeStatus, WarningNotification,
};
use weft_protocol::{RequestId, v2::ThreadItemEntry};
use weft_test_support::schema::SchemaValidator;

use crate::fixtures::{self, STARTED_AT_MS, THREAD_ID, TURN_ID};

const EMITTED_AT_MS: i64 = 1_795_567_945_900;

/// weft's own schema files, generated once per test binary.
fn own_schema() -> &'static SchemaFiles {
    static FILES: OnceLock<SchemaFiles> = OnceLock::new();
    FILES.get_or_init(|| generate(SchemaOptions { experimental: true }))
}

fn validate_own(file: &str, value: &Value) {
    let schema = own_schema()
        .get(file)
        .unwrap_or_else(|| panic!("weft generates no {file}"));
    let validator = jsonschema::draft7::new(schema).expect("weft schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{file}: {errors:?}\n{value:#}");
}

/// The `{id, result}` line for `method`, checked against both schemas.
fn response(method: &str, result: &impl Serialize) -> Value {
    let id = RequestId::Integer(2);
    let line = serde_json::to_value(ResponseEnvelope { id: &id, result }).expect("serialises");
    let result = &line["result"];
    SchemaValidator::reference()
        .validate_response(method, result)
        .unwrap_or_else(|err| panic!("{err}\n{result:#}"));
    let implemented = IMPLEMENTED_METHODS
        .iter()
        .find(|implemented| implemented.method == method)
        .expect("implemented method");
    let folder = if method == "initialize" { "v1" } else { "v2" };
    validate_own(&format!("{folder}/{}.json", implemented.response), result);
    line
}

/// The notification line, checked against both schemas.
fn notification(notification: &ServerNotification) -> Value {
    let line = serde_json::to_value(NotificationEnvelope {
        method: notification.method(),
        params: notification.params_json().expect("params"),
        emitted_at_ms: EMITTED_AT_MS,
    })
    .expect("serialises");
    SchemaValidator::reference()
        .validate_outgoing(&line)
        .unwrap_or_else(|err| panic!("{err}\n{line:#}"));
    validate_own(
        "ServerNotification.json",
        &serde_json::to_value(notification).expect("json"),
    );
    line
}

/// The error line, checked against the reference.
fn error(error: &RpcError) -> Value {
    let id = RequestId::Integer(9);
    let line = serde_json::to_value(ErrorEnvelope { error, id: &id }).expect("serialises");
    SchemaValidator::reference()
        .validate_outgoing(&line)
        .unwrap_or_else(|err| panic!("{err}\n{line:#}"));
    line
}

#[test]
fn thread_start_response() {
    let line = response("thread/start", &fixtures::thread_start_response());
    assert_eq!(line["result"]["thread"]["projectId"], Value::Null);
    insta::assert_json_snapshot!("thread_start_response", line);
}

#[test]
fn thread_resume_response_with_turns() {
    let line = response("thread/resume", &fixtures::thread_resume_response());
    assert_eq!(line["result"]["sandbox"]["networkAccess"], "restricted");
    insta::assert_json_snapshot!("thread_resume_response", line);
}

#[test]
fn thread_list_response() {
    let line = response("thread/list", &fixtures::thread_list_response());
    assert_eq!(line["result"]["data"][0]["historyMode"], "legacy");
    insta::assert_json_snapshot!("thread_list_response", line);
}

#[test]
fn thread_read_and_page_responses() {
    let mut thread = fixtures::thread();
    thread.turns = vec![fixtures::completed_turn(), fixtures::failed_turn()];
    let read_state = Some(weft_protocol::v2::ThreadReadState {
        first_unread: Some(weft_protocol::v2::ThreadUnreadPosition::Turn {
            turn_id: TURN_ID.to_owned(),
        }),
        revision: "5d0c9a57-1b7e-4f7e-9a43-0a4c0f7f2b11".to_owned(),
    });
    let read = response("thread/read", &ThreadReadResponse { thread, read_state });
    insta::assert_json_snapshot!("thread_read_response", read);
    let turns = ThreadTurnsListResponse {
        data: vec![fixtures::completed_turn()],
        next_cursor: Some("cursor-2".to_owned()),
        backwards_cursor: None,
    };
    insta::assert_json_snapshot!(
        "thread_turns_list_response",
        response("thread/turns/list", &turns)
    );
    let entry = ThreadItemEntry {
        turn_id: TURN_ID.to_owned(),
        item: fixtures::user_message(),
        started_at_ms: Some(STARTED_AT_MS),
        completed_at_ms: Some(STARTED_AT_MS + 5),
    };
    let items = ThreadItemsListResponse {
        data: vec![entry],
        next_cursor: None,
        backwards_cursor: None,
    };
    insta::assert_json_snapshot!(
        "thread_items_list_response",
        response("thread/items/list", &items)
    );
}

#[test]
fn small_responses() {
    let loaded = ThreadLoadedListResponse {
        data: vec![THREAD_ID.to_owned()],
        next_cursor: None,
    };
    let unsubscribed = ThreadUnsubscribeResponse {
        status: UnsubscribeStatus::Unsubscribed,
    };
    let turn = TurnStartResponse {
        turn: fixtures::new_turn(),
    };
    let lines = json!({
        "initialize": response("initialize", &fixtures::initialize_response()),
        "thread/loaded/list": response("thread/loaded/list", &loaded),
        "thread/unsubscribe": response("thread/unsubscribe", &unsubscribed),
        "turn/start": response("turn/start", &turn),
        "turn/interrupt": response("turn/interrupt", &TurnInterruptResponse {}),
    });
    assert_eq!(lines["turn/interrupt"]["result"], json!({}));
    insta::assert_json_snapshot!("small_responses", lines);
}

/// A goal as the goal methods and notifications carry it.
fn goal() -> ThreadGoal {
    ThreadGoal {
        thread_id: THREAD_ID.to_owned(),
        objective: "Make the parser pass every fixture".to_owned(),
        status: ThreadGoalStatus::Active,
        token_budget: None,
        tokens_used: 110,
        time_used_seconds: 3,
        created_at: 1_795_567_900,
        updated_at: 1_795_567_945,
    }
}

#[test]
fn goal_responses() {
    let lines = json!({
        "thread/goal/set": response("thread/goal/set", &ThreadGoalSetResponse { goal: goal() }),
        "thread/goal/get": response("thread/goal/get", &ThreadGoalGetResponse { goal: Some(goal()) }),
        "thread/goal/get (none)": response("thread/goal/get", &ThreadGoalGetResponse { goal: None }),
        "thread/goal/clear": response("thread/goal/clear", &ThreadGoalClearResponse { cleared: true }),
    });
    assert_eq!(
        lines["thread/goal/get (none)"]["result"],
        json!({"goal": null})
    );
    insta::assert_json_snapshot!("goal_responses", lines);
}

#[test]
fn model_list_response() {
    let line = response("model/list", &fixtures::model_list_response());
    insta::assert_json_snapshot!("model_list_response", line);
}

#[test]
fn config_read_response() {
    let line = response("config/read", &fixtures::config_read_response());
    insta::assert_json_snapshot!("config_read_response", line);
}

fn thread_notifications() -> Vec<ServerNotification> {
    let thread_id = || THREAD_ID.to_owned();
    vec![
        ServerNotification::ThreadStarted(ThreadStartedNotification {
            thread: fixtures::thread(),
        }),
        ServerNotification::ThreadStatusChanged(ThreadStatusChangedNotification {
            thread_id: thread_id(),
            status: ThreadStatus::Active {
                active_flags: vec![ThreadActiveFlag::WaitingOnApproval],
            },
        }),
        ServerNotification::ThreadClosed(ThreadIdNotification {
            thread_id: thread_id(),
        }),
        ServerNotification::ThreadArchived(ThreadIdNotification {
            thread_id: thread_id(),
        }),
        ServerNotification::ThreadUnarchived(ThreadIdNotification {
            thread_id: thread_id(),
        }),
        ServerNotification::ThreadDeleted(ThreadIdNotification {
            thread_id: thread_id(),
        }),
        ServerNotification::ThreadNameUpdated(ThreadNameUpdatedNotification {
            thread_id: thread_id(),
            thread_name: Some("Refactor the parser".to_owned()),
        }),
        ServerNotification::ThreadGoalUpdated(ThreadGoalUpdatedNotification {
            thread_id: thread_id(),
            turn_id: Some(TURN_ID.to_owned()),
            goal: ThreadGoal {
                status: ThreadGoalStatus::BudgetLimited,
                token_budget: Some(200),
                tokens_used: 220,
                ..goal()
            },
        }),
        ServerNotification::ThreadReadStateChanged(
            weft_protocol::v2::ThreadReadStateChangedNotification {
                thread_id: thread_id(),
                read_state: weft_protocol::v2::ThreadReadState {
                    first_unread: Some(weft_protocol::v2::ThreadUnreadPosition::ThreadStart),
                    revision: "5d0c9a57-1b7e-4f7e-9a43-0a4c0f7f2b11".to_owned(),
                },
            },
        ),
        ServerNotification::ThreadGoalCleared(ThreadIdNotification {
            thread_id: thread_id(),
        }),
        ServerNotification::ThreadTokenUsageUpdated(ThreadTokenUsageUpdatedNotification {
            thread_id: thread_id(),
            turn_id: TURN_ID.to_owned(),
            token_usage: fixtures::token_usage(),
        }),
        ServerNotification::Warning(WarningNotification {
            message: "Model metadata for `mock-model` not found.".to_owned(),
            thread_id: Some(thread_id()),
        }),
        ServerNotification::ConfigWarning(ConfigWarningNotification {
            summary: "Codex could not find bubblewrap on PATH.".to_owned(),
            details: None,
            path: None,
            range: None,
        }),
    ]
}

fn turn_notifications() -> Vec<ServerNotification> {
    let thread_id = || THREAD_ID.to_owned();
    let turn_id = || TURN_ID.to_owned();
    let mut summary_turn = fixtures::completed_turn();
    summary_turn.items = vec![fixtures::agent_message("Hello from mock.", true)];
    summary_turn.items_view = weft_protocol::v2::TurnItemsView::Summary;
    vec![
        ServerNotification::TurnStarted(TurnNotification {
            thread_id: thread_id(),
            turn: fixtures::new_turn(),
        }),
        ServerNotification::TurnCompleted(TurnNotification {
            thread_id: thread_id(),
            turn: summary_turn,
        }),
        ServerNotification::Error(ErrorNotification {
            error: fixtures::turn_error(),
            will_retry: true,
            thread_id: thread_id(),
            turn_id: turn_id(),
        }),
    ]
}

fn item_notifications() -> Vec<ServerNotification> {
    let ids = || (THREAD_ID.to_owned(), TURN_ID.to_owned(), "msg_2".to_owned());
    let (thread_id, turn_id, item_id) = ids();
    vec![
        ServerNotification::ItemStarted(ItemStartedNotification {
            item: fixtures::command_execution(false),
            thread_id: thread_id.clone(),
            turn_id: turn_id.clone(),
            started_at_ms: STARTED_AT_MS,
        }),
        ServerNotification::ItemCompleted(ItemCompletedNotification {
            item: fixtures::command_execution(true),
            thread_id: thread_id.clone(),
            turn_id: turn_id.clone(),
            content_token_count: None,
            completed_at_ms: STARTED_AT_MS + 5,
        }),
        ServerNotification::AgentMessageDelta(ItemDeltaNotification {
            thread_id: thread_id.clone(),
            turn_id: turn_id.clone(),
            item_id: item_id.clone(),
            delta: "Hello".to_owned(),
        }),
        ServerNotification::ReasoningSummaryTextDelta(ReasoningSummaryTextDeltaNotification {
            thread_id: thread_id.clone(),
            turn_id: turn_id.clone(),
            item_id: "rs_1".to_owned(),
            delta: "Thinking".to_owned(),
            summary_index: 0,
        }),
        ServerNotification::ReasoningSummaryPartAdded(ReasoningSummaryPartAddedNotification {
            thread_id: thread_id.clone(),
            turn_id: turn_id.clone(),
            item_id: "rs_1".to_owned(),
            summary_index: 1,
        }),
        ServerNotification::ReasoningTextDelta(ReasoningTextDeltaNotification {
            thread_id: thread_id.clone(),
            turn_id: turn_id.clone(),
            item_id: "rs_1".to_owned(),
            delta: "raw".to_owned(),
            content_index: 0,
        }),
        ServerNotification::CommandExecutionOutputDelta(ItemDeltaNotification {
            thread_id: thread_id.clone(),
            turn_id: turn_id.clone(),
            item_id: "call_3".to_owned(),
            delta: "hello\n".to_owned(),
        }),
        ServerNotification::ServerRequestResolved(ServerRequestResolvedNotification {
            thread_id: thread_id.clone(),
            request_id: RequestId::Integer(0),
        }),
        ServerNotification::TurnDiffUpdated(TurnDiffUpdatedNotification {
            thread_id: thread_id.clone(),
            turn_id: turn_id.clone(),
            diff: "diff --git a/hello.txt b/hello.txt\n".to_owned(),
        }),
        ServerNotification::TurnPlanUpdated(TurnPlanUpdatedNotification {
            thread_id,
            turn_id,
            explanation: None,
            plan: vec![TurnPlanStep {
                step: "write the test".to_owned(),
                status: TurnPlanStepStatus::InProgress,
            }],
        }),
        ServerNotification::CommandExecOutputDelta(CommandExecOutputDeltaNotification {
            process_id: "proc-1".to_owned(),
            stream: CommandExecOutputStream::Stderr,
            delta_base64: "aGVsbG8K".to_owned(),
            cap_reached: false,
        }),
    ]
}

#[test]
fn a_config_warning_that_points_into_a_file_carries_its_path_and_range() {
    let line = notification(&ServerNotification::ConfigWarning(
        ConfigWarningNotification {
            summary: "Invalid configuration; using defaults.".to_owned(),
            details: Some(
                "/home/u/.codex/config.toml:1:28: invalid type: string \"abc\", expected u64"
                    .to_owned(),
            ),
            path: Some("/home/u/.codex/config.toml".to_owned()),
            range: Some(weft_protocol::v2::TextRange {
                start: weft_protocol::v2::TextPosition {
                    line: 1,
                    column: 28,
                },
                end: weft_protocol::v2::TextPosition {
                    line: 1,
                    column: 32,
                },
            }),
        },
    ));
    assert_eq!(
        line["params"],
        json!({
            "summary": "Invalid configuration; using defaults.",
            "details": "/home/u/.codex/config.toml:1:28: invalid type: string \"abc\", expected u64",
            "path": "/home/u/.codex/config.toml",
            "range": {"start": {"line": 1, "column": 28}, "end": {"line": 1, "column": 32}},
        })
    );
}

#[test]
fn every_notification_variant() {
    let all: Vec<ServerNotification> = thread_notifications()
        .into_iter()
        .chain(turn_notifications())
        .chain(item_notifications())
        .collect();
    let mut methods: Vec<&str> = all.iter().map(ServerNotification::method).collect();
    methods.sort_unstable();
    let mut expected = weft_protocol::schema::server_notification_methods();
    expected.sort_unstable();
    assert_eq!(
        methods, expected,
        "one value per ServerNotification variant"
    );
    let lines: Vec<Value> = all.iter().map(notification).collect();
    insta::assert_json_snapshot!("notifications", lines);
}

#[test]
fn every_item_type_in_an_item_completed() {
    for item in fixtures::every_item() {
        notification(&ServerNotification::ItemCompleted(
            ItemCompletedNotification {
                item,
                thread_id: THREAD_ID.to_owned(),
                turn_id: TURN_ID.to_owned(),
                content_token_count: None,
                completed_at_ms: STARTED_AT_MS + 5,
            },
        ));
    }
}

#[test]
fn error_responses() {
    let lines = vec![
        error(&RpcError::invalid_request(
            weft_protocol::errors::NOT_INITIALIZED,
        )),
        error(&RpcError::unparsable_request("missing field `threadId`")),
        error(&RpcError::not_supported_yet("thread/fork")),
        error(&RpcError::input_too_large(1_048_577)),
        error(&RpcError::overloaded()),
        error(&RpcError::draining()),
    ];
    assert!(
        lines[0]["error"].get("data").is_none(),
        "data only when there is some"
    );
    insta::assert_json_snapshot!("error_responses", lines);
}

#[test]
fn command_exec_responses() {
    let exec = CommandExecResponse {
        exit_code: 124,
        stdout: "partial\n".to_owned(),
        stderr: String::new(),
    };
    let lines = json!({
        "command/exec": response("command/exec", &exec),
        "command/exec/write": response("command/exec/write", &CommandExecWriteResponse {}),
        "command/exec/terminate":
            response("command/exec/terminate", &CommandExecTerminateResponse {}),
        "command/exec/resize": response("command/exec/resize", &CommandExecResizeResponse {}),
        "thread/shellCommand": response("thread/shellCommand", &ThreadShellCommandResponse {}),
    });
    insta::assert_json_snapshot!("command_exec_responses", lines);
}

#[test]
fn command_exec_params_parse_like_the_reference() {
    let params: CommandExecParams = serde_json::from_value(json!({
        "command": ["sh", "-c", "echo hi"],
        "processId": "p1",
        "env": {"KEEP": "1", "DROP": null},
        "timeoutMs": null,
        "size": null,
        "sandboxPolicy": {"type": "readOnly"},
    }))
    .unwrap();
    assert_eq!(params.process_id.as_deref(), Some("p1"));
    assert!(!params.tty && !params.stream_stdin && !params.stream_stdout_stderr);
    let env = params.env.unwrap();
    assert_eq!(env["KEEP"].as_deref(), Some("1"));
    assert_eq!(env["DROP"], None);
    assert!(params.sandbox_policy.is_some());
    let write: CommandExecWriteParams =
        serde_json::from_value(json!({"processId": "p1", "closeStdin": true})).unwrap();
    assert!(write.close_stdin && write.delta_base64.is_none());
}
