//! The core's side of weft-store: where rollouts go, the SQLite index behind a blocking task,
//! and loading a stored thread. Store calls do blocking IO, so every one runs on
//! `spawn_blocking`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use weft_protocol::v2::ThreadReadState;
use weft_store::{GitPatch, Index, ListPage, ListQuery, ReadMark, ReadStateUpdate, ThreadRow};
use weft_store::{Home, RolloutDigest};

use crate::error::CoreError;
use crate::ids::ThreadId;
use crate::thread::state::ThreadState;

/// Rollout layout plus the thread index.
#[derive(Debug)]
pub(crate) struct Persistence {
    home: Home,
    /// The index is one SQLite connection (not `Sync`); a std mutex serialises the blocking
    /// tasks that use it, and is never held across an await.
    index: Arc<Mutex<Index>>,
}

impl Persistence {
    /// Opens the index of `home`, creating or repairing it from the rollouts.
    pub(crate) fn open(home: &Path) -> Result<Self, CoreError> {
        let store_error = |message: String| CoreError::Store {
            home: home.display().to_string(),
            message,
        };
        std::fs::create_dir_all(home).map_err(|err| store_error(err.to_string()))?;
        let layout = Home::new(home);
        let index = Index::open(&layout).map_err(|err| store_error(err.to_string()))?;
        Ok(Self {
            home: layout,
            index: Arc::new(Mutex::new(index)),
        })
    }

    /// Where a new thread's rollout goes.
    pub(crate) fn rollout_path(
        &self,
        id: ThreadId,
        created: chrono::DateTime<chrono::Local>,
    ) -> PathBuf {
        self.home.rollout_path(id.uuid(), created)
    }

    async fn with_index<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Index) -> T + Send + 'static,
    ) -> Result<T, String> {
        let index = Arc::clone(&self.index);
        tokio::task::spawn_blocking(move || {
            let index = index.lock().unwrap_or_else(PoisonError::into_inner);
            work(&index)
        })
        .await
        .map_err(|err| format!("store task failed: {err}"))
    }

    /// Refreshes a thread's index row from its rollout (after a turn).
    pub(crate) async fn index_thread(&self, state: &ThreadState) {
        let Some(path) = state.meta.path.clone() else {
            return;
        };
        if !path.exists() {
            return;
        }
        // A name set before the rollout existed is only in the name log; the row takes it here.
        let name = state.meta.name.clone();
        match self
            .with_index(move |index| {
                let row = index.index_rollout(&path)?;
                if let Some(name) = name.filter(|name| row.name.as_ref() != Some(name)) {
                    index.set_name(row.id, Some(&name))?;
                }
                Ok::<_, weft_store::IndexError>(row)
            })
            .await
        {
            Ok(Ok(_)) => {}
            Ok(Err(err)) => tracing::warn!(%err, "cannot index rollout"),
            Err(err) => tracing::warn!(%err, "cannot index rollout"),
        }
    }

    /// Indexes a rollout just written whole (a fork's copy).
    pub(crate) async fn index_path(&self, path: PathBuf) {
        match self
            .with_index(move |index| index.index_rollout(&path).map(|_| ()))
            .await
        {
            Ok(Ok(())) => {}
            Ok(Err(err)) => tracing::warn!(%err, "cannot index rollout"),
            Err(err) => tracing::warn!(%err, "cannot index rollout"),
        }
    }

    /// The index row of a stored thread; falls back to a scan of the folders when the index
    /// does not know it (a file written by another process since the index was synced).
    pub(crate) async fn find(&self, id: ThreadId) -> Result<Option<ThreadRow>, String> {
        let uuid = id.uuid();
        let home = self.home.clone();
        self.with_index(move |index| {
            if let Some(row) = index.get(uuid).map_err(|err| err.to_string())? {
                return Ok(Some(row));
            }
            match home.find_rollout(uuid).map_err(|err| err.to_string())? {
                Some(file) => index
                    .index_rollout(&file.path)
                    .map(Some)
                    .map_err(|err| err.to_string()),
                None => Ok(None),
            }
        })
        .await?
    }

    /// Reads what a resume or a full read needs from a rollout, in one fast pass.
    pub(crate) async fn load(&self, path: PathBuf) -> Result<RolloutDigest, String> {
        tokio::task::spawn_blocking(move || {
            weft_store::digest_rollout(&path).map_err(|err| err.to_string())
        })
        .await
        .map_err(|err| format!("store task failed: {err}"))?
    }

    /// Where an active rollout goes when archived, and back (`None` for a path that is not a
    /// rollout's).
    pub(crate) fn archived_path(&self, rollout: &Path) -> Option<PathBuf> {
        self.home.archived_path(rollout)
    }

    /// Where an archived rollout goes back to.
    pub(crate) fn unarchived_path(&self, rollout: &Path) -> Option<PathBuf> {
        self.home.unarchived_path(rollout)
    }

    /// Moves a rollout (archive, unarchive) and re-indexes it at its new place; the row keeps
    /// its name and takes the archived flag from the folder. The move is one `rename` within the
    /// home with both folders fsynced ([`weft_store::move_rollout`]), so a crash leaves the file in
    /// one place or the other, never half-moved; the index is rebuilt from the folders at the next
    /// start either way.
    pub(crate) async fn move_rollout(
        &self,
        from: PathBuf,
        to: PathBuf,
    ) -> Result<ThreadRow, String> {
        self.with_index(move |index| {
            weft_store::move_rollout(&from, &to).map_err(|err| err.to_string())?;
            index.index_rollout(&to).map_err(|err| err.to_string())
        })
        .await?
    }

    /// Deletes a thread's rollout, its index row and its marks (`thread/delete`); the folder
    /// entry is fsynced so the deletion survives a power loss once this returns.
    pub(crate) async fn delete_rollout(&self, id: ThreadId, path: PathBuf) -> Result<(), String> {
        self.with_index(move |index| {
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(err) => return Err(err.to_string()),
            }
            if let Some(folder) = path.parent() {
                std::fs::File::open(folder)
                    .and_then(|folder| folder.sync_all())
                    .map_err(|err| err.to_string())?;
            }
            weft_store::remove_suspended(index.home(), id.uuid()).map_err(|err| err.to_string())?;
            index
                .remove(id.uuid())
                .and_then(|_| index.forget_marks(id.uuid()))
                .map_err(|err| err.to_string())
        })
        .await?
    }

    /// Records what a thread's turn waits on (R37), or removes the record when `record` is
    /// `None`; durable once this returns.
    pub(crate) async fn write_suspended(
        &self,
        id: ThreadId,
        record: Option<weft_store::SuspendedTurn>,
    ) -> Result<(), String> {
        let home = self.home.clone();
        tokio::task::spawn_blocking(move || match record {
            Some(record) => weft_store::write_suspended(&home, id.uuid(), &record),
            None => weft_store::remove_suspended(&home, id.uuid()),
        })
        .await
        .map_err(|err| format!("store task failed: {err}"))?
        .map_err(|err| err.to_string())
    }

    /// What a stored thread's turn was suspended on, if a record says so (R37).
    pub(crate) async fn read_suspended(&self, id: ThreadId) -> Option<weft_store::SuspendedTurn> {
        let home = self.home.clone();
        tokio::task::spawn_blocking(move || weft_store::read_suspended(&home, id.uuid()))
            .await
            .ok()
            .flatten()
    }

    /// Records a user-set name: appended (fsynced) to `session_index.jsonl`, then set on the
    /// index row if the thread has one.
    pub(crate) async fn set_name(&self, id: ThreadId, name: String) -> Result<(), String> {
        let home = self.home.clone();
        self.with_index(move |index| {
            weft_store::append_thread_name(&home, id.uuid(), &name, chrono::Utc::now())
                .map_err(|err| err.to_string())?;
            index
                .set_name(id.uuid(), Some(&name))
                .map(|_| ())
                .map_err(|err| err.to_string())
        })
        .await?
    }

    /// The goal a stored thread's rollout records ([`weft_store::read_last_goal`]).
    pub(crate) async fn read_goal(
        &self,
        path: PathBuf,
    ) -> Result<Option<weft_protocol::v2::ThreadGoal>, String> {
        tokio::task::spawn_blocking(move || {
            weft_store::read_last_goal(&path).map_err(|err| err.to_string())
        })
        .await
        .map_err(|err| format!("store task failed: {err}"))?
    }

    /// Appends one `event_msg` line to a stored (not loaded) thread's rollout and fsyncs it,
    /// then refreshes the thread's index row. The caller holds the thread's loading mark and
    /// the thread-list permit, so no actor writes the file meanwhile.
    pub(crate) async fn append_event(
        &self,
        path: PathBuf,
        payload: serde_json::Value,
    ) -> Result<(), String> {
        let appended = path.clone();
        tokio::task::spawn_blocking(move || {
            let mut writer =
                weft_store::RolloutWriter::open_append(&appended).map_err(|err| err.to_string())?;
            writer
                .append(weft_store::line::kind::EVENT_MSG, payload)
                .map_err(|err| err.to_string())?;
            writer.sync().map_err(|err| err.to_string())
        })
        .await
        .map_err(|err| format!("store task failed: {err}"))??;
        self.index_path(path).await;
        Ok(())
    }

    /// The read state of each of `ids` (initial for threads never marked).
    pub(crate) async fn read_states(
        &self,
        ids: Vec<uuid::Uuid>,
    ) -> Result<std::collections::HashMap<uuid::Uuid, ThreadReadState>, String> {
        self.with_index(move |index| index.read_states(&ids).map_err(|err| err.to_string()))
            .await?
    }

    /// Saves a read mark if `expected_revision` is current
    /// ([`weft_store::Index::update_read_state`]).
    pub(crate) async fn update_read_state(
        &self,
        id: ThreadId,
        expected_revision: String,
        mark: ReadMark,
    ) -> Result<ReadStateUpdate, String> {
        self.with_index(move |index| {
            index
                .update_read_state(id.uuid(), &expected_revision, mark)
                .map_err(|err| err.to_string())
        })
        .await?
    }

    /// Records that a turn ended with a result needing attention; the new state.
    pub(crate) async fn publish_attention(
        &self,
        id: ThreadId,
        turn_id: String,
    ) -> Result<ThreadReadState, String> {
        self.with_index(move |index| {
            index
                .publish_attention(id.uuid(), &turn_id)
                .map_err(|err| err.to_string())
        })
        .await?
    }

    /// Saves a `thread/metadata/update` Git patch and returns the thread's row after it (if
    /// the thread has one).
    pub(crate) async fn save_git_patch(
        &self,
        id: ThreadId,
        patch: GitPatch,
    ) -> Result<Option<ThreadRow>, String> {
        self.with_index(move |index| {
            index
                .save_git_patch(id.uuid(), &patch)
                .and_then(|()| index.get(id.uuid()))
                .map_err(|err| err.to_string())
        })
        .await?
    }

    /// One `thread/list` page.
    pub(crate) async fn list(&self, query: ListQuery) -> Result<ListPage, String> {
        self.with_index(move |index| index.list(&query).map_err(|err| err.to_string()))
            .await?
    }
}
