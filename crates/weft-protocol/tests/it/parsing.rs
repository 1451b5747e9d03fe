//! The error texts serde produces for bad requests must be the reference's (protocol.md §1.4).

use weft_protocol::{ClientRequest, Incoming, RequestId};

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
        err.starts_with(
            "unknown variant `no/such/method`, expected one of `initialize`, `thread/start`"
        ),
        "{err}"
    );
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
