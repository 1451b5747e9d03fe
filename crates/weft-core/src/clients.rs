//! Clients as the core sees them: an opaque id and a bounded queue of outbound messages.
//!
//! weft-server maps its connections to clients; the core never sees a transport. Everything a
//! client receives — responses that must be ordered with thread events, notifications,
//! broadcasts — goes through one [`ClientSink`], so per-client order is the order the core
//! produced the messages in (protocol.md §8).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{Notify, mpsc};
use tokio_util::sync::CancellationToken;
use weft_protocol::v2::{EventPosition, ServerNotification, ServerRequest};
use weft_protocol::{RequestId, RpcError};

use crate::ids::ThreadId;
use crate::limits::{
    CLIENT_QUEUE_BYTES_MAX, CLIENT_QUEUE_BYTES_RESUME, CLIENT_QUEUE_DEPTH,
    CLIENT_QUEUE_MESSAGES_MAX, CLIENT_QUEUE_NOTIFICATION_BYTES_MAX, CLIENT_QUEUE_PAUSE_DEPTH,
    NOTIFICATION_BYTES_ESTIMATE,
};

/// Opaque id of a client (one per initialised connection).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientId(u64);

impl std::fmt::Display for ClientId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "client-{}", self.0)
    }
}

/// Where a response goes: the request id the server will echo. Opaque to the core.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyTo(pub RequestId);

/// One message for a client.
#[derive(Debug, Clone)]
pub enum Outbound {
    /// A notification; shared because broadcasts fan one value out to many clients.
    Notification(Arc<ServerNotification>),
    /// A notification a thread emitted, with its place in the thread's event stream (R38 ★):
    /// written as a plain notification, plus `weftSeq` for connections that opted in.
    ThreadEvent {
        /// The notification.
        notification: Arc<ServerNotification>,
        /// Its position.
        position: Arc<EventPosition>,
    },
    /// A request to the client (an approval, a question); shared because every subscriber of
    /// the thread gets the same one, and a rejoining client gets it again (R32).
    Request {
        /// Process-wide id; the client answers with it.
        id: RequestId,
        /// Method and params.
        request: Arc<ServerRequest>,
    },
    /// An error for a frame the server could not read (JSON-RPC 2.0 §5.1): `id` as read, or
    /// `None` for an id that was present but unusable (written as `null`).
    Rejected {
        /// The id to answer with.
        id: Option<RequestId>,
        /// What was wrong.
        error: RpcError,
    },
    /// The answer to one of the client's requests.
    Response {
        /// Which request.
        to: ReplyTo,
        /// Result JSON (serialised once, here, so a large result is never held as a `Value`
        /// tree) or error.
        result: Result<Box<serde_json::value::RawValue>, RpcError>,
    },
}

impl Outbound {
    /// What this message counts as in its client's byte accounting: an answer its serialised
    /// length (known without serialising again) plus the envelope, anything else
    /// [`NOTIFICATION_BYTES_ESTIMATE`].
    #[must_use]
    pub fn queue_bytes(&self) -> usize {
        /// `{"id":…,"result":…}` around the result, roughly.
        const ENVELOPE_BYTES: usize = 64;
        match self {
            Self::Response {
                result: Ok(result), ..
            } => result.get().len() + ENVELOPE_BYTES,
            Self::Response {
                result: Err(error), ..
            }
            | Self::Rejected { error, .. } => error.message.len() + 2 * ENVELOPE_BYTES,
            Self::Notification(_) | Self::ThreadEvent { .. } | Self::Request { .. } => {
                NOTIFICATION_BYTES_ESTIMATE
            }
        }
    }

    fn is_answer(&self) -> bool {
        matches!(self, Self::Response { .. } | Self::Rejected { .. })
    }
}

/// How full one client's queue is, shared by its sink (which adds what it queues) and the
/// connection's writer (which gives back what it wrote, [`QueueLoad::written`]). The connection
/// reads no new request while the queue is over its budget ([`QueueLoad::is_over_budget`],
/// [`QueueLoad::drained`]): backpressure, so a client that does not read its answers stalls
/// only itself. Atomics and a `Notify`, not an actor: every send and write touches them.
#[derive(Debug)]
pub struct QueueLoad {
    /// Estimated bytes queued ([`Outbound::queue_bytes`]).
    bytes: AtomicUsize,
    /// Messages queued.
    messages: AtomicUsize,
    /// The most bytes ever queued at once, for tests and diagnostics.
    peak_bytes: AtomicUsize,
    /// Messages ever queued.
    queued_total: AtomicU64,
    /// Notifications beyond this many queued messages close the client (R39); the server
    /// chooses it per connection ([`ClientSink::set_notification_depth`]).
    notification_depth: AtomicUsize,
    /// Woken when the writer drained the queue to the resume marks.
    drained: Notify,
    /// Woken when a send took the queue over budget.
    filled: Notify,
}

impl Default for QueueLoad {
    fn default() -> Self {
        Self {
            bytes: AtomicUsize::new(0),
            messages: AtomicUsize::new(0),
            peak_bytes: AtomicUsize::new(0),
            queued_total: AtomicU64::new(0),
            notification_depth: AtomicUsize::new(CLIENT_QUEUE_DEPTH),
            drained: Notify::new(),
            filled: Notify::new(),
        }
    }
}

impl QueueLoad {
    /// Estimated bytes queued now.
    #[must_use]
    pub fn bytes(&self) -> usize {
        self.bytes.load(Ordering::Acquire)
    }

    /// Messages queued now.
    #[must_use]
    pub fn messages(&self) -> usize {
        self.messages.load(Ordering::Acquire)
    }

    /// The most estimated bytes that were ever queued at once.
    #[must_use]
    pub fn peak_bytes(&self) -> usize {
        self.peak_bytes.load(Ordering::Acquire)
    }

    /// Messages ever queued (answers included).
    #[must_use]
    pub fn queued_total(&self) -> u64 {
        self.queued_total.load(Ordering::Acquire)
    }

    /// Whether the connection must stop reading requests: over [`CLIENT_QUEUE_BYTES_MAX`] or
    /// [`CLIENT_QUEUE_PAUSE_DEPTH`].
    #[must_use]
    pub fn is_over_budget(&self) -> bool {
        self.bytes() > CLIENT_QUEUE_BYTES_MAX || self.messages() > CLIENT_QUEUE_PAUSE_DEPTH
    }

    fn is_drained(&self) -> bool {
        self.bytes() <= CLIENT_QUEUE_BYTES_RESUME && self.messages() <= CLIENT_QUEUE_PAUSE_DEPTH / 2
    }

    /// Resolves once the writer drained the queue to [`CLIENT_QUEUE_BYTES_RESUME`] and half of
    /// [`CLIENT_QUEUE_PAUSE_DEPTH`] (at once if it already has). Cancellation safe.
    pub async fn drained(&self) {
        loop {
            let notified = self.drained.notified();
            tokio::pin!(notified);
            // Registered before the check, so a write in between still wakes us.
            notified.as_mut().enable();
            if self.is_drained() {
                return;
            }
            notified.await;
        }
    }

    /// Resolves once the queue is over budget (at once if it is). Cancellation safe. Lets a
    /// connection waiting for its client's next request notice that its answers filled the
    /// queue meanwhile.
    pub async fn over_budget(&self) {
        loop {
            let notified = self.filled.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.is_over_budget() {
                return;
            }
            notified.await;
        }
    }

    /// The writer wrote (or dropped) one message of `bytes` ([`Outbound::queue_bytes`]).
    pub fn written(&self, bytes: usize) {
        self.bytes.fetch_sub(bytes, Ordering::AcqRel);
        self.messages.fetch_sub(1, Ordering::AcqRel);
        if self.is_drained() {
            self.drained.notify_waiters();
        }
    }

    /// Whether a notification of `bytes` still fits under the client's R39 bounds.
    fn admits_notification(&self, bytes: usize) -> bool {
        self.messages() < self.notification_depth.load(Ordering::Relaxed)
            && self.bytes() + bytes <= CLIENT_QUEUE_NOTIFICATION_BYTES_MAX
    }

    fn add(&self, bytes: usize) {
        let now = self.bytes.fetch_add(bytes, Ordering::AcqRel) + bytes;
        self.messages.fetch_add(1, Ordering::AcqRel);
        self.queued_total.fetch_add(1, Ordering::AcqRel);
        self.peak_bytes.fetch_max(now, Ordering::AcqRel);
        if self.is_over_budget() {
            self.filled.notify_waiters();
        }
    }

    fn take_back(&self, bytes: usize) {
        self.bytes.fetch_sub(bytes, Ordering::AcqRel);
        self.messages.fetch_sub(1, Ordering::AcqRel);
        self.queued_total.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The sending half of a client's outbound queue.
///
/// Sends never wait, so no thread actor is ever slowed by a client. Answers to the client's own
/// requests are always queued: the connection stops reading requests while the queue is over
/// budget ([`QueueLoad`]), which bounds them. A notification or server request that does not
/// fit the client's bounds (its transport's message depth, [`CLIENT_QUEUE_NOTIFICATION_BYTES_MAX`])
/// means the client is too slow: it is marked overflowed and stops receiving (R39); the server
/// closes the connection.
#[derive(Debug, Clone)]
pub struct ClientSink {
    id: ClientId,
    sender: mpsc::Sender<Outbound>,
    /// What every clone of the sink shares; one allocation, so a sink stays three words.
    shared: Arc<SinkShared>,
}

#[derive(Debug, Default)]
struct SinkShared {
    /// Cancelled when the client overflowed its queue; the server closes the connection.
    overflowed: CancellationToken,
    /// Cancelled when the connection closed: threads stop counting it as a subscriber at once,
    /// even before their `ClientGone` arrives (R4). The queue itself stays open until every
    /// holder of the sink lets go, so this is what "closed" means to the core.
    departed: CancellationToken,
    /// The connection opted into the resumable event stream at `initialize` (R38 ★).
    event_stream: std::sync::atomic::AtomicBool,
    /// The threads this client is subscribed to, kept by their actors, so that a disconnect
    /// tells those threads and not every loaded one (at most `LOADED_THREADS_MAX`).
    watched: Mutex<HashSet<ThreadId>>,
    /// How full the queue is; shared with the connection's writer.
    load: Arc<QueueLoad>,
}

impl ClientSink {
    /// The client this sink feeds.
    #[must_use]
    pub fn id(&self) -> ClientId {
        self.id
    }

    /// Queues one message; false when the client is gone or too slow (then it is closed).
    pub fn send(&self, message: Outbound) -> bool {
        let load = &self.shared.load;
        let bytes = message.queue_bytes();
        if !message.is_answer() && !load.admits_notification(bytes) {
            self.overflow(load);
            return false;
        }
        load.add(bytes);
        match self.sender.try_send(message) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                load.take_back(bytes);
                self.overflow(load);
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                load.take_back(bytes);
                false
            }
        }
    }

    fn overflow(&self, load: &QueueLoad) {
        if !self.shared.overflowed.is_cancelled() {
            tracing::warn!(
                client = %self.id,
                messages = load.messages(),
                bytes = load.bytes(),
                "client queue full; disconnecting slow client"
            );
            self.shared.overflowed.cancel();
        }
    }

    /// How full this client's queue is; the connection's writer reports what it wrote here.
    #[must_use]
    pub fn load(&self) -> Arc<QueueLoad> {
        Arc::clone(&self.shared.load)
    }

    /// Sets how many messages may be queued before a notification closes the client (R39),
    /// default [`CLIENT_QUEUE_DEPTH`]; capped at [`CLIENT_QUEUE_MESSAGES_MAX`]. The server
    /// decides per connection: one whose client must never be cut off for a pause is given
    /// more room, and [`CLIENT_QUEUE_NOTIFICATION_BYTES_MAX`] still bounds it.
    pub fn set_notification_depth(&self, depth: usize) {
        self.shared
            .load
            .notification_depth
            .store(depth.min(CLIENT_QUEUE_MESSAGES_MAX), Ordering::Relaxed);
    }

    /// Queues a notification.
    pub fn notify(&self, notification: Arc<ServerNotification>) -> bool {
        self.send(Outbound::Notification(notification))
    }

    /// Queues a thread's notification with its stream position.
    pub fn notify_event(
        &self,
        notification: Arc<ServerNotification>,
        position: Arc<EventPosition>,
    ) -> bool {
        self.send(Outbound::ThreadEvent {
            notification,
            position,
        })
    }

    /// Records that the connection opted into the resumable event stream (R38 ★).
    pub fn set_event_stream(&self, enabled: bool) {
        self.shared.event_stream.store(enabled, Ordering::Relaxed);
    }

    /// Whether the connection opted into the resumable event stream.
    #[must_use]
    pub fn wants_event_stream(&self) -> bool {
        self.shared.event_stream.load(Ordering::Relaxed)
    }

    /// A thread subscribed this client.
    pub(crate) fn watch(&self, thread: ThreadId) {
        self.watched().insert(thread);
    }

    /// A thread unsubscribed this client.
    pub(crate) fn unwatch(&self, thread: ThreadId) {
        self.watched().remove(&thread);
    }

    /// The threads this client is subscribed to.
    pub(crate) fn watched_threads(&self) -> Vec<ThreadId> {
        self.watched().iter().copied().collect()
    }

    fn watched(&self) -> std::sync::MutexGuard<'_, HashSet<ThreadId>> {
        // A poisoned lock only means a panic elsewhere mid-insert; the set is still usable.
        self.shared
            .watched
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Queues a server request.
    pub fn request(&self, id: i64, request: Arc<ServerRequest>) -> bool {
        self.send(Outbound::Request {
            id: RequestId::Integer(id),
            request,
        })
    }

    /// Queues a response.
    pub fn reply(
        &self,
        to: ReplyTo,
        result: Result<Box<serde_json::value::RawValue>, RpcError>,
    ) -> bool {
        self.send(Outbound::Response { to, result })
    }

    /// Cancelled when this client overflowed its queue and must be disconnected.
    #[must_use]
    pub fn overflowed(&self) -> CancellationToken {
        self.shared.overflowed.clone()
    }

    /// True once the connection closed (or its queue's receiving side is gone).
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.shared.departed.is_cancelled() || self.sender.is_closed()
    }

    /// Marks the connection closed.
    pub(crate) fn depart(&self) {
        self.shared.departed.cancel();
    }
}

/// A pending response: which client, which request. Handed to whoever must answer in order.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The client's sink.
    pub sink: ClientSink,
    /// The request.
    pub to: ReplyTo,
}

impl Reply {
    /// Sends the result (serialising a success value).
    pub fn send<T: serde::Serialize>(self, result: Result<T, RpcError>) {
        let result = result.and_then(|value| {
            serde_json::value::to_raw_value(&value)
                .map_err(|err| RpcError::internal(format!("failed to serialize response: {err}")))
        });
        self.sink.reply(self.to, result);
    }
}

/// Every connected client, for broadcasts.
///
/// A std `Mutex` around a map, not an actor: broadcasts and (dis)connects are short critical
/// sections that never await.
#[derive(Debug, Default)]
pub(crate) struct Clients {
    next_id: AtomicU64,
    sinks: Mutex<HashMap<ClientId, ClientSink>>,
}

impl Clients {
    /// Creates a client's queue; it receives broadcasts only once it [`Clients::join`]s.
    pub(crate) fn connect(&self) -> (ClientSink, mpsc::Receiver<Outbound>) {
        let id = ClientId(self.next_id.fetch_add(1, Ordering::Relaxed));
        let (sender, receiver) = mpsc::channel(CLIENT_QUEUE_MESSAGES_MAX);
        (
            ClientSink {
                id,
                sender,
                shared: Arc::default(),
            },
            receiver,
        )
    }

    /// Adds an initialised client to the broadcast set.
    pub(crate) fn join(&self, sink: &ClientSink) {
        self.lock().insert(sink.id, sink.clone());
    }

    /// Forgets a client.
    pub(crate) fn disconnect(&self, sink: &ClientSink) {
        sink.depart();
        self.lock().remove(&sink.id);
    }

    /// Sends a notification to every client; drops clients that are gone or too slow.
    pub(crate) fn broadcast(&self, notification: &Arc<ServerNotification>) {
        let mut sinks = self.lock();
        sinks.retain(|_, sink| sink.notify(Arc::clone(notification)));
    }

    /// As [`Clients::broadcast`], for a thread's notification with its stream position.
    pub(crate) fn broadcast_event(
        &self,
        notification: &Arc<ServerNotification>,
        position: &Arc<EventPosition>,
    ) {
        let mut sinks = self.lock();
        sinks.retain(|_, sink| sink.notify_event(Arc::clone(notification), Arc::clone(position)));
    }

    /// How full each initialised client's queue is.
    pub(crate) fn loads(&self) -> Vec<(ClientId, Arc<QueueLoad>)> {
        self.lock()
            .values()
            .map(|sink| (sink.id, sink.load()))
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ClientId, ClientSink>> {
        // A poisoned lock only means a panic elsewhere mid-insert; the map is still usable.
        self.sinks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
