//! The frame classifier under arbitrary and damaged input (issue 16: fuzzing the frame parser,
//! as a property test on stable Rust): it never panics, and a request damaged after its id is
//! still answered with that id.

use proptest::prelude::*;
use weft_protocol::jsonrpc::{ClassifyError, Rejection, recover_id};
use weft_protocol::{Incoming, RequestId};

fn request_id() -> impl Strategy<Value = RequestId> {
    prop_oneof![
        any::<i64>().prop_map(RequestId::Integer),
        "[a-zA-Z0-9 _-]{0,12}".prop_map(RequestId::String),
    ]
}

/// Ways to break a well-formed request after its id.
fn damage() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(" trailing".to_owned()),
        Just(", \"x\": \"\\ud800\"}".to_owned()),
        Just(format!(
            ", \"deep\": {}{}}}",
            "[".repeat(300),
            "]".repeat(300)
        )),
        Just(", \"params\": {\"unterminated\": \"".to_owned()),
        "[^\\x00]{1,40}".prop_map(|garbage| format!(", {garbage}")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn classifying_arbitrary_text_never_panics(text in "\\PC{0,512}") {
        let _ = Incoming::classify(&text);
        let _ = recover_id(&text);
    }

    #[test]
    fn classifying_arbitrary_json_never_panics(
        value in prop_oneof![
            Just(serde_json::json!(null)),
            any::<i64>().prop_map(|n| serde_json::json!({"id": n})),
            any::<f64>().prop_map(|f| serde_json::json!({"id": f, "method": "m"})),
            "\\PC{0,20}".prop_map(|s| serde_json::json!({"id": s, "method": 1})),
            "\\PC{0,20}".prop_map(|s| serde_json::json!([{"id": s}, 3, null])),
        ],
    ) {
        let _ = Incoming::classify(&value.to_string());
    }

    #[test]
    fn a_request_damaged_after_its_id_is_answered_with_that_id(
        id in request_id(),
        damage in damage(),
    ) {
        let head = format!(
            "{{\"id\": {}, \"method\": \"thread/list\"",
            serde_json::to_string(&id).unwrap_or_default()
        );
        let frame = format!("{head}{damage}");
        match Incoming::classify(&frame) {
            Err(ClassifyError::Answer(rejections)) => {
                let ids: Vec<Option<RequestId>> = rejections
                    .into_iter()
                    .map(|Rejection { id, .. }| id)
                    .collect();
                prop_assert_eq!(ids, vec![Some(id)]);
            }
            // Some damage still makes valid JSON (`, "x": "…"}` closes the object): then it is
            // a request with the same id.
            Ok(Incoming::Request { id: read, .. }) => prop_assert_eq!(read, id),
            other => prop_assert!(false, "{frame}: {other:?}"),
        }
    }
}
