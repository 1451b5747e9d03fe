//! Requests that change a thread's stored state, each under the thread-list permit (R33):
//! `thread/archive` and `thread/unarchive` (protocol.md §3, lifecycle.md R20: the rollout moves
//! between `sessions/` and `archived_sessions/`; a loaded thread is unloaded first) and
//! `thread/name/set` (the name goes to `session_index.jsonl`, shared with the reference, and
//! the index; a loaded thread's actor takes it and announces it), and `thread/delete` (a loaded
//! thread is unloaded first; the rollout and its index row go), and `thread/metadata/update` (a
//! Git patch kept with the index's user marks; a loaded thread's actor takes it too).

use serde::Deserialize;
use serde_json::{Value, json};
use weft_protocol::RpcError;
use weft_protocol::errors::{GIT_INFO_EMPTY, METADATA_UPDATE_EMPTY, git_field_empty};
use weft_protocol::v2::{
    ServerNotification, ThreadIdNotification, ThreadMetadataUpdateParams,
    ThreadMetadataUpdateResponse, ThreadNameUpdatedNotification,
};
use weft_store::{GitFieldPatch, GitPatch};

use crate::clients::Reply;
use crate::core::Core;
use crate::ids::ThreadId;
use crate::limits::{INTERRUPT_WAIT, THREAD_SHUTDOWN_WAIT};
use crate::thread::Command;

/// `thread/name/set` params.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SetNameParams {
    thread_id: String,
    name: String,
}

/// `{threadId}`, the params of archive and unarchive.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ThreadIdParams {
    thread_id: String,
}

impl Core {
    /// `thread/archive`: unload the thread if it is loaded (no `thread/closed`), move its
    /// rollout to the archived folder, answer `{}`, then broadcast `thread/archived`.
    pub async fn thread_archive(&self, params: Value, reply: Reply) {
        match self.archive(params).await {
            Ok(id) => {
                reply.send(Ok(json!({})));
                self.services().clients.broadcast(&std::sync::Arc::new(
                    ServerNotification::ThreadArchived(ThreadIdNotification {
                        thread_id: id.to_string(),
                    }),
                ));
            }
            Err(err) => reply.send::<()>(Err(err)),
        }
    }

    /// `thread/unarchive`: move the rollout back, answer with the thread, then broadcast
    /// `thread/unarchived`.
    pub async fn thread_unarchive(&self, params: Value, reply: Reply) {
        match self.unarchive(params).await {
            Ok((id, thread)) => {
                reply.send(Ok(json!({ "thread": thread })));
                self.services().clients.broadcast(&std::sync::Arc::new(
                    ServerNotification::ThreadUnarchived(ThreadIdNotification {
                        thread_id: id.to_string(),
                    }),
                ));
            }
            Err(err) => reply.send::<()>(Err(err)),
        }
    }

    /// `thread/name/set`: the name is stored (fsynced) before the answer; then
    /// `thread/name/updated` is broadcast — by the thread's actor when it is loaded, so the
    /// announcement is ordered with the thread's other notifications.
    pub async fn thread_name_set(&self, params: Value, reply: Reply) {
        let (id, name) = match self.store_name(params).await {
            Ok(named) => named,
            Err(err) => return reply.send::<()>(Err(err)),
        };
        let command = Command::SetName {
            name: name.clone(),
            reply: reply.clone(),
        };
        if self.services().registry.send(id, command).is_ok() {
            return;
        }
        reply.send(Ok(json!({})));
        self.services().clients.broadcast(&std::sync::Arc::new(
            ServerNotification::ThreadNameUpdated(ThreadNameUpdatedNotification {
                thread_id: id.to_string(),
                thread_name: Some(name),
            }),
        ));
    }

    async fn store_name(&self, params: Value) -> Result<(ThreadId, String), RpcError> {
        let params: SetNameParams = serde_json::from_value(params)
            .map_err(|err| RpcError::unparsable_request(&err.to_string()))?;
        let id =
            ThreadId::parse(&params.thread_id).map_err(|err| RpcError::invalid_thread_id(&err))?;
        let name = params.name.trim().to_owned();
        if name.is_empty() {
            return Err(RpcError::invalid_request("thread name must not be empty"));
        }
        let _permit = self.thread_list_permit().await?;
        let services = self.services();
        // A loaded thread may not have written its rollout yet; its name is kept all the same
        // (the index picks it up from the name log when the rollout appears).
        let loaded = services.registry.handle(id).is_some();
        let stored = services
            .persistence
            .find(id)
            .await
            .map_err(|err| RpcError::internal(format!("failed to set thread name: {err}")))?;
        // An archived thread is not found, as in the reference.
        if stored.as_ref().is_some_and(|row| row.archived) || (stored.is_none() && !loaded) {
            return Err(RpcError::no_rollout_found(&id.to_string()));
        }
        if loaded && self.loaded_ephemeral(id).await {
            return Err(RpcError::ephemeral_metadata(&id.to_string()));
        }
        services
            .persistence
            .set_name(id, name.clone())
            .await
            .map_err(|err| RpcError::internal(format!("failed to set thread name: {err}")))?;
        Ok((id, name))
    }

    /// `thread/delete`: unload the thread if it is loaded (R20: no `thread/closed`), delete its
    /// rollout (active or archived) and index row, answer `{}`, then broadcast `thread/deleted`.
    pub async fn thread_delete(&self, params: Value, reply: Reply) {
        match self.delete(params).await {
            Ok(id) => {
                reply.send(Ok(json!({})));
                self.services().clients.broadcast(&std::sync::Arc::new(
                    ServerNotification::ThreadDeleted(ThreadIdNotification {
                        thread_id: id.to_string(),
                    }),
                ));
            }
            Err(err) => reply.send::<()>(Err(err)),
        }
    }

    async fn delete(&self, params: Value) -> Result<ThreadId, RpcError> {
        let params: ThreadIdParams = serde_json::from_value(params)
            .map_err(|err| RpcError::unparsable_request(&err.to_string()))?;
        let id =
            ThreadId::parse(&params.thread_id).map_err(|err| RpcError::invalid_thread_id(&err))?;
        let _permit = self.thread_list_permit().await?;
        let services = self.services();
        let failed = |err: String| RpcError::internal(format!("failed to delete thread: {err}"));
        let row = services.persistence.find(id).await.map_err(failed)?;
        let loaded = services.registry.handle(id).is_some();
        if row.is_none() && !loaded {
            return Err(RpcError::no_rollout_found(&id.to_string()));
        }
        self.unload(id).await;
        if let Some(row) = row {
            services
                .persistence
                .delete_rollout(id, row.rollout_path)
                .await
                .map_err(failed)?;
        }
        Ok(id)
    }

    async fn archive(&self, params: Value) -> Result<ThreadId, RpcError> {
        let id = session_id(params)?;
        let _permit = self.thread_list_permit().await?;
        let services = self.services();
        // A thread without a rollout (never ran a turn), unknown or already archived has
        // nothing to archive: the reference's text.
        let row = services
            .persistence
            .find(id)
            .await
            .map_err(|err| RpcError::internal(format!("failed to archive session: {err}")))?
            .filter(|row| !row.archived)
            .ok_or_else(|| RpcError::no_rollout_found(&id.to_string()))?;
        self.unload(id).await;
        let to = services
            .persistence
            .archived_path(&row.rollout_path)
            .ok_or_else(|| RpcError::internal("failed to archive session: not a rollout path"))?;
        services
            .persistence
            .move_rollout(row.rollout_path, to)
            .await
            .map_err(|err| RpcError::internal(format!("failed to archive session: {err}")))?;
        Ok(id)
    }

    async fn unarchive(
        &self,
        params: Value,
    ) -> Result<(ThreadId, weft_protocol::v2::Thread), RpcError> {
        let id = session_id(params)?;
        let _permit = self.thread_list_permit().await?;
        let services = self.services();
        let failed =
            |err: String| RpcError::internal(format!("failed to unarchive session: {err}"));
        let row = services
            .persistence
            .find(id)
            .await
            .map_err(failed)?
            .filter(|row| row.archived)
            .ok_or_else(|| RpcError::no_archived_rollout_found(&id.to_string()))?;
        let to = services
            .persistence
            .unarchived_path(&row.rollout_path)
            .ok_or_else(|| failed("not a rollout path".to_owned()))?;
        let row = services
            .persistence
            .move_rollout(row.rollout_path, to)
            .await
            .map_err(failed)?;
        Ok((id, row.to_thread(&services.config.model_provider)))
    }

    /// `thread/metadata/update`: patches the thread's Git metadata (kept with the index's user
    /// marks, so a re-index never undoes it) and answers with the thread, no turns. A loaded
    /// thread's actor takes the patch too, so its reads agree. The reference sends no
    /// notification for it.
    ///
    /// # Errors
    /// `invalid thread id`, `thread metadata update must include at least one field` (no
    /// `gitInfo`), `gitInfo must include at least one field` (an empty one), `gitInfo.<field>
    /// must not be empty`, `no rollout found for thread id <id>`, `ephemeral thread does not
    /// support metadata updates: <id>`, `failed to update thread metadata: …`.
    pub async fn thread_metadata_update(
        &self,
        params: ThreadMetadataUpdateParams,
    ) -> Result<ThreadMetadataUpdateResponse, RpcError> {
        let id =
            ThreadId::parse(&params.thread_id).map_err(|err| RpcError::invalid_thread_id(&err))?;
        let git = params
            .git_info
            .ok_or_else(|| RpcError::invalid_request(METADATA_UPDATE_EMPTY))?;
        if git.is_empty() {
            return Err(RpcError::invalid_request(GIT_INFO_EMPTY));
        }
        let patch = GitPatch {
            sha: git_field(git.sha, "gitInfo.sha")?,
            branch: git_field(git.branch, "gitInfo.branch")?,
            origin_url: git_field(git.origin_url, "gitInfo.originUrl")?,
        };
        let _permit = self.thread_list_permit().await?;
        let services = self.services();
        let failed =
            |err: String| RpcError::internal(format!("failed to update thread metadata: {err}"));
        let loaded = services.registry.handle(id);
        let stored = services.persistence.find(id).await.map_err(failed)?;
        if stored.is_none() && loaded.is_none() {
            return Err(RpcError::no_rollout_found(&id.to_string()));
        }
        if loaded.is_some() && self.loaded_ephemeral(id).await {
            return Err(RpcError::ephemeral_metadata(&id.to_string()));
        }
        let row = services
            .persistence
            .save_git_patch(id, patch.clone())
            .await
            .map_err(failed)?;
        if let Some(handle) = loaded
            && let Ok(mut thread) = handle
                .ask(|reply| Command::PatchGitInfo { patch, reply })
                .await
        {
            // The reference answers from its stored thread, which does not say whether the
            // thread takes direct input (`null`), loaded or not.
            thread.can_accept_direct_input = None;
            return Ok(ThreadMetadataUpdateResponse { thread });
        }
        // Not loaded (or it unloaded meanwhile): the row, which has the patch.
        let row = row.ok_or_else(|| RpcError::no_rollout_found(&id.to_string()))?;
        Ok(ThreadMetadataUpdateResponse {
            thread: row.to_thread(&services.config.model_provider),
        })
    }

    /// Whether a loaded thread is ephemeral (its actor says; `false` once it has unloaded).
    async fn loaded_ephemeral(&self, id: ThreadId) -> bool {
        let Some(handle) = self.services().registry.handle(id) else {
            return false;
        };
        matches!(
            handle
                .ask(|reply| Command::Read {
                    include_turns: false,
                    reply,
                })
                .await,
            Ok(Ok(thread)) if thread.ephemeral
        )
    }

    /// Unloads a loaded thread now (R20) and waits until it is gone, bounded: a running turn is
    /// interrupted and recorded, then the runtime stops within [`THREAD_SHUTDOWN_WAIT`].
    async fn unload(&self, id: ThreadId) {
        let Some(handle) = self.services().registry.handle(id) else {
            return;
        };
        let (done, gone) = tokio::sync::oneshot::channel();
        if handle.send_waiting(Command::Unload { done }).await.is_err() {
            return;
        }
        if tokio::time::timeout(THREAD_SHUTDOWN_WAIT + INTERRUPT_WAIT, gone)
            .await
            .is_err()
        {
            tracing::warn!(thread_id = %id, "thread did not unload in time; archiving anyway");
        }
    }
}

/// One Git field of a `thread/metadata/update` patch: a replacement is trimmed and must not be
/// empty (`<name> must not be empty`); absent and `null` pass as they are.
fn git_field(value: GitFieldPatch, name: &str) -> Result<GitFieldPatch, RpcError> {
    match value {
        Some(Some(text)) => {
            let text = text.trim();
            if text.is_empty() {
                return Err(RpcError::invalid_request(git_field_empty(name)));
            }
            Ok(Some(Some(text.to_owned())))
        }
        other => Ok(other),
    }
}

/// The `threadId` of archive/unarchive params; the reference calls it a session id in errors.
fn session_id(params: Value) -> Result<ThreadId, RpcError> {
    let params: ThreadIdParams = serde_json::from_value(params)
        .map_err(|err| RpcError::unparsable_request(&err.to_string()))?;
    ThreadId::parse(&params.thread_id).map_err(|err| RpcError::invalid_session_id(&err))
}
