//! Bad input from the wire (protocol.md §1.4, §2.2, §7): each gets its exact error, or no
//! reply for a frame that is not JSON-RPC, and the connection keeps serving.

use serde_json::{Value, json};

use crate::harness::{Harness, start_thread};

const UNKNOWN_THREAD: &str = "00000000-0000-0000-0000-000000000000";

#[tokio::test]
async fn handshake_errors_are_exact() {
    let harness = Harness::start().await;
    let mut client = harness.connect_raw();
    let (response, _) = client.call("thread/list", json!({})).await;
    assert_eq!(
        response["error"],
        json!({"code": -32600, "message": "Not initialized"})
    );
    let (response, _) = client
        .call(
            "initialize",
            json!({"clientInfo": {"name": "bad\nname", "version": "1"}}),
        )
        .await;
    assert_eq!(
        response["error"]["message"],
        "Invalid clientInfo.name: 'bad\nname'. Must be a valid HTTP header value."
    );
    client.initialize("weft-test").await;
    let (response, _) = client
        .call(
            "initialize",
            json!({"clientInfo": {"name": "again", "version": "1"}}),
        )
        .await;
    assert_eq!(
        response["error"],
        json!({"code": -32600, "message": "Already initialized"})
    );
}

#[tokio::test]
async fn request_errors_are_exact_and_the_connection_survives() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;

    let (response, _) = client
        .call("thread/read", json!({"threadId": UNKNOWN_THREAD}))
        .await;
    assert_eq!(
        response["error"]["message"],
        format!("thread not loaded: {UNKNOWN_THREAD}")
    );

    let (response, _) = client.call("no/such/method", json!({})).await;
    let message = response["error"]["message"].as_str().unwrap();
    assert_eq!(response["error"]["code"], -32600);
    assert!(
        message.starts_with(
            "Invalid request: unknown variant `no/such/method`, expected one of `initialize`"
        ),
        "{message}"
    );

    let (response, _) = client
        .call("turn/start", json!({"threadId": 5, "input": []}))
        .await;
    assert_eq!(
        response["error"],
        json!({"code": -32600, "message": "Invalid request: invalid type: integer `5`, expected a string"})
    );

    let (response, _) = client
        .call(
            "turn/start",
            json!({"threadId": UNKNOWN_THREAD, "input": [{"type": "text", "text": "x"}]}),
        )
        .await;
    assert_eq!(
        response["error"]["message"],
        format!("thread not found: {UNKNOWN_THREAD}")
    );

    let (response, _) = client
        .call("thread/resume", json!({"threadId": UNKNOWN_THREAD}))
        .await;
    assert_eq!(
        response["error"]["message"],
        format!("no rollout found for thread id {UNKNOWN_THREAD}")
    );

    let (response, _) = client
        .call("turn/start", json!({"threadId": "nope", "input": []}))
        .await;
    assert!(
        response["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("invalid thread id: ")
    );

    let (response, _) = client.call("thread/start", serde_json::Value::Null).await;
    assert_eq!(response["error"]["code"], -32600);

    let (response, _) = client
        .call("feedback/upload", json!({"classification": "bug"}))
        .await;
    assert_eq!(
        response["error"],
        json!({"code": -32601, "message": "feedback/upload is not supported yet"})
    );

    // A malformed line and a non-JSON-RPC line get no reply; the next request is answered.
    client.send_raw("{this is not json").await;
    client.send_raw("[1, 2, 3]").await;
    client
        .send_raw(r#"{"method":"no/such/notification"}"#)
        .await;
    let (response, before) = client.call("thread/loaded/list", json!({})).await;
    assert!(before.is_empty(), "no reply to bad frames: {before:?}");
    assert_eq!(response["result"], json!({"data": [], "nextCursor": null}));

    let thread_id = start_thread(&mut client, json!({})).await;
    let (response, _) = client
        .call(
            "turn/interrupt",
            json!({"threadId": thread_id, "turnId": "x"}),
        )
        .await;
    assert_eq!(response["error"]["message"], "no active turn to interrupt");

    let (response, _) = client
        .call(
            "thread/read",
            json!({"threadId": thread_id, "includeTurns": true}),
        )
        .await;
    assert_eq!(
        response["error"],
        json!({"code": -32601, "message": "list_turns is not supported yet"})
    );
}

#[tokio::test]
async fn oversized_input_is_rejected_with_data() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let thread_id = start_thread(&mut client, json!({})).await;
    let text = "x".repeat(weft_protocol::errors::INPUT_CHARS_MAX + 1);
    let (response, _) = client
        .call(
            "turn/start",
            json!({"threadId": thread_id, "input": [{"type": "text", "text": text}]}),
        )
        .await;
    assert_eq!(
        response["error"],
        json!({
            "code": -32602,
            "message": "Input exceeds the maximum length of 1048576 characters.",
            "data": {"input_error_code": "input_too_large", "max_chars": 1_048_576, "actual_chars": 1_048_577}
        })
    );
    // Exactly at the limit is accepted.
    let text = "y".repeat(weft_protocol::errors::INPUT_CHARS_MAX);
    let (response, _) = client
        .call(
            "turn/start",
            json!({"threadId": thread_id, "input": [{"type": "text", "text": text}]}),
        )
        .await;
    assert!(response.get("result").is_some(), "{}", response["error"]);
    client.wait_for("turn/completed").await;
}

#[tokio::test]
async fn a_frame_over_the_limit_closes_only_that_connection() {
    let harness = Harness::start().await;
    let mut other = harness.connect().await;
    let mut client = harness.connect().await;
    let line = "z".repeat(weft_server::limits::FRAME_BYTES_MAX + 1);
    client.send_raw(&line).await;
    assert!(
        client.try_next().await.is_none(),
        "the server closes the connection"
    );
    let result = other.call_ok("thread/loaded/list", json!({})).await;
    assert_eq!(result["data"], json!([]));
}

/// A thread id that is not a UUID gets the reference's parser text (its `uuid` crate is older:
/// a bad character is described in full and counted from 1; a bad length names the simple
/// format), after `invalid thread id: ` or `invalid session id: ` (observed with 0.169.0,
/// `bench/compat/lifecycle.py`).
#[tokio::test]
async fn bad_thread_ids_get_the_reference_uuid_texts() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let cases = [
        (
            "nope",
            "invalid character: expected an optional prefix of `urn:uuid:` followed by \
             [0-9a-fA-F-], found `n` at 1",
        ),
        (
            "01a252f1-93e7-72d3-88e1x71b788513464",
            "invalid character: expected an optional prefix of `urn:uuid:` followed by \
             [0-9a-fA-F-], found `x` at 24",
        ),
        (
            "abcd",
            "invalid length: expected length 32 for simple format, found 4",
        ),
        (
            "",
            "invalid length: expected length 32 for simple format, found 0",
        ),
        (
            "01a252f1-93e7-72d3-88e1",
            "invalid group count: expected 5, found 4",
        ),
        (
            "01a252f1-93e-772d3-88e1-71b788513464",
            "invalid group length in group 1: expected 4, found 3",
        ),
    ];
    for (id, text) in cases {
        let (response, _) = client
            .call("thread/unsubscribe", json!({"threadId": id}))
            .await;
        assert_eq!(
            response["error"],
            json!({"code": -32600, "message": format!("invalid thread id: {text}")}),
            "{id:?}"
        );
        let (response, _) = client.call("thread/archive", json!({"threadId": id})).await;
        assert_eq!(
            response["error"],
            json!({"code": -32600, "message": format!("invalid session id: {text}")}),
            "{id:?}"
        );
    }
    // Other spellings of a UUID are ids all the same.
    for id in [
        "01a252f193e772d388e171b788513464",
        "{01a252f1-93e7-72d3-88e1-71b788513464}",
        "01A252F1-93E7-72D3-88E1-71B788513464",
    ] {
        let result = client
            .call_ok("thread/unsubscribe", json!({"threadId": id}))
            .await;
        assert_eq!(result, json!({"status": "notLoaded"}), "{id:?}");
    }
}

/// Issue 16, fault 1: a line that is not UTF-8 is that line's problem. It is answered when its
/// id can be read (-32700) and ignored otherwise; the connection keeps serving.
#[tokio::test]
async fn a_line_that_is_not_utf8_is_rejected_and_the_connection_goes_on() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    client.send_bytes(&[0xff]).await;
    client
        .send_bytes(b"{\"id\": 41, \"method\": \"thread/list\", \"params\": {\"x\": \"\xff\"}}")
        .await;
    let rejected = client.next_message().await;
    assert_eq!(rejected["id"], 41, "{rejected}");
    assert_eq!(rejected["error"]["code"], -32700);
    let message = rejected["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("Parse error: the line is not UTF-8"),
        "{message}"
    );
    let listed = client.call_ok("thread/list", json!({})).await;
    assert_eq!(listed["data"], json!([]));
}

/// Issue 16, fault 5: a frame that names an id but cannot be served is answered as JSON-RPC
/// 2.0 prescribes; only frames with no id at all stay unanswered (as in the reference).
#[tokio::test]
async fn frames_with_a_readable_id_are_answered_and_the_rest_ignored() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let deep = format!(
        "{{\"id\": 7, \"method\": \"thread/list\", \"params\": {}{}}}",
        "[".repeat(200),
        "]".repeat(200)
    );
    // (frame, expected id, expected code, start of the message)
    let cases: Vec<(String, Value, i64, &str)> = vec![
        (
            r#"{"id": 1, "method": "thread/list", "params": {"x": "\ud800"}}"#.to_owned(),
            json!(1),
            -32700,
            "Parse error: ",
        ),
        (
            r#"{"id": "two", "method": "thread/list"} trailing"#.to_owned(),
            json!("two"),
            -32700,
            "Parse error: ",
        ),
        (deep, json!(7), -32700, "Parse error: "),
        (
            r#"{"id": 1.5, "method": "thread/list"}"#.to_owned(),
            Value::Null,
            -32600,
            "Invalid Request: id must be",
        ),
        (
            r#"{"id": true, "method": "thread/list"}"#.to_owned(),
            Value::Null,
            -32600,
            "Invalid Request: id must be",
        ),
        (
            r#"{"id": null, "method": "thread/list"}"#.to_owned(),
            Value::Null,
            -32600,
            "Invalid Request: id must be",
        ),
        (
            r#"{"id": {"a": 1}, "method": "thread/list"}"#.to_owned(),
            Value::Null,
            -32600,
            "Invalid Request: id must be",
        ),
        (
            r#"{"id": [1], "method": "thread/list"}"#.to_owned(),
            Value::Null,
            -32600,
            "Invalid Request: id must be",
        ),
        (
            r#"{"id": 9223372036854775808, "method": "thread/list"}"#.to_owned(),
            Value::Null,
            -32600,
            "Invalid Request: id must be",
        ),
        (
            r#"{"id": 8, "method": 5}"#.to_owned(),
            json!(8),
            -32600,
            "Invalid Request: method must be a string",
        ),
        (
            r#"{"id": 9}"#.to_owned(),
            json!(9),
            -32600,
            "Invalid Request: a message with an id needs",
        ),
    ];
    for (frame, id, code, start) in cases {
        client.send_raw(&frame).await;
        let answer = client.next_message().await;
        assert_eq!(answer["id"], id, "{frame} → {answer}");
        assert_eq!(answer["error"]["code"], code, "{frame} → {answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.starts_with(start), "{frame} → {message}");
    }
    // A batch: every element with a readable id is told batches are not served.
    client
        .send_raw(r#"[{"id": 10, "method": "thread/list"}, {"method": "x"}, {"id": "eleven", "method": "thread/list"}]"#)
        .await;
    for id in [json!(10), json!("eleven")] {
        let answer = client.next_message().await;
        assert_eq!(answer["id"], id, "{answer}");
        assert_eq!(
            answer["error"]["message"],
            "Invalid Request: batch requests are not supported"
        );
    }
    // No id anywhere: no answer, as in the reference; the next request is the next answer.
    for frame in [
        "not json at all",
        r#"{"method": 5}"#,
        "[]",
        r#"{"params": {}}"#,
        r#"{"method": "thread/list", "params": "\ud800"}"#,
    ] {
        client.send_raw(frame).await;
    }
    let listed = client.call_ok("thread/list", json!({})).await;
    assert_eq!(listed["data"], json!([]));
}
