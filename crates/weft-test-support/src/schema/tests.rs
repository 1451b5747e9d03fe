//! The validator accepts what the reference sent (messages copied from
//! `codex-0.169.0-transcripts/codex-basic.jsonl`) and rejects broken variants of them.

use serde_json::{Value, json};

use super::{SchemaValidator, WireChecker, reference_dir};

fn validator() -> &'static SchemaValidator {
    SchemaValidator::reference()
}

fn initialize_result() -> Value {
    json!({"userAgent": "drive/0.169.0 (Debian 12.0.0; x86_64) xterm (drive; 1.0.0)",
        "codexHome": "/tmp/drive-home-cqe9j_5o", "platformFamily": "unix", "platformOs": "linux"})
}

fn turn_start_result() -> Value {
    json!({"turn": {"id": "01a21030-87fd-71f0-a21b-7be229123056",
        "rootTurnId": "01a21030-87fd-71f0-a21b-7be229123056", "items": [],
        "itemsView": "notLoaded", "status": "inProgress", "error": null, "startedAt": null,
        "completedAt": null, "durationMs": null}})
}

fn thread_start_result() -> Value {
    json!({"thread": {"id": "01a21030-87e1-7af2-8a55-753b6c055807",
        "environments": [{"environmentId": "local", "cwd": "/tmp/drive-work-n7kt9wss",
            "runtimeWorkspaceRoots": ["/tmp/drive-work-n7kt9wss"]}],
        "extra": null, "sessionId": "01a21030-87e1-7af2-8a55-753b6c055807", "forkedFromId": null,
        "attachedToThreadId": null, "parentThreadId": null, "preview": "", "ephemeral": false,
        "section": null, "sectionEnteredAt": null, "projectId": null, "historyMode": "paginated",
        "modelProvider": "mock", "model": "gpt-5.2-codex", "reasoningEffort": null,
        "createdAt": 1795567945, "updatedAt": 1795567945, "recencyAt": 1795567945,
        "status": {"type": "idle"},
        "path": "/tmp/drive-home-cqe9j_5o/sessions/2026/11/25/rollout-2026-11-25T00-52-25-01a21030-87e1-7af2-8a55-753b6c055807.jsonl",
        "cwd": "/tmp/drive-work-n7kt9wss", "cliVersion": "0.169.0", "originator": "drive",
        "source": "vscode", "canAcceptDirectInput": true, "threadSource": null,
        "agentNickname": null, "agentRole": null, "gitInfo": null, "name": null,
        "daybreakEnabled": null, "turns": []},
        "model": "gpt-5.2-codex", "modelProvider": "mock", "serviceTier": null,
        "disabledPluginIds": [], "cwd": "/tmp/drive-work-n7kt9wss",
        "runtimeWorkspaceRoots": ["/tmp/drive-work-n7kt9wss"], "instructionSources": [],
        "approvalPolicy": "never", "approvalsReviewer": "user",
        "sandbox": {"type": "workspaceWrite", "writableRoots": [], "networkAccess": false,
            "excludeTmpdirEnvVar": false, "excludeSlashTmp": false},
        "activePermissionProfile": null, "reasoningEffort": null,
        "multiAgentMode": "explicitRequestOnly"})
}

fn item_completed() -> Value {
    json!({"method": "item/completed", "params": {"item": {"type": "agentMessage",
        "moderation": null, "id": "msg_2", "text": "Hello from mock. You said: hi there",
        "phase": null, "memoryCitation": null, "delivery": null, "questions": null,
        "startedAtMs": 1795567945843_i64, "completedAtMs": 1795567945848_i64},
        "threadId": "01a21030-87e1-7af2-8a55-753b6c055807",
        "turnId": "01a21030-87fd-71f0-a21b-7be229123056", "contentTokenCount": null,
        "completedAtMs": 1795567945848_i64}, "emittedAtMs": 1795567945851_i64})
}

fn token_usage_updated() -> Value {
    let breakdown = json!({"totalTokens": 110, "inputTokens": 100, "cachedInputTokens": 0,
        "cacheWriteInputTokens": 0, "outputTokens": 10, "reasoningOutputTokens": 0});
    json!({"method": "thread/tokenUsage/updated", "params": {
        "threadId": "01a21030-87e1-7af2-8a55-753b6c055807",
        "turnId": "01a21030-87fd-71f0-a21b-7be229123056",
        "tokenUsage": {"total": breakdown, "last": breakdown, "modelContextWindow": 258400}},
        "emittedAtMs": 1795567945858_i64})
}

fn approval_request() -> Value {
    json!({"method": "item/commandExecution/requestApproval", "id": 0, "params": {
        "kind": "command", "threadId": "01a21030-8979-7a31-92d4-05a68e4a19df",
        "turnId": "01a21030-898a-7b80-9f6e-03bce782266e", "itemId": "call_3",
        "startedAtMs": 1795567946214_i64, "environmentId": "local",
        "command": "/bin/bash -lc 'echo hello-approval'", "cwd": "/tmp/drive-work-_n853ick",
        "commandActions": [{"type": "unknown", "command": "echo hello-approval"}],
        "proposedExecpolicyAmendment": ["echo", "hello-approval"],
        "availableDecisions": ["accept", {"acceptWithExecpolicyAmendment":
            {"execpolicy_amendment": ["echo", "hello-approval"]}}, "cancel"]}})
}

#[test]
fn reference_responses_validate() {
    let validator = validator();
    validator
        .validate_response("initialize", &initialize_result())
        .unwrap();
    validator
        .validate_response("thread/start", &thread_start_result())
        .unwrap();
    validator
        .validate_response("turn/start", &turn_start_result())
        .unwrap();
    validator
        .validate_response("turn/interrupt", &json!({}))
        .unwrap();
}

#[test]
fn reference_notifications_validate() {
    let validator = validator();
    validator.validate_outgoing(&item_completed()).unwrap();
    validator.validate_outgoing(&token_usage_updated()).unwrap();
    validator
        .validate_outgoing(&json!({"method": "thread/status/changed", "params": {
            "threadId": "01a21030-87e1-7af2-8a55-753b6c055807",
            "status": {"type": "active", "activeFlags": []}}, "emittedAtMs": 1795567945766_i64}))
        .unwrap();
}

#[test]
fn reference_server_request_and_error_validate() {
    let validator = validator();
    validator.validate_outgoing(&approval_request()).unwrap();
    validator
        .validate_outgoing(
            &json!({"error": {"code": -32600, "message": "Not initialized"}, "id": 1}),
        )
        .unwrap();
    validator
        .validate_outgoing(&json!({"error": {"code": -32602,
            "message": "Input exceeds the maximum length of 1048576 characters.",
            "data": {"input_error_code": "input_too_large", "max_chars": 1048576,
                "actual_chars": 1048577}}, "id": 9}))
        .unwrap();
}

#[test]
fn wrong_type_fails() {
    let mut message = item_completed();
    message["params"]["completedAtMs"] = json!("soon");
    let err = validator().validate_outgoing(&message).unwrap_err();
    assert!(err.contains("completedAtMs"), "{err}");

    let mut result = thread_start_result();
    result["thread"]["createdAt"] = json!("yesterday");
    assert!(
        validator()
            .validate_response("thread/start", &result)
            .is_err()
    );
}

#[test]
fn missing_required_field_fails() {
    let mut message = token_usage_updated();
    message["params"]["tokenUsage"]["last"]
        .as_object_mut()
        .unwrap()
        .remove("outputTokens");
    let err = validator().validate_outgoing(&message).unwrap_err();
    assert!(err.contains("outputTokens"), "{err}");

    let mut result = thread_start_result();
    result["thread"]
        .as_object_mut()
        .unwrap()
        .remove("projectId");
    let err = validator()
        .validate_response("thread/start", &result)
        .unwrap_err();
    assert!(err.contains("projectId"), "{err}");
}

#[test]
fn null_where_not_nullable_fails() {
    let mut result = thread_start_result();
    result["thread"]["historyMode"] = Value::Null;
    assert!(
        validator()
            .validate_response("thread/start", &result)
            .is_err()
    );
}

#[test]
fn unknown_methods_fail() {
    let message = json!({"method": "thread/bogus", "params": {}, "emittedAtMs": 1});
    let err = validator().validate_outgoing(&message).unwrap_err();
    assert!(err.contains("unknown server notification method"), "{err}");
    assert!(
        validator()
            .validate_response("no/such/method", &json!({}))
            .is_err()
    );
    let request = json!({"method": "item/bogus/requestApproval", "id": 1, "params": {}});
    assert!(validator().validate_outgoing(&request).is_err());
}

#[test]
fn bad_envelopes_fail() {
    let validator = validator();
    let error = json!({"error": {"code": "bad", "message": "x"}, "id": 1});
    assert!(validator.validate_outgoing(&error).is_err());
    let jsonrpc = json!({"jsonrpc": "2.0", "method": "thread/closed",
        "params": {"threadId": "x"}});
    assert!(validator.validate_outgoing(&jsonrpc).is_err());
    let response = json!({"id": 1, "result": {}});
    assert!(validator.validate_outgoing(&response).is_err());
    let bad_id = approval_request_with_id(json!(1.5));
    assert!(validator.validate_outgoing(&bad_id).is_err());
}

fn approval_request_with_id(id: Value) -> Value {
    let mut request = approval_request();
    request["id"] = id;
    request
}

#[test]
fn definitions_validate_by_name() {
    let validator = validator();
    validator
        .validate_definition("Thread", &thread_start_result()["thread"])
        .unwrap();
    validator
        .validate_definition("InitializeResponse", &initialize_result())
        .unwrap();
    assert!(
        validator
            .validate_definition("NoSuchType", &json!({}))
            .is_err()
    );
}

#[test]
fn wire_checker_matches_responses_to_requests() {
    let mut checker = WireChecker::new(validator());
    checker.observe_incoming(&json!({"id": 2, "method": "turn/start", "params": {}}));
    checker.observe_incoming(&json!({"id": "2", "method": "initialize", "params": {}}));
    checker
        .check_outgoing(&json!({"id": 2, "result": turn_start_result()}))
        .unwrap();
    checker
        .check_outgoing(&json!({"id": "2", "result": initialize_result()}))
        .unwrap();
    assert!(
        checker
            .check_outgoing(&json!({"id": 2, "result": {}}))
            .is_err()
    );
}

/// Every message the reference wrote in every recorded scenario validates.
#[test]
fn every_reference_transcript_validates() {
    let folder = reference_dir().join("codex-0.169.0-transcripts");
    let mut checked = 0;
    for scenario in [
        "basic",
        "approval",
        "errors",
        "interrupt",
        "patch",
        "restart",
        "unload",
    ] {
        let path = folder.join(format!("codex-{scenario}.jsonl"));
        let text = std::fs::read_to_string(&path).unwrap();
        let mut checker = WireChecker::new(validator());
        for line in text.lines() {
            let record: Value = serde_json::from_str(line).unwrap();
            let message = &record["msg"];
            if record["dir"] == "in" {
                checker.observe_incoming(message);
            } else {
                checker
                    .check_outgoing(message)
                    .unwrap_or_else(|err| panic!("{scenario}: {err}"));
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "only {checked} messages checked");
}
