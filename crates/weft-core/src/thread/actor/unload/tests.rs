//! R17 driven directly. A pending request keeps a thread active (R12), so the idle deadline
//! never starts an unload while one waits; these tests take the closing mark themselves (as if
//! the status had reported idle) and run the unload steps on an actor built by hand.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};
use weft_protocol::RequestId;
use weft_protocol::v2::{
    ServerNotification, ServerRequest, ThreadResumeParams, ThreadStartParams, ThreadStatus,
    ToolRequestUserInputParams,
};

use super::Actor;
use crate::clients::{Outbound, Reply, ReplyTo};
use crate::core::Core;
use crate::ids::ThreadId;
use crate::server_requests::{OutgoingRequest, ServerRequestAnswer};
use crate::thread::record::{self, kind};
use crate::thread::registry::Closing;
use crate::thread::{Command, ThreadHandle, build};
use crate::{CoreConfig, config};

fn core(home: &std::path::Path) -> Core {
    let config = CoreConfig {
        goals: config::GoalsConfig {
            enabled: false,
            ..config::GoalsConfig::default()
        },
        ..CoreConfig::offline(home)
    };
    let scripted = weft_model::ModelClient::from(weft_model::ScriptedModelClient::new());
    let models = std::collections::HashMap::from([("p".to_owned(), Arc::new(scripted))]);
    Core::new(config, models).expect("core")
}

/// A question of the kind `request_user_input` asks.
fn question(thread_id: ThreadId) -> ServerRequest {
    ServerRequest::ToolRequestUserInput(ToolRequestUserInputParams {
        thread_id: thread_id.to_string(),
        turn_id: "turn-1".to_owned(),
        item_id: "call-1".to_owned(),
        is_blocking: true,
        questions: Vec::new(),
    })
}

/// Everything queued for a client right now.
fn drain(outbox: &mut mpsc::Receiver<Outbound>) -> Vec<Outbound> {
    std::iter::from_fn(|| outbox.try_recv().ok()).collect()
}

fn notifications(messages: &[Outbound]) -> Vec<ServerNotification> {
    messages
        .iter()
        .filter_map(|message| match message {
            Outbound::Notification(notification) => Some((**notification).clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn r17_an_unload_drops_a_pending_request_unresolved_and_a_resume_replays_nothing() {
    let home = tempfile::tempdir().expect("home");
    let core = core(home.path());
    let services = core.services().clone();
    let (sink, mut outbox) = core.connect();
    core.join(&sink);

    // A thread with a rollout on disk and in the index, subscribed by the client.
    let state = build::new_thread(&services, &ThreadStartParams::default()).expect("thread");
    let id = state.meta.id;
    let (handle, _commands) = ThreadHandle::new(id);
    let generation = services.registry.insert(&handle).expect("registered");
    let mut actor = Actor::new(&handle, state, None, services.clone(), generation);
    let turn_context = record::turn_context("turn-1", &actor.state.settings);
    actor.record(kind::TURN_CONTEXT, turn_context);
    actor.sync_rollout().await;
    services.persistence.index_thread(&actor.state).await;
    actor.subscribers.insert(sink.id(), sink.clone());

    // A question waits for the client.
    let (answer, answered) = oneshot::channel();
    let outgoing = OutgoingRequest {
        request: question(id),
        answer,
    };
    actor.send_server_request(None, Box::new(outgoing)).await;
    assert!(actor.is_active(), "R12: a pending request keeps it active");
    let request_id = *actor.pending.keys().next().expect("pending");
    let sent = drain(&mut outbox);
    assert!(
        sent.iter().any(|message| matches!(
            message,
            Outbound::Request { id: RequestId::Integer(sent_id), .. } if *sent_id == request_id
        )),
        "the request went out: {sent:?}"
    );

    // The status "reports idle": the mark is taken as the idle deadline would, then R17/R18.
    let marked = services.registry.mark_closing(id, generation, || true);
    assert_eq!(marked, Closing::Marked);
    assert!(actor.unload_marked().await, "unloaded");

    // (1) Dropped without serverRequest/resolved; the asking side sees its channel close.
    assert!(actor.pending.is_empty());
    assert!(answered.await.is_err(), "nobody can answer it any more");
    // (2) Subscribers let go; R18: notLoaded, then thread/closed, nothing else.
    assert!(actor.subscribers.is_empty());
    let after = notifications(&drain(&mut outbox));
    let thread_id = id.to_string();
    assert_eq!(after.len(), 2, "{after:?}");
    assert!(matches!(
        &after[0],
        ServerNotification::ThreadStatusChanged(changed)
            if changed.thread_id == thread_id && changed.status == ThreadStatus::NotLoaded
    ));
    assert!(matches!(
        &after[1],
        ServerNotification::ThreadClosed(closed) if closed.thread_id == thread_id
    ));
    assert!(services.registry.loaded_ids().is_empty());
    // A late answer finds no route: nothing is resolved, nothing sent.
    core.answer_server_request(
        sink.id(),
        &RequestId::Integer(request_id),
        ServerRequestAnswer::Result(serde_json::json!({"answers": {}})),
    );
    assert!(
        drain(&mut outbox).is_empty(),
        "a late answer changes nothing"
    );

    // A later resume loads the thread from disk and replays nothing.
    let reply = Reply {
        sink: sink.clone(),
        to: ReplyTo(RequestId::Integer(7)),
    };
    let params = ThreadResumeParams {
        thread_id: thread_id.clone(),
        ..ThreadResumeParams::default()
    };
    let cold = core
        .thread_resume(&sink, params, reply)
        .expect("a cold resume");
    cold.run().await;
    let resumed = services.registry.handle(id).expect("loaded again");
    // Asked after the resume, answered after everything the resume sent.
    let status = resumed
        .ask(|reply| Command::Status { reply })
        .await
        .expect("status");
    assert_eq!(status, ThreadStatus::Idle, "nothing pending");
    let messages = drain(&mut outbox);
    assert!(
        messages.iter().any(|message| matches!(
            message,
            Outbound::Response {
                to: ReplyTo(RequestId::Integer(7)),
                result: Ok(_)
            }
        )),
        "the resume was answered: {messages:?}"
    );
    assert!(
        !messages
            .iter()
            .any(|message| matches!(message, Outbound::Request { .. })),
        "no request replayed: {messages:?}"
    );
}
