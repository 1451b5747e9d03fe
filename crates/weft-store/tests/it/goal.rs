//! Goal lines in a rollout: their shape (the reference's `thread_goal_updated`), and reading the
//! thread's goal back from the last one — fully, by digest, and by the goal-only reader.

use serde_json::json;
use weft_protocol::v2::{ThreadGoal, ThreadGoalStatus};
use weft_store::goal::{goal_cleared_payload, goal_updated_payload};
use weft_store::line::kind;
use weft_store::{RolloutWriter, digest_rollout, read_last_goal, read_rollout};

use crate::support::{TestHome, at};

const THREAD: &str = "01a21030-8fed-7970-b7d8-7ebbe08e4e7c";

fn goal(status: ThreadGoalStatus, token_budget: Option<i64>) -> ThreadGoal {
    ThreadGoal {
        thread_id: THREAD.to_owned(),
        objective: "ship the parser".to_owned(),
        status,
        token_budget,
        tokens_used: 220,
        time_used_seconds: 4,
        created_at: 1_795_567_170,
        updated_at: 1_795_567_180,
    }
}

#[test]
fn goal_lines_have_the_reference_shape() {
    let line = goal_updated_payload(
        THREAD,
        Some("turn-1"),
        &goal(ThreadGoalStatus::Active, None),
    );
    assert_eq!(
        line,
        json!({"type": "thread_goal_updated", "threadId": THREAD, "turnId": "turn-1", "goal": {
            "threadId": THREAD, "objective": "ship the parser", "status": "active",
            "tokensUsed": 220, "timeUsedSeconds": 4, "createdAt": 1_795_567_170, "updatedAt": 1_795_567_180}}),
        "no tokenBudget key without a budget, as the reference writes it"
    );
    let line = goal_updated_payload(
        THREAD,
        None,
        &goal(ThreadGoalStatus::BudgetLimited, Some(200)),
    );
    assert_eq!(line.get("turnId"), None);
    assert_eq!(line["goal"]["tokenBudget"], 200);
    assert_eq!(line["goal"]["status"], "budgetLimited");
    assert_eq!(
        goal_cleared_payload(THREAD),
        json!({"type": "thread_goal_cleared", "threadId": THREAD})
    );
}

#[test]
fn the_last_goal_line_is_the_goal() {
    let test_home = TestHome::new();
    let path = test_home.home.sessions_dir().join("goal.jsonl");
    let meta = json!({"id": THREAD, "timestamp": "2026-03-02T09:15:00.000Z", "cwd": "/w",
        "originator": "t", "cli_version": "0.169.0", "history_mode": "paginated"});
    let mut writer = RolloutWriter::create_at(&path, meta, at(0)).expect("create");
    let check = |expected: Option<ThreadGoal>| {
        let rollout = read_rollout(&path).expect("read");
        assert_eq!(rollout.last_goal(), expected);
        assert_eq!(digest_rollout(&path).expect("digest").last_goal, expected);
        assert_eq!(read_last_goal(&path).expect("goal"), expected);
    };
    check(None);
    let active = goal(ThreadGoalStatus::Active, Some(500));
    writer
        .append_at(
            at(1),
            kind::EVENT_MSG,
            goal_updated_payload(THREAD, None, &active),
        )
        .expect("append");
    check(Some(active.clone()));
    let paused = goal(ThreadGoalStatus::Paused, None);
    writer
        .append_at(
            at(2),
            kind::EVENT_MSG,
            goal_updated_payload(THREAD, Some("t"), &paused),
        )
        .expect("append");
    check(Some(paused.clone()));
    // A goal line whose goal does not decode does not count.
    writer
        .append_at(
            at(3),
            kind::EVENT_MSG,
            json!({"type": "thread_goal_updated", "threadId": THREAD, "goal": {"status": "active"}}),
        )
        .expect("append");
    check(Some(paused));
    writer
        .append_at(at(4), kind::EVENT_MSG, goal_cleared_payload(THREAD))
        .expect("append");
    check(None);
    writer
        .append_at(
            at(5),
            kind::EVENT_MSG,
            goal_updated_payload(THREAD, None, &active),
        )
        .expect("append");
    check(Some(active));
}
