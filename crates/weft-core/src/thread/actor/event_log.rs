//! The thread's resumable event stream (lifecycle.md R38 ★): every notification the actor
//! emits about its thread gets the next sequence number of this runtime's *epoch*; once a
//! connection that opted in (`weftEventStream`) has subscribed, the notifications are also
//! kept, up to [`EVENT_REPLAY_NOTIFICATIONS_MAX`], so a reconnecting client can resume right
//! after the last one it processed.
//!
//! The epoch is fresh for every runtime (a reload after an unload, a restart), so a position
//! can never be mistaken for one of another runtime's stream; such a position is refused and
//! the client reloads the thread. Numbering is kept whether or not anyone listens, so positions
//! seen by any client stay comparable.

use std::collections::VecDeque;
use std::sync::Arc;

use weft_protocol::v2::{EventPosition, ServerNotification};

use crate::limits::EVENT_REPLAY_NOTIFICATIONS_MAX;

/// A notification with its position.
pub(super) type Positioned = (Arc<EventPosition>, Arc<ServerNotification>);

/// One runtime's event stream.
#[derive(Debug)]
pub(super) struct EventLog {
    epoch: String,
    /// The number the next notification gets (the first is 1).
    next_seq: u64,
    /// An opted-in connection subscribed: positions are sent and notifications kept.
    buffering: bool,
    buffer: VecDeque<Positioned>,
}

/// Why a position cannot be resumed after.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Gap {
    /// The position is of another epoch, older than the buffer, or not yet reached.
    Unavailable {
        /// The oldest notification still kept, when any is.
        oldest: Option<EventPosition>,
    },
}

impl EventLog {
    pub(super) fn new() -> Self {
        Self {
            epoch: uuid::Uuid::now_v7().simple().to_string(),
            next_seq: 1,
            buffering: false,
            buffer: VecDeque::new(),
        }
    }

    /// From now on positions are sent and notifications kept.
    pub(super) fn start_buffering(&mut self) {
        self.buffering = true;
    }

    /// Numbers the next notification; its position when positions are being sent.
    pub(super) fn record(
        &mut self,
        notification: &Arc<ServerNotification>,
    ) -> Option<Arc<EventPosition>> {
        let seq = self.next_seq;
        self.next_seq += 1;
        if !self.buffering {
            return None;
        }
        let position = Arc::new(EventPosition {
            epoch: self.epoch.clone(),
            seq,
        });
        if self.buffer.len() == EVENT_REPLAY_NOTIFICATIONS_MAX {
            self.buffer.pop_front();
        }
        self.buffer
            .push_back((Arc::clone(&position), Arc::clone(notification)));
        Some(position)
    }

    /// The notifications after `asked`, in order: none when the client is up to date.
    pub(super) fn after(&self, asked: &EventPosition) -> Result<Vec<Positioned>, Gap> {
        let gap = || Gap::Unavailable {
            oldest: self
                .buffer
                .front()
                .map(|(position, _)| (**position).clone()),
        };
        let last = self.next_seq - 1;
        if asked.epoch != self.epoch || asked.seq > last {
            return Err(gap());
        }
        if asked.seq == last {
            return Ok(Vec::new());
        }
        match self.buffer.front() {
            Some((oldest, _)) if oldest.seq <= asked.seq + 1 => Ok(self
                .buffer
                .iter()
                .filter(|(position, _)| position.seq > asked.seq)
                .cloned()
                .collect()),
            _ => Err(gap()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use weft_protocol::v2::ThreadIdNotification;

    fn note() -> Arc<ServerNotification> {
        Arc::new(ServerNotification::ThreadClosed(ThreadIdNotification {
            thread_id: "t".to_owned(),
        }))
    }

    fn at(log: &EventLog, seq: u64) -> EventPosition {
        EventPosition {
            epoch: log.epoch.clone(),
            seq,
        }
    }

    #[test]
    fn r38_replays_exactly_what_follows_a_position() {
        let mut log = EventLog::new();
        // Numbered before anyone opted in, kept only after.
        assert_eq!(log.record(&note()), None);
        log.start_buffering();
        for _ in 0..5 {
            log.record(&note());
        }
        let seqs = |replay: Vec<Positioned>| -> Vec<u64> {
            replay.iter().map(|(position, _)| position.seq).collect()
        };
        assert_eq!(seqs(log.after(&at(&log, 3)).unwrap()), [4, 5, 6]);
        assert_eq!(seqs(log.after(&at(&log, 1)).unwrap()), [2, 3, 4, 5, 6]);
        assert!(log.after(&at(&log, 6)).unwrap().is_empty());
        // Before the buffer, from the future, or of another epoch: the oldest kept is named.
        let oldest = Some(at(&log, 2));
        assert_eq!(
            log.after(&at(&log, 0)),
            Err(Gap::Unavailable {
                oldest: oldest.clone()
            })
        );
        assert_eq!(
            log.after(&at(&log, 7)),
            Err(Gap::Unavailable {
                oldest: oldest.clone()
            })
        );
        let other = EventPosition {
            epoch: "another".to_owned(),
            seq: 3,
        };
        assert_eq!(log.after(&other), Err(Gap::Unavailable { oldest }));
    }

    #[test]
    fn r38_the_buffer_keeps_only_the_newest() {
        let mut log = EventLog::new();
        log.start_buffering();
        let total = EVENT_REPLAY_NOTIFICATIONS_MAX as u64 + 10;
        for _ in 0..total {
            log.record(&note());
        }
        assert_eq!(log.buffer.len(), EVENT_REPLAY_NOTIFICATIONS_MAX);
        assert_eq!(
            log.after(&at(&log, 5)),
            Err(Gap::Unavailable {
                oldest: Some(at(&log, 11))
            })
        );
        assert_eq!(
            log.after(&at(&log, 10)).unwrap().len(),
            EVENT_REPLAY_NOTIFICATIONS_MAX
        );
    }
}
