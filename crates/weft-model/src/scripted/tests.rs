//! Unit tests for the scripted provider's rules and streams.

use std::time::Duration;

use serde_json::json;
use tokio::time::Instant;

use super::*;

fn user(text: &str) -> Value {
    json!({"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]})
}

fn request(input: Vec<Value>) -> ModelRequest {
    ModelRequest {
        input,
        ..ModelRequest::default()
    }
}

async fn run(client: &ScriptedModelClient, input: Vec<Value>) -> Vec<ModelEvent> {
    let mut stream = client.stream(&request(input), None).await.unwrap();
    let mut events = Vec::new();
    while let Some(event) = stream.next_event().await {
        events.push(event.unwrap());
    }
    events
}

fn deltas(events: &[ModelEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|event| match event {
            ModelEvent::OutputTextDelta { delta, .. } => Some(delta.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn greets_with_word_deltas_and_reference_ids() {
    let client = ScriptedModelClient::new();
    let events = run(&client, vec![user("hi there")]).await;
    assert_eq!(events[0], ModelEvent::Created);
    assert_eq!(
        deltas(&events),
        [
            "Hello ", "from ", "mock. ", "You ", "said: ", "hi ", "there"
        ]
    );
    let ModelEvent::OutputItemDone(item) = &events[events.len() - 2] else {
        panic!()
    };
    assert_eq!(item["id"], "msg_2");
    assert_eq!(
        item["content"][0]["text"],
        "Hello from mock. You said: hi there"
    );
    let ModelEvent::Completed {
        response_id,
        usage,
        end_turn,
    } = events.last().unwrap()
    else {
        panic!()
    };
    assert_eq!(response_id, "resp_1");
    let usage = usage.unwrap();
    assert_eq!(
        (usage.input_tokens, usage.output_tokens, usage.total_tokens),
        (100, 10, 110)
    );
    assert_eq!(*end_turn, None);
}

#[tokio::test]
async fn run_marker_calls_exec_command_then_done_echoes_the_output() {
    let client = ScriptedModelClient::new();
    let events = run(&client, vec![user("RUN: echo hello-approval")]).await;
    let ModelEvent::OutputItemDone(call) = &events[2] else {
        panic!("{events:?}")
    };
    assert_eq!(
        call,
        &json!({"type": "function_call", "id": "fc_2", "status": "completed",
            "name": "exec_command",
            "arguments": "{\"cmd\": \"echo hello-approval\", \"yield_time_ms\": 2000}",
            "call_id": "call_3"})
    );
    let output = json!({"type": "function_call_output", "call_id": "call_3",
        "output": "Chunk ID: d760cd\nWall time: 0.0000 seconds\nProcess exited with code 0\n"});
    let events = run(&client, vec![user("RUN: x"), call.clone(), output]).await;
    assert_eq!(
        deltas(&events),
        [
            "done: ",
            "Chunk ",
            "ID: ",
            "d760cd\nWall ",
            "time: ",
            "0.0000 ",
            "secon"
        ]
    );
    let ModelEvent::OutputItemDone(message) = &events[events.len() - 2] else {
        panic!()
    };
    assert_eq!(message["id"], "msg_5");
}

#[tokio::test]
async fn patch_marker_runs_an_apply_patch_heredoc() {
    let events = run(&ScriptedModelClient::new(), vec![user("PATCH: hello.txt")]).await;
    let ModelEvent::OutputItemDone(call) = &events[2] else {
        panic!()
    };
    assert_eq!(
        call["arguments"],
        "{\"cmd\": \"apply_patch <<'EOF'\\n*** Begin Patch\\n*** Add File: hello.txt\\n+hello from mock\\n*** End Patch\\nEOF\", \"yield_time_ms\": 2000}"
    );
}

#[tokio::test(start_paused = true)]
async fn slow_streams_twenty_deltas_250_ms_apart() {
    let client = ScriptedModelClient::new();
    let started = Instant::now();
    let events = run(&client, vec![user("SLOW please")]).await;
    assert_eq!(deltas(&events).len(), 20);
    assert_eq!(started.elapsed(), Duration::from_millis(20 * 250));
}

#[tokio::test(start_paused = true)]
async fn cancel_interrupts_a_slow_reply() {
    let client = ScriptedModelClient::new();
    let token = CancellationToken::new();
    let mut stream = client
        .stream(&request(vec![user("SLOW")]), Some(token.clone()))
        .await
        .unwrap();
    assert_eq!(stream.next_event().await, Some(Ok(ModelEvent::Created)));
    assert!(matches!(
        stream.next_event().await,
        Some(Ok(ModelEvent::OutputItemAdded(_)))
    ));
    token.cancel();
    assert_eq!(
        stream.next_event().await,
        Some(Err(ModelError::Interrupted))
    );
    assert_eq!(stream.next_event().await, None);
}

#[test]
fn rules_pick_the_last_user_message_and_tool_outputs_first() {
    let output_parts = json!({"type": "custom_tool_call_output", "call_id": "c",
        "output": [{"type": "input_text", "text": "abc"}, {"type": "input_text", "text": "def"}]});
    assert_eq!(
        decide(&[user("RUN: ls"), output_parts]),
        Reply::Text("done: abcdef".into())
    );
    let assistant = json!({"type": "message", "role": "assistant",
        "content": [{"type": "output_text", "text": "RUN: no"}]});
    assert_eq!(
        decide(&[user("first"), user("second"), assistant]),
        Reply::Text("Hello from mock. You said: second".into())
    );
    assert_eq!(
        decide(&[]),
        Reply::Text("Hello from mock. You said: ".into())
    );
    assert_eq!(
        decide(&[user("RUN:")]),
        Reply::Text("Hello from mock. You said: RUN:".into())
    );
    let long = "x".repeat(100);
    let output = json!({"type": "function_call_output", "call_id": "c", "output": long});
    assert_eq!(
        decide(&[output]),
        Reply::Text(format!("done: {}", "x".repeat(40)))
    );
}

#[tokio::test]
async fn a_patch_turn_ends_with_done_once_the_patch_output_is_back() {
    // `weft demo` relies on this: the marker stays in the last user message, and the tool
    // output after it is what the model answers, so the turn ends after one call.
    let client = ScriptedModelClient::new();
    let events = run(&client, vec![user("PATCH: hello.txt")]).await;
    let ModelEvent::OutputItemDone(call) = &events[2] else {
        panic!("{events:?}")
    };
    let output = json!({"type": "function_call_output", "call_id": call["call_id"],
        "output": "Wall time: 0.0020 seconds\nOutput:\nSuccess. Updated the following files:\nA hello.txt\n"});
    let events = run(
        &client,
        vec![user("PATCH: hello.txt"), call.clone(), output],
    )
    .await;
    assert!(
        events
            .iter()
            .all(|event| !matches!(event, ModelEvent::OutputItemDone(item) if item["type"] == "function_call")),
        "{events:?}"
    );
    assert_eq!(
        deltas(&events).concat(),
        "done: Wall time: 0.0020 seconds\nOutput:\nSucces"
    );
}
