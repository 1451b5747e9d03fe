//! A bounded Server-Sent Events decoder (the WHATWG `text/event-stream` rules).
//!
//! Hand-written rather than taken from `eventsource-stream` because that crate buffers a line or
//! an event without any bound; here one event (its data plus the line being read) may not
//! exceed a byte limit ([`crate::limits::SSE_EVENT_BYTES_MAX`] in production). The decoder is a
//! pure push parser (bytes in, events out) so it can be property-tested without IO: any way of
//! splitting the input into chunks yields the same events.

/// One dispatched SSE event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SseEvent {
    /// The `event:` field, `message` when absent.
    pub(crate) event: String,
    /// The `data:` lines joined with `\n`.
    pub(crate) data: String,
}

/// The input held more than the byte limit for a single event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EventTooLarge;

/// Incremental decoder; feed it chunks with [`SseDecoder::push`].
#[derive(Debug)]
pub(crate) struct SseDecoder {
    bytes_max: usize,
    line: Vec<u8>,
    /// The previous chunk ended in `\r`, so a leading `\n` of the next one belongs to it.
    after_cr: bool,
    /// No line has been completed yet (a leading byte-order mark is dropped).
    at_start: bool,
    event_type: String,
    data: String,
}

impl SseDecoder {
    /// A decoder that refuses events larger than `bytes_max`.
    pub(crate) fn new(bytes_max: usize) -> Self {
        Self {
            bytes_max,
            line: Vec::new(),
            after_cr: false,
            at_start: true,
            event_type: String::new(),
            data: String::new(),
        }
    }

    /// Decodes `chunk`, appending every event it completes to `out`.
    ///
    /// # Errors
    /// [`EventTooLarge`] when the current event outgrows the limit; the decoder must not be used
    /// afterwards.
    pub(crate) fn push(
        &mut self,
        chunk: &[u8],
        out: &mut Vec<SseEvent>,
    ) -> Result<(), EventTooLarge> {
        let mut rest = chunk;
        if self.after_cr && !rest.is_empty() {
            self.after_cr = false;
            if rest[0] == b'\n' {
                rest = &rest[1..];
            }
        }
        while let Some(end) = rest
            .iter()
            .position(|byte| *byte == b'\n' || *byte == b'\r')
        {
            self.append_to_line(&rest[..end])?;
            let was_cr = rest[end] == b'\r';
            rest = &rest[end + 1..];
            if was_cr {
                match rest.first() {
                    Some(b'\n') => rest = &rest[1..],
                    None => self.after_cr = true,
                    Some(_) => {}
                }
            }
            self.finish_line(out);
        }
        self.append_to_line(rest)
    }

    fn append_to_line(&mut self, bytes: &[u8]) -> Result<(), EventTooLarge> {
        if self.line.len() + self.data.len() + bytes.len() > self.bytes_max {
            return Err(EventTooLarge);
        }
        self.line.extend_from_slice(bytes);
        Ok(())
    }

    fn finish_line(&mut self, out: &mut Vec<SseEvent>) {
        let raw = std::mem::take(&mut self.line);
        let text = String::from_utf8_lossy(&raw);
        let mut line: &str = &text;
        if self.at_start {
            self.at_start = false;
            line = line.strip_prefix('\u{feff}').unwrap_or(line);
        }
        if line.is_empty() {
            self.dispatch(out);
            return;
        }
        if line.starts_with(':') {
            return;
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match field {
            "event" => value.clone_into(&mut self.event_type),
            "data" => {
                self.data.push_str(value);
                self.data.push('\n');
            }
            // `id` and `retry` only matter to reconnecting EventSource clients; weft never
            // resumes a stream, it re-sends the whole request.
            _ => {}
        }
    }

    fn dispatch(&mut self, out: &mut Vec<SseEvent>) {
        let mut data = std::mem::take(&mut self.data);
        let event_type = std::mem::take(&mut self.event_type);
        if data.is_empty() {
            return;
        }
        data.pop();
        let event = if event_type.is_empty() {
            "message".to_owned()
        } else {
            event_type
        };
        out.push(SseEvent { event, data });
    }
}

#[cfg(test)]
mod tests;
