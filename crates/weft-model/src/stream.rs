//! `ResponseStream`: the events of one response, read lazily from the HTTP body.
//!
//! There is no background task: the stream is a state machine polled by its consumer, so
//! dropping it drops the HTTP body and closes the connection at once (the provider sees a client
//! disconnect, which is how an interrupt or steer cancels a response). The idle timer is armed
//! only while the consumer waits for the next event, as in the reference, and uses tokio time so
//! tests can run with paused time.
//!
//! Ordering and termination: events come out in provider order; after `Completed` or the first
//! error the stream yields `None` forever. `response.completed`, `response.failed` and
//! `response.incomplete` end the stream as soon as they arrive (the reference waits for the
//! connection to close first; ending early changes nothing a client can see).

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::{self, BoxStream, Stream, StreamExt};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::debug;

use crate::error::ModelError;
use crate::event::{ModelEvent, Parsed, parse_event};
use crate::sse::{SseDecoder, SseEvent};

/// The text of the error for a body that ends without `response.completed`.
pub const STREAM_CLOSED_MESSAGE: &str = "stream closed before response.completed";

/// The text of the error for a stream silent for longer than the idle timeout.
pub const IDLE_TIMEOUT_MESSAGE: &str = "idle timeout waiting for SSE";

/// The events of one model response; implements `Stream<Item = Result<ModelEvent, ModelError>>`.
///
/// Ends after [`ModelEvent::Completed`] or after the first error. Dropping it aborts the
/// underlying HTTP request immediately. Not restartable: a retry is a new request.
pub struct ResponseStream {
    inner: BoxStream<'static, Result<ModelEvent, ModelError>>,
}

impl ResponseStream {
    /// Wraps any stream of events (used by the HTTP and scripted providers).
    pub(crate) fn new(inner: BoxStream<'static, Result<ModelEvent, ModelError>>) -> Self {
        Self { inner }
    }

    /// The next event; `None` once the response has ended.
    ///
    /// Cancellation safe: dropping the future loses no event.
    pub async fn next_event(&mut self) -> Option<Result<ModelEvent, ModelError>> {
        self.inner.next().await
    }
}

impl Stream for ResponseStream {
    type Item = Result<ModelEvent, ModelError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl fmt::Debug for ResponseStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ResponseStream")
    }
}

/// Waits for `cancel`, or forever when there is none.
pub(crate) async fn cancelled(cancel: Option<&CancellationToken>) {
    match cancel {
        Some(token) => token.cancelled().await,
        None => std::future::pending().await,
    }
}

/// A chunked body, as `reqwest::Response::bytes_stream` yields it.
type Body = BoxStream<'static, Result<Bytes, String>>;

/// The state of an HTTP SSE stream between two polls.
struct SseState {
    body: Body,
    decoder: SseDecoder,
    pending: VecDeque<SseEvent>,
    bytes_max: usize,
    idle_timeout: Duration,
    cancel: Option<CancellationToken>,
    finished: bool,
}

/// Turns a response body into a [`ResponseStream`].
///
/// `body` yields raw chunks or a transport error text; `bytes_max` bounds one SSE event.
pub(crate) fn from_body<S>(
    body: S,
    idle_timeout: Duration,
    bytes_max: usize,
    cancel: Option<CancellationToken>,
) -> ResponseStream
where
    S: Stream<Item = Result<Bytes, String>> + Send + 'static,
{
    let state = SseState {
        body: body.boxed(),
        decoder: SseDecoder::new(bytes_max),
        pending: VecDeque::new(),
        bytes_max,
        idle_timeout,
        cancel,
        finished: false,
    };
    let events = stream::unfold(state, |mut state| async move {
        let item = state.next_item().await?;
        Some((item, state))
    });
    ResponseStream::new(events.boxed())
}

/// What one wait on the body produced.
enum Read {
    Chunk(Bytes),
    End,
}

impl SseState {
    async fn next_item(&mut self) -> Option<Result<ModelEvent, ModelError>> {
        if self.finished {
            return None;
        }
        let mut deadline = Instant::now() + self.idle_timeout;
        loop {
            while let Some(sse) = self.pending.pop_front() {
                deadline = Instant::now() + self.idle_timeout;
                match parse_event(&sse.data) {
                    Parsed::Ignored => {}
                    Parsed::Event(event) => return Some(Ok(event)),
                    Parsed::Completed(event) => return self.finish(Ok(event)),
                    Parsed::Failed(error) => return self.finish(Err(error)),
                }
            }
            match self.read(deadline).await {
                Ok(Read::Chunk(chunk)) => {
                    let mut events = Vec::new();
                    if self.decoder.push(&chunk, &mut events).is_err() {
                        let bytes_max = self.bytes_max;
                        return self.finish(Err(ModelError::EventTooLarge { bytes_max }));
                    }
                    self.pending.extend(events);
                }
                Ok(Read::End) => {
                    return self.finish(Err(ModelError::stream(STREAM_CLOSED_MESSAGE)));
                }
                Err(error) => return self.finish(Err(error)),
            }
        }
    }

    fn finish(
        &mut self,
        item: Result<ModelEvent, ModelError>,
    ) -> Option<Result<ModelEvent, ModelError>> {
        self.finished = true;
        // Release the connection now rather than when the consumer drops the stream.
        self.body = stream::empty().boxed();
        Some(item)
    }

    async fn read(&mut self, deadline: Instant) -> Result<Read, ModelError> {
        let cancel = self.cancel.clone();
        tokio::select! {
            biased;
            () = cancelled(cancel.as_ref()) => Err(ModelError::Interrupted),
            next = tokio::time::timeout_at(deadline, self.body.next()) => match next {
                Err(_elapsed) => {
                    debug!("no SSE event within the idle timeout");
                    Err(ModelError::stream(IDLE_TIMEOUT_MESSAGE))
                }
                Ok(Some(Ok(chunk))) => Ok(Read::Chunk(chunk)),
                Ok(Some(Err(message))) => Err(ModelError::stream(message)),
                Ok(None) => Ok(Read::End),
            },
        }
    }
}

#[cfg(test)]
mod tests;
