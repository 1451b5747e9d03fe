//! Routes a parsed request to the core and sends its answer. Methods whose answer must be
//! ordered with thread events (`thread/start`, `thread/resume`, `turn/*`) hand the [`Reply`] to
//! the core, which answers from the thread's actor.

use serde::Serialize;
use weft_core::{ClientSink, Core, Reply};
use weft_protocol::{ClientRequest, RpcError};

/// Handles one request of an initialised connection.
pub(crate) async fn handle(core: &Core, sink: &ClientSink, request: ClientRequest, reply: Reply) {
    match request {
        ClientRequest::Initialize(_) => {
            // Handled by the connection before dispatch; unreachable in practice.
            reply.send::<()>(Err(RpcError::invalid_request(
                weft_protocol::errors::ALREADY_INITIALIZED,
            )));
        }
        ClientRequest::ThreadStart(params) => core.thread_start(sink, params, reply),
        ClientRequest::ThreadResume(params) => core.thread_resume(sink, params, reply).await,
        ClientRequest::TurnStart(params) => core.turn_start(params, reply),
        ClientRequest::TurnInterrupt(params) => core.turn_interrupt(params, reply),
        ClientRequest::ThreadList(params) => answer(reply, core.thread_list(params).await),
        ClientRequest::ThreadRead(params) => answer(reply, core.thread_read(params).await),
        ClientRequest::ThreadTurnsList(params) => {
            answer(reply, core.thread_turns_list(params).await)
        }
        ClientRequest::ThreadItemsList(params) => {
            answer(reply, core.thread_items_list(params).await)
        }
        ClientRequest::ThreadLoadedList(params) => answer(reply, core.thread_loaded_list(&params)),
        ClientRequest::ThreadUnsubscribe(params) => {
            answer(reply, core.thread_unsubscribe(sink.id(), params).await);
        }
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
        ClientRequest::ThreadShellCommand(params) => core.thread_shell_command(params, reply),
        other => {
            let method = other.method();
            reply.send::<()>(Err(RpcError::not_supported_yet(method)));
        }
    }
}

fn answer<T: Serialize>(reply: Reply, result: Result<T, RpcError>) {
    reply.send(result);
}
