//! A JSON-RPC client for tests: speaks newline-delimited JSON over any byte stream (an
//! in-memory pipe to the in-process server, or a child process's stdio), records every message
//! the server sent, and checks each against the reference JSON Schema as it arrives.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader, Lines};

use crate::schema::SchemaValidator;

/// How long a test waits for one message before failing (a bound, not a synchronisation).
pub const MESSAGE_WAIT: Duration = Duration::from_secs(20);

/// One side of a JSON-RPC connection, driven by a test.
pub struct WireClient<R, W> {
    lines: Lines<BufReader<R>>,
    /// `None` once the client closed its side.
    writer: Option<W>,
    next_id: i64,
    /// Methods of requests in flight, by id, so responses validate against the right schema.
    pending: HashMap<String, String>,
    /// Everything received so far, in order.
    pub received: Vec<Value>,
    /// Whether to check each received message against the reference schema.
    pub validate: bool,
}

impl<R: AsyncRead + Unpin, W: AsyncWrite + Unpin> WireClient<R, W> {
    /// A client over a reader (server output) and a writer (server input).
    pub fn new(reader: R, writer: W) -> Self {
        Self {
            lines: BufReader::new(reader).lines(),
            writer: Some(writer),
            next_id: 1,
            pending: HashMap::new(),
            received: Vec::new(),
            validate: true,
        }
    }

    /// Writes one raw line (a `\n` is appended).
    pub async fn send_raw(&mut self, line: &str) {
        let writer = self.writer.as_mut().expect("input already closed");
        writer
            .write_all(line.as_bytes())
            .await
            .expect("write to server");
        writer.write_all(b"\n").await.expect("write to server");
        writer.flush().await.expect("flush to server");
    }

    /// Writes one raw line of bytes (not necessarily UTF-8; a `\n` is appended).
    pub async fn send_bytes(&mut self, line: &[u8]) {
        let writer = self.writer.as_mut().expect("input already closed");
        writer.write_all(line).await.expect("write to server");
        writer.write_all(b"\n").await.expect("write to server");
        writer.flush().await.expect("flush to server");
    }

    /// Sends a request and returns its id.
    pub async fn send_request(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        self.pending.insert(id.to_string(), method.to_owned());
        let message = json!({"id": id, "method": method, "params": params});
        self.send_raw(&message.to_string()).await;
        id
    }

    /// Sends a notification.
    pub async fn notify(&mut self, method: &str) {
        self.send_raw(&json!({"method": method}).to_string()).await;
    }

    /// The next message from the server, schema-checked; panics after [`MESSAGE_WAIT`].
    pub async fn next_message(&mut self) -> Value {
        self.try_next().await.expect("server closed the connection")
    }

    /// The next message, or `None` when the server closed its output.
    pub async fn try_next(&mut self) -> Option<Value> {
        let line = tokio::time::timeout(MESSAGE_WAIT, self.lines.next_line())
            .await
            .expect("timed out waiting for a server message")
            .expect("read from server")?;
        let message: Value = serde_json::from_str(&line)
            .unwrap_or_else(|err| panic!("server wrote a line that is not JSON ({err}): {line}"));
        self.check(&message);
        self.received.push(message.clone());
        Some(message)
    }

    fn check(&mut self, message: &Value) {
        assert!(
            message.get("jsonrpc").is_none(),
            "weft never writes `jsonrpc`: {message}"
        );
        let id_key = message.get("id").map(|id| match id {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        });
        let is_response = message.get("method").is_none();
        let method = match (&id_key, is_response) {
            (Some(id), true) => self.pending.remove(id),
            _ => None,
        };
        if !self.validate {
            return;
        }
        let validator = SchemaValidator::reference();
        let result = match (method, message.get("result")) {
            (Some(method), Some(result)) => validator.validate_response(&method, result),
            _ => validator.validate_outgoing(message),
        };
        if let Err(err) = result {
            panic!("server message does not match the reference schema: {err}\n{message}");
        }
    }

    /// Sends a request and waits for its response; returns `(response, messages before it)`.
    pub async fn call(&mut self, method: &str, params: Value) -> (Value, Vec<Value>) {
        let id = self.send_request(method, params).await;
        self.response_to(id).await
    }

    /// Sends a request and returns its `result`, panicking on an error response.
    pub async fn call_ok(&mut self, method: &str, params: Value) -> Value {
        let (response, _) = self.call(method, params).await;
        match response.get("result") {
            Some(result) => result.clone(),
            None => panic!("{method} failed: {response}"),
        }
    }

    /// Waits for the response with `id`; returns it and the messages received before it.
    pub async fn response_to(&mut self, id: i64) -> (Value, Vec<Value>) {
        let mut before = Vec::new();
        loop {
            let message = self.next_message().await;
            if message.get("method").is_none() && message.get("id") == Some(&json!(id)) {
                return (message, before);
            }
            before.push(message);
        }
    }

    /// Waits for a notification with this method; returns it and the messages before it.
    pub async fn wait_for(&mut self, method: &str) -> (Value, Vec<Value>) {
        let mut before = Vec::new();
        loop {
            let message = self.next_message().await;
            if message.get("method").and_then(Value::as_str) == Some(method)
                && message.get("id").is_none()
            {
                return (message, before);
            }
            before.push(message);
        }
    }

    /// Waits for a server request with this method; returns it and the messages before it.
    pub async fn wait_for_server_request(&mut self, method: &str) -> (Value, Vec<Value>) {
        let mut before = Vec::new();
        loop {
            let message = self.next_message().await;
            if message.get("method").and_then(Value::as_str) == Some(method)
                && message.get("id").is_some()
            {
                return (message, before);
            }
            before.push(message);
        }
    }

    /// Answers a server request with a `result`.
    pub async fn answer(&mut self, id: &Value, result: Value) {
        self.send_raw(&json!({"id": id, "result": result}).to_string())
            .await;
    }

    /// Answers a server request with a JSON-RPC `error`.
    pub async fn answer_error(&mut self, id: &Value, code: i64, message: &str) {
        self.send_raw(&json!({"id": id, "error": {"code": code, "message": message}}).to_string())
            .await;
    }

    /// `initialize` + `initialized` with a client name; returns the result.
    pub async fn initialize(&mut self, name: &str) -> Value {
        let result = self
            .call_ok(
                "initialize",
                json!({"clientInfo": {"name": name, "version": "1.0.0"}}),
            )
            .await;
        self.notify("initialized").await;
        result
    }

    /// Closes the writing side (the server sees EOF): shuts it down and drops it, since some
    /// writers (a child's stdin) only close their descriptor on drop.
    pub async fn close_input(&mut self) {
        if let Some(mut writer) = self.writer.take() {
            let _ = writer.shutdown().await;
        }
    }
}

/// The method of a notification (or `""`).
#[must_use]
pub fn method_of(message: &Value) -> &str {
    message
        .get("method")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// The methods of a list of messages, for order assertions.
#[must_use]
pub fn methods(messages: &[Value]) -> Vec<String> {
    messages
        .iter()
        .map(
            |message| match message.get("method").and_then(Value::as_str) {
                Some(method) => method.to_owned(),
                None => format!(
                    "response {}",
                    message.get("id").cloned().unwrap_or_default()
                ),
            },
        )
        .collect()
}
