//! A running turn: the agent loop in its own task, reporting to the thread actor through a
//! bounded channel of [`TurnEvent`]s. The actor records each event (history, rollout) before it
//! emits the matching notifications (R9), so the turn task never touches the rollout or the
//! subscribers itself.

pub mod agent;
pub mod context;
mod items;

use serde_json::Value;
use weft_protocol::v2::{ServerNotification, ThreadItem, TokenUsageBreakdown, TurnError};

/// What a running turn tells its thread actor, in the order it happens.
#[derive(Debug)]
pub enum TurnEvent {
    /// A model item began streaming (agent message, reasoning).
    ItemStarted(ThreadItem),
    /// A streamed delta, forwarded as is (not recorded).
    Delta(Box<ServerNotification>),
    /// A model item is final: record `item_completed` and its `response_item`, then emit.
    ItemCompleted {
        /// The final wire item.
        item: ThreadItem,
        /// The item as the model returned it (history and rollout).
        response_item: Value,
    },
    /// Items that enter model history without a wire item of their own (function calls and
    /// their outputs, hosted-tool calls).
    HistoryItems(Vec<Value>),
    /// A model response completed: its usage, then the outputs of the tools it called, then
    /// the token-count update (core.md §1.2 step 4.4).
    ResponseCompleted {
        /// The response id.
        response_id: String,
        /// Its usage, when the response reported one.
        usage: Option<TokenUsageBreakdown>,
        /// Tool outputs, in call order.
        tool_outputs: Vec<Value>,
    },
    /// A retryable error; the request is sent again (`error` with `willRetry: true`).
    Retrying(TurnError),
    /// The turn is over.
    Finished(TurnOutcome),
}

/// How a turn ended.
#[derive(Debug, Clone, PartialEq)]
pub enum TurnOutcome {
    /// The model finished.
    Completed {
        /// Text of the last agent message, if any.
        last_agent_message: Option<String>,
    },
    /// A model or transport error ended it.
    Failed(TurnError),
    /// Interrupted by the client.
    Interrupted,
}
