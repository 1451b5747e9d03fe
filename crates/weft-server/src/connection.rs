//! One connection: frames in, the handshake, concurrent request handling, one writer out.
//!
//! Processing order per request (protocol.md §1.4): frame → UTF-8 → JSON → JSON-RPC shape
//! (failures are answered `-32700` / `-32600` when the frame names an id, JSON-RPC 2.0 §5.1,
//! and get no reply otherwise, as in the reference; the connection keeps serving either way); method + params (`Invalid request: …`);
//! `initialize` or the `Not initialized` gate; the experimental gate (`<descriptor> requires
//! experimentalApi capability` for a connection without `experimentalApi`); then the handler, in
//! its own task, so a slow request never blocks the connection.

use std::collections::HashSet;
use std::sync::Arc;

use futures_util::{Stream, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::Semaphore;
use tokio_util::codec::{AnyDelimiterCodec, AnyDelimiterCodecError, FramedRead};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use weft_core::{ClientSink, Core, Identity, Reply, ReplyTo, ServerRequestAnswer};
use weft_protocol::errors::{ALREADY_INITIALIZED, NOT_INITIALIZED};
use weft_protocol::jsonrpc::{ClassifyError, Rejection};
use weft_protocol::v1::InitializeParams;
use weft_protocol::{ClientRequest, Incoming, RequestId, RpcError, experimental_descriptor};

use crate::dispatch;
use crate::initialize;
use crate::limits::{FRAME_BYTES_MAX, IN_FLIGHT_REQUESTS_MAX, STDIO_NOTIFICATION_DEPTH};
use crate::writer::{self, FrameOutput, NotificationCaps, NotificationFilter};

/// Serves one connection until its input ends, a frame is too long, or `shutdown` fires.
pub async fn serve<R, W>(core: Core, input: R, output: W, shutdown: CancellationToken)
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
{
    // Lines as bytes, decoded one by one: a line that is not UTF-8 is that line's problem
    // (answered or ignored like any unreadable frame), never the end of the input (issue 16,
    // fault 1; a `LinesCodec` fails the whole stream on it).
    let codec = AnyDelimiterCodec::new_with_max_length(b"\n".to_vec(), Vec::new(), FRAME_BYTES_MAX);
    let lines = FramedRead::new(input, codec).map(|line| match line {
        Ok(bytes) => {
            let bytes = bytes.strip_suffix(b"\r").unwrap_or(&bytes);
            match std::str::from_utf8(bytes) {
                Ok(text) => Ok(text.to_owned()),
                Err(err) => Err(FrameError::NotUtf8 {
                    lossy: String::from_utf8_lossy(bytes).into_owned(),
                    detail: err.to_string(),
                }),
            }
        }
        Err(AnyDelimiterCodecError::MaxChunkLengthExceeded) => Err(FrameError::TooLong),
        Err(AnyDelimiterCodecError::Io(err)) => Err(FrameError::Failed(err.to_string())),
    });
    serve_frames(
        core,
        lines,
        writer::LineOutput(output),
        shutdown,
        SlowReader::Wait,
    )
    .await;
}

/// What a connection does while its client reads nothing and its queue is over budget (R39).
/// Either way it reads no new request until the queue drained (backpressure), and no thread
/// ever waits for it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum SlowReader {
    /// Wait as long as it takes (stdio: the one client; a UI freeze must not end the session).
    /// Its notification bound is raised to `STDIO_NOTIFICATION_DEPTH`.
    Wait,
    /// Close the connection, with a logged reason, once it has been paused this long
    /// (websocket: a peer that stopped reading must not hold memory and a slot).
    CloseAfter(std::time::Duration),
}

/// How a pause for a slow reader ended.
enum Pause {
    /// The writer drained the queue; read on.
    Drained,
    /// Shutdown, or the client overflowed its notification bounds.
    Stopped,
    /// Paused longer than the connection allows.
    TooLong(std::time::Duration),
}

/// Waits until the client has read enough of its queue, or the connection must end.
async fn pause_for_reader(
    load: &weft_core::QueueLoad,
    policy: SlowReader,
    shutdown: &CancellationToken,
    overflowed: &CancellationToken,
) -> Pause {
    tracing::debug!(
        bytes = load.bytes(),
        messages = load.messages(),
        "client queue over budget; reading no request until it drains"
    );
    let drained = async {
        match policy {
            SlowReader::Wait => {
                load.drained().await;
                Pause::Drained
            }
            SlowReader::CloseAfter(grace) => tokio::time::timeout(grace, load.drained())
                .await
                .map_or(Pause::TooLong(grace), |()| Pause::Drained),
        }
    };
    tokio::select! {
        () = shutdown.cancelled() => Pause::Stopped,
        () = overflowed.cancelled() => Pause::Stopped,
        pause = drained => pause,
    }
}

/// Why a transport stopped yielding frames.
#[derive(Debug)]
pub(crate) enum FrameError {
    /// A frame over `FRAME_BYTES_MAX`; only this connection closes.
    TooLong,
    /// A line that is not UTF-8: rejected (answered when its id can be read), the input goes
    /// on.
    NotUtf8 {
        /// The line with invalid bytes replaced, to look for an id in.
        lossy: String,
        /// What was invalid.
        detail: String,
    },
    /// The transport failed (reason for the log).
    Failed(String),
}

/// Serves one connection whose frames (one JSON-RPC message each) arrive on `frames` and whose
/// answers go to `output`, until the frames end or fail, or `shutdown` fires.
pub(crate) async fn serve_frames<S, O>(
    core: Core,
    frames: S,
    output: O,
    shutdown: CancellationToken,
    slow_reader: SlowReader,
) where
    S: Stream<Item = Result<String, FrameError>> + Unpin,
    O: FrameOutput,
{
    let (sink, receiver) = core.connect();
    if let SlowReader::Wait = slow_reader {
        sink.set_notification_depth(STDIO_NOTIFICATION_DEPTH);
    }
    // Instrumented, not entered: a guard held across awaits would leak the span into other
    // connections' tasks on the same worker thread.
    let span = tracing::info_span!("connection", client = %sink.id());
    run(
        core,
        sink,
        receiver,
        frames,
        output,
        (shutdown, slow_reader),
    )
    .instrument(span)
    .await;
}

async fn run<S, O>(
    core: Core,
    sink: ClientSink,
    receiver: tokio::sync::mpsc::Receiver<weft_core::Outbound>,
    mut frames: S,
    output: O,
    (shutdown, slow_reader): (CancellationToken, SlowReader),
) where
    S: Stream<Item = Result<String, FrameError>> + Unpin,
    O: FrameOutput,
{
    let notification_caps = NotificationCaps::default();
    let load = sink.load();
    let writer = tokio::spawn(
        writer::run(
            receiver,
            output,
            Arc::clone(&notification_caps),
            Arc::clone(core.memory()),
            Arc::clone(&load),
        )
        .instrument(tracing::Span::current()),
    );
    let mut connection = Connection {
        core: core.clone(),
        sink: sink.clone(),
        initialized: false,
        experimental_api: false,
        notification_caps,
        in_flight: Arc::new(Semaphore::new(IN_FLIGHT_REQUESTS_MAX)),
    };
    let overflowed = sink.overflowed();
    let mut paused_too_long = false;
    loop {
        if load.is_over_budget() {
            match pause_for_reader(&load, slow_reader, &shutdown, &overflowed).await {
                Pause::Drained => {}
                Pause::Stopped => break,
                Pause::TooLong(grace) => {
                    tracing::warn!(
                        paused_secs = grace.as_secs(),
                        bytes = load.bytes(),
                        messages = load.messages(),
                        "client read nothing while its queue was full; closing the connection"
                    );
                    paused_too_long = true;
                    break;
                }
            }
        }
        let frame = tokio::select! {
            () = shutdown.cancelled() => break,
            () = overflowed.cancelled() => break,
            // Answers to requests already read filled the queue: pause (and on a websocket
            // start the grace) even if the client sends nothing more.
            () = load.over_budget() => continue,
            frame = frames.next() => frame,
        };
        match frame {
            None => {
                tracing::info!("connection input ended");
                break;
            }
            Some(Ok(line)) => connection.on_frame(&line),
            Some(Err(FrameError::NotUtf8 { lossy, detail })) => {
                connection.on_invalid_utf8(&lossy, &detail);
            }
            Some(Err(FrameError::TooLong)) => {
                tracing::warn!(
                    max = FRAME_BYTES_MAX,
                    "frame too long; closing this connection"
                );
                break;
            }
            Some(Err(FrameError::Failed(err))) => {
                tracing::info!(%err, "connection input failed");
                break;
            }
        }
    }
    core.disconnect(&sink);
    drop(connection);
    drop(sink);
    if overflowed.is_cancelled() || paused_too_long {
        // The client is not reading: the writer may wait on it forever. Dropping the output
        // closes the transport.
        writer.abort();
        return;
    }
    // The writer ends once every sender (request tasks, thread actors) has let go of the sink.
    let _ = writer.await;
}

struct Connection {
    core: Core,
    sink: ClientSink,
    initialized: bool,
    /// `capabilities.experimentalApi` of the successful `initialize`.
    experimental_api: bool,
    notification_caps: NotificationCaps,
    in_flight: Arc<Semaphore>,
}

impl Connection {
    fn on_frame(&mut self, line: &str) {
        if line.trim().is_empty() {
            return;
        }
        match Incoming::classify(line) {
            // A frame that names an id is answered, so its sender does not wait forever
            // (issue 16, fault 5); the rest are ignored, as the reference ignores them.
            Err(ClassifyError::Answer(rejections)) => {
                for Rejection { id, error } in rejections {
                    tracing::warn!(?id, error = %error.message, "answered a frame that cannot be served");
                    self.sink.send(weft_core::Outbound::Rejected { id, error });
                }
            }
            Err(err) => tracing::warn!(%err, "ignored a frame that is not a JSON-RPC message"),
            Ok(Incoming::Notification { method }) => {
                if method != "initialized" {
                    tracing::debug!(%method, "ignored client notification");
                }
            }
            Ok(Incoming::Response { id, result }) => {
                self.core.answer_server_request(
                    self.sink.id(),
                    &id,
                    ServerRequestAnswer::Result(result),
                );
            }
            Ok(Incoming::Error { id, error }) => {
                self.core.answer_server_request(
                    self.sink.id(),
                    &id,
                    ServerRequestAnswer::Error(error),
                );
            }
            Ok(Incoming::Request { id, body, .. }) => self.on_request(id, body),
        }
    }

    fn on_invalid_utf8(&mut self, lossy: &str, detail: &str) {
        match weft_protocol::jsonrpc::recover_id(lossy) {
            Some(id) => {
                tracing::warn!(%id, detail, "answered a line that is not UTF-8");
                let error = RpcError::parse_error(&format!("the line is not UTF-8: {detail}"));
                self.sink.send(weft_core::Outbound::Rejected {
                    id: Some(id),
                    error,
                });
            }
            None => tracing::warn!(detail, "ignored a line that is not UTF-8"),
        }
    }

    fn on_request(&mut self, id: RequestId, body: serde_json::Value) {
        let reply = Reply {
            sink: self.sink.clone(),
            to: ReplyTo(id),
        };
        // Read before parsing consumes the raw params (the typed ones drop unknown members);
        // applied only after the parse and the initialisation checks, in the reference's order.
        let experimental = body
            .get("method")
            .and_then(serde_json::Value::as_str)
            .and_then(|method| experimental_descriptor(method, body.get("params")));
        let request = match serde_json::from_value::<ClientRequest>(body) {
            Ok(request) => request,
            Err(err) => {
                return reply.send::<()>(Err(RpcError::unparsable_request(&err.to_string())));
            }
        };
        if let ClientRequest::Initialize(params) = request {
            return self.initialize(params, reply);
        }
        if !self.initialized {
            return reply.send::<()>(Err(RpcError::invalid_request(NOT_INITIALIZED)));
        }
        if !self.experimental_api
            && let Some(descriptor) = experimental
        {
            return reply.send::<()>(Err(RpcError::requires_experimental_api(descriptor)));
        }
        let Ok(permit) = Arc::clone(&self.in_flight).try_acquire_owned() else {
            return reply.send::<()>(Err(RpcError::overloaded()));
        };
        match dispatch::in_order(&self.core, &self.sink, request, reply) {
            dispatch::Handled::Done => {}
            dispatch::Handled::Cold(cold) => {
                tokio::spawn(async move {
                    cold.run().await;
                    drop(permit);
                });
            }
            dispatch::Handled::Later(request, reply) => {
                let core = self.core.clone();
                let sink = self.sink.clone();
                tokio::spawn(async move {
                    dispatch::handle(&core, &sink, request, reply).await;
                    drop(permit);
                });
            }
        }
    }

    fn initialize(&mut self, params: InitializeParams, reply: Reply) {
        if self.initialized {
            return reply.send::<()>(Err(RpcError::invalid_request(ALREADY_INITIALIZED)));
        }
        if let Err(err) = initialize::validate_client_name(&params.client_info.name) {
            return reply.send::<()>(Err(err));
        }
        let originator = params.client_info.name.clone();
        let user_agent = initialize::user_agent(&originator, &params.client_info);
        self.core.set_identity_once(Identity {
            originator,
            user_agent: user_agent.clone(),
        });
        let capabilities = params.capabilities.unwrap_or_default();
        let opt_outs: HashSet<String> = capabilities
            .opt_out_notification_methods
            .unwrap_or_default()
            .into_iter()
            .collect();
        let _ = self.notification_caps.set(NotificationFilter {
            opt_outs,
            experimental_api: capabilities.experimental_api,
            event_stream: capabilities.weft_event_stream,
        });
        self.sink.set_event_stream(capabilities.weft_event_stream);
        self.experimental_api = capabilities.experimental_api;
        self.initialized = true;
        reply.send(Ok(initialize::response(user_agent, self.core.home())));
        self.core.join(&self.sink);
    }
}
