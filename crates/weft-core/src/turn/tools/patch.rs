//! Patches (core.md §3.3, §4.4): planned, shown as a `fileChange` item, approved where the
//! policy says, applied in-process within the same writable roots as the sandbox, and folded
//! into the turn's diff (`turn/diff/updated`). File IO runs on the blocking pool.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use weft_patch::{ChangeKind, Patch, PlannedChange, TurnDiff};
use weft_protocol::v2::{
    FileChangeRequestApprovalParams, FileUpdateChange, ItemBody, PatchChangeKind,
    ServerNotification, ServerRequest, ThreadItem, TurnDiffUpdatedNotification,
};

use crate::ids::now_ms;
use crate::turn::tools::approval::{self, PatchPlan, Policy, Verdict};
use crate::turn::tools::permissions::WriteAccess;
use crate::turn::tools::{ToolContext, completed, started};

/// A patch call's result in the classic exec form: exit code and text.
#[derive(Debug)]
pub(crate) struct PatchResult {
    /// 0 on success.
    pub(crate) exit_code: i32,
    /// Summary or error text.
    pub(crate) text: String,
    /// The user chose `cancel`: the turn ends.
    pub(crate) interrupts: bool,
}

impl PatchResult {
    fn failed(text: String) -> Self {
        Self {
            exit_code: 1,
            text,
            interrupts: false,
        }
    }
}

/// Plans, approves and applies `patch` with relative paths resolved against `cwd`. `None` when
/// the turn was interrupted while the approval was pending.
pub(crate) async fn run(
    context: &ToolContext,
    call_id: &str,
    patch: Patch,
    cwd: PathBuf,
    justification: Option<String>,
) -> Option<PatchResult> {
    // One patch at a time per turn, from plan to write: two patches of one response touching
    // the same file must not both plan from its old content.
    let _serialized = context.patches.lock().await;
    let planned = {
        let cwd = cwd.clone();
        tokio::task::spawn_blocking(move || weft_patch::plan(&patch, &cwd)).await
    };
    let changes = match planned {
        Ok(Ok(changes)) => changes,
        Ok(Err(err)) => return Some(PatchResult::failed(err.to_string())),
        Err(err) => return Some(PatchResult::failed(format!("patch planning failed: {err}"))),
    };
    let item = started(ItemBody::FileChange {
        id: call_id.to_owned(),
        changes: changes.iter().map(wire_change).collect(),
        status: "inProgress".to_owned(),
    });
    // Roots from the turn's cwd, not from a `cd <dir>` in the command (as for commands).
    let access = WriteAccess::from_policy(
        &context.settings.sandbox,
        std::path::Path::new(&context.settings.cwd),
    );
    let touched: Vec<PathBuf> = changes.iter().flat_map(touched_paths).collect();
    let inside = touched.iter().all(|path| access.allows(path));
    let policy = Policy::from_wire(&context.settings.approval_policy);
    let preapproved = context
        .session()
        .patch_preapproved(touched.iter().map(PathBuf::as_path));
    let verdict = match approval::plan_patch(policy, inside, preapproved) {
        PatchPlan::Apply => {
            context.item_started(item.clone()).await;
            Verdict::Accept
        }
        PatchPlan::Refuse(text) => {
            context.item_started(item.clone()).await;
            finish(context, &item, "declined").await;
            return Some(PatchResult::failed(text.to_owned()));
        }
        PatchPlan::Ask => {
            let request =
                ServerRequest::FileChangeRequestApproval(FileChangeRequestApprovalParams {
                    thread_id: context.thread_id.to_string(),
                    turn_id: context.turn_id.to_string(),
                    item_id: call_id.to_owned(),
                    started_at_ms: item.started_at_ms.unwrap_or_else(now_ms),
                    reason: justification,
                    grant_root: None,
                });
            approval::patch_verdict(context.ask(Some(item.clone()), request).await?)
        }
    };
    match verdict {
        Verdict::Accept | Verdict::AcceptWithAmendment(_) => {}
        Verdict::AcceptForSession => context.session().accept_patch_paths(touched),
        Verdict::Decline | Verdict::Cancel => {
            if verdict == Verdict::Cancel {
                // Interrupt at once: parallel calls waiting on their own approvals stop too.
                context.cancel.cancel();
            }
            finish(context, &item, "declined").await;
            return Some(PatchResult {
                exit_code: 1,
                text: approval::REJECTED_BY_USER.to_owned(),
                interrupts: verdict == Verdict::Cancel,
            });
        }
        Verdict::Failed(text) => {
            finish(context, &item, "failed").await;
            return Some(PatchResult::failed(text));
        }
    }
    Some(apply(context, &item, changes).await)
}

/// Applies approved changes, completes the item and publishes the turn diff.
async fn apply(
    context: &ToolContext,
    item: &ThreadItem,
    changes: Vec<PlannedChange>,
) -> PatchResult {
    let diff = Arc::clone(&context.diff);
    let applied = tokio::task::spawn_blocking(move || {
        lock(&diff).track(&changes);
        weft_patch::apply(&changes)
    })
    .await;
    let result = match applied {
        Ok(Ok(summary)) => {
            finish(context, item, "completed").await;
            PatchResult {
                exit_code: 0,
                text: summary.to_model_text(),
                interrupts: false,
            }
        }
        Ok(Err(err)) => {
            finish(context, item, "failed").await;
            PatchResult::failed(err.to_string())
        }
        Err(err) => {
            finish(context, item, "failed").await;
            PatchResult::failed(format!("patch application failed: {err}"))
        }
    };
    publish_turn_diff(context).await;
    result
}

/// Sends `turn/diff/updated` when the turn has changed files.
pub(crate) async fn publish_turn_diff(context: &ToolContext) {
    let diff = Arc::clone(&context.diff);
    let Ok(Some(text)) = tokio::task::spawn_blocking(move || lock(&diff).unified_git_diff()).await
    else {
        return;
    };
    context
        .notify(ServerNotification::TurnDiffUpdated(
            TurnDiffUpdatedNotification {
                thread_id: context.thread_id.to_string(),
                turn_id: context.turn_id.to_string(),
                diff: text,
            },
        ))
        .await;
}

async fn finish(context: &ToolContext, item: &ThreadItem, status: &str) {
    let mut body = item.body.clone();
    if let ItemBody::FileChange { status: slot, .. } = &mut body {
        status.clone_into(slot);
    }
    context.item_completed(completed(item, body)).await;
}

fn wire_change(change: &PlannedChange) -> FileUpdateChange {
    FileUpdateChange {
        path: change.path.display().to_string(),
        kind: match &change.kind {
            ChangeKind::Add => PatchChangeKind::Add,
            ChangeKind::Delete => PatchChangeKind::Delete,
            ChangeKind::Update { move_path } => PatchChangeKind::Update {
                move_path: move_path.as_ref().map(|path| path.display().to_string()),
            },
        },
        diff: change.diff.clone(),
    }
}

fn touched_paths(change: &PlannedChange) -> Vec<PathBuf> {
    let mut paths = vec![change.path.clone()];
    if let ChangeKind::Update {
        move_path: Some(destination),
    } = &change.kind
    {
        paths.push(destination.clone());
    }
    paths
}

fn lock(diff: &Mutex<TurnDiff>) -> std::sync::MutexGuard<'_, TurnDiff> {
    diff.lock().unwrap_or_else(PoisonError::into_inner)
}
