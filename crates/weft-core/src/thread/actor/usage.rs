//! Token usage of a turn (core.md §1.2 step 4.4, §2.4): recorded when a response completes,
//! reported once the response's tools are done.

use weft_protocol::v2::{
    ServerNotification, ThreadTokenUsage, ThreadTokenUsageUpdatedNotification, TokenUsageBreakdown,
};

use super::Actor;
use crate::thread::record::{self, kind};

impl Actor {
    /// A model response completed: its usage is recorded at once (`token_usage_record`, before
    /// any tool runs) and reported once its tools are done ([`Self::usage_settled`]).
    pub(super) fn response_completed(
        &mut self,
        response_id: &str,
        usage: Option<TokenUsageBreakdown>,
    ) {
        let previous = self
            .state
            .usage
            .as_ref()
            .map(|(usage, _)| usage.total)
            .unwrap_or_default();
        let Some(active) = self.active.as_mut() else {
            return;
        };
        let Some(last) = usage else {
            active.unsettled_usage = None;
            return;
        };
        active.usage = active.usage.add(&last);
        let turn_total = active.usage;
        let total = previous.add(&last);
        active.unsettled_usage = Some((last, total));
        let turn_id = active.turn_id.to_string();
        let thread_id = self.state.meta.id.to_string();
        let line = record::token_usage_record(
            &thread_id,
            &turn_id,
            response_id,
            &last,
            &turn_total,
            &total,
        );
        self.record(kind::TOKEN_USAGE_RECORD, line);
        // R35: the response's tokens count against an active goal.
        self.account_goal(&last);
        let window = self.services.config.model_context_window();
        self.state.usage = Some((
            ThreadTokenUsage {
                total,
                last,
                model_context_window: Some(window),
            },
            turn_id,
        ));
    }

    /// The response's tools have finished: `token_count`, then `thread/tokenUsage/updated`.
    pub(super) fn usage_settled(&mut self) {
        let Some(active) = self.active.as_mut() else {
            return;
        };
        let Some((last, total)) = active.unsettled_usage.take() else {
            return;
        };
        let turn_id = active.turn_id.to_string();
        let thread_id = self.state.meta.id.to_string();
        let window = self.services.config.model_context_window();
        self.record(
            kind::EVENT_MSG,
            record::token_count(Some((&total, &last, window))),
        );
        self.emit(ServerNotification::ThreadTokenUsageUpdated(
            ThreadTokenUsageUpdatedNotification {
                thread_id,
                turn_id,
                token_usage: ThreadTokenUsage {
                    total,
                    last,
                    model_context_window: Some(window),
                },
            },
        ));
    }

    /// A steer cut the streaming response short (core.md §1.4): the cut response reports no
    /// usage, but the reference still sends its token count as it stands — `token_count` with
    /// the thread's current info (null before any usage), and `thread/tokenUsage/updated` with
    /// the unchanged totals when there are any — before the steer's `userMessage` item.
    pub(super) fn usage_unchanged(&mut self) {
        let Some(active) = self.active.as_ref() else {
            return;
        };
        let turn_id = active.turn_id.to_string();
        let thread_id = self.state.meta.id.to_string();
        let usage = self.state.usage.as_ref().map(|(usage, _)| *usage);
        let info = usage.as_ref().map(|usage| {
            (
                &usage.total,
                &usage.last,
                usage
                    .model_context_window
                    .unwrap_or_else(|| self.services.config.model_context_window()),
            )
        });
        self.record(kind::EVENT_MSG, record::token_count(info));
        if let Some(token_usage) = usage {
            self.emit(ServerNotification::ThreadTokenUsageUpdated(
                ThreadTokenUsageUpdatedNotification {
                    thread_id,
                    turn_id,
                    token_usage,
                },
            ));
        }
    }
}
