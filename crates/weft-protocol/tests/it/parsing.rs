//! The error texts serde produces for bad requests must be the reference's (protocol.md §1.4).

use weft_protocol::{CLIENT_REQUEST_METHODS, ClientRequest, Incoming, RequestId};
use weft_test_support::schema::reference_dir;

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
