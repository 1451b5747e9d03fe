//! [`Core`]: the handle weft-server calls for every request, and the state it shares with
//! thread actors ([`Shared`]): config, clients, model providers, the store, loaded threads.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::mpsc;
use weft_model::{ModelClient, ModelError};
use weft_protocol::v2::{
    ApprovalsReviewer, ConfigReadParams, ConfigReadResponse, Model, ModelListParams,
    ModelListResponse, ReasoningEffortOption, ServerNotification, ThreadLoadedListParams,
    ThreadLoadedListResponse, ThreadStartParams, ThreadStartResponse, ThreadStartedNotification,
    ThreadUnsubscribeParams, ThreadUnsubscribeResponse, TurnInterruptParams, TurnStartParams,
    UnsubscribeStatus,
};
use weft_protocol::{PROTOCOL_VERSION, RpcError};

use crate::clients::{ClientId, ClientSink, Clients, Outbound, Reply};
use crate::config::{CoreConfig, ThreadSettings};
use crate::ids::ThreadId;
use crate::limits::LOADED_THREADS_MAX;
use crate::persist::Persistence;
use crate::server_requests::{ServerRequestAnswer, ServerRequestRoutes};
use crate::thread::state::{ThreadMeta, ThreadState};
use crate::thread::{ActorDeps, Command, ThreadHandle, record, spawn};
use crate::turn::context::BASE_INSTRUCTIONS;

/// Who the server is to the model provider: set by the first `initialize`.
#[derive(Debug, Clone)]
pub struct Identity {
    /// `originator` header and `Thread.originator` of new threads.
    pub originator: String,
    /// `user-agent` header and `initialize.userAgent`.
    pub user_agent: String,
}

/// State shared by the core handle and every thread actor.
#[derive(Debug)]
pub(crate) struct Shared {
    /// Settings.
    pub config: Arc<CoreConfig>,
    /// Connected clients, for broadcasts.
    pub clients: Clients,
    models: HashMap<String, Arc<ModelClient>>,
    pub(crate) persistence: Persistence,
    identity: Mutex<Option<Identity>>,
    threads: Mutex<HashMap<ThreadId, ThreadHandle>>,
    /// Turns running across all threads; actors count up and down, shutdown waits for zero.
    pub(crate) running_turns: tokio::sync::watch::Sender<usize>,
    /// Set once shutdown began: requests that would start work are refused (R36).
    draining: std::sync::atomic::AtomicBool,
    /// Server request ids and which thread each belongs to.
    pub(crate) server_requests: ServerRequestRoutes,
    /// Running `command/exec` processes, by owning client.
    pub(crate) command_execs: crate::command_exec::CommandExecs,
}

impl Shared {
    pub(crate) fn identity(&self) -> Identity {
        lock(&self.identity).clone().unwrap_or_else(|| Identity {
            originator: "codex_cli_rs".to_owned(),
            user_agent: format!("codex_cli_rs/{PROTOCOL_VERSION}"),
        })
    }

    pub(crate) fn model(&self, provider: &str) -> Result<Arc<ModelClient>, ModelError> {
        self.models
            .get(provider)
            .cloned()
            .ok_or_else(|| ModelError::Build {
                message: format!("model provider `{provider}` is not configured"),
            })
    }

    pub(crate) fn stream_max_retries(&self, provider: &str) -> u64 {
        self.models
            .get(provider)
            .map_or(0, |model| u64::from(model.stream_max_retries()))
    }

    /// An absolute cwd: relative paths resolve against the server's cwd.
    pub(crate) fn absolute_cwd(&self, cwd: &str) -> String {
        let path = Path::new(cwd);
        let path = if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.config.server_cwd.join(path)
        };
        path.display().to_string()
    }

    pub(crate) fn thread_handle(&self, id: ThreadId) -> Option<ThreadHandle> {
        lock(&self.threads).get(&id).cloned()
    }

    /// Registers a freshly loaded actor unless another load of the same thread won the race,
    /// in which case the existing actor is kept (ours stops once its handle is dropped).
    pub(crate) fn register_or_existing(
        &self,
        handle: ThreadHandle,
    ) -> Result<ThreadHandle, RpcError> {
        let mut threads = lock(&self.threads);
        if let Some(existing) = threads.get(&handle.id()) {
            return Ok(existing.clone());
        }
        if threads.len() >= LOADED_THREADS_MAX {
            return Err(RpcError::internal(format!(
                "too many loaded threads ({LOADED_THREADS_MAX}); unload some first"
            )));
        }
        threads.insert(handle.id(), handle.clone());
        Ok(handle)
    }

    /// Registers a new actor; fails when too many threads are loaded.
    pub(crate) fn register(&self, handle: ThreadHandle) -> Result<(), RpcError> {
        let mut threads = lock(&self.threads);
        if threads.len() >= LOADED_THREADS_MAX && !threads.contains_key(&handle.id()) {
            return Err(RpcError::internal(format!(
                "too many loaded threads ({LOADED_THREADS_MAX}); unload some first"
            )));
        }
        threads.insert(handle.id(), handle);
        Ok(())
    }

    /// The `thread/start`-shaped part of start and resume results.
    pub(crate) fn start_response(
        &self,
        state: &ThreadState,
        thread: weft_protocol::v2::Thread,
    ) -> ThreadStartResponse {
        let settings = &state.settings;
        ThreadStartResponse {
            thread,
            model: settings.model.clone(),
            model_provider: settings.model_provider.clone(),
            service_tier: settings.service_tier.clone(),
            disabled_plugin_ids: Vec::new(),
            cwd: settings.cwd.clone(),
            runtime_workspace_roots: vec![settings.cwd.clone()],
            instruction_sources: Vec::new(),
            approval_policy: settings.approval_policy.clone(),
            approvals_reviewer: settings.approvals_reviewer,
            sandbox: settings.sandbox.clone(),
            active_permission_profile: None,
            reasoning_effort: settings.reasoning_effort.clone(),
            multi_agent_mode: Some("explicitRequestOnly".to_owned()),
        }
    }

    /// Settings of a new thread: config defaults with the request's overrides.
    pub(crate) fn settings_for(
        &self,
        overrides: &weft_protocol::v2::ThreadSettingsOverrides,
    ) -> ThreadSettings {
        let config = &self.config;
        let sandbox_mode = overrides.sandbox.unwrap_or(config.sandbox_mode);
        let sandbox = config.sandbox_policy_for(sandbox_mode);
        ThreadSettings {
            model: overrides
                .model
                .clone()
                .unwrap_or_else(|| config.model.clone()),
            model_provider: overrides
                .model_provider
                .clone()
                .unwrap_or_else(|| config.model_provider.clone()),
            cwd: overrides.cwd.as_deref().map_or_else(
                || config.server_cwd.display().to_string(),
                |cwd| self.absolute_cwd(cwd),
            ),
            approval_policy: overrides
                .approval_policy
                .clone()
                .unwrap_or_else(|| config.approval_policy.clone()),
            approvals_reviewer: overrides
                .approvals_reviewer
                .unwrap_or(ApprovalsReviewer::User),
            sandbox,
            reasoning_effort: config.reasoning_effort.clone(),
            reasoning_summary: config.reasoning_summary,
            service_tier: overrides.service_tier.clone(),
            developer_instructions: overrides
                .developer_instructions
                .clone()
                .or_else(|| config.developer_instructions.clone()),
            base_instructions: overrides
                .base_instructions
                .clone()
                .or_else(|| config.base_instructions.clone())
                .unwrap_or_else(|| BASE_INSTRUCTIONS.to_owned()),
            collaboration_mode: "default".to_owned(),
        }
    }

    pub(crate) async fn index_thread(&self, state: &ThreadState) {
        self.persistence.index_thread(state).await;
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Critical sections here never panic mid-update; a poisoned lock holds consistent data.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
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
                config: Arc::new(config),
                clients: Clients::default(),
                models,
                persistence,
                identity: Mutex::new(None),
                threads: Mutex::new(HashMap::new()),
                running_turns: tokio::sync::watch::Sender::new(0),
                draining: std::sync::atomic::AtomicBool::new(false),
                server_requests: ServerRequestRoutes::default(),
                command_execs: crate::command_exec::CommandExecs::default(),
            }),
        })
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// The home folder.
    #[must_use]
    pub fn home(&self) -> &Path {
        &self.shared.config.home
    }

    /// Records who the first initialised client is; later calls keep the first identity.
    pub fn set_identity_once(&self, identity: Identity) {
        let mut slot = lock(&self.shared.identity);
        if slot.is_none() {
            *slot = Some(identity);
        }
    }

    /// Creates a client (one per connection) and returns its sink and queue.
    #[must_use]
    pub fn connect(&self) -> (ClientSink, mpsc::Receiver<Outbound>) {
        self.shared.clients.connect()
    }

    /// Marks a client initialised: it receives broadcasts from now on. On a kernel that cannot
    /// enforce the sandbox, the client is told at once (`configWarning`), as the reference warns
    /// about a missing bubblewrap.
    pub fn join(&self, sink: &ClientSink) {
        self.shared.clients.join(sink);
        if let weft_sandbox::Support::Unavailable { reason } = &self.shared.config.sandbox_support {
            sink.notify(Arc::new(ServerNotification::ConfigWarning(
                weft_protocol::v2::ConfigWarningNotification {
                    summary: "weft cannot enforce its sandbox on this kernel (Landlock is unavailable); commands under read-only or workspace-write will be refused. Use danger-full-access to run commands unsandboxed.".to_owned(),
                    details: Some(reason.clone()),
                },
            )));
        }
    }

    /// Forgets a client: no more broadcasts, removed from every thread's subscribers (R4).
    pub fn disconnect(&self, client: ClientId) {
        self.shared.clients.disconnect(client);
        self.end_command_execs(client);
        let handles: Vec<ThreadHandle> = lock(&self.shared.threads).values().cloned().collect();
        for handle in handles {
            let _ = handle.send(Command::ClientGone(client));
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
        self.shared.server_requests.answer(client, id, answer);
    }

    /// Starts draining: from now on `thread/start`, `thread/resume` and `turn/start` answer
    /// `Server is draining; retry after reconnecting` (R36); everything else is served.
    pub fn begin_drain(&self) {
        self.shared
            .draining
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// The draining error when shutdown has begun.
    pub(crate) fn refuse_if_draining(&self) -> Result<(), RpcError> {
        if self
            .shared
            .draining
            .load(std::sync::atomic::Ordering::SeqCst)
        {
            Err(RpcError::draining())
        } else {
            Ok(())
        }
    }

    /// Waits up to `deadline` for running turns to finish, then interrupts the rest and waits
    /// (bounded by [`crate::limits::INTERRUPT_WAIT`]) for them to be recorded.
    pub async fn drain(&self, deadline: std::time::Duration) {
        let mut running = self.shared.running_turns.subscribe();
        let idle = |count: &usize| *count == 0;
        if tokio::time::timeout(deadline, running.wait_for(idle))
            .await
            .is_ok()
        {
            return;
        }
        tracing::warn!("shutdown deadline reached; interrupting running turns");
        let handles: Vec<ThreadHandle> = lock(&self.shared.threads).values().cloned().collect();
        for handle in handles {
            let _ = handle.send(Command::InterruptRunning);
        }
        let _ = tokio::time::timeout(crate::limits::INTERRUPT_WAIT, running.wait_for(idle)).await;
    }

    /// Ends every command the threads still run in the background (unified exec sessions), so
    /// none outlives the server: each thread ends its process groups (SIGTERM, then SIGKILL).
    /// Bounded by [`crate::limits::PROCESS_TERMINATION_WAIT`].
    pub async fn terminate_processes(&self) {
        let handles: Vec<ThreadHandle> = lock(&self.shared.threads).values().cloned().collect();
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

    /// `thread/start`: create, load and subscribe; answer; then broadcast `thread/started`.
    pub fn thread_start(&self, sink: &ClientSink, params: ThreadStartParams, reply: Reply) {
        if let Err(err) = self.refuse_if_draining() {
            return reply.send::<()>(Err(err));
        }
        let shared = &self.shared;
        let settings = shared.settings_for(&params.settings);
        if !shared.models.contains_key(&settings.model_provider) {
            reply.send::<()>(Err(RpcError::internal(format!(
                "error creating thread: model provider `{}` is not configured",
                settings.model_provider
            ))));
            return;
        }
        let id = ThreadId::new();
        let created = chrono::Local::now();
        let ephemeral = params.ephemeral.unwrap_or(false);
        let path = (!ephemeral).then(|| shared.persistence.rollout_path(id, created));
        let identity = shared.identity();
        let mut meta = ThreadMeta {
            id,
            session_id: id.to_string(),
            created_at: created.timestamp(),
            updated_at: created.timestamp(),
            recency_at: created.timestamp(),
            preview: String::new(),
            name: None,
            path,
            ephemeral,
            cli_version: PROTOCOL_VERSION.to_owned(),
            originator: Some(identity.originator),
            source: weft_protocol::v2::SessionSource::Named(
                weft_protocol::v2::SessionSourceName::Vscode,
            ),
            forked_from_id: None,
            history_mode: "paginated".to_owned(),
            pending_session_meta: None,
        };
        let created_text = weft_store::line::format_timestamp(created.with_timezone(&chrono::Utc));
        meta.pending_session_meta = Some(record::session_meta(&meta, &settings, &created_text));
        let state = ThreadState {
            meta,
            settings,
            history: Vec::new(),
            turns: Vec::new(),
            usage: None,
            system_error: false,
            resumed: false,
        };
        let status = state.status(false);
        let thread = state.to_wire(status, Vec::new());
        let response = shared.start_response(&state, thread.clone());
        let handle = spawn(
            state,
            None,
            ActorDeps {
                shared: Arc::clone(shared),
            },
        );
        if let Err(err) = shared.register(handle.clone()) {
            reply.send::<()>(Err(err));
            return;
        }
        let _ = handle.send(Command::Subscribe(sink.clone()));
        reply.send(Ok(response));
        let mut listed = thread;
        listed.can_accept_direct_input = Some(true);
        shared
            .clients
            .broadcast(&Arc::new(ServerNotification::ThreadStarted(
                ThreadStartedNotification { thread: listed },
            )));
    }

    /// `turn/start`: answered by the thread's actor, before `turn/started`.
    pub fn turn_start(&self, params: TurnStartParams, reply: Reply) {
        if let Err(err) = self.refuse_if_draining() {
            return reply.send::<()>(Err(err));
        }
        let handle = match self.loaded_thread(&params.thread_id) {
            Ok(handle) => handle,
            Err(err) => return reply.send::<()>(Err(err)),
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
        if let Err(err) = handle.send(command) {
            reply.send::<()>(Err(err));
        }
    }

    /// `turn/interrupt`: answered once the turn has stopped.
    pub fn turn_interrupt(&self, params: TurnInterruptParams, reply: Reply) {
        let handle = match self.loaded_thread(&params.thread_id) {
            Ok(handle) => handle,
            Err(err) => return reply.send::<()>(Err(err)),
        };
        let command = Command::Interrupt {
            turn_id: params.turn_id,
            reply: reply.clone(),
        };
        if let Err(err) = handle.send(command) {
            reply.send::<()>(Err(err));
        }
    }

    fn loaded_thread(&self, thread_id: &str) -> Result<ThreadHandle, RpcError> {
        let id = ThreadId::parse(thread_id).map_err(|err| RpcError::invalid_thread_id(&err))?;
        self.shared
            .thread_handle(id)
            .ok_or_else(|| RpcError::thread_not_found(thread_id))
    }

    /// `thread/unsubscribe`.
    ///
    /// # Errors
    /// `invalid thread id: <err>`.
    pub async fn thread_unsubscribe(
        &self,
        client: ClientId,
        params: ThreadUnsubscribeParams,
    ) -> Result<ThreadUnsubscribeResponse, RpcError> {
        let id =
            ThreadId::parse(&params.thread_id).map_err(|err| RpcError::invalid_thread_id(&err))?;
        let Some(handle) = self.shared.thread_handle(id) else {
            return Ok(ThreadUnsubscribeResponse {
                status: UnsubscribeStatus::NotLoaded,
            });
        };
        let status = handle
            .ask(|reply| Command::Unsubscribe { client, reply })
            .await
            .unwrap_or(UnsubscribeStatus::NotLoaded);
        Ok(ThreadUnsubscribeResponse { status })
    }

    /// `thread/loaded/list`.
    ///
    /// # Errors
    /// `invalid cursor: <cursor>` for a cursor that is not a loaded thread id.
    pub fn thread_loaded_list(
        &self,
        params: &ThreadLoadedListParams,
    ) -> Result<ThreadLoadedListResponse, RpcError> {
        let mut ids: Vec<String> = lock(&self.shared.threads)
            .keys()
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
        let config = &self.shared.config;
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
        let config = &self.shared.config;
        let has_key = self
            .shared
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
        let config = &self.shared.config;
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
