//! The decision tables of core.md §4.2 and §4.4, row by row.

use super::{
    CommandPlan, ESCALATION_REFUSED, PATCH_OUTSIDE_ROOTS, PatchPlan, Policy, SessionApprovals,
    plain_words, plan_command, plan_patch, retry_denied_without_sandbox,
};

const GRANULAR_ASKS: Policy = Policy::Granular {
    sandbox_approval: true,
};
const GRANULAR_SILENT: Policy = Policy::Granular {
    sandbox_approval: false,
};

#[test]
fn commands_under_each_policy() {
    use CommandPlan::{Ask, Refuse, Run};
    // (policy, restricted, escalate, preapproved) → plan
    let rows = [
        (
            Policy::Untrusted,
            true,
            false,
            false,
            Ask { sandboxed: true },
        ),
        (
            Policy::Untrusted,
            true,
            true,
            false,
            Ask { sandboxed: false },
        ),
        (
            Policy::Untrusted,
            false,
            false,
            false,
            Ask { sandboxed: false },
        ),
        (
            Policy::Untrusted,
            true,
            false,
            true,
            Run { sandboxed: true },
        ),
        (
            Policy::OnRequest,
            true,
            false,
            false,
            Run { sandboxed: true },
        ),
        (
            Policy::OnRequest,
            true,
            true,
            false,
            Ask { sandboxed: false },
        ),
        (
            Policy::OnRequest,
            false,
            true,
            false,
            Run { sandboxed: false },
        ),
        (
            Policy::OnRequest,
            true,
            true,
            true,
            Run { sandboxed: false },
        ),
        (Policy::Never, true, false, false, Run { sandboxed: true }),
        (Policy::Never, true, true, false, Refuse(ESCALATION_REFUSED)),
        (Policy::Never, false, true, false, Run { sandboxed: false }),
        (GRANULAR_ASKS, true, true, false, Ask { sandboxed: false }),
        (GRANULAR_ASKS, true, false, false, Run { sandboxed: true }),
        (
            GRANULAR_SILENT,
            true,
            true,
            false,
            Refuse(ESCALATION_REFUSED),
        ),
    ];
    for (policy, restricted, escalate, preapproved, expected) in rows {
        assert_eq!(
            plan_command(policy, restricted, escalate, preapproved),
            expected,
            "{policy:?} restricted={restricted} escalate={escalate} preapproved={preapproved}"
        );
    }
}

#[test]
fn only_untrusted_offers_a_retry_after_a_denial() {
    assert!(retry_denied_without_sandbox(Policy::Untrusted));
    for policy in [
        Policy::OnRequest,
        Policy::Never,
        GRANULAR_ASKS,
        GRANULAR_SILENT,
    ] {
        assert!(!retry_denied_without_sandbox(policy), "{policy:?}");
    }
}

#[test]
fn patches_under_each_policy() {
    use PatchPlan::{Apply, Ask, Refuse};
    let rows = [
        (Policy::Untrusted, true, false, Ask),
        (Policy::Untrusted, false, false, Ask),
        (Policy::Untrusted, true, true, Apply),
        (Policy::OnRequest, true, false, Apply),
        (Policy::OnRequest, false, false, Ask),
        (Policy::Never, true, false, Apply),
        (Policy::Never, false, false, Refuse(PATCH_OUTSIDE_ROOTS)),
        (GRANULAR_ASKS, false, false, Ask),
        (GRANULAR_SILENT, false, false, Refuse(PATCH_OUTSIDE_ROOTS)),
        (Policy::Never, false, true, Apply),
    ];
    for (policy, inside, preapproved, expected) in rows {
        assert_eq!(
            plan_patch(policy, inside, preapproved),
            expected,
            "{policy:?} {inside} {preapproved}"
        );
    }
}

#[test]
fn the_session_remembers_exact_commands() {
    let mut session = SessionApprovals::default();
    let argv = vec!["/bin/bash".to_owned(), "-lc".to_owned(), "ls".to_owned()];
    let cwd = std::path::Path::new("/w");
    assert!(!session.command_accepted(&argv, cwd, false));
    session.accept_command(argv.clone(), cwd.to_path_buf(), false);
    assert!(session.command_accepted(&argv, cwd, false));
    assert!(
        !session.command_accepted(&argv, cwd, true),
        "escalation is a different request"
    );
    assert!(!session.command_accepted(&argv, std::path::Path::new("/x"), false));
}

#[test]
fn rules_apply_to_every_part_of_a_script_and_the_strictest_wins() {
    use crate::turn::tools::rules::{Rule, RuleDecision};
    let rule = |prefix: &[&str], decision| Rule {
        prefix: prefix.iter().map(|word| (*word).to_owned()).collect(),
        decision,
    };
    let mut session = SessionApprovals::default();
    session.add_rule(rule(&["cargo", "test"], RuleDecision::Allow));
    session.add_rule(rule(&["ls"], RuleDecision::Allow));
    assert_eq!(
        session.rule_for_script("cargo test -p weft"),
        Some(RuleDecision::Allow)
    );
    assert_eq!(
        session.rule_for_script("cargo test && ls"),
        Some(RuleDecision::Allow)
    );
    assert_eq!(session.rule_for_script("cargo build"), None);
    assert_eq!(
        session.rule_for_script("cargo test; rm -rf /"),
        None,
        "allow needs every part"
    );
    assert_eq!(
        session.rule_for_script("cargo test $(rm x)"),
        None,
        "unreadable is never allowed"
    );

    session.add_rule(rule(&["rm"], RuleDecision::Forbidden));
    session.add_rule(rule(&["git", "push"], RuleDecision::Prompt));
    assert_eq!(
        session.rule_for_script("ls && rm -rf x"),
        Some(RuleDecision::Forbidden)
    );
    assert_eq!(
        session.rule_for_script("ls | rm x"),
        Some(RuleDecision::Forbidden)
    );
    assert_eq!(
        session.rule_for_script("git push origin"),
        Some(RuleDecision::Prompt)
    );
    assert_eq!(
        session.rule_for_script("\"rm\" -rf x"),
        Some(RuleDecision::Prompt),
        "a part weft cannot read is asked about while restrictive rules exist"
    );
    assert_eq!(
        session.rule_for_script("git push; rm x"),
        Some(RuleDecision::Forbidden)
    );
}

#[test]
fn only_plain_commands_have_words() {
    assert_eq!(
        plain_words("echo hello-approval").unwrap(),
        ["echo", "hello-approval"]
    );
    for script in [
        "ls | wc",
        "a && b",
        "echo $HOME",
        "rm -rf *",
        "x=1 y",
        "cat <f",
        "",
    ] {
        assert_eq!(plain_words(script), None, "{script}");
    }
}
