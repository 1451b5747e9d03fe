//! An in-process mock of the Responses API, for every test that needs a model.
//!
//! [`MockResponses::start`] binds `127.0.0.1:0` and serves `POST /v1/responses` with SSE on the
//! caller's tokio runtime (so `#[tokio::test(start_paused = true)]` also pauses the mock's
//! delays). Each request is recorded ([`MockResponses::requests`]) before its reply starts, and
//! answered with the next queued [`Script`] ([`MockResponses::push`]) or, with the queue empty,
//! by the reference mock's rules (see `rules`). Tests synchronise on explicit signals —
//! [`MockResponses::wait_for_requests`], [`Gate`], [`MockResponses::wait_for_reply_end`] — never
//! on sleeps. Dropping the handle stops accepting connections.
//!
//! Other paths are recorded too and answered 404, so a test can see a stray request.

mod render;
mod rules;
mod script;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::Response;
use futures_util::stream;
use serde_json::Value;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use render::sse_event;
pub use rules::{
    REFERENCE_RUN_YIELD_MS, SLOW_DELTA_INTERVAL, SLOW_DELTAS, TOOL_OUTPUT_PREFIX_CHARS,
};
pub use script::{Gate, Script, default_usage};

use render::{Action, Ids};
use script::Reply;

/// One HTTP request the mock received.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    /// `POST`, …
    pub method: String,
    /// The path, e.g. `/v1/responses`.
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
    /// Headers in arrival order, names lowercase.
    pub headers: Vec<(String, String)>,
    /// The body parsed as JSON (`Value::Null` when it is not JSON).
    pub body: Value,
}

impl RecordedRequest {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The body's top-level keys in order.
    pub fn body_keys(&self) -> Vec<&str> {
        self.body
            .as_object()
            .map(|object| object.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    /// The `input` array (empty when absent).
    pub fn input(&self) -> &[Value] {
        self.body
            .get("input")
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice)
    }

    /// The text of the last user message in `input`, as the default rules see it.
    pub fn last_user_text(&self) -> Option<String> {
        rules::last_user_text(self.input())
    }
}

/// How a reply body ended, as seen by the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyEnd {
    /// Every step was sent (including cut, reset and HTTP error replies).
    Finished,
    /// The body was dropped before its end: the client went away.
    Dropped,
}

/// Shared between the handle and the server task. Std mutexes: each critical section is a push
/// or a clone, never held across an await.
struct MockState {
    requests: Mutex<Vec<RecordedRequest>>,
    request_count: watch::Sender<usize>,
    scripts: Mutex<VecDeque<Script>>,
    reply_ends: watch::Sender<Vec<Option<ReplyEnd>>>,
    ids: AtomicU64,
    /// `yield_time_ms` of the `RUN:` rule's `exec_command` call.
    run_yield_ms: AtomicU64,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A running mock server; stops accepting connections when dropped.
pub struct MockResponses {
    addr: SocketAddr,
    state: Arc<MockState>,
    server: JoinHandle<()>,
}

impl std::fmt::Debug for MockResponses {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockResponses")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl MockResponses {
    /// Sets the `yield_time_ms` the `RUN:` rule asks for (the reference mock's 2000 by default).
    /// Suites that assert a command's exit raise it: a command returns as soon as it exits, so a
    /// long yield costs nothing, while 2 s can pass before a login shell on a loaded machine
    /// even starts the command (it would then be reported as a running session).
    pub fn set_run_yield_ms(&self, yield_ms: u64) {
        self.state.run_yield_ms.store(yield_ms, Ordering::Relaxed);
    }

    /// Starts the server on `127.0.0.1:0`.
    ///
    /// # Panics
    /// If no loopback port can be bound (the test cannot run anyway).
    pub async fn start() -> Self {
        match Self::try_start().await {
            Ok(mock) => mock,
            Err(error) => panic!("cannot start the mock Responses server: {error}"),
        }
    }

    /// Starts the server, reporting bind errors.
    ///
    /// # Errors
    /// When binding `127.0.0.1:0` fails.
    pub async fn try_start() -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(MockState {
            requests: Mutex::new(Vec::new()),
            request_count: watch::Sender::new(0),
            scripts: Mutex::new(VecDeque::new()),
            reply_ends: watch::Sender::new(Vec::new()),
            ids: AtomicU64::new(0),
            run_yield_ms: AtomicU64::new(rules::REFERENCE_RUN_YIELD_MS),
        });
        let app = Router::new()
            .route("/v1/responses", axum::routing::post(responses))
            .fallback(not_found)
            .layer(DefaultBodyLimit::disable())
            .with_state(Arc::clone(&state));
        let server = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                tracing::warn!(%error, "mock Responses server stopped");
            }
        });
        Ok(Self {
            addr,
            state,
            server,
        })
    }

    /// `http://127.0.0.1:PORT/v1`, the value for a provider's `base_url`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Queues `script` as the reply to the next `/v1/responses` request (FIFO).
    pub fn push(&self, script: Script) {
        lock(&self.state.scripts).push_back(script);
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.state.requests).clone()
    }

    /// Waits until at least `count` requests arrived and returns all of them.
    ///
    /// Has no timeout of its own (a timer would fire at once under paused time).
    pub async fn wait_for_requests(&self, count: usize) -> Vec<RecordedRequest> {
        let mut seen = self.state.request_count.subscribe();
        let _ = seen.wait_for(|seen| *seen >= count).await;
        self.requests()
    }

    /// Waits until the reply to request `index` (0-based) ended, and says how.
    pub async fn wait_for_reply_end(&self, index: usize) -> ReplyEnd {
        let mut ends = self.state.reply_ends.subscribe();
        let mut result = ReplyEnd::Finished;
        let _ = ends
            .wait_for(|ends| match ends.get(index).copied().flatten() {
                Some(end) => {
                    result = end;
                    true
                }
                None => false,
            })
            .await;
        result
    }
}

impl Drop for MockResponses {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl MockState {
    /// Records a request and returns its index.
    fn record(&self, method: &Method, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> usize {
        let request = RecordedRequest {
            method: method.to_string(),
            path: uri.path().to_owned(),
            query: uri.query().map(str::to_owned),
            headers: headers
                .iter()
                .map(|(name, value)| {
                    (
                        name.as_str().to_owned(),
                        String::from_utf8_lossy(value.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body: serde_json::from_slice(body).unwrap_or(Value::Null),
        };
        let index = {
            let mut requests = lock(&self.requests);
            requests.push(request);
            requests.len() - 1
        };
        self.reply_ends.send_modify(|ends| ends.push(None));
        self.request_count.send_replace(index + 1);
        index
    }

    fn end_reply(&self, index: usize, end: ReplyEnd) {
        self.reply_ends.send_modify(|ends| {
            if let Some(slot) = ends.get_mut(index) {
                slot.get_or_insert(end);
            }
        });
    }
}

async fn not_found(
    State(state): State<Arc<MockState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let index = state.record(&method, &uri, &headers, &body);
    state.end_reply(index, ReplyEnd::Finished);
    plain_response(
        StatusCode::NOT_FOUND,
        &[],
        "no such endpoint in the mock".to_owned(),
    )
}

async fn responses(
    State(state): State<Arc<MockState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let index = state.record(&method, &uri, &headers, &body);
    let queued = lock(&state.scripts).pop_front();
    let script = queued.unwrap_or_else(|| {
        let parsed = serde_json::from_slice(&body).unwrap_or(Value::Null);
        rules::default_script(&parsed, state.run_yield_ms.load(Ordering::Relaxed))
    });
    match script.reply {
        Reply::Http { status, body } => {
            state.end_reply(index, ReplyEnd::Finished);
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            plain_response(status, &script.headers, body)
        }
        Reply::Sse { steps, ending } => {
            let actions = render::render(&steps, &ending, Ids(&state.ids));
            sse_response(
                &script.headers,
                actions,
                ReplyGuard {
                    state,
                    index,
                    finished: false,
                },
            )
        }
    }
}

fn plain_response(status: StatusCode, headers: &[(String, String)], body: String) -> Response {
    let content_type = if body.trim_start().starts_with('{') {
        "application/json"
    } else {
        "text/plain"
    };
    let builder = Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, content_type);
    finish(with_headers(builder, headers), Body::from(body))
}

fn sse_response(headers: &[(String, String)], actions: Vec<Action>, guard: ReplyGuard) -> Response {
    let builder = Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "text/event-stream")
        .header(header::CACHE_CONTROL, "no-cache");
    let body = stream::unfold(
        (VecDeque::from(actions), guard),
        |(mut actions, mut guard)| async move {
            loop {
                let Some(action) = actions.pop_front() else {
                    guard.complete();
                    return None;
                };
                match action {
                    Action::Send(text) => {
                        return Some((
                            Ok::<_, std::io::Error>(Bytes::from(text)),
                            (actions, guard),
                        ));
                    }
                    Action::Delay(delay) => tokio::time::sleep(delay).await,
                    Action::Gate(gate) => gate.pass().await,
                    Action::Hang => std::future::pending::<()>().await,
                    Action::Reset => {
                        // Return `Pending` once so hyper flushes the headers and events sent so far;
                        // an error before that flush would look like a failed connect instead.
                        tokio::task::yield_now().await;
                        guard.complete();
                        let error = std::io::Error::new(
                            std::io::ErrorKind::ConnectionReset,
                            "scripted reset",
                        );
                        return Some((Err(error), (VecDeque::new(), guard)));
                    }
                }
            }
        },
    );
    finish(with_headers(builder, headers), Body::from_stream(body))
}

fn with_headers(
    mut builder: axum::http::response::Builder,
    headers: &[(String, String)],
) -> axum::http::response::Builder {
    for (name, value) in headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    builder
}

fn finish(builder: axum::http::response::Builder, body: Body) -> Response {
    builder.body(body).unwrap_or_else(|error| {
        let mut response = Response::new(Body::from(format!("invalid scripted reply: {error}")));
        *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        response
    })
}

/// Reports how a reply body ended when the body stream is dropped.
struct ReplyGuard {
    state: Arc<MockState>,
    index: usize,
    finished: bool,
}

impl ReplyGuard {
    /// The body sent its last step.
    fn complete(&mut self) {
        self.finished = true;
        self.state.end_reply(self.index, ReplyEnd::Finished);
    }
}

impl Drop for ReplyGuard {
    fn drop(&mut self) {
        if !self.finished {
            self.state.end_reply(self.index, ReplyEnd::Dropped);
        }
    }
}

#[cfg(test)]
mod tests;
