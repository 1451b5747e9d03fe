//! One actor per loaded thread (style.md §6): it owns the thread's state, its subscribers and
//! its running turn; everyone else reaches it through the [`registry`] and sends [`Command`]s.
//! A thread's life: built once ([`build`]: new or from its rollout), spawned as an actor that
//! starts by announcing itself ([`Origin`]), registered, and ended by the actor itself (idle
//! unload, and later archive, delete), which removes its own registry entry.

mod actor;
pub(crate) mod build;
pub(crate) mod record;
pub(crate) mod registry;
pub(crate) mod state;

use tokio::sync::{mpsc, oneshot};
use weft_protocol::RpcError;
use weft_protocol::v2::{Thread, ThreadStatus, TurnStartParams};

use crate::clients::{ClientId, ClientSink, Reply};
use crate::ids::ThreadId;
use crate::limits::THREAD_COMMAND_QUEUE_DEPTH;
use crate::services::ThreadServices;
use crate::thread::state::ThreadState;
use weft_store::RolloutWriter;

/// Brings a thread's runtime to life: registers its handle with `register` (which returns the
/// registry generation, or refuses), then starts the actor, whose first act announces
/// `origin`. Nothing is started when registration fails, so there is nothing to roll back (R6).
pub(crate) fn launch(
    services: &ThreadServices,
    state: ThreadState,
    rollout: Option<RolloutWriter>,
    origin: Origin,
    register: impl FnOnce(&ThreadHandle) -> Result<u64, RpcError>,
) -> Result<ThreadHandle, RpcError> {
    let (handle, commands) = ThreadHandle::new(state.meta.id);
    let generation = register(&handle)?;
    actor::spawn(
        commands,
        &handle,
        state,
        rollout,
        services.clone(),
        generation,
        origin,
    );
    Ok(handle)
}

/// How a thread came to be loaded; the actor's first act announces it, so every notification
/// about a thread leaves from its actor.
#[derive(Debug)]
pub(crate) enum Origin {
    /// `thread/start` or `thread/fork`: subscribe the caller (unless its connection is already
    /// gone, R5), answer (a fork: with the copied turns unless excluded), send the caller the
    /// token usage (a fork that has some), then broadcast `thread/started`.
    Created {
        sink: ClientSink,
        reply: Reply,
        include_turns: bool,
    },
    /// Cold resume: broadcast `thread/status/changed {idle}`, then answer as a rejoin (R21).
    Resumed {
        sink: ClientSink,
        reply: Reply,
        include_turns: bool,
    },
}

/// A loaded thread as a fork source.
#[derive(Debug)]
pub(crate) struct ForkSource {
    /// The rollout, once the thread has one.
    pub path: Option<std::path::PathBuf>,
    /// The running turn: id, start (unix seconds) and start (unix ms).
    pub running: Option<(String, i64, i64)>,
    /// User-set name.
    pub name: Option<String>,
}

/// What an actor can be asked to do. Every trigger of the actor is one of these, an event of
/// its running turn or its unload deadline, so one `match` shows all of them.
#[derive(Debug)]
pub(crate) enum Command {
    /// Remove a subscriber; answers `thread/unsubscribe` (R3).
    Unsubscribe { client: ClientId, reply: Reply },
    /// A client is gone: drop it from the subscribers.
    ClientGone(ClientId),
    /// `thread/resume` of a loaded thread: rejoin (subscribe the caller and answer in the
    /// thread's event order, keeping the thread's settings and logging the request's others),
    /// or — idle, unwatched and asked for other settings — unload and cold-resume the thread
    /// with the request (R26).
    Resume(Box<crate::reads::ColdResume>),
    /// A snapshot of the thread for `thread/read` and lists.
    Read {
        include_turns: bool,
        reply: oneshot::Sender<Result<Thread, RpcError>>,
    },
    /// The live status.
    Status {
        reply: oneshot::Sender<ThreadStatus>,
    },
    /// Start a turn; the actor answers `turn/start` before `turn/started`.
    StartTurn {
        params: Box<TurnStartParams>,
        reply: Reply,
    },
    /// `turn/steer`: add input to the running turn; answered `{turnId}` at once.
    Steer {
        params: Box<weft_protocol::v2::TurnSteerParams>,
        reply: Reply,
    },
    /// Interrupt the running turn; answered once it has stopped.
    Interrupt { turn_id: String, reply: Reply },
    /// Interrupt whatever turn runs (server shutdown).
    InterruptRunning,
    /// What `thread/fork` needs of a loaded source: its rollout (current: lines are written
    /// unbuffered) and the turn it is running.
    ForkSource { reply: oneshot::Sender<ForkSource> },
    /// `thread/name/set` of a loaded thread (the name is already stored): take the name,
    /// answer `{}`, broadcast `thread/name/updated`.
    SetName { name: String, reply: Reply },
    /// Unload now, whatever the idle rule says (archive, delete; R20): a running turn is
    /// interrupted and recorded first. `done` fires once the thread is gone.
    Unload { done: oneshot::Sender<()> },
    /// End the thread's background commands (shutdown); answered once they are gone.
    TerminateProcesses { done: oneshot::Sender<()> },
    /// A client answered one of this thread's server requests.
    AnswerServerRequest {
        id: i64,
        from: ClientId,
        answer: crate::server_requests::ServerRequestAnswer,
    },
    /// `thread/shellCommand`: answer `{}`, then run the user's command in the running turn or
    /// in a standalone turn (`thread/actor/user_shell.rs`).
    UserShell {
        command: String,
        timeout: std::time::Duration,
        reply: Reply,
    },
    /// `thread/goal/get|set|clear` of a loaded thread: answered by the actor, whose goal
    /// notifications are so ordered with the thread's other events (R27, R35).
    Goal {
        request: crate::goal::GoalRequest,
        reply: Reply,
    },
    /// `thread/readState/update` of a loaded thread: save the mark if `expected_revision` is
    /// current and tell the subscribers (`thread/readState/changed`) before answering.
    UpdateReadState {
        expected_revision: String,
        mark: weft_store::ReadMark,
        reply: oneshot::Sender<Result<weft_store::ReadStateUpdate, String>>,
    },
    /// `thread/metadata/update` of a loaded thread (the patch is already stored): take it and
    /// answer with the thread as it is now (no turns).
    PatchGitInfo {
        patch: weft_store::GitPatch,
        reply: oneshot::Sender<Thread>,
    },
    /// An event of a user shell command running inside the turn `turn_id`.
    UserShellEvent {
        turn_id: String,
        event: Box<crate::turn::TurnEvent>,
    },
}

/// A cheap, cloneable handle to a thread actor.
#[derive(Debug, Clone)]
pub(crate) struct ThreadHandle {
    id: ThreadId,
    commands: mpsc::Sender<Command>,
}

/// A handle that does not keep the actor alive: the actor holds one to itself so it can be named
/// as the owner of its server requests without preventing its own shutdown.
#[derive(Debug, Clone)]
pub(crate) struct WeakThreadHandle {
    id: ThreadId,
    commands: mpsc::WeakSender<Command>,
}

impl WeakThreadHandle {
    /// The strong handle, while the actor still runs.
    pub(crate) fn upgrade(&self) -> Option<ThreadHandle> {
        self.commands.upgrade().map(|commands| ThreadHandle {
            id: self.id,
            commands,
        })
    }
}

impl ThreadHandle {
    /// A handle that does not keep the actor alive.
    pub(crate) fn downgrade(&self) -> WeakThreadHandle {
        WeakThreadHandle {
            id: self.id,
            commands: self.commands.downgrade(),
        }
    }

    pub(crate) fn new(id: ThreadId) -> (Self, mpsc::Receiver<Command>) {
        let (commands, receiver) = mpsc::channel(THREAD_COMMAND_QUEUE_DEPTH);
        (Self { id, commands }, receiver)
    }

    /// The thread id.
    #[must_use]
    pub(crate) fn id(&self) -> ThreadId {
        self.id
    }

    /// Queues a command without waiting, the raw error kept (the registry maps it).
    pub(crate) fn try_send_raw(
        &self,
        command: Command,
    ) -> Result<(), mpsc::error::TrySendError<Command>> {
        self.commands.try_send(command)
    }

    /// Queues a command without waiting; a full queue is the client's overload error.
    pub(crate) fn send(&self, command: Command) -> Result<(), RpcError> {
        self.commands.try_send(command).map_err(|err| match err {
            mpsc::error::TrySendError::Full(_) => RpcError::overloaded(),
            mpsc::error::TrySendError::Closed(_) => {
                RpcError::thread_not_found(&self.id.to_string())
            }
        })
    }

    /// Queues a command, waiting for room; fails only when the actor is gone.
    pub(crate) async fn send_waiting(&self, command: Command) -> Result<(), RpcError> {
        self.commands
            .send(command)
            .await
            .map_err(|_| RpcError::thread_not_found(&self.id.to_string()))
    }

    /// Sends a command that answers on a oneshot and waits for the answer.
    pub(crate) async fn ask<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<T>) -> Command,
    ) -> Result<T, RpcError> {
        let (sender, receiver) = oneshot::channel();
        self.send(make(sender))?;
        receiver
            .await
            .map_err(|_| RpcError::thread_not_found(&self.id.to_string()))
    }
}
