//! The registry of loaded threads: the one owner of a thread's lifetime (lifecycle.md §B, §C).
//!
//! Each entry is **loading** (a cold resume is reading the rollout), **loaded** (an actor runs
//! and takes commands) or **closing** (the actor has begun to unload; R15). Everything that
//! reaches a thread — subscribing, starting a turn, resuming — looks the thread up *and* queues
//! its command under the registry's lock, and an actor marks itself closing under the same lock
//! only when its command queue is empty. So no command can slip in between "nobody is here" and
//! "I am closing": a caller either finds the thread closing (and gets the reference's "closing;
//! retry" error, R16) or its command is in the queue before the actor decides, and the actor
//! handles it first.
//!
//! Entries carry a *generation*: an actor removes only its own entry, so an old actor that
//! finishes late never unregisters its successor (R7).
//!
//! A std `Mutex`, not an actor: every critical section is a map lookup plus a non-blocking
//! `try_send`, and never awaits.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use tokio::sync::{mpsc, watch};
use weft_protocol::RpcError;

use crate::ids::ThreadId;
use crate::limits::LOADED_THREADS_MAX;
use crate::thread::{Command, ThreadHandle};

/// Where a thread stands in the registry.
#[derive(Debug)]
enum Entry {
    /// A cold resume is reading the thread; others wait for it to finish (the receiver ends
    /// when the loader is done, whatever the outcome).
    Loading(watch::Receiver<()>),
    /// Running, taking commands.
    Loaded(Slot),
    /// Unloading; refuses new subscribers and turns until it is gone.
    Closing(Slot),
}

#[derive(Debug)]
struct Slot {
    handle: ThreadHandle,
    generation: u64,
}

#[derive(Debug, Default)]
struct Inner {
    entries: HashMap<ThreadId, Entry>,
    next_generation: u64,
}

impl Inner {
    /// Puts `handle` in as loaded under a fresh generation.
    fn put(&mut self, handle: &ThreadHandle) -> u64 {
        let generation = self.next_generation;
        self.next_generation += 1;
        self.entries.insert(
            handle.id(),
            Entry::Loaded(Slot {
                handle: handle.clone(),
                generation,
            }),
        );
        generation
    }
}

/// Why [`Registry::begin_load`] did not start a load.
#[derive(Debug)]
pub(crate) enum Busy {
    /// Being loaded; wait on the receiver (`changed()` ends when the load ends), then retry.
    Loading(watch::Receiver<()>),
    /// Already loaded: rejoin instead.
    Loaded,
    /// Unloading.
    Closing,
    /// As many threads are loaded as allowed.
    Full,
}

/// What [`Registry::mark_closing`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Closing {
    /// The thread is marked closing; the caller unloads it.
    Marked,
    /// Not now: something is queued or the rule no longer holds.
    NotNow,
    /// The entry is gone or belongs to another runtime of the thread.
    NotOurs,
}

/// Why a command could not be queued.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SendRefused {
    /// No such loaded thread (or it is still loading).
    NotLoaded,
    /// The thread is unloading.
    Closing,
    /// Its queue is full.
    Overloaded,
}

/// The loaded threads.
#[derive(Debug, Default)]
pub(crate) struct Registry {
    inner: Mutex<Inner>,
}

/// Held by whoever loads a thread from disk; dropping it without [`LoadGuard::finish`] removes the
/// loading mark (the load failed) and wakes the waiters.
#[derive(Debug)]
pub(crate) struct LoadGuard<'a> {
    registry: &'a Registry,
    id: ThreadId,
    done: Option<watch::Sender<()>>,
}

impl Registry {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Critical sections never panic mid-update; a poisoned lock still holds consistent data.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The handle of a loaded or closing thread (reads still reach a closing actor).
    pub(crate) fn handle(&self, id: ThreadId) -> Option<ThreadHandle> {
        match self.lock().entries.get(&id) {
            Some(Entry::Loaded(slot) | Entry::Closing(slot)) => Some(slot.handle.clone()),
            _ => None,
        }
    }

    /// Queues `command` for a loaded thread, under the lock that closing marks are taken under
    /// (R15). A closing thread refuses it.
    pub(crate) fn send(&self, id: ThreadId, command: Command) -> Result<(), SendRefused> {
        let inner = self.lock();
        match inner.entries.get(&id) {
            None | Some(Entry::Loading(_)) => Err(SendRefused::NotLoaded),
            Some(Entry::Closing(_)) => Err(SendRefused::Closing),
            Some(Entry::Loaded(slot)) => {
                slot.handle.try_send_raw(command).map_err(|err| match err {
                    mpsc::error::TrySendError::Full(_) => SendRefused::Overloaded,
                    // The actor stopped without unregistering (it panicked): treat it as gone.
                    mpsc::error::TrySendError::Closed(_) => SendRefused::NotLoaded,
                })
            }
        }
    }

    /// Registers a new thread's actor (`thread/start`, fork); returns its generation.
    pub(crate) fn insert(&self, handle: &ThreadHandle) -> Result<u64, RpcError> {
        let mut inner = self.lock();
        if inner.entries.len() >= LOADED_THREADS_MAX {
            return Err(too_many_loaded());
        }
        Ok(inner.put(handle))
    }

    /// Marks `id` as loading unless it is already in the registry (then says where it stands).
    pub(crate) fn begin_load(&self, id: ThreadId) -> Result<LoadGuard<'_>, Busy> {
        let mut inner = self.lock();
        match inner.entries.get(&id) {
            None => {}
            Some(Entry::Loading(done)) => return Err(Busy::Loading(done.clone())),
            Some(Entry::Loaded(_)) => return Err(Busy::Loaded),
            Some(Entry::Closing(_)) => return Err(Busy::Closing),
        }
        if inner.entries.len() >= LOADED_THREADS_MAX {
            return Err(Busy::Full);
        }
        let (done, waiting) = watch::channel(());
        inner.entries.insert(id, Entry::Loading(waiting));
        Ok(LoadGuard {
            registry: self,
            id,
            done: Some(done),
        })
    }

    /// Turns this runtime's closing mark into a loading mark (R26, a reload): the runtime has
    /// shut down, and whoever holds the returned guard loads the thread anew while other
    /// resumes wait. `None` when the entry is not this runtime's closing one.
    pub(crate) fn begin_reload(&self, id: ThreadId, generation: u64) -> Option<LoadGuard<'_>> {
        let mut inner = self.lock();
        match inner.entries.get(&id) {
            Some(Entry::Closing(slot)) if slot.generation == generation => {}
            _ => return None,
        }
        let (done, waiting) = watch::channel(());
        inner.entries.insert(id, Entry::Loading(waiting));
        Some(LoadGuard {
            registry: self,
            id,
            done: Some(done),
        })
    }

    /// Starts an unload (R15): marks the thread closing if the entry is still this actor's and
    /// `quiet()` holds under the lock (the rule still holds and the actor's queue is empty, so
    /// no subscriber or turn is on its way).
    pub(crate) fn mark_closing(
        &self,
        id: ThreadId,
        generation: u64,
        quiet: impl FnOnce() -> bool,
    ) -> Closing {
        let mut inner = self.lock();
        match inner.entries.get(&id) {
            Some(Entry::Loaded(slot)) if slot.generation == generation => {}
            _ => return Closing::NotOurs,
        }
        if !quiet() {
            return Closing::NotNow;
        }
        if let Some(Entry::Loaded(slot)) = inner.entries.remove(&id) {
            inner.entries.insert(id, Entry::Closing(slot));
        }
        Closing::Marked
    }

    /// Takes the closing mark back: the unload did not happen (R18, a failed shutdown).
    pub(crate) fn unmark_closing(&self, id: ThreadId, generation: u64) {
        let mut inner = self.lock();
        if let Some(Entry::Closing(slot)) = inner.entries.get(&id)
            && slot.generation == generation
            && let Some(Entry::Closing(slot)) = inner.entries.remove(&id)
        {
            inner.entries.insert(id, Entry::Loaded(slot));
        }
    }

    /// Removes this actor's entry (loaded or closing). False when it was already gone or
    /// belongs to a successor (R7, R18 "already removed").
    pub(crate) fn remove(&self, id: ThreadId, generation: u64) -> bool {
        let mut inner = self.lock();
        let ours = matches!(
            inner.entries.get(&id),
            Some(Entry::Loaded(slot) | Entry::Closing(slot)) if slot.generation == generation
        );
        if ours {
            inner.entries.remove(&id);
        }
        ours
    }

    /// Handles of every loaded or closing thread (shutdown, disconnect fan-out).
    pub(crate) fn handles(&self) -> Vec<ThreadHandle> {
        self.lock()
            .entries
            .values()
            .filter_map(|entry| match entry {
                Entry::Loaded(slot) | Entry::Closing(slot) => Some(slot.handle.clone()),
                Entry::Loading(_) => None,
            })
            .collect()
    }

    /// Ids of loaded threads (closing ones are still loaded until `thread/closed`).
    pub(crate) fn loaded_ids(&self) -> Vec<ThreadId> {
        self.lock()
            .entries
            .iter()
            .filter(|(_, entry)| !matches!(entry, Entry::Loading(_)))
            .map(|(id, _)| *id)
            .collect()
    }
}

impl LoadGuard<'_> {
    /// The load succeeded: the thread is loaded; returns its generation.
    pub(crate) fn finish(mut self, handle: &ThreadHandle) -> u64 {
        let generation = self.registry.lock().put(handle);
        self.done.take();
        generation
    }
}

impl Drop for LoadGuard<'_> {
    fn drop(&mut self) {
        if self.done.is_some() {
            let mut inner = self.registry.lock();
            if matches!(inner.entries.get(&self.id), Some(Entry::Loading(_))) {
                inner.entries.remove(&self.id);
            }
        }
        // Dropping the sender wakes everyone waiting on the load.
        self.done.take();
    }
}

/// The error when [`LOADED_THREADS_MAX`] threads are loaded.
pub(crate) fn too_many_loaded() -> RpcError {
    RpcError::internal(format!(
        "too many loaded threads ({LOADED_THREADS_MAX}); unload some first"
    ))
}

impl SendRefused {
    /// The wire error for a refused command on thread `id`; `closing` is the closing text the
    /// caller's method uses (R16).
    pub(crate) fn into_rpc(self, id: ThreadId, closing: fn(&str) -> RpcError) -> RpcError {
        let id = id.to_string();
        match self {
            Self::NotLoaded => RpcError::thread_not_found(&id),
            Self::Closing => closing(&id),
            Self::Overloaded => RpcError::overloaded(),
        }
    }
}

#[cfg(test)]
mod tests;
