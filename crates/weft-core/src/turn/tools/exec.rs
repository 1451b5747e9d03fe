//! `exec_command` and `write_stdin` (core.md §3.1, §4.2): a command becomes a
//! `commandExecution` item; the approval policy decides whether to ask first; the command runs
//! in the thread's process table inside the kernel sandbox the policy names, its output
//! streamed as `item/commandExecution/outputDelta`; a sandbox denial under `untrusted` asks to
//! retry outside. A patch sent as a command (`apply_patch <<'EOF' …`) is applied instead and
//! reported as a `fileChange` (§3.3).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Deserialize;
use tokio::sync::mpsc;
use weft_exec::{ExecError, ExecOutcome, ExecRequest, SpawnHook};
use weft_protocol::v2::{
    CommandExecutionRequestApprovalParams, ItemBody, ItemDeltaNotification, ServerNotification,
    ServerRequest, ThreadItem,
};

use crate::ids::now_ms;
use crate::turn::tools::approval::{self, CommandPlan, Policy, Verdict};
use crate::turn::tools::permissions::{self, WriteAccess, network_allowed};
use crate::turn::tools::rules::RuleDecision;
use crate::turn::tools::{
    ToolContext, ToolStop, completed, function_output, parse_arguments, patch, started,
};

/// `exec_command` arguments (core.md §3.1).
#[derive(Debug, Deserialize)]
struct ExecArguments {
    cmd: String,
    #[serde(default)]
    workdir: Option<String>,
    #[serde(default)]
    shell: Option<String>,
    #[serde(default)]
    login: Option<bool>,
    #[serde(default)]
    tty: Option<bool>,
    #[serde(default)]
    yield_time_ms: Option<f64>,
    #[serde(default)]
    max_output_tokens: Option<f64>,
    #[serde(default)]
    sandbox_permissions: Option<String>,
    #[serde(default)]
    justification: Option<String>,
    #[serde(default)]
    prefix_rule: Option<Vec<String>>,
}

/// `write_stdin` arguments.
#[derive(Debug, Deserialize)]
struct WriteArguments {
    session_id: f64,
    #[serde(default)]
    chars: String,
    #[serde(default)]
    yield_time_ms: Option<f64>,
    #[serde(default)]
    max_output_tokens: Option<f64>,
}

/// A command ready to run, as approvals and the item see it.
struct Command {
    argv: Vec<String>,
    script: String,
    cwd: PathBuf,
    escalate: bool,
    words: Option<Vec<String>>,
    request: ExecRequest,
}

/// Runs `exec_command`; the `Ok` text is the model's output.
pub(super) async fn exec_command(
    context: &ToolContext,
    call_id: &str,
    arguments: &str,
) -> Result<String, ToolStop> {
    let started_at = Instant::now();
    let arguments: ExecArguments = match parse_arguments(arguments) {
        Ok(arguments) => arguments,
        Err(text) => return Ok(text),
    };
    let cwd = resolve(&context.settings.cwd, arguments.workdir.as_deref());
    let argv = weft_exec::shell_argv(
        trusted_shell(arguments.shell.as_deref()),
        arguments.login.unwrap_or(true),
        &arguments.cmd,
    );
    if let Some(found) = weft_patch::extract_from_argv(&argv) {
        return intercepted_patch(
            context,
            call_id,
            found,
            &cwd,
            arguments.justification,
            started_at,
        )
        .await;
    }
    let mut request = ExecRequest::new(argv.clone(), cwd.clone());
    request.tty = arguments.tty.unwrap_or(false);
    if let Some(ms) = arguments
        .yield_time_ms
        .filter(|ms| ms.is_finite() && *ms >= 0.0)
    {
        request.yield_time = Duration::from_millis(ms as u64);
    }
    if let Some(tokens) = arguments
        .max_output_tokens
        .filter(|n| n.is_finite() && *n >= 0.0)
    {
        request.max_output_tokens = tokens as usize;
    }
    let command = Command {
        words: approval::plain_words(&arguments.cmd),
        script: arguments.cmd,
        argv,
        cwd,
        escalate: arguments.sandbox_permissions.as_deref() == Some("require_escalated"),
        request,
    };
    run_command(
        context,
        call_id,
        command,
        arguments.justification,
        arguments.prefix_rule,
    )
    .await
}

/// Runs `write_stdin`; the `Ok` text is the model's output.
pub(super) async fn write_stdin(
    context: &ToolContext,
    arguments: &str,
) -> Result<String, ToolStop> {
    let arguments: WriteArguments = match parse_arguments(arguments) {
        Ok(arguments) => arguments,
        Err(text) => return Ok(text),
    };
    let yield_time = arguments
        .yield_time_ms
        .filter(|ms| ms.is_finite() && *ms >= 0.0)
        .map(|ms| Duration::from_millis(ms as u64));
    let max_tokens = arguments
        .max_output_tokens
        .filter(|n| n.is_finite() && *n >= 0.0)
        .map_or(weft_exec::limits::MAX_OUTPUT_TOKENS_DEFAULT, |n| n as usize);
    let result = context
        .processes
        .write_stdin(
            arguments.session_id as i32,
            &arguments.chars,
            yield_time,
            max_tokens,
            None,
            context.cancel.child_token(),
        )
        .await;
    match result {
        Ok(outcome) => Ok(outcome.to_model_text()),
        Err(err @ ExecError::Cancelled { .. }) => Err(ToolStop::Interrupted {
            output: function_output("", &err.to_model_text()),
        }),
        Err(err) => Ok(err.to_model_text()),
    }
}

async fn intercepted_patch(
    context: &ToolContext,
    call_id: &str,
    found: Result<weft_patch::ShellPatch, weft_patch::ExtractError>,
    cwd: &Path,
    justification: Option<String>,
    started_at: Instant,
) -> Result<String, ToolStop> {
    let shell_patch = match found {
        Ok(shell_patch) => shell_patch,
        Err(err) => return Ok(err.to_string()),
    };
    let patch_started = Instant::now();
    let patch_cwd = shell_patch.effective_cwd(cwd);
    let Some(result) = patch::run(
        context,
        call_id,
        shell_patch.patch,
        patch_cwd,
        justification,
    )
    .await
    else {
        return Err(ToolStop::Interrupted {
            output: function_output(call_id, &weft_exec::aborted_text(started_at.elapsed())),
        });
    };
    let inner = weft_exec::classic_exec_text(
        result.exit_code,
        patch_started.elapsed(),
        &result.text,
        weft_exec::limits::MAX_OUTPUT_TOKENS_DEFAULT,
    );
    let text = weft_exec::unified_wrapper_text(started_at.elapsed(), &inner);
    if result.interrupts {
        return Err(ToolStop::Interrupted {
            output: function_output(call_id, &text),
        });
    }
    Ok(text)
}

async fn run_command(
    context: &ToolContext,
    call_id: &str,
    command: Command,
    justification: Option<String>,
    prefix_rule: Option<Vec<String>>,
) -> Result<String, ToolStop> {
    let item = started(command_item(call_id, &command, "agent"));
    // The writable roots come from the turn's cwd, never from the model's `workdir`: a command
    // may run anywhere, but running somewhere does not make that place writable.
    let access = WriteAccess::from_policy(&context.settings.sandbox, &turn_cwd(context));
    let restricted =
        access != WriteAccess::Everywhere || !network_allowed(&context.settings.sandbox);
    let policy = Policy::from_wire(&context.settings.approval_policy);
    let rule = context.session().rule_for_script(&command.script);
    let preapproved = rule == Some(RuleDecision::Allow)
        || context
            .session()
            .command_accepted(&command.argv, &command.cwd, command.escalate);
    let plan = match rule {
        Some(RuleDecision::Forbidden) => {
            let text = approval::blocked_by_policy_text(&item);
            context.item_started(item.clone()).await;
            finish_without_running(context, &item, "declined").await;
            return Ok(text);
        }
        Some(RuleDecision::Prompt) if policy == Policy::Never => {
            return Ok(approval::blocked_by_policy_text(&item));
        }
        Some(RuleDecision::Prompt) => CommandPlan::Ask {
            sandboxed: restricted && !command.escalate,
        },
        _ => approval::plan_command(policy, restricted, command.escalate, preapproved),
    };
    let sandboxed = match plan {
        CommandPlan::Refuse(text) => return Ok(text.to_owned()),
        CommandPlan::Run { sandboxed } => {
            context.item_started(item.clone()).await;
            sandboxed
        }
        CommandPlan::Ask { sandboxed } => {
            let proposal = prefix_rule.or_else(|| command.words.clone());
            let reason = justification.clone().filter(|_| command.escalate);
            let verdict = ask(context, &item, &command, reason, None, proposal).await;
            if let Some(stop) = settle(context, &item, &command, verdict?).await {
                return stop;
            }
            sandboxed
        }
    };
    let outcome = execute(context, call_id, &item, &command, sandboxed).await?;
    // Only a command that ran can have been denied by the sandbox (pid 0: it never started,
    // e.g. the sandbox itself was unavailable, which no retry outside it may paper over).
    let denied = sandboxed
        && outcome.pid != 0
        && outcome
            .exit_code
            .is_some_and(|code| weft_sandbox::is_likely_sandbox_denial(code, &outcome.output));
    if denied && approval::retry_denied_without_sandbox(policy) {
        let retry_id = Some(uuid::Uuid::now_v7().hyphenated().to_string());
        let reason = Some(approval::RETRY_WITHOUT_SANDBOX.to_owned());
        let verdict = ask(context, &item, &command, reason, retry_id, None).await?;
        let unsandboxed = Command {
            escalate: true,
            ..command
        };
        match verdict {
            Verdict::Decline => {}
            other => {
                if let Some(stop) = settle(context, &item, &unsandboxed, other).await {
                    return stop;
                }
                let retried = execute(context, call_id, &item, &unsandboxed, false).await?;
                return Ok(complete_run(context, &item, &unsandboxed, &retried).await);
            }
        }
        return Ok(complete_run(context, &item, &unsandboxed, &outcome).await);
    }
    Ok(complete_run(context, &item, &command, &outcome).await)
}

/// Sends the approval request and waits; `Err` when the turn was interrupted meanwhile (the
/// command's item then never completes, R31).
async fn ask(
    context: &ToolContext,
    item: &ThreadItem,
    command: &Command,
    reason: Option<String>,
    approval_id: Option<String>,
    proposal: Option<Vec<String>>,
) -> Result<Verdict, ToolStop> {
    let mut available = vec![serde_json::json!("accept")];
    if let Some(prefix) = &proposal {
        available.push(serde_json::json!({
            "acceptWithExecpolicyAmendment": {"execpolicy_amendment": prefix}
        }));
    }
    available.push(serde_json::json!("cancel"));
    let announce = approval_id.is_none().then(|| item.clone());
    let request =
        ServerRequest::CommandExecutionRequestApproval(CommandExecutionRequestApprovalParams {
            kind: Some("command".to_owned()),
            thread_id: context.thread_id.to_string(),
            turn_id: context.turn_id.to_string(),
            item_id: item.id().to_owned(),
            started_at_ms: item.started_at_ms.unwrap_or_else(now_ms),
            approval_id,
            environment_id: Some("local".to_owned()),
            command: Some(weft_store::item_codec::shell_join(&command.argv)),
            cwd: Some(command.cwd.display().to_string()),
            command_actions: Some(actions_json(&command.script, &command.cwd)),
            reason,
            network_approval_context: None,
            proposed_execpolicy_amendment: proposal,
            proposed_network_policy_amendments: None,
            available_decisions: Some(available),
        });
    match context.ask(announce, request).await {
        Some(answer) => Ok(approval::command_verdict(answer)),
        None => Err(ToolStop::Interrupted {
            output: function_output(item.id(), &weft_exec::aborted_text(Duration::ZERO)),
        }),
    }
}

/// Applies a verdict that does not run the command, or remembers one that does. `Some` is the
/// call's final result.
async fn settle(
    context: &ToolContext,
    item: &ThreadItem,
    command: &Command,
    verdict: Verdict,
) -> Option<Result<String, ToolStop>> {
    match verdict {
        Verdict::Accept => None,
        Verdict::AcceptForSession => {
            context.session().accept_command(
                command.argv.clone(),
                command.cwd.clone(),
                command.escalate,
            );
            None
        }
        Verdict::AcceptWithAmendment(prefix) => {
            let home = context.home.clone();
            let persisted = prefix.clone();
            let written = tokio::task::spawn_blocking(move || {
                super::rules::append_allow_rule(&home, &persisted)
            })
            .await;
            if !matches!(written, Ok(Ok(_))) {
                tracing::warn!(?written, "could not persist the execpolicy amendment");
            }
            context.session().allow_prefix(prefix);
            None
        }
        Verdict::Decline => {
            finish_without_running(context, item, "declined").await;
            Some(Ok(approval::REJECTED_BY_USER.to_owned()))
        }
        Verdict::Cancel => {
            // Interrupt at once: parallel calls waiting on their own approvals stop too.
            context.cancel.cancel();
            finish_without_running(context, item, "declined").await;
            Some(Err(ToolStop::Interrupted {
                output: function_output(item.id(), approval::REJECTED_BY_USER),
            }))
        }
        Verdict::Failed(text) => {
            finish_without_running(context, item, "failed").await;
            Some(Ok(text))
        }
    }
}

/// Runs the command in the process table, forwarding its output as deltas of `item`.
async fn execute(
    context: &ToolContext,
    call_id: &str,
    item: &ThreadItem,
    command: &Command,
    sandboxed: bool,
) -> Result<ExecOutcome, ToolStop> {
    let hook = match sandbox_hook(context, &turn_cwd(context), sandboxed, command.request.tty).await
    {
        Ok(hook) => hook,
        Err(text) => {
            let outcome = failed_outcome(text);
            return Ok(outcome);
        }
    };
    let (deltas, forwarder) = forward_deltas(context, call_id);
    let result = context
        .processes
        .exec(
            command.request.clone(),
            hook,
            Some(deltas),
            context.cancel.child_token(),
        )
        .await;
    forwarder.stop().await;
    match result {
        Ok(outcome) => Ok(outcome),
        Err(err @ ExecError::Cancelled { .. }) => Err(ToolStop::Interrupted {
            output: function_output(item.id(), &err.to_model_text()),
        }),
        Err(err) => Ok(failed_outcome(err.to_model_text())),
    }
}

/// The `pre_exec` sandbox for a command, or the refusal text when the kernel cannot enforce it.
/// A `tty` command always gets a hook: its terminal session, plus the sandbox when
/// `sandboxed`, in one `pre_exec`.
async fn sandbox_hook(
    context: &ToolContext,
    cwd: &Path,
    sandboxed: bool,
    tty: bool,
) -> Result<Option<SpawnHook>, String> {
    if sandboxed && let weft_sandbox::Support::Unavailable { reason } = &context.sandbox_support {
        return Err(format!("{}: {reason}", approval::SANDBOX_UNAVAILABLE));
    }
    if tty {
        return permissions::terminal_hook(&context.settings.sandbox, cwd, sandboxed)
            .await
            .map(Some);
    }
    if !sandboxed {
        return Ok(None);
    }
    permissions::sandbox_hook(&context.settings.sandbox, cwd).await
}

/// An outcome for a command that could not start: exit code 1 and the reason as output.
fn failed_outcome(text: String) -> ExecOutcome {
    ExecOutcome {
        chunk_id: weft_exec::generate_chunk_id(),
        wall_time: Duration::ZERO,
        exit_code: Some(1),
        session_id: None,
        pid: 0,
        original_token_count: weft_exec::approx_tokens_from_bytes(text.len() as u64),
        output_bytes: text.len() as u64,
        aggregated_output: Some(text.clone()),
        output: text,
        max_output_tokens: weft_exec::limits::MAX_OUTPUT_TOKENS_DEFAULT,
        deltas_dropped: 0,
    }
}

/// Completes the item from the outcome and returns the model's text.
async fn complete_run(
    context: &ToolContext,
    item: &ThreadItem,
    command: &Command,
    outcome: &ExecOutcome,
) -> String {
    let status = match outcome.exit_code {
        Some(0) => "completed",
        Some(_) => "failed",
        None => "inProgress",
    };
    let mut body = command_item(item.id(), command, "unifiedExecStartup");
    if let ItemBody::CommandExecution {
        status: slot,
        aggregated_output,
        exit_code,
        duration_ms,
        process_id,
        ..
    } = &mut body
    {
        status.clone_into(slot);
        // The reference reports a command that printed nothing as `null`, not `""`.
        *aggregated_output = Some(
            outcome
                .aggregated_output
                .clone()
                .unwrap_or_else(|| outcome.output.clone()),
        )
        .filter(|output| !output.is_empty());
        *exit_code = outcome.exit_code;
        *duration_ms = Some(i64::try_from(outcome.wall_time.as_millis()).unwrap_or(i64::MAX));
        *process_id = (outcome.pid != 0).then(|| outcome.pid.to_string());
    }
    context.item_completed(completed(item, body)).await;
    outcome.to_model_text()
}

async fn finish_without_running(context: &ToolContext, item: &ThreadItem, status: &str) {
    let mut body = item.body.clone();
    if let ItemBody::CommandExecution { status: slot, .. } = &mut body {
        status.clone_into(slot);
    }
    context.item_completed(completed(item, body)).await;
}

fn command_item(call_id: &str, command: &Command, source: &str) -> ItemBody {
    ItemBody::CommandExecution {
        id: call_id.to_owned(),
        command: weft_store::item_codec::shell_join(&command.argv),
        cwd: command.cwd.display().to_string(),
        command_actions: actions_json(&command.script, &command.cwd),
        status: "inProgress".to_owned(),
        aggregated_output: None,
        exit_code: None,
        duration_ms: None,
        process_id: None,
        source: Some(source.to_owned()),
    }
}

/// The wire `commandActions` of a script run in `cwd`.
pub(crate) fn actions_json(script: &str, cwd: &Path) -> Vec<serde_json::Value> {
    let mut actions = weft_exec::command_actions(script);
    weft_exec::resolve_read_paths(&mut actions, cwd);
    actions
        .into_iter()
        .filter_map(|action| serde_json::to_value(action).ok())
        .collect()
}

/// The model's `shell` if it is a shell the system lists in `/etc/shells` (an absolute path),
/// else `None` (the user's shell). A shell the model could have written itself (`./bash`) would
/// run unsandboxed under an allow rule or an escalation meant for the script it runs.
fn trusted_shell(requested: Option<&str>) -> Option<&str> {
    let requested = requested?;
    let listed = std::fs::read_to_string("/etc/shells").unwrap_or_default();
    let trusted = requested.starts_with('/')
        && listed
            .lines()
            .map(str::trim)
            .any(|line| !line.starts_with('#') && line == requested);
    if !trusted {
        tracing::info!(
            shell = requested,
            "the model's shell is not in /etc/shells; using the user's"
        );
    }
    trusted.then_some(requested)
}

/// The turn's cwd: the base of the writable roots.
fn turn_cwd(context: &ToolContext) -> PathBuf {
    PathBuf::from(&context.settings.cwd)
}

fn resolve(cwd: &str, workdir: Option<&str>) -> PathBuf {
    let base = Path::new(cwd);
    workdir.map_or_else(|| base.to_path_buf(), |dir| base.join(dir))
}

/// Forwards a command's output chunks as `item/commandExecution/outputDelta` until stopped.
struct DeltaForwarder {
    stop: tokio_util::sync::CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl DeltaForwarder {
    /// Stops forwarding once the chunks already queued are sent, and waits for that, so every
    /// delta of the call precedes the item's completion.
    async fn stop(self) {
        self.stop.cancel();
        let _ = self.task.await;
    }
}

fn forward_deltas(context: &ToolContext, call_id: &str) -> (mpsc::Sender<String>, DeltaForwarder) {
    let (sender, mut receiver) = mpsc::channel::<String>(crate::limits::COMMAND_DELTA_QUEUE_DEPTH);
    let stop = tokio_util::sync::CancellationToken::new();
    let context = context.clone();
    let item_id = call_id.to_owned();
    let stopped = stop.clone();
    let task = tokio::spawn(async move {
        let mut streamed = 0usize;
        loop {
            let chunk = tokio::select! {
                biased;
                chunk = receiver.recv() => chunk,
                () = stopped.cancelled() => receiver.try_recv().ok(),
            };
            let Some(delta) = chunk else { break };
            streamed = streamed.saturating_add(delta.len());
            if streamed > crate::limits::COMMAND_DELTA_BYTES_MAX {
                // Keep draining so the child never stalls; the rest is in aggregatedOutput.
                continue;
            }
            context
                .notify(ServerNotification::CommandExecutionOutputDelta(
                    ItemDeltaNotification {
                        thread_id: context.thread_id.to_string(),
                        turn_id: context.turn_id.to_string(),
                        item_id: item_id.clone(),
                        delta,
                    },
                ))
                .await;
        }
    });
    (sender, DeltaForwarder { stop, task })
}
