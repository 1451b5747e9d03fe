//! The scripted provider and the mock follow the same rules: same input, same events.

use serde_json::{Value, json};
use weft_model::{ModelClient, ModelEvent, ModelRequest, ScriptedModelClient};
use weft_test_support::mock::MockResponses;

use crate::support::{client, collect, request, user};

async fn both(inputs: &[Vec<Value>]) -> (Vec<Vec<ModelEvent>>, Vec<Vec<ModelEvent>>) {
    let mock = MockResponses::start().await;
    let http = ModelClient::from(client(&mock));
    let scripted = ModelClient::from(ScriptedModelClient::new());
    let (mut from_http, mut from_scripted) = (Vec::new(), Vec::new());
    for input in inputs {
        let request = ModelRequest {
            input: input.clone(),
            ..request("unused")
        };
        for (client, out) in [(&http, &mut from_http), (&scripted, &mut from_scripted)] {
            let items = collect(client.stream(&request, None).await.expect("stream starts")).await;
            out.push(items.into_iter().map(|item| item.expect("event")).collect());
        }
    }
    (from_http, from_scripted)
}

/// Drops the mock-only fields (`output_index`, `object`, …) by comparing what the core uses.
fn essentials(events: &[ModelEvent]) -> Vec<ModelEvent> {
    events
        .iter()
        .map(|event| match event {
            ModelEvent::OutputItemAdded(item) => ModelEvent::OutputItemAdded(trim(item)),
            ModelEvent::OutputItemDone(item) => ModelEvent::OutputItemDone(trim(item)),
            other => other.clone(),
        })
        .collect()
}

fn trim(item: &Value) -> Value {
    let keys = [
        "type",
        "id",
        "role",
        "status",
        "content",
        "name",
        "arguments",
        "call_id",
    ];
    let object = item.as_object().expect("items are objects");
    Value::Object(
        object
            .iter()
            .filter(|(key, _)| keys.contains(&key.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    )
}

#[tokio::test]
async fn scripted_provider_matches_the_mock_turn_by_turn() {
    let call = json!({"type": "function_call", "id": "fc_2", "status": "completed",
        "name": "exec_command", "arguments": "{}", "call_id": "call_3"});
    let output = json!({"type": "function_call_output", "call_id": "call_3",
        "output": "Chunk ID: d760cd\nWall time: 0.0000 seconds\nProcess exited with code 0\n"});
    let inputs = vec![
        vec![user("hi there")],
        vec![user("RUN: echo hello-approval")],
        vec![user("RUN: echo hello-approval"), call, output],
        vec![user("PATCH: hello.txt")],
    ];
    let (from_http, from_scripted) = both(&inputs).await;
    for (http, scripted) in from_http.iter().zip(&from_scripted) {
        assert_eq!(essentials(http), essentials(scripted));
    }
    assert!(
        matches!(from_scripted[2].last(), Some(ModelEvent::Completed { response_id, .. }) if response_id == "resp_6")
    );
}

#[tokio::test(start_paused = true)]
async fn scripted_slow_matches_the_mock() {
    let (from_http, from_scripted) = both(&[vec![user("SLOW")]]).await;
    assert_eq!(essentials(&from_http[0]), essentials(&from_scripted[0]));
}

#[test]
fn scripted_client_has_no_provider_and_no_retries() {
    let client = ModelClient::from(ScriptedModelClient::new());
    assert!(client.provider().is_none());
    assert_eq!(client.stream_max_retries(), 0);
}
