//! The real `weft` binary with `--listen ws://IP:PORT`: independent websocket clients running
//! turns, the HTTP probes, the `Origin` and bearer-token gates, refusals at start, and shutdown.
//! Every server message is checked against the reference schema.

use std::process::Stdio;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{WebSocketStream, client_async};
use weft_test_support::mock::{MockResponses, Script};
use weft_test_support::schema::{SchemaValidator, WireChecker};

use crate::harness::config_toml;

/// Bounds every wait on the child so a broken server fails the test instead of hanging it.
const WAIT: std::time::Duration = std::time::Duration::from_secs(30);

struct Server {
    child: Child,
    addr: std::net::SocketAddr,
    _home: tempfile::TempDir,
    _mock: MockResponses,
}

/// Starts `weft app-server --listen ws://127.0.0.1:0 <extra>` and reads the bound address
/// from its info log line; stderr keeps being drained to the test's stderr.
async fn start(extra: &[&str]) -> Server {
    start_with(MockResponses::start().await, extra).await
}

/// As [`start`], against a mock the test has scripted.
async fn start_with(mock: MockResponses, extra: &[&str]) -> Server {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("config.toml"),
        config_toml(&mock.base_url(), ""),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(["app-server", "--listen", "ws://127.0.0.1:0"])
        .args(extra)
        .env("WEFT_HOME", home.path())
        .env("RUST_LOG", "info")
        .env_remove("OPENAI_API_KEY")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn weft");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = tokio::time::timeout(WAIT, async {
        let mut seen = Vec::new();
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some((_, rest)) = line.split_once("listening on ws://") {
                let addr = rest.split_whitespace().next().unwrap();
                return addr.parse().unwrap();
            }
            seen.push(line);
        }
        panic!("weft ended without logging its address: {seen:#?}");
    })
    .await
    .expect("bound address logged");
    tokio::spawn(async move {
        // Drained so the child never blocks on a full pipe.
        while let Ok(Some(_)) = lines.next_line().await {}
    });
    Server {
        child,
        addr,
        _home: home,
        _mock: mock,
    }
}

/// Runs `weft app-server` with `args` expecting it to refuse to start; returns its stderr.
async fn refused(args: &[&str]) -> String {
    let home = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_weft"))
        .arg("app-server")
        .args(args)
        .env("WEFT_HOME", home.path())
        .stdin(Stdio::null())
        .output();
    let output = tokio::time::timeout(WAIT, output).await.unwrap().unwrap();
    assert!(!output.status.success(), "weft must refuse {args:?}");
    assert!(output.stdout.is_empty(), "nothing on stdout");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A websocket JSON-RPC client that validates what it receives.
struct WsClient {
    socket: WebSocketStream<TcpStream>,
    checker: WireChecker<'static>,
    next_id: i64,
}

impl WsClient {
    async fn connect(addr: std::net::SocketAddr, bearer: Option<&str>) -> Self {
        Self::try_connect(addr, bearer).await.expect("upgrade")
    }

    async fn try_connect(
        addr: std::net::SocketAddr,
        bearer: Option<&str>,
    ) -> Result<Self, tungstenite::Error> {
        let mut request = format!("ws://{addr}/").into_client_request().unwrap();
        if let Some(token) = bearer {
            let value = format!("Bearer {token}").parse().unwrap();
            request.headers_mut().insert("authorization", value);
        }
        let stream = TcpStream::connect(addr).await.unwrap();
        let (socket, _) = client_async(request, stream).await?;
        Ok(Self {
            socket,
            checker: WireChecker::new(SchemaValidator::reference()),
            next_id: 1,
        })
    }

    async fn send(&mut self, message: &Value) {
        self.checker.observe_incoming(message);
        let text = message.to_string();
        self.socket.send(Message::text(text)).await.unwrap();
    }

    /// The next JSON-RPC message (one per text frame), schema-checked; `None` at close.
    async fn next(&mut self) -> Option<Value> {
        loop {
            let frame = tokio::time::timeout(WAIT, self.socket.next())
                .await
                .unwrap()?;
            match frame {
                Ok(Message::Text(text)) => {
                    let message: Value = serde_json::from_str(text.as_str()).unwrap();
                    if let Err(err) = self.checker.check_outgoing(&message) {
                        panic!("schema: {err}");
                    }
                    return Some(message);
                }
                Ok(Message::Close(_)) | Err(_) => return None,
                Ok(_) => {}
            }
        }
    }

    async fn call_ok(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"id": id, "method": method, "params": params}))
            .await;
        loop {
            let message = self.next().await.expect("response before close");
            if message["id"] == id && message.get("method").is_none() {
                assert!(message.get("error").is_none(), "{method}: {message}");
                return message["result"].clone();
            }
        }
    }

    async fn wait_for(&mut self, method: &str) -> Value {
        loop {
            let message = self.next().await.expect("notification before close");
            if message["method"] == method {
                return message;
            }
        }
    }

    async fn initialize(&mut self, name: &str) -> Value {
        let result = self
            .call_ok(
                "initialize",
                json!({"clientInfo": {"name": name, "version": "1"}}),
            )
            .await;
        self.send(&json!({"method": "initialized"})).await;
        result
    }

    async fn run_turn(&mut self) {
        let thread = self.call_ok("thread/start", json!({})).await;
        let input = json!([{"type": "text", "text": "hi"}]);
        self.call_ok(
            "turn/start",
            json!({"threadId": thread["thread"]["id"], "input": input}),
        )
        .await;
        let completed = self.wait_for("turn/completed").await;
        assert_eq!(completed["params"]["turn"]["status"], "completed");
    }
}

/// One raw HTTP/1.1 request; returns the status line.
async fn http_get(addr: std::net::SocketAddr, path: &str, extra_headers: &str) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{extra_headers}\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    tokio::time::timeout(WAIT, stream.read_to_string(&mut response))
        .await
        .unwrap()
        .unwrap();
    response.lines().next().unwrap_or_default().to_owned()
}

async fn terminate(mut child: Child) {
    let pid = child.id().unwrap().to_string();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(status.success());
    let status = tokio::time::timeout(WAIT, child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "weft exits 0 after SIGTERM: {status}");
}

#[tokio::test]
async fn two_websocket_clients_run_turns_independently() {
    let server = start(&[]).await;
    let mut first = WsClient::connect(server.addr, None).await;
    let mut second = WsClient::connect(server.addr, None).await;
    first.initialize("ws-first").await;
    // The second connection is not initialised by the first one's handshake.
    second
        .send(&json!({"id": 7, "method": "thread/start", "params": {}}))
        .await;
    let refused = second.next().await.unwrap();
    assert_eq!(refused["error"]["message"], "Not initialized");
    second.initialize("ws-second").await;
    first.run_turn().await;
    second.run_turn().await;
    // Binary frames are ignored; the connection keeps serving.
    second
        .socket
        .send(Message::binary(b"{}".to_vec()))
        .await
        .unwrap();
    second.call_ok("thread/loaded/list", json!({})).await;
    // SIGTERM: both websockets are closed, weft exits 0.
    terminate(server.child).await;
    while first.next().await.is_some() {}
    while second.next().await.is_some() {}
}

#[tokio::test]
async fn probes_answer_and_origin_is_forbidden() {
    let server = start(&[]).await;
    assert_eq!(
        http_get(server.addr, "/readyz", "").await,
        "HTTP/1.1 200 OK"
    );
    assert_eq!(
        http_get(server.addr, "/healthz", "").await,
        "HTTP/1.1 200 OK"
    );
    assert_eq!(
        http_get(server.addr, "/healthz", "Origin: http://example.com\r\n").await,
        "HTTP/1.1 403 Forbidden"
    );
    assert_eq!(
        http_get(server.addr, "/nope", "").await,
        "HTTP/1.1 404 Not Found"
    );
    let upgrade = "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
                   Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://example.com\r\n";
    assert_eq!(
        http_get(server.addr, "/", upgrade).await,
        "HTTP/1.1 403 Forbidden"
    );
}

#[tokio::test]
async fn capability_token_gates_the_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "open-sesame\n").unwrap();
    let token_path = token_file.display().to_string();
    let server = start(&[
        "--ws-auth",
        "capability-token",
        "--ws-token-file",
        &token_path,
    ])
    .await;
    for bearer in [None, Some("wrong")] {
        let Err(tungstenite::Error::Http(response)) =
            WsClient::try_connect(server.addr, bearer).await
        else {
            panic!("upgrade with {bearer:?} must be refused");
        };
        assert_eq!(response.status(), 401);
    }
    let mut client = WsClient::connect(server.addr, Some("open-sesame")).await;
    client.initialize("ws-authed").await;
    client.run_turn().await;
    // Probes need no token.
    assert_eq!(
        http_get(server.addr, "/readyz", "").await,
        "HTTP/1.1 200 OK"
    );
}

#[tokio::test]
async fn token_digest_flag_works() {
    // sha256("abc")
    let digest = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    let server = start(&["--ws-auth", "capability-token", "--ws-token-sha256", digest]).await;
    assert!(
        WsClient::try_connect(server.addr, Some("abd"))
            .await
            .is_err()
    );
    let mut client = WsClient::connect(server.addr, Some("abc")).await;
    client.initialize("ws-digest").await;
}

#[tokio::test]
async fn refusals_at_start() {
    let stderr = refused(&["--listen", "ws://0.0.0.0:0"]).await;
    assert!(
        stderr.contains(
            "refusing to listen on non-loopback address 0.0.0.0:0 without authentication"
        ),
        "{stderr}"
    );
    let stderr = refused(&["--listen", "http://x"]).await;
    assert!(
        stderr.contains(
            "unsupported --listen URL `http://x`; expected `stdio://`, `unix://`, `unix://PATH`, `ws://IP:PORT`, or `off`"
        ),
        "{stderr}"
    );
    let stderr = refused(&["--listen", "ws://localhost:1"]).await;
    assert!(
        stderr
            .contains("invalid websocket --listen URL `ws://localhost:1`; expected `ws://IP:PORT`"),
        "{stderr}"
    );
    let stderr = refused(&[
        "--listen",
        "ws://127.0.0.1:0",
        "--ws-auth",
        "signed-bearer-token",
        "--ws-shared-secret-file",
        "/nonexistent/secret",
    ])
    .await;
    assert!(stderr.contains("not supported yet"), "{stderr}");
    let stderr = refused(&[
        "--listen",
        "ws://127.0.0.1:0",
        "--ws-auth",
        "capability-token",
    ])
    .await;
    assert!(
        stderr.contains("needs exactly one of --ws-token-file or --ws-token-sha256"),
        "{stderr}"
    );
    let stderr = refused(&[
        "--listen",
        "ws://127.0.0.1:0",
        "--ws-auth",
        "capability-token",
        "--ws-token-file",
        "relative/token",
    ])
    .await;
    assert!(stderr.contains("must be an absolute path"), "{stderr}");
}

#[tokio::test]
async fn framing_fragments_pings_large_answers_and_close() {
    use tokio_tungstenite::tungstenite::protocol::frame::Frame;
    use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};

    let server = start(&[]).await;
    let mut client = WsClient::connect(server.addr, None).await;
    client.initialize("ws-framing").await;
    // One request split over a text frame and a continuation frame.
    let request = json!({"id": 99, "method": "thread/loaded/list", "params": {}}).to_string();
    client
        .checker
        .observe_incoming(&serde_json::from_str(&request).unwrap());
    let (head, tail) = request.split_at(10);
    let first = Frame::message(head.as_bytes().to_vec(), OpCode::Data(Data::Text), false);
    let rest = Frame::message(tail.as_bytes().to_vec(), OpCode::Data(Data::Continue), true);
    client.socket.send(Message::Frame(first)).await.unwrap();
    client.socket.send(Message::Frame(rest)).await.unwrap();
    let answer = client.next().await.unwrap();
    assert_eq!(answer["id"], 99);
    assert!(answer["result"]["data"].is_array(), "{answer}");
    // Ping → pong.
    client
        .socket
        .send(Message::Ping(b"are you there".to_vec().into()))
        .await
        .unwrap();
    loop {
        let frame = tokio::time::timeout(WAIT, client.socket.next())
            .await
            .unwrap();
        match frame.unwrap().unwrap() {
            Message::Pong(payload) => {
                assert_eq!(&payload[..], b"are you there");
                break;
            }
            Message::Text(_) => {}
            other => panic!("unexpected frame {other:?}"),
        }
    }
    // A large answer arrives as one text frame.
    let big = "x".repeat(300_000);
    let thread = client.call_ok("thread/start", json!({})).await;
    let thread_id = thread["thread"]["id"].clone();
    let input = json!([{"type": "text", "text": big}]);
    client
        .call_ok("turn/start", json!({"threadId": thread_id, "input": input}))
        .await;
    client.wait_for("turn/completed").await;
    let read = client
        .call_ok(
            "thread/read",
            json!({"threadId": thread_id, "includeTurns": true}),
        )
        .await;
    assert!(read.to_string().contains(&big));
    // The client closes: the server completes the close handshake and keeps listening.
    client.socket.close(None).await.unwrap();
    assert!(client.next().await.is_none());
    let mut again = WsClient::connect(server.addr, None).await;
    again.initialize("ws-again").await;
}

#[tokio::test]
async fn r36_sigterm_drains_then_closes_every_websocket() {
    let mock = MockResponses::start().await;
    let mut script = Script::new()
        .with_created()
        .with_message_added()
        .with_text_delta("draining ");
    let gate = script.gate();
    mock.push(script.with_text_delta("done").with_message_done());
    let server = start_with(mock, &[]).await;
    let mut client = WsClient::connect(server.addr, None).await;
    client.initialize("ws-drain").await;
    let thread = client.call_ok("thread/start", json!({})).await;
    let input = json!([{"type": "text", "text": "hi"}]);
    client
        .call_ok(
            "turn/start",
            json!({"threadId": thread["thread"]["id"], "input": input}),
        )
        .await;
    client.wait_for("item/agentMessage/delta").await;

    let pid = server.child.id().unwrap().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    // New work is refused once the drain is visible (the first requests may race the signal).
    let mut refusal = None;
    for id in 1000..2000 {
        client
            .send(&json!({"id": id, "method": "thread/start", "params": {}}))
            .await;
        let response = loop {
            let message = client.next().await.unwrap();
            if message["id"] == id && message.get("method").is_none() {
                break message;
            }
        };
        if response.get("error").is_some() {
            refusal = Some(response);
            break;
        }
    }
    let refusal = refusal.expect("the drain refuses new work");
    assert_eq!(
        refusal["error"]["message"],
        "Server is draining; retry after reconnecting"
    );
    // New websocket connections are still accepted and served during the drain.
    let mut late = WsClient::connect(server.addr, None).await;
    late.initialize("ws-late").await;
    late.call_ok("thread/loaded/list", json!({})).await;
    // The running turn finishes, then every websocket closes and weft exits 0.
    gate.release();
    let completed = client.wait_for("turn/completed").await;
    assert_eq!(completed["params"]["turn"]["status"], "completed");
    while client.next().await.is_some() {}
    while late.next().await.is_some() {}
    let mut child = server.child;
    let status = tokio::time::timeout(WAIT, child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "weft exits 0 after the drain: {status}");
}

/// The messages up to and including the first `method`, in order.
async fn messages_until(client: &mut WsClient, method: &str) -> Vec<Value> {
    let mut seen = Vec::new();
    loop {
        let message = client.next().await.expect("message before close");
        let done = message["method"] == method;
        seen.push(message);
        if done {
            return seen;
        }
    }
}

fn methods_of(messages: &[Value]) -> Vec<String> {
    messages
        .iter()
        .filter_map(|message| message["method"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn r1_r4_two_websocket_clients_share_a_thread_and_hand_over_a_question() {
    let mock = MockResponses::start().await;
    mock.push(Script::function_call(
        "request_user_input",
        "call_q",
        r#"{"questions":[{"id":"q1","header":"Pick","question":"Which one?","options":[{"label":"Yes","description":"do it"},{"label":"No","description":"skip it"}]}]}"#,
    ));
    let server = start_with(mock, &[]).await;
    let mut first = WsClient::connect(server.addr, None).await;
    // Plan mode (`collaborationMode`) is experimental: the client opts in, as the TUI does.
    first
        .call_ok(
            "initialize",
            json!({"clientInfo": {"name": "ws-first", "version": "1"}, "capabilities": {"experimentalApi": true}}),
        )
        .await;
    first.send(&json!({"method": "initialized"})).await;
    let thread = first.call_ok("thread/start", json!({})).await;
    let thread_id = thread["thread"]["id"].as_str().unwrap().to_owned();
    first
        .call_ok(
            "turn/start",
            json!({
                "threadId": thread_id,
                "input": [{"type": "text", "text": "ask me"}],
                "collaborationMode": {"mode": "plan", "settings": {"model": "gpt-5.2-codex"}},
            }),
        )
        .await;
    let asked = messages_until(&mut first, "item/tool/requestUserInput").await;
    let request = asked.last().unwrap().clone();

    // A's socket goes away while the question waits.
    first.socket.close(None).await.unwrap();
    while first.next().await.is_some() {}

    let mut second = WsClient::connect(server.addr, None).await;
    second.initialize("ws-second").await;
    let resumed = second
        .call_ok("thread/resume", json!({"threadId": thread_id}))
        .await;
    assert_eq!(
        resumed["thread"]["status"],
        json!({"type": "active", "activeFlags": ["waitingOnUserInput"]})
    );
    let replayed = second.wait_for("item/tool/requestUserInput").await;
    assert_eq!(replayed["id"], request["id"]);
    assert_eq!(replayed["params"], request["params"]);
    second
        .send(&json!({"id": request["id"], "result": {"answers": {"q1": {"answers": ["Yes"]}}}}))
        .await;
    let finished = messages_until(&mut second, "turn/completed").await;
    assert!(methods_of(&finished).contains(&"serverRequest/resolved".to_owned()));
    assert_eq!(
        finished.last().unwrap()["params"]["turn"]["status"],
        "completed"
    );

    // A reconnects and sees the outcome.
    let mut again = WsClient::connect(server.addr, None).await;
    again.initialize("ws-first-again").await;
    let read = again
        .call_ok(
            "thread/read",
            json!({"threadId": thread_id, "includeTurns": true}),
        )
        .await;
    assert_eq!(read["thread"]["turns"][0]["status"], "completed");
    terminate(server.child).await;
}

#[tokio::test]
async fn fifty_websocket_subscribers_each_get_every_event_once_in_order() {
    const SUBSCRIBERS: usize = 50;
    let server = start(&[]).await;
    let mut owner = WsClient::connect(server.addr, None).await;
    owner.initialize("ws-owner").await;
    let thread = owner.call_ok("thread/start", json!({})).await;
    let thread_id = thread["thread"]["id"].as_str().unwrap().to_owned();
    let input = json!([{"type": "text", "text": "first"}]);
    owner
        .call_ok("turn/start", json!({"threadId": thread_id, "input": input}))
        .await;
    owner.wait_for("turn/completed").await;

    let mut watchers = Vec::with_capacity(SUBSCRIBERS);
    for i in 0..SUBSCRIBERS {
        let mut watcher = WsClient::connect(server.addr, None).await;
        watcher.initialize(&format!("ws-watcher-{i}")).await;
        watcher
            .call_ok("thread/resume", json!({"threadId": thread_id}))
            .await;
        watchers.push(watcher);
    }
    let input = json!([{"type": "text", "text": "second"}]);
    owner
        .call_ok("turn/start", json!({"threadId": thread_id, "input": input}))
        .await;
    let expected = methods_of(&messages_until(&mut owner, "turn/completed").await);
    assert!(expected.contains(&"item/agentMessage/delta".to_owned()));
    let streams = futures_util::future::join_all(
        watchers
            .iter_mut()
            .map(|watcher| messages_until(watcher, "turn/completed")),
    )
    .await;
    for stream in &streams {
        // Each watcher got the goal snapshot of its own resume (and the later watchers'
        // snapshots, which are broadcasts) before the turn; from `turn/started` on, the same
        // sequence as the owner, each event once.
        let methods = methods_of(stream);
        let start = methods
            .iter()
            .position(|method| method == "turn/started")
            .expect("turn/started");
        let owner_start = expected
            .iter()
            .position(|method| method == "turn/started")
            .unwrap();
        assert_eq!(methods[start..], expected[owner_start..]);
    }
    terminate(server.child).await;
}
