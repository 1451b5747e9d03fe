//! A running turn: the agent loop in its own task, reporting to the thread actor through a
//! bounded channel of [`TurnEvent`]s. The actor records each event (history, rollout) before it
//! emits the matching notifications (R9), so the turn task never touches the rollout or the
//! subscribers itself.

pub mod agent;
pub mod context;
pub(crate) mod items;
pub(crate) mod tools;

use serde_json::Value;
use weft_protocol::v2::{ServerNotification, ThreadItem, TokenUsageBreakdown, TurnError};

/// What a running turn tells its thread actor, in the order it happens.
#[derive(Debug)]
pub enum TurnEvent {
    /// A model item began streaming (agent message, reasoning).
    ItemStarted(ThreadItem),
    /// A streamed delta, forwarded as is (not recorded).
    Delta(Box<ServerNotification>),
    /// An item is final: record `item_completed` and its `response_item`, then emit.
    ItemCompleted {
        /// The final wire item.
        item: ThreadItem,
        /// The item as the model returned it (history and rollout); `None` for tool items,
        /// whose call and output enter history separately.
        response_item: Option<Value>,
    },
    /// Ask the client something (an approval, a question) and wait for the answer.
    ServerRequest {
        /// An item to start once the thread shows it is waiting, just before the request.
        announce: Option<ThreadItem>,
        /// The request and where its answer goes.
        outgoing: Box<crate::server_requests::OutgoingRequest>,
    },
    /// Items that enter model history without a wire item of their own (function calls and
    /// their outputs, hosted-tool calls).
    HistoryItems(Vec<Value>),
    /// A model response completed: its usage is recorded before its tools run (core.md §5.4).
    ResponseCompleted {
        /// The response id.
        response_id: String,
        /// Its usage, when the response reported one.
        usage: Option<TokenUsageBreakdown>,
    },
    /// The response's tools are done and their outputs recorded: report the usage
    /// (`token_count`, `thread/tokenUsage/updated`; core.md §1.2 step 4.4).
    UsageSettled,
    /// A steer cut the streaming response short (core.md §1.4): it has no usage of its own;
    /// the thread's usage is reported again as it stands, before the steer is recorded.
    ResponseCut,
    /// A goal tool call (`get_goal`, `create_goal`, `update_goal`): the actor owns the goal,
    /// applies the call, announces any change, and answers with the tool's output text.
    Goal {
        /// The parsed call.
        call: GoalToolCall,
        /// Where the output text goes.
        reply: tokio::sync::oneshot::Sender<String>,
    },
    /// Steering input the turn has taken into its history (core.md §1.4): the actor records it
    /// and emits its `userMessage` item.
    UserInput(Box<Steer>),
    /// A revived turn (R37) has run again the calls it was suspended in: requests of the
    /// earlier process that no call asked again are obsolete.
    RevivedCallsDone,
    /// A retryable error; the request is sent again (`error` with `willRetry: true`).
    Retrying(TurnError),
    /// The turn is over.
    Finished(TurnOutcome),
}

/// Input added to a running turn by `turn/steer`, queued for the turn to take at its next
/// step (core.md §1.4).
#[derive(Debug, Clone)]
pub struct Steer {
    /// The input as the client sent it (the `userMessage` item's content).
    pub input: Vec<weft_protocol::v2::UserInput>,
    /// The client's id for the message (`clientId` of the item).
    pub client_id: Option<String>,
    /// The `user` message the model sees.
    pub response_item: Value,
}

/// A goal tool call, parsed by the turn and applied by the thread actor, which owns the goal.
#[derive(Debug, Clone, PartialEq)]
pub enum GoalToolCall {
    /// `get_goal {}`.
    Get,
    /// `create_goal {objective, token_budget?}`.
    Create {
        /// As the model wrote it (trimmed and checked by the actor).
        objective: String,
        /// Optional budget (checked by the actor: positive).
        token_budget: Option<i64>,
    },
    /// `update_goal {status}`.
    Update {
        /// The status the model asks for.
        status: weft_protocol::v2::ThreadGoalStatus,
    },
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
