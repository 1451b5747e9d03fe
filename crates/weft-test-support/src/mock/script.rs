//! `Script`: one scripted reply of the mock, built step by step, and its `Gate`s.
//!
//! A script is a body (a list of steps) plus an ending. Ids are not fixed when the script is
//! built: the server allocates them from its counter when the reply starts, exactly as for its
//! default replies, so scripted and default replies never collide. Builders that start with a
//! noun (`Script::text`) make a whole reply; `with_*` methods append to the body; `then_*`
//! methods replace the ending (a script ends with `response.completed` unless told otherwise).

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::watch;

/// Usage the mock reports by default: 100 input / 10 output tokens, as the reference mock.
pub fn default_usage() -> Value {
    json!({
        "input_tokens": 100,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": 10,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 110
    })
}

/// One step of a reply body.
#[derive(Debug, Clone)]
pub(crate) enum Step {
    /// `response.created`.
    Created,
    /// `response.output_item.added` for a new assistant message (allocates `msg_N`).
    MessageAdded,
    /// `response.output_text.delta` for the current message.
    TextDelta(String),
    /// `response.output_item.done` for the current message, with the text streamed so far.
    MessageDone,
    /// A function call item, added then done (allocates `fc_N`, and `call_N` when `None`).
    FunctionCall {
        name: String,
        call_id: Option<String>,
        arguments: String,
    },
    /// A reasoning item whose summary parts are streamed (allocates `rs_N`).
    Reasoning {
        summary: Vec<String>,
        text: Option<String>,
    },
    /// Any event: type and payload (the type is added to the payload).
    Event { kind: String, data: Value },
    /// Bytes sent as they are (malformed SSE, comments, …).
    Raw(String),
    /// Pause (tokio time, so paused-time tests run instantly).
    Delay(Duration),
    /// Stop until the test releases the gate.
    Gate(Gate),
}

/// How a reply ends after its body.
#[derive(Debug, Clone)]
pub(crate) enum Ending {
    /// `response.completed` with this usage (`None` = no usage) and optional `end_turn`.
    Completed {
        usage: Option<Value>,
        end_turn: Option<bool>,
    },
    /// `response.failed` with `response.error` = this value (`None` = no error object).
    Failed(Option<Value>),
    /// `response.incomplete` with this reason.
    Incomplete(String),
    /// Close the body cleanly without a terminal event.
    Cut,
    /// Abort the connection mid-body (the client sees a transport error).
    Reset,
    /// Keep the connection open and send nothing more.
    Hang,
}

/// What the server sends for one request.
#[derive(Debug, Clone)]
pub(crate) enum Reply {
    /// `200 text/event-stream` with these steps and ending.
    Sse { steps: Vec<Step>, ending: Ending },
    /// A non-SSE reply with this status and body.
    Http { status: u16, body: String },
}

/// A scripted reply, queued with [`crate::mock::MockResponses::push`].
#[derive(Debug, Clone)]
pub struct Script {
    pub(crate) reply: Reply,
    pub(crate) headers: Vec<(String, String)>,
}

impl Default for Script {
    fn default() -> Self {
        Self::new()
    }
}

impl Script {
    /// `response.created`, then (after whatever is appended) `response.completed` with the
    /// default usage.
    pub fn new() -> Self {
        Self::sse(
            vec![Step::Created],
            Ending::Completed {
                usage: Some(default_usage()),
                end_turn: None,
            },
        )
    }

    /// No implicit events at all: only what is appended, then the body closes (like
    /// [`Script::then_cut`]) unless an ending is set.
    pub fn raw() -> Self {
        Self::sse(Vec::new(), Ending::Cut)
    }

    fn sse(steps: Vec<Step>, ending: Ending) -> Self {
        Self {
            reply: Reply::Sse { steps, ending },
            headers: Vec::new(),
        }
    }

    /// A complete text reply: created, one assistant message streamed word by word, completed.
    pub fn text(text: &str) -> Self {
        Self::new().with_message(text)
    }

    /// A complete reply with one function call (`arguments` is the raw JSON string).
    pub fn function_call(name: &str, call_id: &str, arguments: impl Into<String>) -> Self {
        Self::new().with_function_call(name, call_id, arguments)
    }

    /// A complete reply with a reasoning item (one summary part) followed by a text message.
    pub fn reasoning(summary: &str, text: &str) -> Self {
        Self::new()
            .with_reasoning(&[summary], None)
            .with_message(text)
    }

    /// A plain HTTP error reply (JSON content type when the body looks like JSON).
    pub fn http_error(status: u16, body: impl Into<String>) -> Self {
        Self {
            reply: Reply::Http {
                status,
                body: body.into(),
            },
            headers: Vec::new(),
        }
    }

    fn push_step(mut self, step: Step) -> Self {
        if let Reply::Sse { steps, .. } = &mut self.reply {
            steps.push(step);
        }
        self
    }

    fn set_ending(mut self, new_ending: Ending) -> Self {
        if let Reply::Sse { ending, .. } = &mut self.reply {
            *ending = new_ending;
        }
        self
    }

    /// Appends `response.created`.
    #[must_use]
    pub fn with_created(self) -> Self {
        self.push_step(Step::Created)
    }

    /// Appends an assistant message: added, one delta per word (space kept), done.
    #[must_use]
    pub fn with_message(self, text: &str) -> Self {
        let mut script = self.with_message_added();
        for word in text.split_inclusive(' ') {
            script = script.with_text_delta(word);
        }
        script.with_message_done()
    }

    /// Appends `output_item.added` for a new assistant message (its id is `msg_N`).
    #[must_use]
    pub fn with_message_added(self) -> Self {
        self.push_step(Step::MessageAdded)
    }

    /// Appends a text delta for the current message.
    #[must_use]
    pub fn with_text_delta(self, delta: &str) -> Self {
        self.push_step(Step::TextDelta(delta.to_owned()))
    }

    /// Appends `output_item.done` for the current message with the text streamed so far.
    #[must_use]
    pub fn with_message_done(self) -> Self {
        self.push_step(Step::MessageDone)
    }

    /// Appends a function call item (added, then done).
    #[must_use]
    pub fn with_function_call(
        self,
        name: &str,
        call_id: &str,
        arguments: impl Into<String>,
    ) -> Self {
        self.push_step(Step::FunctionCall {
            name: name.to_owned(),
            call_id: Some(call_id.to_owned()),
            arguments: arguments.into(),
        })
    }

    /// Appends a reasoning item: for each summary part `summary_part.added` and one
    /// `summary_text.delta`; then one `reasoning_text.delta` when `text` is given; then
    /// `output_item.done` with the summary and an `encrypted_content` blob.
    #[must_use]
    pub fn with_reasoning(self, summary: &[&str], text: Option<&str>) -> Self {
        self.push_step(Step::Reasoning {
            summary: summary.iter().map(|part| (*part).to_owned()).collect(),
            text: text.map(str::to_owned),
        })
    }

    /// Appends any event; `type` is inserted into `data` when missing.
    #[must_use]
    pub fn with_event(self, kind: &str, data: Value) -> Self {
        self.push_step(Step::Event {
            kind: kind.to_owned(),
            data,
        })
    }

    /// Appends raw bytes to the body (malformed events, comments, partial lines).
    #[must_use]
    pub fn with_raw(self, text: &str) -> Self {
        self.push_step(Step::Raw(text.to_owned()))
    }

    /// Appends a pause (tokio time).
    #[must_use]
    pub fn with_delay(self, delay: Duration) -> Self {
        self.push_step(Step::Delay(delay))
    }

    /// Appends a gate and returns its handle: the body stops there until
    /// [`Gate::release`]; [`Gate::reached`] tells the test the stream got there.
    pub fn gate(&mut self) -> Gate {
        let gate = Gate::new();
        if let Reply::Sse { steps, .. } = &mut self.reply {
            steps.push(Step::Gate(gate.clone()));
        }
        gate
    }

    /// Ends with `response.completed` carrying `usage` instead of the default usage.
    #[must_use]
    pub fn with_usage(self, usage: Value) -> Self {
        self.set_ending(Ending::Completed {
            usage: Some(usage),
            end_turn: None,
        })
    }

    /// Ends with `response.completed` without a `usage` field.
    #[must_use]
    pub fn without_usage(self) -> Self {
        self.set_ending(Ending::Completed {
            usage: None,
            end_turn: None,
        })
    }

    /// Adds `end_turn` to the final `response.completed` (the ending becomes completed).
    #[must_use]
    pub fn with_end_turn(mut self, value: bool) -> Self {
        let usage = match &self.reply {
            Reply::Sse {
                ending: Ending::Completed { usage, .. },
                ..
            } => usage.clone(),
            _ => Some(default_usage()),
        };
        self = self.set_ending(Ending::Completed {
            usage,
            end_turn: Some(value),
        });
        self
    }

    /// Ends by closing the body without `response.completed`.
    #[must_use]
    pub fn then_cut(self) -> Self {
        self.set_ending(Ending::Cut)
    }

    /// Ends by aborting the connection (a transport error on the client side).
    #[must_use]
    pub fn then_reset(self) -> Self {
        self.set_ending(Ending::Reset)
    }

    /// Ends by sending nothing more while keeping the connection open.
    #[must_use]
    pub fn then_hang(self) -> Self {
        self.set_ending(Ending::Hang)
    }

    /// Ends with `response.failed` whose `response.error` is `error`.
    #[must_use]
    pub fn then_fail(self, error: Value) -> Self {
        self.set_ending(Ending::Failed(Some(error)))
    }

    /// Ends with `response.failed` without an `error` object.
    #[must_use]
    pub fn then_fail_without_error(self) -> Self {
        self.set_ending(Ending::Failed(None))
    }

    /// Ends with `response.incomplete` and `incomplete_details.reason = reason`.
    #[must_use]
    pub fn then_incomplete(self, reason: &str) -> Self {
        self.set_ending(Ending::Incomplete(reason.to_owned()))
    }

    /// Adds a response header (e.g. `Retry-After`), for SSE and HTTP error replies alike.
    #[must_use]
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// A point in a scripted body where the stream waits for the test. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Gate {
    inner: Arc<GateInner>,
}

#[derive(Debug)]
struct GateInner {
    reached: watch::Sender<bool>,
    released: watch::Sender<bool>,
}

impl Gate {
    fn new() -> Self {
        let inner = GateInner {
            reached: watch::Sender::new(false),
            released: watch::Sender::new(false),
        };
        Self {
            inner: Arc::new(inner),
        }
    }

    /// Lets the stream go on past the gate (idempotent; also before it is reached).
    pub fn release(&self) {
        self.inner.released.send_replace(true);
    }

    /// Resolves once the stream has sent everything before the gate and stopped there.
    pub async fn reached(&self) {
        let mut reached = self.inner.reached.subscribe();
        // The sender lives in `self`, so `wait_for` cannot fail.
        let _ = reached.wait_for(|reached| *reached).await;
    }

    /// Whether the stream has reached the gate.
    pub fn is_reached(&self) -> bool {
        *self.inner.reached.borrow()
    }

    /// Called by the server: marks the gate reached and waits for the release.
    pub(crate) async fn pass(&self) {
        self.inner.reached.send_replace(true);
        let mut released = self.inner.released.subscribe();
        let _ = released.wait_for(|released| *released).await;
    }
}
