//! The narrow, shared handles a thread actor and its turns hold ([`ThreadServices`]) instead of
//! the whole core: config, model clients, the broadcast set, the store, server-request routes,
//! the running-turn count and the registry of loaded threads. None of them holds an actor, so
//! an actor that stops (idle unload, archive, shutdown) takes its state with it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::watch;
use weft_model::{ModelClient, ModelError};
use weft_protocol::PROTOCOL_VERSION;

use crate::clients::Clients;
use crate::config::CoreConfig;
use crate::persist::Persistence;
use crate::server_requests::ServerRequestRoutes;
use crate::thread::registry::Registry;

/// Who the server is to the model provider: set by the first `initialize`.
#[derive(Debug, Clone)]
pub struct Identity {
    /// `originator` header and `Thread.originator` of new threads.
    pub originator: String,
    /// `user-agent` header and `initialize.userAgent`.
    pub user_agent: String,
}

/// Model clients by provider id, and the identity requests carry.
#[derive(Debug)]
pub(crate) struct Models {
    clients: HashMap<String, Arc<ModelClient>>,
    identity: Mutex<Option<Identity>>,
}

impl Models {
    pub(crate) fn new(clients: HashMap<String, Arc<ModelClient>>) -> Self {
        Self {
            clients,
            identity: Mutex::new(None),
        }
    }

    /// The client of `provider`.
    pub(crate) fn model(&self, provider: &str) -> Result<Arc<ModelClient>, ModelError> {
        self.clients
            .get(provider)
            .cloned()
            .ok_or_else(|| ModelError::Build {
                message: format!("model provider `{provider}` is not configured"),
            })
    }

    /// Whether `provider` is configured.
    pub(crate) fn has(&self, provider: &str) -> bool {
        self.clients.contains_key(provider)
    }

    /// The client of `provider`, if configured.
    pub(crate) fn get(&self, provider: &str) -> Option<&Arc<ModelClient>> {
        self.clients.get(provider)
    }

    /// Stream-layer retries of `provider`.
    pub(crate) fn stream_max_retries(&self, provider: &str) -> u64 {
        self.clients
            .get(provider)
            .map_or(0, |model| u64::from(model.stream_max_retries()))
    }

    /// The identity of the first initialised client, or the reference's default.
    pub(crate) fn identity(&self) -> Identity {
        self.identity
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .unwrap_or_else(|| Identity {
                originator: "codex_cli_rs".to_owned(),
                user_agent: format!("codex_cli_rs/{PROTOCOL_VERSION}"),
            })
    }

    /// Records the first identity; later calls keep it.
    pub(crate) fn set_identity_once(&self, identity: Identity) {
        let mut slot = self.identity.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.is_none() {
            *slot = Some(identity);
        }
    }
}

/// What a thread actor and its turns may use of the process. Cheap to clone (all `Arc`s).
#[derive(Debug, Clone)]
pub(crate) struct ThreadServices {
    /// Settings.
    pub config: Arc<CoreConfig>,
    /// Model clients and identity.
    pub models: Arc<Models>,
    /// Initialised clients, for lifecycle broadcasts (R2).
    pub clients: Arc<Clients>,
    /// Rollout paths and the index.
    pub persistence: Arc<Persistence>,
    /// Server request ids and their owning threads.
    pub server_requests: Arc<ServerRequestRoutes>,
    /// Turns running across all threads; shutdown waits for zero.
    pub running_turns: Arc<watch::Sender<usize>>,
    /// Loaded threads; an actor takes its closing mark and removes itself here.
    pub registry: Arc<Registry>,
    /// Set once shutdown began (R36): requests that would start work are refused, and no
    /// thread starts a goal continuation turn.
    pub draining: Arc<std::sync::atomic::AtomicBool>,
    /// Gives freed heap memory back after large frees (an idle thread's history, an unload).
    pub memory: Arc<crate::MemoryReleaser>,
}

impl ThreadServices {
    /// Whether shutdown has begun.
    pub(crate) fn is_draining(&self) -> bool {
        self.draining.load(std::sync::atomic::Ordering::SeqCst)
    }
}
