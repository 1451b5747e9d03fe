//! The registry's lifetime rules without actors: commands and closing marks under one lock
//! (R15), closing refusals (R16), generations (R7), loads that fail or race.

use tokio::sync::mpsc;

use super::{Busy, Closing, Registry, SendRefused};
use crate::ids::ThreadId;
use crate::thread::{Command, ThreadHandle};

fn handle(id: ThreadId) -> (ThreadHandle, mpsc::Receiver<Command>) {
    ThreadHandle::new(id)
}

fn gone() -> Command {
    Command::InterruptRunning
}

#[test]
fn r15_a_queued_command_stops_the_closing_mark() {
    let registry = Registry::default();
    let id = ThreadId::new();
    let (handle, commands) = handle(id);
    let generation = registry.insert(&handle).expect("insert");
    registry.send(id, gone()).expect("queued");
    // The actor asks with its queue's state; a command on its way means "not now".
    let marked = registry.mark_closing(id, generation, || commands.is_empty());
    assert_eq!(marked, Closing::NotNow);
    assert!(registry.send(id, gone()).is_ok(), "still loaded");
}

#[test]
fn r15_r16_once_marked_nothing_reaches_the_thread() {
    let registry = Registry::default();
    let id = ThreadId::new();
    let (handle, commands) = handle(id);
    let generation = registry.insert(&handle).expect("insert");
    assert_eq!(
        registry.mark_closing(id, generation, || commands.is_empty()),
        Closing::Marked
    );
    assert_eq!(registry.send(id, gone()), Err(SendRefused::Closing));
    assert!(matches!(registry.begin_load(id), Err(Busy::Closing)));
    assert!(commands.is_empty(), "the refused command was not queued");
    // Still listed until it is gone (thread/loaded/list), and reads still reach it.
    assert_eq!(registry.loaded_ids(), vec![id]);
    assert!(registry.handle(id).is_some());
    assert!(registry.remove(id, generation));
    assert_eq!(registry.send(id, gone()), Err(SendRefused::NotLoaded));
    assert!(registry.loaded_ids().is_empty());
}

#[test]
fn r18_a_failed_shutdown_takes_the_mark_back() {
    let registry = Registry::default();
    let id = ThreadId::new();
    let (handle, _commands) = handle(id);
    let generation = registry.insert(&handle).expect("insert");
    assert_eq!(
        registry.mark_closing(id, generation, || true),
        Closing::Marked
    );
    registry.unmark_closing(id, generation);
    assert!(registry.send(id, gone()).is_ok());
}

#[test]
fn r7_an_old_runtime_never_removes_its_successor() {
    let registry = Registry::default();
    let id = ThreadId::new();
    let (first, _first_commands) = handle(id);
    let old = registry.insert(&first).expect("insert");
    assert!(registry.remove(id, old));
    let (second, _second_commands) = handle(id);
    let new = registry.insert(&second).expect("insert again");
    assert_ne!(old, new);
    // The old runtime finishing late touches nothing.
    assert!(!registry.remove(id, old));
    assert_eq!(registry.mark_closing(id, old, || true), Closing::NotOurs);
    assert!(registry.send(id, gone()).is_ok());
}

#[tokio::test]
async fn a_failed_load_wakes_its_waiters_and_leaves_nothing() {
    let registry = Registry::default();
    let id = ThreadId::new();
    let guard = registry.begin_load(id).expect("first load");
    let Err(Busy::Loading(mut done)) = registry.begin_load(id) else {
        panic!("a second load must wait for the first");
    };
    assert_eq!(registry.send(id, gone()), Err(SendRefused::NotLoaded));
    drop(guard);
    assert!(done.changed().await.is_err(), "the waiter is woken");
    assert!(registry.loaded_ids().is_empty());
    assert!(registry.begin_load(id).is_ok(), "a new load may start");
}

#[tokio::test]
async fn a_finished_load_is_loaded_for_its_waiters() {
    let registry = Registry::default();
    let id = ThreadId::new();
    let guard = registry.begin_load(id).expect("load");
    let Err(Busy::Loading(mut done)) = registry.begin_load(id) else {
        panic!("loading");
    };
    let (handle, _commands) = handle(id);
    let generation = guard.finish(&handle);
    assert!(done.changed().await.is_err());
    assert!(matches!(registry.begin_load(id), Err(Busy::Loaded)));
    assert!(registry.remove(id, generation));
}

#[test]
fn r6_a_refused_registration_leaves_no_phantom_thread() {
    let registry = Registry::default();
    let mut held = Vec::new();
    for _ in 0..crate::limits::LOADED_THREADS_MAX {
        let (handle, commands) = handle(ThreadId::new());
        registry.insert(&handle).expect("room");
        held.push((handle, commands));
    }
    // Full: a new thread is refused before anything is started or subscribed, so there is
    // nothing to roll back and nothing keeps the registry from shrinking.
    let id = ThreadId::new();
    let (handle, _commands) = handle(id);
    let refused = registry.insert(&handle);
    assert!(refused.is_err());
    assert_eq!(registry.send(id, gone()), Err(SendRefused::NotLoaded));
    assert!(matches!(registry.begin_load(id), Err(Busy::Full)));
    assert_eq!(
        registry.loaded_ids().len(),
        crate::limits::LOADED_THREADS_MAX
    );
}

#[tokio::test]
async fn r26_a_reload_turns_its_closing_mark_into_a_load_others_wait_for() {
    let registry = Registry::default();
    let id = ThreadId::new();
    let (old, _old_commands) = handle(id);
    let generation = registry.insert(&old).expect("insert");
    // Only the runtime's own closing mark can become a reload.
    assert!(
        registry.begin_reload(id, generation).is_none(),
        "not closing"
    );
    assert_eq!(
        registry.mark_closing(id, generation, || true),
        Closing::Marked
    );
    assert!(
        registry.begin_reload(id, generation + 1).is_none(),
        "not ours"
    );
    let guard = registry.begin_reload(id, generation).expect("reload");
    // A resume racing the reload waits for it; nothing reaches the old runtime.
    let Err(Busy::Loading(mut done)) = registry.begin_load(id) else {
        panic!("a racing load must wait");
    };
    assert_eq!(registry.send(id, gone()), Err(SendRefused::NotLoaded));
    assert!(registry.handle(id).is_none());
    assert!(
        !registry.remove(id, generation),
        "the old runtime owns nothing"
    );
    let (new, _new_commands) = handle(id);
    let reloaded = guard.finish(&new);
    assert_ne!(reloaded, generation);
    let _ = done.changed().await;
    assert!(matches!(registry.begin_load(id), Err(Busy::Loaded)));
    assert_eq!(registry.loaded_ids(), vec![id]);
}
