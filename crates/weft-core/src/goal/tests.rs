//! The rules of a goal change, without a thread.

use weft_protocol::v2::{ThreadGoal, ThreadGoalSetParams, ThreadGoalStatus, TokenUsageBreakdown};

use super::*;

const THREAD: &str = "01a21030-8fed-7970-b7d8-7ebbe08e4e7c";

fn set(
    objective: Option<&str>,
    status: Option<ThreadGoalStatus>,
    budget: Option<Option<i64>>,
) -> ThreadGoalSetParams {
    ThreadGoalSetParams {
        thread_id: THREAD.to_owned(),
        objective: objective.map(str::to_owned),
        status,
        token_budget: budget,
        origin: None,
    }
}

fn goal(status: ThreadGoalStatus, budget: Option<i64>, used: i64) -> ThreadGoal {
    ThreadGoal {
        thread_id: THREAD.to_owned(),
        objective: "ship it".to_owned(),
        status,
        token_budget: budget,
        tokens_used: used,
        time_used_seconds: 7,
        created_at: 100,
        updated_at: 100,
    }
}

#[test]
fn set_creates_replaces_or_updates_like_the_reference() {
    let created = apply_set(
        None,
        &set(Some("  ship it "), None, Some(Some(500))),
        THREAD,
        200,
    )
    .unwrap();
    assert!(created.created);
    assert_eq!(created.goal.objective, "ship it");
    assert_eq!(created.goal.status, ThreadGoalStatus::Active);
    assert_eq!(
        (created.goal.tokens_used, created.goal.created_at),
        (0, 200)
    );

    // The same objective of an unfinished goal updates it (usage kept).
    let current = goal(ThreadGoalStatus::Paused, None, 300);
    let same = apply_set(
        Some(&current),
        &set(Some("ship it"), Some(ThreadGoalStatus::Active), None),
        THREAD,
        200,
    )
    .unwrap();
    assert!(!same.created);
    assert_eq!(
        (
            same.goal.status,
            same.goal.tokens_used,
            same.goal.created_at
        ),
        (ThreadGoalStatus::Active, 300, 100)
    );

    // Another objective, or the same one of a complete goal, starts over.
    let other = apply_set(Some(&current), &set(Some("other"), None, None), THREAD, 200).unwrap();
    assert!(other.created);
    assert_eq!(other.goal.tokens_used, 0);
    let done = goal(ThreadGoalStatus::Complete, None, 300);
    assert!(
        apply_set(Some(&done), &set(Some("ship it"), None, None), THREAD, 200)
            .unwrap()
            .created
    );

    // No objective: only an existing goal changes.
    let error = apply_set(
        None,
        &set(None, Some(ThreadGoalStatus::Paused), None),
        THREAD,
        200,
    )
    .unwrap_err();
    assert_eq!(
        error.message,
        format!("cannot update goal for thread {THREAD}: no goal exists")
    );
    let removed = apply_set(
        Some(&goal(ThreadGoalStatus::Active, Some(50), 10)),
        &set(None, None, Some(None)),
        THREAD,
        200,
    )
    .unwrap();
    assert_eq!(removed.goal.token_budget, None);
    let untouched = apply_set(Some(&current), &set(None, None, None), THREAD, 200).unwrap();
    assert_eq!(untouched.goal, current);
}

#[test]
fn an_active_goal_over_its_budget_is_budget_limited() {
    let used_up = goal(ThreadGoalStatus::Paused, Some(100), 150);
    let resumed = apply_set(
        Some(&used_up),
        &set(None, Some(ThreadGoalStatus::Active), None),
        THREAD,
        200,
    )
    .unwrap();
    assert_eq!(resumed.goal.status, ThreadGoalStatus::BudgetLimited);
    let running = goal(ThreadGoalStatus::Active, None, 150);
    let lowered = apply_set(
        Some(&running),
        &set(None, None, Some(Some(120))),
        THREAD,
        200,
    )
    .unwrap();
    assert_eq!(lowered.goal.status, ThreadGoalStatus::BudgetLimited);
    let paused = goal(ThreadGoalStatus::Paused, None, 150);
    let still = apply_set(
        Some(&paused),
        &set(None, None, Some(Some(120))),
        THREAD,
        200,
    )
    .unwrap();
    assert_eq!(still.goal.status, ThreadGoalStatus::Paused);
}

#[test]
fn set_checks_objective_then_budget() {
    let error = apply_set(None, &set(Some("  "), None, Some(Some(0))), THREAD, 1).unwrap_err();
    assert_eq!(error.message, "goal objective must not be empty");
    let error = apply_set(None, &set(Some("x"), None, Some(Some(-1))), THREAD, 1).unwrap_err();
    assert_eq!(error.message, "goal budgets must be positive when provided");
    let long = "x".repeat(4001);
    let error = apply_set(None, &set(Some(&long), None, None), THREAD, 1).unwrap_err();
    assert_eq!(
        error.message,
        "goal objective must be at most 4000 characters"
    );
}

#[test]
fn accounting_counts_uncached_input_and_output_until_the_budget() {
    let usage = TokenUsageBreakdown {
        total_tokens: 110,
        input_tokens: 100,
        cached_input_tokens: 30,
        cache_write_input_tokens: 0,
        output_tokens: 10,
        reasoning_output_tokens: 4,
    };
    assert_eq!(response_tokens(&usage), 80);
    let mut active = goal(ThreadGoalStatus::Active, Some(200), 100);
    assert!(account(&mut active, 80, 2, 300));
    assert_eq!(
        (active.tokens_used, active.time_used_seconds, active.status),
        (180, 9, ThreadGoalStatus::Active)
    );
    assert!(account(&mut active, 80, 0, 301));
    assert_eq!(
        (active.tokens_used, active.status),
        (260, ThreadGoalStatus::BudgetLimited)
    );
    assert!(
        !account(&mut active, 80, 1, 302),
        "a goal that is not active does not count"
    );
    assert_eq!(active.tokens_used, 260);
}

#[test]
fn tools_create_only_over_a_complete_goal_and_update_three_statuses() {
    let unfinished = goal(ThreadGoalStatus::Paused, None, 0);
    assert_eq!(
        create(Some(&unfinished), "new", None, THREAD, 1),
        Err(CREATE_GOAL_UNFINISHED.to_owned())
    );
    let done = goal(ThreadGoalStatus::Complete, None, 0);
    let created = create(Some(&done), " new ", Some(10), THREAD, 1).unwrap();
    assert_eq!(
        (
            created.objective.as_str(),
            created.status,
            created.token_budget
        ),
        ("new", ThreadGoalStatus::Active, Some(10))
    );
    assert_eq!(
        create(None, "x", Some(0), THREAD, 1),
        Err("goal budgets must be positive when provided".to_owned())
    );

    assert_eq!(
        update_status(None, ThreadGoalStatus::Complete, 1),
        Err(UPDATE_GOAL_NO_GOAL.to_owned())
    );
    assert_eq!(
        update_status(Some(&done), ThreadGoalStatus::Active, 1),
        Err(UPDATE_GOAL_STATUS_REFUSED.to_owned())
    );
    for status in [
        ThreadGoalStatus::Complete,
        ThreadGoalStatus::Blocked,
        ThreadGoalStatus::Paused,
    ] {
        assert_eq!(
            update_status(Some(&unfinished), status, 5).unwrap().status,
            status
        );
    }
}

#[test]
fn tool_output_is_the_goal_as_json() {
    assert_eq!(
        tool_output(None, false),
        r#"{"goal":null,"remainingTokens":null,"completionBudgetReport":null}"#
    );
    let mut budgeted = goal(ThreadGoalStatus::Complete, Some(500), 120);
    let output: serde_json::Value =
        serde_json::from_str(&tool_output(Some(&budgeted), true)).unwrap();
    assert_eq!(output["remainingTokens"], 380);
    assert_eq!(output["goal"]["status"], "complete");
    assert!(
        output["completionBudgetReport"]
            .as_str()
            .unwrap()
            .starts_with("Goal achieved.")
    );
    budgeted.token_budget = None;
    budgeted.time_used_seconds = 0;
    let output: serde_json::Value =
        serde_json::from_str(&tool_output(Some(&budgeted), true)).unwrap();
    assert!(output["completionBudgetReport"].is_null());
    assert!(
        output["goal"].get("tokenBudget").is_none(),
        "the reference's core shape"
    );
}

#[test]
fn the_continuation_input_is_the_reference_prompt_as_hidden_context() {
    let mut active = goal(ThreadGoalStatus::Active, None, 42);
    active.objective = "fix <parser> & tests".to_owned();
    let prompt = continuation_prompt(&active);
    assert!(prompt.starts_with("Continue working toward the active thread goal.\n\n"));
    assert!(
        prompt.contains(
            "<untrusted_objective>\nfix &lt;parser&gt; &amp; tests\n</untrusted_objective>"
        )
    );
    assert!(
        prompt.contains("- Tokens used: 42\n- Token budget: none\n- Tokens remaining: unknown\n")
    );
    assert!(prompt.ends_with("for at least three consecutive goal turns."));
    active.token_budget = Some(100);
    assert!(continuation_prompt(&active).contains("- Token budget: 100\n- Tokens remaining: 58\n"));
    let input = continuation_input(&active);
    assert_eq!(input["role"], "user");
    let text = input["content"][0]["text"].as_str().unwrap();
    assert!(text.starts_with("<extension_context>\nContinue working"));
    assert!(text.ends_with("goal turns.\n</extension_context>"));
}
