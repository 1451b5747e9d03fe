//! Routes a parsed request to the core and sends its answer. Methods whose answer must be
//! ordered with thread events (`thread/start`, `thread/resume`, `turn/*` (start, steer,
//! interrupt), `thread/unsubscribe`,
//! `thread/shellCommand`) hand the [`Reply`] to the core, which answers from the thread's actor;
//! they are dispatched by [`in_order`] on the connection's reader, so one connection's requests
//! reach a thread in the order they were sent (a `turn/interrupt` never overtakes its
//! `turn/start`). Everything else may take its time in its own task ([`handle`]).

use serde::Serialize;
use weft_core::{ClientSink, ColdResume, Core, Reply};
use weft_protocol::{ClientRequest, RpcError};

/// What [`in_order`] did with a request.
#[expect(
    clippy::large_enum_variant,
    reason = "a short-lived return value, moved into a task at once; boxing would allocate per request"
)]
pub(crate) enum Handled {
    /// Queued to a thread, or answered.
    Done,
    /// A cold `thread/resume`: reads the disk, so it runs in its own task.
    Cold(ColdResume),
    /// Not an ordered method: run [`handle`] in a task.
    Later(ClientRequest, Reply),
}

/// Dispatches the thread-ordered methods without awaiting: each queues its command to the
/// thread (or answers) before the reader takes the connection's next frame.
pub(crate) fn in_order(
    core: &Core,
    sink: &ClientSink,
    request: ClientRequest,
    reply: Reply,
) -> Handled {
    match request {
        ClientRequest::ThreadStart(params) => core.thread_start(sink, params, reply),
        ClientRequest::ThreadResume(params) => {
            if let Some(cold) = core.thread_resume(sink, params, reply) {
                return Handled::Cold(cold);
            }
        }
        ClientRequest::TurnStart(params) => core.turn_start(params, reply),
        ClientRequest::TurnInterrupt(params) => core.turn_interrupt(params, reply),
        ClientRequest::TurnSteer(params) => core.turn_steer(params, reply),
        ClientRequest::ThreadUnsubscribe(params) => {
            core.thread_unsubscribe(sink.id(), params, reply);
        }
        ClientRequest::ThreadShellCommand(params) => core.thread_shell_command(params, reply),
        other => return Handled::Later(other, reply),
    }
    Handled::Done
}

/// Handles one request of an initialised connection that [`in_order`] left for later.
pub(crate) async fn handle(core: &Core, sink: &ClientSink, request: ClientRequest, reply: Reply) {
    match request {
        ClientRequest::Initialize(_) => {
            // Handled by the connection before dispatch; unreachable in practice.
            reply.send::<()>(Err(RpcError::invalid_request(
                weft_protocol::errors::ALREADY_INITIALIZED,
            )));
        }
        ClientRequest::ThreadList(params) => answer(reply, core.thread_list(params).await),
        ClientRequest::ThreadRead(params) => answer(reply, core.thread_read(params).await),
        ClientRequest::ThreadTurnsList(params) => {
            answer(reply, core.thread_turns_list(params).await)
        }
        ClientRequest::ThreadItemsList(params) => {
            answer(reply, core.thread_items_list(params).await)
        }
        ClientRequest::ThreadLoadedList(params) => answer(reply, core.thread_loaded_list(&params)),
        ClientRequest::ThreadArchive(params) => core.thread_archive(params, reply).await,
        ClientRequest::ThreadUnarchive(params) => core.thread_unarchive(params, reply).await,
        ClientRequest::ThreadDelete(params) => core.thread_delete(params, reply).await,
        ClientRequest::ThreadNameSet(params) => core.thread_name_set(params, reply).await,
        ClientRequest::ThreadFork(params) => core.thread_fork(sink, params, reply).await,
        ClientRequest::ThreadMetadataUpdate(params) => {
            answer(reply, core.thread_metadata_update(params).await);
        }
        ClientRequest::ThreadReadStateUpdate(params) => {
            answer(reply, core.thread_read_state_update(params).await);
        }
        ClientRequest::ThreadGoalSet(params) => core.thread_goal_set(params, reply).await,
        ClientRequest::ThreadGoalGet(params) => core.thread_goal_get(params, reply).await,
        ClientRequest::ThreadGoalClear(params) => core.thread_goal_clear(params, reply).await,
        ClientRequest::ModelList(params) => answer(reply, Ok(core.model_list(&params))),
        ClientRequest::ConfigRead(params) => answer(reply, Ok(core.config_read(&params))),
        ClientRequest::AccountRead(_) => answer(reply, Ok(core.account_read())),
        ClientRequest::ConfigRequirementsRead(_) => {
            answer(reply, Ok(core.config_requirements_read()));
        }
        ClientRequest::CommandExec(params) => core.command_exec(sink, params, reply),
        ClientRequest::CommandExecWrite(params) => {
            answer(reply, core.command_exec_write(sink.id(), params).await);
        }
        ClientRequest::CommandExecTerminate(params) => {
            answer(reply, core.command_exec_terminate(sink.id(), params).await);
        }
        ClientRequest::CommandExecResize(params) => {
            answer(reply, core.command_exec_resize(sink.id(), params).await);
        }
        ClientRequest::SkillsList(params) => answer(reply, core.skills_list(&params).await),
        ClientRequest::HooksList(params) => answer(reply, core.hooks_list(&params)),
        ClientRequest::CollaborationModeList(_) => {
            answer(reply, Ok(core.collaboration_mode_list()))
        }
        ClientRequest::AccountBedrockCheckGovCloudRequirements(_) => {
            answer(reply, Ok(core.bedrock_check_gov_cloud_requirements()));
        }
        other => {
            let method = other.method();
            reply.send::<()>(Err(RpcError::not_supported_yet(method)));
        }
    }
}

fn answer<T: Serialize>(reply: Reply, result: Result<T, RpcError>) {
    reply.send(result);
}
