//! The plain-HTTP side of the websocket listener: read a request head, answer the probes
//! (`/readyz`, `/healthz`), refuse browser origins, and hand upgrades on with the bytes already
//! read put back in front of the stream.

use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};

use crate::limits::HTTP_HEAD_BYTES_MAX;

/// What the listener learnt from a request head.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Head {
    /// `GET`, `POST`, …
    pub(crate) method: String,
    /// The request target, e.g. `/readyz`.
    pub(crate) path: String,
    /// Whether an `Origin` header is present (browsers always send one).
    pub(crate) has_origin: bool,
    /// Whether the request asks for `Upgrade: websocket`.
    pub(crate) upgrade: bool,
}

/// Why no usable head was read.
#[derive(Debug)]
pub(crate) enum HeadError {
    /// The head is longer than `HTTP_HEAD_BYTES_MAX`.
    TooLong,
    /// The peer closed or the read failed before the head ended.
    Io(std::io::Error),
    /// Not an HTTP/1 request line.
    Malformed,
}

/// Reads until the blank line that ends the head; returns every byte read (the head and
/// anything after it) and the parsed head.
pub(crate) async fn read_head<S: AsyncRead + Unpin>(
    stream: &mut S,
) -> Result<(Vec<u8>, Head), HeadError> {
    let mut bytes = Vec::with_capacity(1024);
    let mut chunk = [0_u8; 1024];
    loop {
        let read = stream.read(&mut chunk).await.map_err(HeadError::Io)?;
        if read == 0 {
            return Err(HeadError::Io(std::io::ErrorKind::UnexpectedEof.into()));
        }
        let searched_from = bytes.len().saturating_sub(3);
        bytes.extend_from_slice(&chunk[..read]);
        if let Some(end) = find(&bytes[searched_from..], b"\r\n\r\n") {
            let head = parse_head(&bytes[..searched_from + end]).ok_or(HeadError::Malformed)?;
            return Ok((bytes, head));
        }
        if bytes.len() > HTTP_HEAD_BYTES_MAX {
            return Err(HeadError::TooLong);
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// Parses a request line and headers (without the final blank line).
pub(crate) fn parse_head(bytes: &[u8]) -> Option<Head> {
    let text = std::str::from_utf8(bytes).ok()?;
    let mut lines = text.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_owned();
    let path = request_line.next()?.to_owned();
    if !request_line.next()?.starts_with("HTTP/1.") {
        return None;
    }
    let mut head = Head {
        method,
        path,
        has_origin: false,
        upgrade: false,
    };
    for line in lines {
        let (name, value) = line.split_once(':')?;
        let name = name.trim();
        if name.eq_ignore_ascii_case("origin") {
            head.has_origin = true;
        } else if name.eq_ignore_ascii_case("upgrade") {
            head.upgrade = value.trim().eq_ignore_ascii_case("websocket");
        }
    }
    Some(head)
}

/// Writes a bodyless answer with `status` (e.g. `200 OK`) and closes the write side.
pub(crate) async fn respond<S: AsyncWrite + Unpin>(stream: &mut S, status: &str) {
    let response = format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    if let Err(err) = stream.write_all(response.as_bytes()).await {
        tracing::debug!(%err, "cannot answer an HTTP request");
        return;
    }
    let _ = stream.shutdown().await;
}

/// A stream that first yields bytes already read from it, then reads on.
pub(crate) struct Rewind<S> {
    prefix: Vec<u8>,
    position: usize,
    inner: S,
}

impl<S> Rewind<S> {
    /// `prefix` will be read again before anything new from `inner`.
    pub(crate) fn new(prefix: Vec<u8>, inner: S) -> Self {
        Self {
            prefix,
            position: 0,
            inner,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Rewind<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        if this.position < this.prefix.len() {
            let rest = &this.prefix[this.position..];
            let taken = rest.len().min(buf.remaining());
            buf.put_slice(&rest[..taken]);
            this.position += taken;
            if this.position == this.prefix.len() {
                this.prefix = Vec::new();
                this.position = 0;
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Rewind<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
