//! [`Core`]: the handle weft-server calls for every request, and what it shares ([`Shared`]):
//! the services thread actors use, the drain flag and `command/exec` processes.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use tokio::sync::mpsc;
use weft_model::ModelClient;
use weft_protocol::RpcError;
use weft_protocol::v2::{
    ConfigReadParams, ConfigReadResponse, Model, ModelListParams, ModelListResponse,
    ReasoningEffortOption, ServerNotification, ThreadLoadedListParams, ThreadLoadedListResponse,
    ThreadStartParams, ThreadUnsubscribeParams, ThreadUnsubscribeResponse, TurnInterruptParams,
    TurnStartParams, UnsubscribeStatus,
};

use crate::clients::{ClientId, ClientSink, Clients, Outbound, QueueLoad, Reply};
use crate::config::CoreConfig;
use crate::ids::ThreadId;
use crate::persist::Persistence;
use crate::server_requests::{ServerRequestAnswer, ServerRequestRoutes};
use crate::services::{Identity, Models, ThreadServices};
use crate::thread::registry::{Registry, SendRefused};
use crate::thread::{Command, Origin, build, launch};

/// State shared by the core handle's clones.
#[derive(Debug)]
pub(crate) struct Shared {
    /// What thread actors use; the core uses the same handles.
    pub(crate) services: ThreadServices,
    /// Running `command/exec` processes, by owning client.
    pub(crate) command_execs: crate::command_exec::CommandExecs,
    /// R33: serialises what reads and rewrites stored thread state or moves rollouts
    /// (archive, unarchive, a cold resume's read), so none sees another's half-done move.
    thread_list_permit: tokio::sync::Semaphore,
}

/// The core's public handle: cheap to clone, one per process, created in `main`.
#[derive(Debug, Clone)]
pub struct Core {
    shared: Arc<Shared>,
}

impl Core {
    /// Builds the core from resolved config, model clients per provider id, and the store.
    ///
    /// # Errors
    /// When the store's index cannot be opened.
    pub fn new(
        config: CoreConfig,
        models: HashMap<String, Arc<ModelClient>>,
    ) -> Result<Self, crate::CoreError> {
        let persistence = Persistence::open(&config.home)?;
        Ok(Self {
            shared: Arc::new(Shared {
                services: ThreadServices {
                    config: Arc::new(config),
                    models: Arc::new(Models::new(models)),
                    clients: Arc::new(Clients::default()),
                    persistence: Arc::new(persistence),
                    server_requests: Arc::new(ServerRequestRoutes::default()),
                    running_turns: Arc::new(tokio::sync::watch::Sender::new(0)),
                    registry: Arc::new(Registry::default()),
                    draining: Arc::new(std::sync::atomic::AtomicBool::new(false)),
                    memory: Arc::default(),
                },
                command_execs: crate::command_exec::CommandExecs::default(),
                thread_list_permit: tokio::sync::Semaphore::new(1),
            }),
        })
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// The thread-list state permit (R33).
    pub(crate) async fn thread_list_permit(
        &self,
    ) -> Result<tokio::sync::SemaphorePermit<'_>, RpcError> {
        self.shared
            .thread_list_permit
            .acquire()
            .await
            .map_err(|err| {
                RpcError::internal(format!("failed to acquire thread list state permit: {err}"))
            })
    }

    /// The services every thread uses.
    pub(crate) fn services(&self) -> &ThreadServices {
        &self.shared.services
    }

    /// Gives freed heap memory back to the kernel (after a connection wrote a large answer).
    #[must_use]
    pub fn memory(&self) -> &Arc<crate::MemoryReleaser> {
        &self.services().memory
    }

    /// The home folder.
    #[must_use]
    pub fn home(&self) -> &Path {
        &self.shared.services.config.home
    }

    /// Records who the first initialised client is; later calls keep the first identity.
    pub fn set_identity_once(&self, identity: Identity) {
        self.services().models.set_identity_once(identity);
    }

    /// Creates a client (one per connection) and returns its sink and queue.
    #[must_use]
    pub fn connect(&self) -> (ClientSink, mpsc::Receiver<Outbound>) {
        self.services().clients.connect()
    }

    /// How full each initialised client's outbound queue is (diagnostics and tests).
    #[must_use]
    pub fn client_queue_loads(&self) -> Vec<(ClientId, Arc<QueueLoad>)> {
        self.services().clients.loads()
    }

    /// Marks a client initialised: it receives broadcasts from now on. A `config.toml` that could
    /// not be used (R13) and a kernel that cannot enforce the sandbox are told at once
    /// (`configWarning`), as the reference warns about its config and a missing bubblewrap.
    pub fn join(&self, sink: &ClientSink) {
        self.services().clients.join(sink);
        if let Some(invalid) = &self.services().config.invalid_config {
            sink.notify(Arc::new(ServerNotification::ConfigWarning(
                weft_protocol::v2::ConfigWarningNotification {
                    summary: crate::config::INVALID_CONFIG_SUMMARY.to_owned(),
                    details: Some(invalid.details.clone()),
                    path: invalid.path.clone(),
                    range: invalid.range,
                },
            )));
        }
        if let weft_sandbox::Support::Unavailable { reason } =
            &self.services().config.sandbox_support
        {
            sink.notify(Arc::new(ServerNotification::ConfigWarning(
                weft_protocol::v2::ConfigWarningNotification {
                    summary: "weft cannot enforce its sandbox on this kernel (Landlock is unavailable); commands under read-only or workspace-write will be refused. Use danger-full-access to run commands unsandboxed.".to_owned(),
                    details: Some(reason.clone()),
                    path: None,
                    range: None,
                },
            )));
        }
    }

    /// Forgets a client: no more broadcasts, removed from every thread's subscribers (R4).
    /// Threads stop counting it at once (the sink is marked closed); `ClientGone` lets each
    /// actor drop it and restart its idle clock without waiting for its next event.
    pub fn disconnect(&self, sink: &ClientSink) {
        let client = sink.id();
        self.services().clients.disconnect(sink);
        self.end_command_execs(client);
        // Only the threads it was subscribed to need to know (each starts its idle clock).
        for thread in sink.watched_threads() {
            if let Some(handle) = self.services().registry.handle(thread) {
                let _ = handle.send(Command::ClientGone(client));
            }
        }
    }

    /// A client answered a server request (`result` or `error`): routed to the thread that
    /// asked, where the first answer wins (R30). Unknown ids are logged and ignored.
    pub fn answer_server_request(
        &self,
        client: ClientId,
        id: &weft_protocol::RequestId,
        answer: ServerRequestAnswer,
    ) {
        self.services().server_requests.answer(client, id, answer);
    }

    /// Starts draining: from now on `thread/start`, `thread/resume` and `turn/start` answer
    /// `Server is draining; retry after reconnecting` (R36); everything else is served.
    pub fn begin_drain(&self) {
        self.services()
            .draining
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// The draining error when shutdown has begun.
    pub(crate) fn refuse_if_draining(&self) -> Result<(), RpcError> {
        if self.services().is_draining() {
            Err(RpcError::draining())
        } else {
            Ok(())
        }
    }

    /// Waits up to `deadline` for running turns to finish, then interrupts the rest and waits
    /// (bounded by [`crate::limits::INTERRUPT_WAIT`]) for them to be recorded.
    pub async fn drain(&self, deadline: std::time::Duration) {
        let mut running = self.services().running_turns.subscribe();
        let idle = |count: &usize| *count == 0;
        if tokio::time::timeout(deadline, running.wait_for(idle))
            .await
            .is_ok()
        {
            return;
        }
        tracing::warn!("shutdown deadline reached; interrupting running turns");
        for handle in self.services().registry.handles() {
            let _ = handle.send(Command::InterruptRunning);
        }
        let _ = tokio::time::timeout(crate::limits::INTERRUPT_WAIT, running.wait_for(idle)).await;
    }

    /// Ends every command the threads still run in the background (unified exec sessions), so
    /// none outlives the server: each thread ends its process groups (SIGTERM, then SIGKILL).
    /// Bounded by [`crate::limits::PROCESS_TERMINATION_WAIT`].
    pub async fn terminate_processes(&self) {
        let handles = self.services().registry.handles();
        let waits = handles
            .iter()
            .map(|handle| handle.ask(|done| Command::TerminateProcesses { done }));
        let all = futures_util::future::join_all(waits);
        if tokio::time::timeout(crate::limits::PROCESS_TERMINATION_WAIT, all)
            .await
            .is_err()
        {
            tracing::warn!("background commands did not all end in time");
        }
    }

    /// `thread/start`: build the thread, register it and start its actor, which subscribes the
    /// caller, answers and broadcasts `thread/started`.
    /// While the server runs on defaults because `config.toml` could not be used, it fails
    /// with `failed to load configuration: …` (R13), as the reference's does.
    pub fn thread_start(&self, sink: &ClientSink, params: ThreadStartParams, reply: Reply) {
        if let Err(err) = self.refuse_if_draining() {
            return reply.send::<()>(Err(err));
        }
        if let Some(invalid) = &self.services().config.invalid_config {
            return reply.send::<()>(Err(RpcError::failed_to_load_configuration(
                &invalid.details,
            )));
        }
        let services = self.services();
        let state = match build::new_thread(services, &params) {
            Ok(state) => state,
            Err(err) => return reply.send::<()>(Err(err)),
        };
        let origin = Origin::Created {
            sink: sink.clone(),
            reply: reply.clone(),
            include_turns: false,
        };
        if let Err(err) = launch(services, state, None, origin, |handle| {
            services.registry.insert(handle)
        }) {
            reply.send::<()>(Err(err));
        }
    }

    /// `turn/start`: answered by the thread's actor, before `turn/started`.
    pub fn turn_start(&self, params: TurnStartParams, reply: Reply) {
        if let Err(err) = self.refuse_if_draining() {
            return reply.send::<()>(Err(err));
        }
        let id = match ThreadId::parse(&params.thread_id) {
            Ok(id) => id,
            Err(err) => return reply.send::<()>(Err(RpcError::invalid_thread_id(&err))),
        };
        let chars: usize = params
            .input
            .iter()
            .map(weft_protocol::v2::UserInput::text_chars)
            .sum();
        if chars > weft_protocol::errors::INPUT_CHARS_MAX {
            return reply.send::<()>(Err(RpcError::input_too_large(chars)));
        }
        let command = Command::StartTurn {
            params: Box::new(params),
            reply: reply.clone(),
        };
        self.send_to_thread(id, command, &reply);
    }

    /// `turn/steer`: queued for the running turn by its actor, which checks it (protocol.md §7's
    /// order: thread lookup first, here) and answers `{turnId}`.
    pub fn turn_steer(&self, params: weft_protocol::v2::TurnSteerParams, reply: Reply) {
        let id = match ThreadId::parse(&params.thread_id) {
            Ok(id) => id,
            Err(err) => return reply.send::<()>(Err(RpcError::invalid_thread_id(&err))),
        };
        let command = Command::Steer {
            params: Box::new(params),
            reply: reply.clone(),
        };
        self.send_to_thread(id, command, &reply);
    }

    /// `turn/interrupt`: answered once the turn has stopped.
    pub fn turn_interrupt(&self, params: TurnInterruptParams, reply: Reply) {
        let id = match ThreadId::parse(&params.thread_id) {
            Ok(id) => id,
            Err(err) => return reply.send::<()>(Err(RpcError::invalid_thread_id(&err))),
        };
        let command = Command::Interrupt {
            turn_id: params.turn_id,
            reply: reply.clone(),
        };
        self.send_to_thread(id, command, &reply);
    }

    /// Queues a command that answers `reply` for a loaded thread, or answers the refusal: not
    /// loaded, closing (★ R16: the closing text, also for turns), or overloaded. Queued in the
    /// caller's order: requests of one connection reach the thread in the order they were sent.
    pub(crate) fn send_to_thread(&self, id: ThreadId, command: Command, reply: &Reply) {
        if let Err(refused) = self.services().registry.send(id, command) {
            reply
                .clone()
                .send::<()>(Err(refused.into_rpc(id, RpcError::thread_closing)));
        }
    }

    /// `thread/unsubscribe` (R3): answered by the thread's actor, in order with the caller's
    /// other requests; `notLoaded` when the thread is not loaded (or is closing).
    pub fn thread_unsubscribe(
        &self,
        client: ClientId,
        params: ThreadUnsubscribeParams,
        reply: Reply,
    ) {
        let id = match ThreadId::parse(&params.thread_id) {
            Ok(id) => id,
            Err(err) => return reply.send::<()>(Err(RpcError::invalid_thread_id(&err))),
        };
        let command = Command::Unsubscribe {
            client,
            reply: reply.clone(),
        };
        match self.services().registry.send(id, command) {
            Ok(()) => {}
            Err(SendRefused::NotLoaded | SendRefused::Closing) => {
                reply.send(Ok(ThreadUnsubscribeResponse {
                    status: UnsubscribeStatus::NotLoaded,
                }));
            }
            Err(SendRefused::Overloaded) => reply.send::<()>(Err(RpcError::overloaded())),
        }
    }

    /// `thread/loaded/list`.
    ///
    /// # Errors
    /// `invalid cursor: <cursor>` for a cursor that is not a loaded thread id.
    pub fn thread_loaded_list(
        &self,
        params: &ThreadLoadedListParams,
    ) -> Result<ThreadLoadedListResponse, RpcError> {
        let mut ids: Vec<String> = self
            .services()
            .registry
            .loaded_ids()
            .iter()
            .map(ToString::to_string)
            .collect();
        ids.sort();
        let start = match &params.cursor {
            None => 0,
            Some(_) if ids.is_empty() => 0,
            Some(cursor) => match ids.iter().position(|id| id == cursor) {
                Some(position) => position + 1,
                None => {
                    return Err(RpcError::invalid_request(format!(
                        "invalid cursor: {cursor}"
                    )));
                }
            },
        };
        let rest = ids.get(start..).unwrap_or_default();
        let limit = params.limit.map_or(rest.len(), |limit| {
            usize::try_from(limit).unwrap_or(usize::MAX)
        });
        let page: Vec<String> = rest.iter().take(limit).cloned().collect();
        let next_cursor = (page.len() < rest.len())
            .then(|| page.last().cloned())
            .flatten();
        Ok(ThreadLoadedListResponse {
            data: page,
            next_cursor,
        })
    }

    /// `model/list`, from the configured models.
    #[must_use]
    pub fn model_list(&self, params: &ModelListParams) -> ModelListResponse {
        let config = &self.services().config;
        let efforts = ["low", "medium", "high"];
        let data = config
            .models
            .iter()
            .map(|slug| Model {
                id: slug.clone(),
                model: slug.clone(),
                display_name: slug.clone(),
                description: format!("{slug} via provider `{}`", config.model_provider),
                hidden: false,
                is_default: *slug == config.model,
                default_reasoning_effort: "medium".to_owned(),
                supported_reasoning_efforts: efforts
                    .iter()
                    .map(|effort| ReasoningEffortOption {
                        reasoning_effort: (*effort).to_owned(),
                        description: format!("{effort} reasoning effort"),
                    })
                    .collect(),
                input_modalities: vec!["text".to_owned(), "image".to_owned()],
                service_tiers: Vec::new(),
                default_service_tier: None,
                additional_speed_tiers: Vec::new(),
                upgrade: None,
                upgrade_info: None,
                availability_nux: None,
                available_access_programs: None,
                model_specialty: None,
                multi_agent_version: None,
                supports_personality: false,
            })
            .collect::<Vec<_>>();
        let limit = params
            .limit
            .map_or(data.len(), |limit| limit.max(1) as usize);
        let offset: usize = params
            .cursor
            .as_deref()
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let page: Vec<Model> = data.iter().skip(offset).take(limit).cloned().collect();
        let next = offset + page.len();
        ModelListResponse {
            data: page,
            next_cursor: (next < data.len()).then(|| next.to_string()),
        }
    }

    /// `account/read`, answered with what is true for a self-hosted server: an API-key account
    /// when the default provider is configured with a key (its `env_key` set and present, or a
    /// bearer token in the config), no account otherwise; weft never needs an OpenAI login.
    #[must_use]
    pub fn account_read(&self) -> serde_json::Value {
        let config = &self.services().config;
        let has_key = self
            .services()
            .models
            .get(&config.model_provider)
            .and_then(|model| model.provider())
            .is_some_and(|provider| {
                provider
                    .bearer_token(&weft_model::EnvSource::process())
                    .is_ok_and(|token| token.is_some())
            });
        serde_json::json!({
            "account": has_key.then(|| serde_json::json!({"type": "apiKey"})),
            "requiresOpenaiAuth": false,
        })
    }

    /// `configRequirements/read`: weft reads no managed requirements (`requirements.toml`, MDM),
    /// so there are none, which the schema spells `null`.
    #[must_use]
    pub fn config_requirements_read(&self) -> serde_json::Value {
        serde_json::json!({"requirements": null})
    }

    /// `config/read`: the effective config and where each key came from.
    #[must_use]
    pub fn config_read(&self, params: &ConfigReadParams) -> ConfigReadResponse {
        let config = &self.services().config;
        ConfigReadResponse {
            config: config.effective.clone(),
            origins: config.origins.clone(),
            layers: params.include_layers.unwrap_or(false).then(|| {
                vec![serde_json::json!({
                    "name": {"type": "user", "file": config.home.join("config.toml").display().to_string(), "profile": null},
                    "version": "1",
                    "config": config.effective.clone(),
                    "disabledReason": null,
                })]
            }),
        }
    }
}
