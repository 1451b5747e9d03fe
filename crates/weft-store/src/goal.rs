//! A thread's goal in its rollout: the `event_msg` lines that record goal changes, and reading
//! the current goal back.
//!
//! The reference keeps goals in `goals_1.sqlite` and also records each change in the rollout as
//! `event_msg` `thread_goal_updated` (core.md §5.7). weft makes the rollout line the truth: the
//! last goal line of a rollout is the thread's goal, so the goal survives a restart, moves with
//! archive and unarchive, is copied by a fork, and needs no second store that could disagree
//! with the rollout (the SQLite index stays rebuildable from rollouts alone). Every change is a
//! whole goal, so the last line is all a reader needs.
//!
//! `thread_goal_updated` is written as the reference writes it: `{type, threadId, turnId?,
//! goal}`, the goal in the reference's core shape (camelCase, `tokenBudget` left out when
//! there is none). A removed goal needs a line too, and the reference has none (it deletes the
//! SQLite row): weft writes `thread_goal_cleared {type, threadId}`, which the reference's
//! reader skips as an unknown event.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use weft_protocol::v2::ThreadGoal;

use crate::limits::{LINE_BYTES_MAX, ROLLOUT_BYTES_MAX};
use crate::line::{RolloutLine, kind};
use crate::reader::ReadError;
use crate::scan::{CappedLines, RawLine};

/// `event_msg` payload type of a goal created or changed (the reference's).
pub const GOAL_UPDATED: &str = "thread_goal_updated";

/// `event_msg` payload type of a goal removed (weft's own; see the module docs).
pub const GOAL_CLEARED: &str = "thread_goal_cleared";

/// What one goal line says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GoalRecord {
    /// The thread's goal is now this one.
    Updated(ThreadGoal),
    /// The thread has no goal any more.
    Cleared,
}

impl GoalRecord {
    /// The goal the record leaves the thread with.
    #[must_use]
    pub fn into_goal(self) -> Option<ThreadGoal> {
        match self {
            GoalRecord::Updated(goal) => Some(goal),
            GoalRecord::Cleared => None,
        }
    }
}

/// The goal in the reference's core shape: the wire object without `tokenBudget` when there
/// is no budget. Also what the model's goal tools return.
#[must_use]
pub fn goal_json(goal: &ThreadGoal) -> Value {
    let mut value = serde_json::to_value(goal).unwrap_or(Value::Null);
    if goal.token_budget.is_none()
        && let Some(object) = value.as_object_mut()
    {
        object.shift_remove("tokenBudget");
    }
    value
}

/// `event_msg` payload recording `goal` as the thread's goal; `turn_id` is the turn that
/// changed it (`None` for requests).
#[must_use]
pub fn goal_updated_payload(thread_id: &str, turn_id: Option<&str>, goal: &ThreadGoal) -> Value {
    let mut payload = json!({"type": GOAL_UPDATED, "threadId": thread_id});
    if let Some(turn_id) = turn_id {
        payload["turnId"] = Value::String(turn_id.to_owned());
    }
    payload["goal"] = goal_json(goal);
    payload
}

/// `event_msg` payload recording that the thread's goal was removed.
#[must_use]
pub fn goal_cleared_payload(thread_id: &str) -> Value {
    json!({"type": GOAL_CLEARED, "threadId": thread_id})
}

/// Whether `payload_kind` (an `event_msg` payload's `type`) is a goal line's.
#[must_use]
pub fn is_goal_event(payload_kind: &str) -> bool {
    payload_kind == GOAL_UPDATED || payload_kind == GOAL_CLEARED
}

/// The goal record of a line; `None` for other lines and for a `thread_goal_updated` whose
/// goal is not a goal (it does not count, and an earlier line decides).
#[must_use]
pub fn goal_record(line: &RolloutLine) -> Option<GoalRecord> {
    if line.kind != kind::EVENT_MSG {
        return None;
    }
    match line.payload_kind()? {
        GOAL_UPDATED => {
            let goal = line.payload.get("goal")?;
            serde_json::from_value(goal.clone())
                .ok()
                .map(GoalRecord::Updated)
        }
        GOAL_CLEARED => Some(GoalRecord::Cleared),
        _ => None,
    }
}

/// The goal a rollout leaves its thread with: its last goal record, read without loading the
/// rest (`thread/goal/get` and `set` of a thread that is not loaded).
///
/// Equals [`crate::Rollout::last_goal`] of the same file. Blocking.
///
/// # Errors
/// IO errors, or [`ReadError::TooLarge`].
pub fn read_last_goal(path: &Path) -> Result<Option<ThreadGoal>, ReadError> {
    let io_error = |source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(io_error)?;
    let size = file.metadata().map_err(io_error)?.len();
    if size > ROLLOUT_BYTES_MAX {
        return Err(ReadError::TooLarge {
            path: path.to_path_buf(),
            size,
        });
    }
    let mut lines = CappedLines::new(BufReader::new(file), LINE_BYTES_MAX);
    let mut last = None;
    while let Some(raw) = lines.next_line().map_err(|source| ReadError::Io {
        path: PathBuf::from(path),
        source,
    })? {
        let RawLine::Bytes(bytes) = raw else {
            continue;
        };
        // Most lines are not goal lines; only those that could be are parsed: the type spelled
        // out, or spelled with escapes (which JSON writers use only for control characters).
        if !contains(&bytes, b"thread_goal_") && !contains(&bytes, b"\\u") {
            continue;
        }
        if let Some(record) = RolloutLine::parse(&bytes).as_ref().and_then(goal_record) {
            last = Some(record);
        }
    }
    Ok(last.and_then(GoalRecord::into_goal))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}
