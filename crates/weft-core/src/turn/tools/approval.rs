//! When a command or patch needs the user's approval (core.md §4.2–§4.4), as pure functions of
//! the policy, so the table of the spec is tested directly; and what a thread remembers of the
//! answers ("accept for session", execpolicy amendments).

use std::collections::HashSet;
use std::path::PathBuf;

use weft_protocol::v2::{ApprovalPolicyName, AskForApproval};

/// The model's text when a command asks to leave the sandbox under a policy that never asks.
pub(crate) const ESCALATION_REFUSED: &str = "approval policy is never: this command cannot run outside the sandbox; run it inside the sandbox instead";
/// The model's text when the user declines.
pub(crate) const REJECTED_BY_USER: &str = "rejected by user";
/// The reason of an approval asked after the sandbox denied a command.
pub(crate) const RETRY_WITHOUT_SANDBOX: &str = "command failed; retry without sandbox?";
/// The model's text when a patch writes outside the writable roots under `never`.
pub(crate) const PATCH_OUTSIDE_ROOTS: &str =
    "writing outside of the project; rejected by user approval settings";
/// The model's text when the sandbox cannot be enforced on this kernel.
pub(crate) const SANDBOX_UNAVAILABLE: &str = "sandbox unavailable";

/// The approval policy as the decision table reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Policy {
    /// Ask before every command and patch.
    Untrusted,
    /// Ask only when the model requests escalation or a patch leaves the roots.
    OnRequest,
    /// Never ask.
    Never,
    /// Like `OnRequest`, but escalation prompts are allowed only when `sandbox_approval`.
    Granular {
        /// Escalation and retry prompts may reach the user.
        sandbox_approval: bool,
    },
}

impl Policy {
    /// Reads the wire setting.
    pub(crate) fn from_wire(policy: &AskForApproval) -> Self {
        match policy {
            AskForApproval::Policy(ApprovalPolicyName::Untrusted) => Self::Untrusted,
            AskForApproval::Policy(ApprovalPolicyName::OnRequest) => Self::OnRequest,
            AskForApproval::Policy(ApprovalPolicyName::Never) => Self::Never,
            AskForApproval::Granular { granular } => Self::Granular {
                sandbox_approval: granular
                    .get("sandbox_approval")
                    .and_then(serde_json::Value::as_bool)
                    .unwrap_or(false),
            },
        }
    }
}

/// What to do with a command before running it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CommandPlan {
    /// Run it without asking; `sandboxed` says whether inside the sandbox.
    Run {
        /// Inside the kernel sandbox.
        sandboxed: bool,
    },
    /// Ask first; if approved, run as `sandboxed` says.
    Ask {
        /// Inside the kernel sandbox once approved.
        sandboxed: bool,
    },
    /// Refuse; the text goes to the model.
    Refuse(&'static str),
}

/// The first attempt of a command (core.md §4.2's left column).
///
/// `restricted`: the sandbox setting restricts anything (not full access). `escalate`: the
/// model set `sandbox_permissions: "require_escalated"`. `preapproved`: the user already
/// accepted this command for the session, or an execpolicy rule allows it.
pub(crate) fn plan_command(
    policy: Policy,
    restricted: bool,
    escalate: bool,
    preapproved: bool,
) -> CommandPlan {
    let sandboxed = restricted && !escalate;
    if preapproved {
        return CommandPlan::Run { sandboxed };
    }
    match policy {
        Policy::Untrusted => CommandPlan::Ask { sandboxed },
        Policy::Never
        | Policy::Granular {
            sandbox_approval: false,
        } if escalate && restricted => CommandPlan::Refuse(ESCALATION_REFUSED),
        Policy::OnRequest | Policy::Granular { .. } if escalate && restricted => {
            CommandPlan::Ask { sandboxed: false }
        }
        Policy::OnRequest | Policy::Never | Policy::Granular { .. } => {
            CommandPlan::Run { sandboxed }
        }
    }
}

/// Whether a sandbox denial is followed by an approval to retry outside the sandbox (§4.2's
/// right column): only under `untrusted` (0.169.0 has no `on-failure`).
pub(crate) fn retry_denied_without_sandbox(policy: Policy) -> bool {
    matches!(policy, Policy::Untrusted)
}

/// What to do with a patch (core.md §4.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PatchPlan {
    /// Apply it.
    Apply,
    /// Ask first.
    Ask,
    /// Refuse; the text goes to the model.
    Refuse(&'static str),
}

/// `inside_roots`: every touched path may be written under the sandbox setting.
pub(crate) fn plan_patch(policy: Policy, inside_roots: bool, preapproved: bool) -> PatchPlan {
    match (policy, inside_roots, preapproved) {
        (_, _, true) => PatchPlan::Apply,
        (Policy::Untrusted, _, false) => PatchPlan::Ask,
        (_, true, false) => PatchPlan::Apply,
        (
            Policy::Never
            | Policy::Granular {
                sandbox_approval: false,
            },
            false,
            false,
        ) => PatchPlan::Refuse(PATCH_OUTSIDE_ROOTS),
        (Policy::OnRequest | Policy::Granular { .. }, false, false) => PatchPlan::Ask,
    }
}

/// What a thread remembers of its approvals. Owned by the thread (shared with its running turn
/// through a mutex: only that turn's tools and the next turn touch it).
#[derive(Debug, Default)]
pub(crate) struct SessionApprovals {
    /// Commands accepted for the session: (argv, cwd, escalated).
    commands: HashSet<(Vec<String>, PathBuf, bool)>,
    /// Files whose patches were accepted for the session.
    patch_paths: HashSet<PathBuf>,
    /// Execpolicy rules from the rules files and the user's amendments.
    rules: Vec<super::rules::Rule>,
}

impl SessionApprovals {
    /// Remembers a command accepted for the session.
    pub(crate) fn accept_command(&mut self, argv: Vec<String>, cwd: PathBuf, escalated: bool) {
        self.commands.insert((argv, cwd, escalated));
    }

    /// Remembers an allowed prefix.
    pub(crate) fn allow_prefix(&mut self, prefix: Vec<String>) {
        self.add_rule(super::rules::Rule {
            prefix,
            decision: super::rules::RuleDecision::Allow,
        });
    }

    /// Adds a rule (from a rules file, or an amendment), once.
    pub(crate) fn add_rule(&mut self, rule: super::rules::Rule) {
        if !rule.prefix.is_empty() && !self.rules.contains(&rule) {
            self.rules.push(rule);
        }
    }

    /// The strictest decision of the rules matching these command words (forbidden over prompt
    /// over allow), as the reference's policy evaluates them.
    pub(crate) fn rule_for(&self, words: Option<&[String]>) -> Option<super::rules::RuleDecision> {
        let words = words?;
        self.rules
            .iter()
            .filter(|rule| words.starts_with(&rule.prefix))
            .map(|rule| rule.decision)
            .max()
    }

    /// The decision for a whole script: each simple command of a `&&` / `||` / `;` / `|` /
    /// newline sequence is matched, the strictest decision wins, and `allow` needs every part
    /// allowed. A part weft cannot read as plain words (quotes, substitutions, redirections)
    /// could hide anything, so while forbidden or prompt rules exist it is asked about.
    pub(crate) fn rule_for_script(&self, script: &str) -> Option<super::rules::RuleDecision> {
        use super::rules::RuleDecision;
        let mut decisions = Vec::new();
        let mut unreadable = false;
        for part in simple_commands(script) {
            match plain_words(part) {
                Some(words) => decisions.push(self.rule_for(Some(&words))),
                None => unreadable = true,
            }
        }
        let strictest = decisions.iter().flatten().max().copied();
        if strictest > Some(RuleDecision::Allow) {
            return strictest;
        }
        let restrictive = self
            .rules
            .iter()
            .any(|rule| rule.decision > RuleDecision::Allow);
        if unreadable && restrictive {
            return Some(RuleDecision::Prompt);
        }
        let all_allowed = !unreadable
            && !decisions.is_empty()
            && decisions
                .iter()
                .all(|decision| *decision == Some(RuleDecision::Allow));
        all_allowed.then_some(RuleDecision::Allow)
    }

    /// Whether this command may run without asking.
    /// Whether this exact command was accepted for the session.
    pub(crate) fn command_accepted(
        &self,
        argv: &[String],
        cwd: &std::path::Path,
        escalated: bool,
    ) -> bool {
        let key = (argv.to_vec(), cwd.to_path_buf(), escalated);
        self.commands.contains(&key)
    }

    /// Remembers files accepted for the session.
    pub(crate) fn accept_patch_paths(&mut self, paths: impl IntoIterator<Item = PathBuf>) {
        self.patch_paths.extend(paths);
    }

    /// Whether every path was accepted for the session.
    pub(crate) fn patch_preapproved<'a>(
        &self,
        mut paths: impl Iterator<Item = &'a std::path::Path>,
    ) -> bool {
        paths.all(|path| self.patch_paths.contains(path))
    }
}

/// The simple commands of a script: split at `&&`, `||`, `;`, `|` and newlines. Separators
/// inside quotes split too, but such parts then fail [`plain_words`] (they hold quotes), so the
/// caller treats them as unreadable, never as allowed.
fn simple_commands(script: &str) -> impl Iterator<Item = &str> {
    script
        .split(['\n', ';', '|', '&'])
        .map(str::trim)
        .filter(|part| !part.is_empty())
}

/// The words of a plain command (`echo hello`), for prefix rules and the proposed amendment;
/// `None` when the script uses shell syntax beyond words separated by spaces.
pub(crate) fn plain_words(script: &str) -> Option<Vec<String>> {
    const SPECIAL: &[char] = &[
        '|', '&', ';', '<', '>', '(', ')', '$', '`', '\\', '"', '\'', '*', '?', '[', ']', '{', '}',
        '~', '#', '\n', '=',
    ];
    if script.contains(SPECIAL) {
        return None;
    }
    let words: Vec<String> = script.split_whitespace().map(str::to_owned).collect();
    (!words.is_empty()).then_some(words)
}

/// The model's text for a command an execpolicy rule forbids (or asks about under `never`).
pub(crate) fn blocked_by_policy_text(item: &weft_protocol::v2::ThreadItem) -> String {
    let command = match &item.body {
        weft_protocol::v2::ItemBody::CommandExecution { command, .. } => command.as_str(),
        _ => "",
    };
    format!("`{command}` rejected: blocked by policy")
}

/// The model's text when the approval request itself failed (an error reply or an answer that
/// does not parse, R30): not a decline, so the model is told so.
pub(crate) fn approval_failed_text(detail: &str) -> String {
    format!("approval request failed: {detail}")
}

/// What the user decided, whatever the request type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Go ahead once.
    Accept,
    /// Go ahead, and the same again this session without asking.
    AcceptForSession,
    /// Go ahead, and allow this prefix from now on (persisted).
    AcceptWithAmendment(Vec<String>),
    /// Do not; the turn goes on.
    Decline,
    /// Do not; interrupt the turn.
    Cancel,
    /// The request failed (error reply or unparsable answer): the item fails (R30).
    Failed(String),
}

/// The client's `result`, or the failed verdict of an error reply (R30).
fn answer_result(
    answer: crate::server_requests::ServerRequestAnswer,
) -> Result<serde_json::Value, Verdict> {
    match answer {
        crate::server_requests::ServerRequestAnswer::Result(result) => Ok(result),
        crate::server_requests::ServerRequestAnswer::Error(error) => Err(Verdict::Failed(
            approval_failed_text(&format!("the client answered with an error: {error}")),
        )),
    }
}

/// Reads the answer to a command approval.
pub(crate) fn command_verdict(answer: crate::server_requests::ServerRequestAnswer) -> Verdict {
    use weft_protocol::v2::{
        CommandExecutionApprovalDecision as Decision, CommandExecutionRequestApprovalResponse,
    };
    let result = match answer_result(answer) {
        Ok(result) => result,
        Err(failed) => return failed,
    };
    match serde_json::from_value::<CommandExecutionRequestApprovalResponse>(result) {
        Ok(response) => match response.decision {
            Decision::Accept => Verdict::Accept,
            Decision::AcceptForSession => Verdict::AcceptForSession,
            Decision::AcceptWithExecpolicyAmendment {
                execpolicy_amendment,
            } => Verdict::AcceptWithAmendment(execpolicy_amendment),
            Decision::ApplyNetworkPolicyAmendment {
                network_policy_amendment,
            } if network_policy_amendment.action == "allow" => Verdict::Accept,
            Decision::ApplyNetworkPolicyAmendment { .. } | Decision::Decline => Verdict::Decline,
            Decision::Cancel => Verdict::Cancel,
        },
        Err(err) => Verdict::Failed(approval_failed_text(&format!("invalid decision: {err}"))),
    }
}

/// Reads the answer to a patch approval.
pub(crate) fn patch_verdict(answer: crate::server_requests::ServerRequestAnswer) -> Verdict {
    use weft_protocol::v2::{
        FileChangeApprovalDecision as Decision, FileChangeRequestApprovalResponse,
    };
    let result = match answer_result(answer) {
        Ok(result) => result,
        Err(failed) => return failed,
    };
    match serde_json::from_value::<FileChangeRequestApprovalResponse>(result) {
        Ok(response) => match response.decision {
            Decision::Accept => Verdict::Accept,
            Decision::AcceptForSession => Verdict::AcceptForSession,
            Decision::Decline => Verdict::Decline,
            Decision::Cancel => Verdict::Cancel,
        },
        Err(err) => Verdict::Failed(approval_failed_text(&format!("invalid decision: {err}"))),
    }
}

#[cfg(test)]
mod tests;
