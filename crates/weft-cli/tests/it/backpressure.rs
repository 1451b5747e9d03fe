//! Issue 16: a client that stops reading. Its queue is bounded in bytes, the connection stops
//! reading its requests while the queue is over budget (backpressure), and once it reads again
//! every request is answered; on stdio the server waits for it however long it takes.

use std::process::Stdio;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;
use weft_core::limits::{CLIENT_QUEUE_BYTES_MAX, CLIENT_QUEUE_PAUSE_DEPTH};
use weft_protocol::errors::INPUT_CHARS_MAX;
use weft_server::limits::WS_PAUSED_READER_MAX;
use weft_test_support::mock::MockResponses;

use crate::harness::{Harness, config_toml, start_thread};

/// `thread/read` requests sent by the client that stops reading: their answers (just over
/// 1 MiB each) are far more than the pipe and the byte budget hold together.
const LARGE_READS: usize = 40;

/// A thread whose `thread/read` answer is a few MiB: one turn with the longest input.
async fn large_thread(client: &mut crate::harness::Client) -> String {
    let thread_id = start_thread(client, json!({})).await;
    let text = "y".repeat(INPUT_CHARS_MAX);
    client
        .call_ok(
            "turn/start",
            json!({"threadId": thread_id, "input": [{"type": "text", "text": text}]}),
        )
        .await;
    client.wait_for("turn/completed").await;
    thread_id
}

/// Fault 2: with the reader paused, large answers pile up only to the byte budget (plus the one
/// that crossed it); the rest of the requests wait unread; reading again answers every one.
/// (Requests read in one burst while the queue is empty are all answered: the overshoot is
/// bounded by `IN_FLIGHT_REQUESTS_MAX` answers, not by the budget; this test sends them one by
/// one, as a client sending 20 a second does.)
#[tokio::test]
async fn a_client_that_stops_reading_large_answers_is_held_at_the_byte_budget() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let thread_id = large_thread(&mut client).await;
    let loads = harness.core.client_queue_loads();
    assert_eq!(loads.len(), 1);
    let load = std::sync::Arc::clone(&loads[0].1);
    // The answers are 1 MiB of the same text; checked once below, not 40 times.
    client.validate = false;

    // Stop reading. Send one request at a time, each once the previous one was answered into
    // the queue, or once the connection paused (then the rest stay unread in the pipe).
    let mut ids = Vec::new();
    let mut paused_after = None;
    for sent in 0..LARGE_READS {
        let before = load.queued_total();
        let read = json!({"threadId": thread_id, "includeTurns": true});
        ids.push(client.send_request("thread/read", read).await);
        while load.queued_total() == before && !load.is_over_budget() {
            tokio::task::yield_now().await;
        }
        if load.is_over_budget() && paused_after.is_none() {
            paused_after = Some(sent + 1);
        }
    }
    let paused_after = paused_after.expect("the connection paused");
    assert!(
        paused_after < LARGE_READS,
        "answers stopped at {paused_after}"
    );
    // An answer carries the 1 MiB text a few times (input, item); 4 MiB bounds it.
    let one_answer = 4 * 1024 * 1024;
    assert!(
        load.peak_bytes() <= CLIENT_QUEUE_BYTES_MAX + one_answer,
        "queued {} bytes at most",
        load.peak_bytes()
    );

    // Read again: every request is answered (concurrent handlers may answer out of order), and
    // the connection still serves.
    let mut unanswered: std::collections::HashSet<i64> = ids.into_iter().collect();
    while !unanswered.is_empty() {
        let message = client.next_message().await;
        let Some(id) = message.get("id").and_then(Value::as_i64) else {
            continue;
        };
        assert!(unanswered.remove(&id), "answered twice or unasked: {id}");
        let turns = message["result"]["thread"]["turns"]
            .as_array()
            .unwrap_or_else(|| panic!("thread/read {id} failed: {}", message["error"]));
        assert_eq!(turns.len(), 1);
    }
    client.validate = true;
    client.call_ok("thread/loaded/list", json!({})).await;
}

/// A generous bound on each wait of the binary test, so a regression fails instead of hanging.
const WAIT: std::time::Duration = std::time::Duration::from_secs(60);

/// Small requests the stdio client sends without reading: more answers than the old 4,096
/// message bound, and than the pause depth plus both pipes hold, so the server must pause.
const SMALL_REQUESTS: usize = 3 * CLIENT_QUEUE_PAUSE_DEPTH;

/// Fault 3: a stdio client that stops reading under load is waited for: the server stops
/// reading its requests (it logs the pause, which is the test's signal), never closes, and
/// once the client reads again every request is answered and the session goes on.
#[tokio::test]
async fn a_stdio_client_that_pauses_reading_is_waited_for() {
    let mock = MockResponses::start().await;
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("config.toml"),
        config_toml(&mock.base_url(), ""),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_weft"))
        .arg("app-server")
        .env("WEFT_HOME", home.path())
        .env("RUST_LOG", "warn,weft_server::connection=debug")
        .env_remove("OPENAI_API_KEY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn weft");
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    // Drained all along (the server must never block on its log); says when it paused.
    let (paused_tx, paused_rx) = tokio::sync::oneshot::channel();
    let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
    tokio::spawn(async move {
        let mut paused_tx = Some(paused_tx);
        while let Ok(Some(line)) = stderr.next_line().await {
            if line.contains("reading no request until it drains")
                && let Some(paused_tx) = paused_tx.take()
            {
                let _ = paused_tx.send(());
            }
        }
    });
    let line = |value: Value| format!("{value}\n");
    let init = json!({"id": 0, "method": "initialize",
        "params": {"clientInfo": {"name": "weft-test", "version": "1.0.0"}}});
    stdin.write_all(line(init).as_bytes()).await.unwrap();
    stdin
        .write_all(line(json!({"method": "initialized"})).as_bytes())
        .await
        .unwrap();
    let answer = stdout.next_line().await.unwrap().unwrap();
    assert!(answer.contains("\"result\""), "{answer}");

    // The client writes its requests in a task and reads nothing until the server paused.
    let writer = tokio::spawn(async move {
        for id in 1..=SMALL_REQUESTS {
            let request = json!({"id": id, "method": "thread/loaded/list", "params": {}});
            stdin.write_all(line(request).as_bytes()).await.unwrap();
        }
        stdin
    });
    tokio::time::timeout(WAIT, paused_rx)
        .await
        .expect("the server paused reading in time")
        .expect("the server paused reading");

    let mut answered = std::collections::HashSet::new();
    while answered.len() < SMALL_REQUESTS {
        let text = stdout
            .next_line()
            .await
            .unwrap()
            .expect("server still serving");
        let message: Value = serde_json::from_str(&text).unwrap();
        let id = message["id"].as_u64().expect("only answers were asked for");
        // Read again in a rush, a request may meet the in-flight bound: still an answer.
        assert!(
            message.get("result").is_some() || message["error"]["code"] == -32001,
            "{message}"
        );
        assert!(answered.insert(id), "answered twice: {id}");
    }
    let mut stdin = writer.await.unwrap();
    // Still the same session.
    let request = json!({"id": "after", "method": "thread/loaded/list", "params": {}});
    stdin.write_all(line(request).as_bytes()).await.unwrap();
    let text = stdout
        .next_line()
        .await
        .unwrap()
        .expect("server still serving");
    assert!(text.contains("\"after\""), "{text}");
    drop(stdin);
    let status = child.wait().await.unwrap();
    assert!(status.success(), "weft exits 0 on stdin EOF: {status}");
}

/// Words of the turn streamed while a websocket client reads nothing: one delta notification
/// each, about 1 KiB, so the socket's buffers and the 4,096-message bound both fill.
const FLOOD_WORDS: usize = 24_000;

/// R39 on a websocket: a client that never reads is closed with a logged reason once its
/// notifications pass the bound, while another client of the same thread gets every one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r39_a_websocket_client_that_never_reads_is_closed_and_slows_no_one() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    let harness = Harness::start().await;
    let mut reader = harness.connect().await;
    let thread_id = start_thread(&mut reader, json!({})).await;
    // A first turn, so the thread has a rollout the sleeper's `thread/resume` joins.
    crate::harness::run_turn(&mut reader, &thread_id, "hi").await;
    let word = format!("{} ", "w".repeat(1000));
    harness.mock.push(weft_test_support::mock::Script::text(
        &word.repeat(FLOOD_WORDS),
    ));
    reader.validate = false;
    let reader_id = harness.core.client_queue_loads()[0].0;

    let listener =
        weft_server::WsListener::bind("127.0.0.1:0".parse().unwrap(), weft_server::WsAuth::Open)
            .await
            .unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(listener.serve(harness.core.clone(), harness.shutdown.clone()));
    let request = format!("ws://{addr}/").into_client_request().unwrap();
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sleeper, _) = tokio_tungstenite::client_async(request, stream)
        .await
        .unwrap();
    for message in [
        json!({"id": 1, "method": "initialize",
            "params": {"clientInfo": {"name": "sleeper", "version": "1.0.0"}}}),
        json!({"method": "initialized"}),
        json!({"id": 2, "method": "thread/resume", "params": {"threadId": thread_id}}),
    ] {
        sleeper
            .send(Message::text(message.to_string()))
            .await
            .unwrap();
    }
    // Subscribed once its resume is answered: its second message (after `initialize`'s).
    let sleeper_load = loop {
        let sleeper = harness
            .core
            .client_queue_loads()
            .into_iter()
            .find(|(id, _)| *id != reader_id);
        match sleeper {
            Some((_, load)) if load.queued_total() >= 2 => break load,
            _ => tokio::task::yield_now().await,
        }
    };

    let messages = crate::harness::run_turn(&mut reader, &thread_id, "flood").await;
    let deltas = messages
        .iter()
        .filter(|message| message["method"] == "item/agentMessage/delta")
        .count();
    assert_eq!(deltas, FLOOD_WORDS, "the reading client got every delta");
    // The sleeper was cut off: it is no longer a client, and its socket ends after what the
    // kernel had buffered.
    while harness.core.client_queue_loads().len() > 1 {
        tokio::task::yield_now().await;
    }
    let queued = sleeper_load.queued_total();
    assert!(
        queued > 4096 && queued < 2 + FLOOD_WORDS as u64,
        "the sleeper was subscribed, then cut off: {queued} messages"
    );
    let mut received = 0_usize;
    while let Some(Ok(frame)) = sleeper.next().await {
        if frame.is_text() {
            received += 1;
        }
    }
    assert!(
        received < FLOOD_WORDS,
        "closed before the turn's end: {received}"
    );
}

/// R39 on a websocket, answers: a client that asks for large answers and never reads them is
/// paused, then closed after `WS_PAUSED_READER_MAX` with a logged reason; the other client is
/// served throughout. Time is paused once the setup is done, so the grace passes at once.
#[tokio::test]
async fn r39_a_websocket_client_paused_too_long_is_closed() {
    use futures_util::SinkExt;
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    let harness = Harness::start().await;
    let mut other = harness.connect().await;
    let thread_id = large_thread(&mut other).await;
    let other_id = harness.core.client_queue_loads()[0].0;
    let listener =
        weft_server::WsListener::bind("127.0.0.1:0".parse().unwrap(), weft_server::WsAuth::Open)
            .await
            .unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(listener.serve(harness.core.clone(), harness.shutdown.clone()));
    let request = format!("ws://{addr}/").into_client_request().unwrap();
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sleeper, _) = tokio_tungstenite::client_async(request, stream)
        .await
        .unwrap();
    let init = json!({"id": 0, "method": "initialize",
        "params": {"clientInfo": {"name": "sleeper", "version": "1.0.0"}}});
    sleeper.send(Message::text(init.to_string())).await.unwrap();
    let sleeper_load = loop {
        let found = harness
            .core
            .client_queue_loads()
            .into_iter()
            .find(|(id, _)| *id != other_id);
        match found {
            Some((_, load)) => break load,
            None => tokio::task::yield_now().await,
        }
    };

    tokio::time::pause();
    for id in 1..=LARGE_READS {
        let read = json!({"id": id, "method": "thread/read",
            "params": {"threadId": thread_id, "includeTurns": true}});
        sleeper.send(Message::text(read.to_string())).await.unwrap();
    }
    // Paused time moves on whenever nothing is ready: the grace runs out in no real time.
    let mut seconds = 0;
    while harness.core.client_queue_loads().len() > 1 {
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        seconds += 1;
        assert!(seconds < 10 * WS_PAUSED_READER_MAX.as_secs(), "still open");
    }
    assert!(
        seconds >= WS_PAUSED_READER_MAX.as_secs(),
        "closed after the grace, not before: {seconds} s"
    );
    assert!(
        sleeper_load.is_over_budget(),
        "it was closed for a full queue"
    );
    other.call_ok("thread/loaded/list", json!({})).await;
}
