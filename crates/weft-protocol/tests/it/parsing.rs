//! The error texts serde produces for bad requests must be the reference's (protocol.md §1.4).

use weft_protocol::errors::INVALID_REQUEST;
use weft_protocol::v2::AskForApproval;
use weft_protocol::{
    CLIENT_REQUEST_METHODS, ClientRequest, EXPERIMENTAL_CLIENT_METHODS, EXPERIMENTAL_PARAMS,
    ExperimentalUse, GRANULAR_APPROVAL_DESCRIPTOR, Incoming, RequestId, RpcError,
    experimental_descriptor,
};
use weft_test_support::schema::{SCHEMA_FOLDER, reference_dir};

fn parse(line: &str) -> Result<ClientRequest, String> {
    match Incoming::classify(line).expect("json-rpc") {
        Incoming::Request { body, .. } => {
            serde_json::from_value::<ClientRequest>(body).map_err(|err| err.to_string())
        }
        other => panic!("not a request: {other:?}"),
    }
}

#[test]
fn unknown_method_text_has_the_reference_prefix() {
    let err = parse(r#"{"id":5,"method":"no/such/method","params":{}}"#).unwrap_err();
    assert!(
        err.starts_with("unknown variant `no/such/method`, expected one of `initialize`, "),
        "{err}"
    );
}

/// The reference's full `-32600` message for the unknown method `no/such/method`, read from the
/// recorded `errors` transcript: its answer to the request with that method.
fn reference_unknown_method_message() -> String {
    let path = reference_dir()
        .join("codex-0.169.0-transcripts")
        .join("codex-errors.jsonl");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("read {}: {err}", path.display()));
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).expect("transcript line is JSON"))
        .collect();
    let request_id = lines
        .iter()
        .find(|line| line["dir"] == "in" && line["msg"]["method"] == "no/such/method")
        .map(|line| line["msg"]["id"].clone())
        .expect("the transcript sends no/such/method");
    lines
        .iter()
        .find(|line| line["dir"] == "out" && line["msg"]["id"] == request_id)
        .and_then(|line| line["msg"]["error"]["message"].as_str())
        .expect("the reference answered no/such/method with an error")
        .to_owned()
}

/// The whole text, list of expected methods included, is the reference's byte for byte: weft's
/// `ClientRequest` lists the reference's methods in the reference's order.
#[test]
fn unknown_method_text_is_the_reference_text() {
    let reference = reference_unknown_method_message();
    let err = parse(r#"{"id":5,"method":"no/such/method","params":{}}"#).unwrap_err();
    assert_eq!(format!("Invalid request: {err}"), reference);
}

/// `CLIENT_REQUEST_METHODS` and `ClientRequest::method()` follow the enum: the list is the
/// reference's list, and every name parses to a variant that reports that name.
#[test]
fn method_list_and_names_follow_the_enum() {
    let reference = reference_unknown_method_message();
    let listed = reference
        .split_once("expected one of ")
        .expect("a list of expected methods")
        .1;
    let expected: Vec<&str> = listed
        .split(", ")
        .map(|name| name.trim_matches('`'))
        .collect();
    assert_eq!(CLIENT_REQUEST_METHODS, expected.as_slice());
    for method in CLIENT_REQUEST_METHODS {
        // A typed variant may reject `{}`, but only after serde matched its name.
        let line = serde_json::json!({"id": 1, "method": method, "params": {}}).to_string();
        match parse(&line) {
            Ok(request) => assert_eq!(request.method(), *method),
            Err(err) => assert!(!err.starts_with("unknown variant"), "{method}: {err}"),
        }
    }
}

#[test]
fn wrong_param_type_text() {
    let err =
        parse(r#"{"id":6,"method":"turn/start","params":{"threadId":5,"input":[]}}"#).unwrap_err();
    assert_eq!(err, "invalid type: integer `5`, expected a string");
}

#[test]
fn missing_field_text() {
    let err = parse(r#"{"id":6,"method":"turn/start","params":{"input":[]}}"#).unwrap_err();
    assert_eq!(err, "missing field `threadId`");
}

#[test]
fn missing_params_text() {
    let err = parse(r#"{"id":2,"method":"thread/start"}"#).unwrap_err();
    assert_eq!(err, "missing field `params`");
}

#[test]
fn null_typed_params_may_be_absent() {
    let request = parse(r#"{"id":2,"method":"configRequirements/read"}"#).expect("parses");
    assert_eq!(request.method(), "configRequirements/read");
}

#[test]
fn resume_with_flattened_settings_parses() {
    let request = parse(
        r#"{"id":2,"method":"thread/resume","params":{"threadId":"x","model":"m","sandbox":"read-only"}}"#,
    )
    .expect("parses");
    let ClientRequest::ThreadResume(params) = request else {
        panic!("wrong variant")
    };
    assert_eq!(params.settings.model.as_deref(), Some("m"));
}

#[test]
fn classify_shapes() {
    assert!(matches!(
        Incoming::classify(r#"{"method":"initialized"}"#),
        Ok(Incoming::Notification { .. })
    ));
    assert!(matches!(
        Incoming::classify(r#"{"id":"a","result":{"decision":"accept"}}"#),
        Ok(Incoming::Response {
            id: RequestId::String(_),
            ..
        })
    ));
    assert!(Incoming::classify("{this is not json").is_err());
    assert!(Incoming::classify("[1,2]").is_err());
    assert!(Incoming::classify(r#"{"jsonrpc":"2.0","id":1,"method":"x"}"#).is_ok());
}

/// The stable schema's `ClientRequest.json`: method → its params definition (or `None`).
fn stable_methods() -> Vec<(String, Option<serde_json::Value>)> {
    let path = reference_dir()
        .join(SCHEMA_FOLDER)
        .join("ClientRequest.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("read {}: {err}", path.display()));
    let schema: serde_json::Value = serde_json::from_str(&text).expect("schema is JSON");
    schema["oneOf"]
        .as_array()
        .expect("oneOf")
        .iter()
        .map(|variant| {
            let method = variant["properties"]["method"]["enum"][0]
                .as_str()
                .expect("method name")
                .to_owned();
            let params = variant["properties"]["params"]["$ref"]
                .as_str()
                .and_then(|reference| reference.strip_prefix("#/definitions/"))
                .map(|name| schema["definitions"][name].clone());
            (method, params)
        })
        .collect()
}

/// The methods whose `ClientRequest` variant is documented with the given marker.
fn documented(marker: &str) -> Vec<&'static str> {
    let source = include_str!("../../src/methods.rs");
    let prefix = format!("` ({marker}");
    CLIENT_REQUEST_METHODS
        .iter()
        .copied()
        .filter(|method| source.contains(&format!("/// `{method}{prefix}")))
        .collect()
}

/// `EXPERIMENTAL_CLIENT_METHODS` is, in order, every known method the stable schema leaves out
/// except the three deprecated v1 ones, and exactly the variants documented as experimental.
#[test]
fn experimental_methods_are_the_known_methods_outside_the_stable_schema() {
    let stable: Vec<String> = stable_methods()
        .into_iter()
        .map(|(method, _)| method)
        .collect();
    let deprecated = documented("deprecated v1;");
    assert_eq!(deprecated.len(), 3, "{deprecated:?}");
    let outside: Vec<&str> = CLIENT_REQUEST_METHODS
        .iter()
        .copied()
        .filter(|method| !stable.iter().any(|name| name == method))
        .filter(|method| !deprecated.contains(method))
        .collect();
    assert_eq!(EXPERIMENTAL_CLIENT_METHODS, outside.as_slice());
    assert_eq!(
        EXPERIMENTAL_CLIENT_METHODS,
        documented("experimental;").as_slice()
    );
    for method in EXPERIMENTAL_CLIENT_METHODS {
        assert!(CLIENT_REQUEST_METHODS.contains(method), "{method}");
    }
}

/// Every experimental method is its own descriptor, and parses to a variant that says so.
#[test]
fn experimental_methods_name_themselves() {
    for method in EXPERIMENTAL_CLIENT_METHODS {
        assert_eq!(experimental_descriptor(method, None), Some(*method));
        // The experimental methods weft implements take typed params; the rest take any object.
        let params = match *method {
            "thread/readState/update" => serde_json::json!({
                "threadId": "t", "expectedRevision": "initial:t", "operation": {"type": "read"},
            }),
            _ => serde_json::json!({}),
        };
        let line = serde_json::json!({"id": 1, "method": method, "params": params}).to_string();
        let request = parse(&line).unwrap_or_else(|err| panic!("{method}: {err}"));
        assert_eq!(request.experimental_method(), Some(*method));
    }
    for method in CLIENT_REQUEST_METHODS {
        if !EXPERIMENTAL_CLIENT_METHODS.contains(method) {
            assert_eq!(experimental_descriptor(method, None), None, "{method}");
        }
    }
}

/// The gated params members belong to stable methods and are left out of the stable schema's
/// params (the export strips experimental members); `approvalPolicy` stays, with its gated
/// `granular` variant.
#[test]
fn experimental_params_are_left_out_of_the_stable_schema() {
    let stable = stable_methods();
    for entry in EXPERIMENTAL_PARAMS {
        let params = stable
            .iter()
            .find(|(method, _)| method == entry.method)
            .and_then(|(_, params)| params.clone())
            .unwrap_or_else(|| panic!("{} is not a stable method with params", entry.method));
        let listed = params["properties"].get(entry.member).is_some();
        if entry.used == ExperimentalUse::GranularApproval {
            assert!(listed, "{}.{}", entry.method, entry.member);
            assert_eq!(entry.descriptor, GRANULAR_APPROVAL_DESCRIPTOR);
        } else {
            assert!(!listed, "{}.{} is stable", entry.method, entry.member);
            assert_eq!(
                entry.descriptor,
                format!("{}.{}", entry.method, entry.member)
            );
        }
    }
}

#[test]
fn experimental_descriptor_names_the_first_member_used() {
    let descriptor =
        |method: &str, params: serde_json::Value| experimental_descriptor(method, Some(&params));
    assert_eq!(
        descriptor("thread/start", serde_json::json!({"dynamicTools": []})),
        Some("thread/start.dynamicTools")
    );
    assert_eq!(
        descriptor(
            "thread/start",
            serde_json::json!({"experimentalRawEvents": true, "runtimeWorkspaceRoots": ["/"]})
        ),
        Some("thread/start.runtimeWorkspaceRoots")
    );
    // `null`, a `false` flag and an empty resume path are the stable defaults.
    assert_eq!(
        descriptor(
            "thread/start",
            serde_json::json!({"dynamicTools": null, "experimentalRawEvents": false})
        ),
        None
    );
    assert_eq!(
        descriptor(
            "thread/resume",
            serde_json::json!({"threadId": "x", "path": ""})
        ),
        None
    );
    assert_eq!(
        descriptor(
            "thread/resume",
            serde_json::json!({"threadId": "x", "path": "/r.jsonl"})
        ),
        Some("thread/resume.path")
    );
    let granular = serde_json::json!({"granular": {
        "sandbox_approval": true, "rules": true, "mcp_elicitations": false,
    }});
    for method in ["thread/start", "thread/resume", "turn/start"] {
        assert_eq!(
            descriptor(method, serde_json::json!({"approvalPolicy": granular})),
            Some(GRANULAR_APPROVAL_DESCRIPTOR),
            "{method}"
        );
        assert_eq!(
            descriptor(method, serde_json::json!({"approvalPolicy": "never"})),
            None,
            "{method}"
        );
    }
    // A member of another method, or of no params at all, is not looked at.
    assert_eq!(
        descriptor("thread/list", serde_json::json!({"dynamicTools": []})),
        None
    );
    assert_eq!(experimental_descriptor("turn/start", None), None);
}

/// What the raw check calls `granular` is what the typed params parse as the granular variant.
#[test]
fn granular_approval_matches_the_typed_variant() {
    let request = parse(
        r#"{"id":1,"method":"turn/start","params":{"threadId":"t","input":[],"approvalPolicy":{"granular":{"sandbox_approval":true,"rules":false,"mcp_elicitations":true}}}}"#,
    )
    .expect("parses");
    let ClientRequest::TurnStart(params) = request else {
        panic!("wrong variant")
    };
    assert!(matches!(
        params.approval_policy,
        Some(AskForApproval::Granular { .. })
    ));
}

#[test]
fn experimental_gate_text() {
    assert_eq!(
        RpcError::requires_experimental_api("thread/start.dynamicTools"),
        RpcError {
            code: INVALID_REQUEST,
            message: "thread/start.dynamicTools requires experimentalApi capability".to_owned(),
            data: None,
        }
    );
}

/// `thread/goal/set` tells an absent `tokenBudget` (keep) from `null` (remove the budget).
#[test]
fn goal_set_token_budget_absent_null_and_number_differ() {
    let budget = |params: &str| {
        let line = format!(r#"{{"id":1,"method":"thread/goal/set","params":{params}}}"#);
        match parse(&line).expect("parses") {
            ClientRequest::ThreadGoalSet(params) => params.token_budget,
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(budget(r#"{"threadId":"t"}"#), None);
    assert_eq!(budget(r#"{"threadId":"t","tokenBudget":null}"#), Some(None));
    assert_eq!(
        budget(r#"{"threadId":"t","tokenBudget":500}"#),
        Some(Some(500))
    );
    let err =
        parse(r#"{"id":1,"method":"thread/goal/set","params":{"threadId":"t","status":"done"}}"#)
            .unwrap_err();
    assert!(
        err.starts_with("unknown variant `done`, expected one of `active`"),
        "{err}"
    );
}

/// The goal texts of protocol.md §3.1, and the objective and budget limits behind them.
#[test]
fn goal_texts_and_limits() {
    use weft_protocol::v2::{validate_goal_budget, validate_goal_objective};
    assert_eq!(
        validate_goal_objective("  ship it \n"),
        Ok("ship it".to_owned())
    );
    assert_eq!(
        validate_goal_objective(" \t "),
        Err("goal objective must not be empty".to_owned())
    );
    assert_eq!(
        validate_goal_objective(&"é".repeat(4000)).map(|o| o.len()),
        Ok(8000)
    );
    assert_eq!(
        validate_goal_objective(&"x".repeat(4001)),
        Err("goal objective must be at most 4000 characters".to_owned())
    );
    assert_eq!(validate_goal_budget(None), Ok(()));
    assert_eq!(validate_goal_budget(Some(1)), Ok(()));
    for budget in [0, -5] {
        assert_eq!(
            validate_goal_budget(Some(budget)),
            Err("goal budgets must be positive when provided".to_owned())
        );
    }
    assert_eq!(
        RpcError::no_goal_exists("t").message,
        "cannot update goal for thread t: no goal exists"
    );
    assert_eq!(
        RpcError::ephemeral_goal("t").message,
        "ephemeral thread does not support goals: t"
    );
    assert_eq!(RpcError::no_goal_exists("t").code, INVALID_REQUEST);
}

/// The read-state and metadata texts (the reference's `read_state.rs` and
/// `thread_metadata_update`), and the conflict's `data`.
#[test]
fn read_state_and_metadata_texts() {
    use weft_protocol::v2::ThreadReadState;
    let current = ThreadReadState::initial("t");
    assert_eq!(current.revision, "initial:t");
    let conflict = RpcError::read_state_conflict(&current);
    assert_eq!(
        serde_json::to_value(&conflict).unwrap(),
        serde_json::json!({
            "code": INVALID_REQUEST,
            "message": "read state changed",
            "data": {
                "reason": "readStateConflict",
                "readState": {"firstUnread": null, "revision": "initial:t"},
            },
        })
    );
    assert_eq!(
        weft_protocol::errors::READ_STATE_UNAVAILABLE,
        "thread read state unavailable"
    );
    assert_eq!(
        weft_protocol::errors::GIT_INFO_EMPTY,
        "gitInfo must include at least one field"
    );
    assert_eq!(
        weft_protocol::errors::METADATA_UPDATE_EMPTY,
        "thread metadata update must include at least one field"
    );
    assert_eq!(
        RpcError::ephemeral_metadata("t"),
        RpcError::invalid_request("ephemeral thread does not support metadata updates: t")
    );
    assert_eq!(
        RpcError::no_archived_rollout_found("t"),
        RpcError::invalid_request("no archived rollout found for thread id t")
    );
    assert_eq!(
        RpcError::fork_turn_in_progress("x"),
        RpcError::invalid_request("lastTurnId 'x' identifies an in-progress turn")
    );
    assert_eq!(
        RpcError::turn_not_found("x"),
        RpcError::invalid_request("turn not found: x")
    );
    assert_eq!(
        weft_protocol::errors::git_field_empty("gitInfo.branch"),
        "gitInfo.branch must not be empty"
    );
}

/// `gitInfo` fields tell absent (keep), `null` (clear) and a string (replace) apart.
#[test]
fn metadata_git_patch_keeps_absent_and_null_apart() {
    let line = r#"{"id":1,"method":"thread/metadata/update","params":{"threadId":"t","gitInfo":{"sha":null,"branch":"main"}}}"#;
    let Ok(ClientRequest::ThreadMetadataUpdate(params)) = parse(line) else {
        panic!("parses");
    };
    let git = params.git_info.expect("gitInfo");
    assert_eq!(git.sha, Some(None));
    assert_eq!(git.branch, Some(Some("main".to_owned())));
    assert_eq!(git.origin_url, None);
    assert!(!git.is_empty());
}
