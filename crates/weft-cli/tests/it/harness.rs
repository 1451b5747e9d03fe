//! Test harness: a temp home with a config pointing at the mock, the core, connections.

use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::io::{DuplexStream, ReadHalf, WriteHalf};
use tokio_util::sync::CancellationToken;
use weft_core::Core;
use weft_test_support::mock::MockResponses;
use weft_test_support::wire::WireClient;

/// A client connected to the in-process server.
pub(crate) type Client = WireClient<ReadHalf<DuplexStream>, WriteHalf<DuplexStream>>;

/// Bytes buffered in each direction of the in-memory pipe.
const PIPE_BYTES: usize = 1 << 22;

/// A home folder, the mock model, and the core serving them.
pub(crate) struct Harness {
    pub home: TempDir,
    pub mock: MockResponses,
    pub core: Core,
    pub shutdown: CancellationToken,
}

/// The config the reference transcripts ran with, pointed at `base_url`; `provider_keys`
/// (`key = value` lines) add to or replace keys of `[model_providers.mock]`.
pub(crate) fn config_toml(base_url: &str, provider_keys: &str) -> String {
    let mut keys = vec![
        ("name".to_owned(), "\"mock\"".to_owned()),
        ("base_url".to_owned(), format!("\"{base_url}\"")),
        ("wire_api".to_owned(), "\"responses\"".to_owned()),
        ("request_max_retries".to_owned(), "0".to_owned()),
        ("stream_max_retries".to_owned(), "0".to_owned()),
    ];
    for line in provider_keys.lines().filter(|line| !line.trim().is_empty()) {
        let (key, value) = line.split_once('=').expect("key = value");
        let key = key.trim().to_owned();
        keys.retain(|(existing, _)| *existing != key);
        keys.push((key, value.trim().to_owned()));
    }
    let provider: String = keys
        .iter()
        .map(|(key, value)| format!("{key} = {value}\n"))
        .collect();
    format!(
        "model = \"gpt-5.2-codex\"\nmodel_provider = \"mock\"\napproval_policy = \"never\"\n\
         sandbox_mode = \"workspace-write\"\n\n[features]\nplugins = false\n\n\
         [model_providers.mock]\n{provider}"
    )
}

impl Harness {
    /// A fresh home and mock with the default test config.
    pub(crate) async fn start() -> Self {
        Self::start_with("").await
    }

    /// As [`Harness::start`], with a change to the resolved core config.
    pub(crate) async fn start_adjusted(adjust: impl FnOnce(&mut weft_core::CoreConfig)) -> Self {
        let mut harness = Self::start().await;
        harness.core =
            weft_cli::build_core_adjusted(Some(harness.home.path()), &[], adjust).expect("core");
        harness
    }

    /// As [`Harness::start`], with extra keys in `[model_providers.mock]`.
    pub(crate) async fn start_with(extra_provider_keys: &str) -> Self {
        let mock = MockResponses::start().await;
        // Commands return as soon as they exit; the long yield only keeps a slow login shell on
        // a loaded machine from being reported as a still-running session.
        mock.set_run_yield_ms(30_000);
        let home = tempfile::tempdir().expect("temp home");
        std::fs::write(
            home.path().join("config.toml"),
            config_toml(&mock.base_url(), extra_provider_keys),
        )
        .expect("write config");
        let core = weft_cli::build_core(Some(home.path()), &[]).expect("core");
        Self {
            home,
            mock,
            core,
            shutdown: CancellationToken::new(),
        }
    }

    /// As [`Harness::start`], with `top_level` (`key = value` lines) written at the head of
    /// `config.toml`, before its tables.
    pub(crate) async fn start_with_top_level(top_level: &str) -> Self {
        let mut harness = Self::start().await;
        let config = config_toml(&harness.mock.base_url(), "");
        std::fs::write(
            harness.home.path().join("config.toml"),
            format!("{top_level}\n{config}"),
        )
        .expect("write config");
        harness.core = weft_cli::build_core(Some(harness.home.path()), &[]).expect("core");
        harness
    }

    /// A new core on the same home and mock (a server restart).
    pub(crate) fn restart(&mut self) {
        self.restart_adjusted(|_| {});
    }

    /// As [`Harness::restart`], with a change to the resolved core config.
    pub(crate) fn restart_adjusted(&mut self, adjust: impl FnOnce(&mut weft_core::CoreConfig)) {
        self.shutdown.cancel();
        self.shutdown = CancellationToken::new();
        self.core =
            weft_cli::build_core_adjusted(Some(self.home.path()), &[], adjust).expect("core");
    }

    /// A new connection, not initialised.
    pub(crate) fn connect_raw(&self) -> Client {
        let (client, server) = tokio::io::duplex(PIPE_BYTES);
        let (server_read, server_write) = tokio::io::split(server);
        tokio::spawn(weft_server::serve(
            self.core.clone(),
            server_read,
            server_write,
            self.shutdown.clone(),
        ));
        let (client_read, client_write) = tokio::io::split(client);
        WireClient::new(client_read, client_write)
    }

    /// A new, initialised connection.
    pub(crate) async fn connect(&self) -> Client {
        let mut client = self.connect_raw();
        client.initialize("weft-test").await;
        client
    }

    /// A new connection initialised with `capabilities.experimentalApi`, as the Codex TUI and
    /// the Python SDK do: needed for Plan mode (`turn/start.collaborationMode` is experimental).
    pub(crate) async fn connect_experimental(&self) -> Client {
        let mut client = self.connect_raw();
        client
            .call_ok(
                "initialize",
                serde_json::json!({
                    "clientInfo": {"name": "weft-test", "version": "1.0.0"},
                    "capabilities": {"experimentalApi": true},
                }),
            )
            .await;
        client.notify("initialized").await;
        client
    }
}

/// Starts a thread in `cwd` (the home) and returns its id.
pub(crate) async fn start_thread(client: &mut Client, params: Value) -> String {
    let result = client.call_ok("thread/start", params).await;
    result["thread"]["id"]
        .as_str()
        .expect("thread id")
        .to_owned()
}

/// `turn/start` with one text input; returns the turn id.
pub(crate) async fn start_turn(client: &mut Client, thread_id: &str, text: &str) -> String {
    let result = client
        .call_ok(
            "turn/start",
            json!({"threadId": thread_id, "input": [{"type": "text", "text": text}]}),
        )
        .await;
    result["turn"]["id"].as_str().expect("turn id").to_owned()
}

/// Runs a whole turn and returns every message from the `turn/start` response to
/// `turn/completed` (inclusive).
pub(crate) async fn run_turn(client: &mut Client, thread_id: &str, text: &str) -> Vec<Value> {
    let id = client
        .send_request(
            "turn/start",
            json!({"threadId": thread_id, "input": [{"type": "text", "text": text}]}),
        )
        .await;
    let (response, _) = client.response_to(id).await;
    assert!(
        response.get("result").is_some(),
        "turn/start failed: {response}"
    );
    let (completed, mut messages) = client.wait_for("turn/completed").await;
    messages.insert(0, response);
    messages.push(completed);
    messages
}

/// Collapses runs of deltas, for order assertions.
pub(crate) fn collapsed(methods: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for method in methods {
        if method.ends_with("/delta") && out.last() == Some(method) {
            continue;
        }
        out.push(method.clone());
    }
    out
}

/// `item/started:<type>` / `item/completed:<type>` labels for item notifications, the method
/// otherwise.
pub(crate) fn labels(messages: &[Value]) -> Vec<String> {
    let methods = weft_test_support::wire::methods(messages);
    let labelled: Vec<String> = messages
        .iter()
        .zip(methods)
        .map(
            |(message, method)| match message["params"]["item"]["type"].as_str() {
                Some(kind) if method.starts_with("item/") => format!("{method}:{kind}"),
                _ => method,
            },
        )
        .collect();
    collapsed(&labelled)
}
