//! The wiring behind the `weft` binary, as a library so that integration tests build the
//! same core the binary does: config resolution, the app-server entry point, the demo, the
//! schema generator.

pub mod config;
pub mod demo;

use anyhow::Context;
use tokio_util::sync::CancellationToken;
use weft_core::Core;

/// Builds the core from the home folder's config.
///
/// # Errors
/// Invalid config or an unopenable store.
pub fn build_core(home: Option<&std::path::Path>, overrides: &[String]) -> anyhow::Result<Core> {
    build_core_with_drain(home, overrides, |_| {}).map(|(core, _)| core)
}

/// As [`build_core`], with a last change to the resolved config (tests simulate a kernel
/// without Landlock this way).
///
/// # Errors
/// Invalid config or an unopenable store.
pub fn build_core_adjusted(
    home: Option<&std::path::Path>,
    overrides: &[String],
    adjust: impl FnOnce(&mut weft_core::CoreConfig),
) -> anyhow::Result<Core> {
    build_core_with_drain(home, overrides, adjust).map(|(core, _)| core)
}

/// As [`build_core`], plus the configured drain deadline (`shutdown_drain_secs`).
fn build_core_with_drain(
    home: Option<&std::path::Path>,
    overrides: &[String],
    adjust: impl FnOnce(&mut weft_core::CoreConfig),
) -> anyhow::Result<(Core, std::time::Duration)> {
    let home = config::home_dir(home)?;
    let mut resolved = config::load(home, overrides)?;
    adjust(&mut resolved.core);
    if let weft_sandbox::Support::Unavailable { reason } = &resolved.core.sandbox_support {
        tracing::warn!(%reason, "the sandbox cannot be enforced; sandboxed commands will be refused");
    }
    let drain_for = resolved.shutdown_drain;
    tracing::info!(
        home = %resolved.core.home.display(),
        model = %resolved.core.model,
        provider = %resolved.core.model_provider,
        "weft starting"
    );
    let core = Core::new(resolved.core, resolved.models).context("cannot open the thread store")?;
    Ok((core, drain_for))
}

/// The websocket authentication flags of `app-server`, as given on the command line.
#[derive(Debug, Default, Clone)]
pub struct WsAuthArgs {
    /// `--ws-auth`: `capability-token` or `signed-bearer-token`.
    pub mode: Option<String>,
    /// `--ws-token-file`: absolute path of the capability token.
    pub token_file: Option<std::path::PathBuf>,
    /// `--ws-token-sha256`: hex SHA-256 of the capability token.
    pub token_sha256: Option<String>,
    /// Whether any `signed-bearer-token` flag was given (`--ws-shared-secret-file`,
    /// `--ws-issuer`, `--ws-audience`, `--ws-max-clock-skew-seconds`); weft does not support
    /// that mode yet and refuses rather than ignore them.
    pub signed_bearer_flags: bool,
}

impl WsAuthArgs {
    /// The checked authentication setting.
    ///
    /// # Errors
    /// An unknown or unsupported mode, a missing or unusable token.
    pub fn resolve(&self) -> anyhow::Result<weft_server::WsAuth> {
        use weft_server::{TokenDigest, WsAuth};
        match self.mode.as_deref() {
            None => {
                if self.signed_bearer_flags {
                    anyhow::bail!(
                        "--ws-shared-secret-file and the other signed-bearer flags need --ws-auth signed-bearer-token"
                    );
                }
                if self.token_file.is_some() || self.token_sha256.is_some() {
                    anyhow::bail!(
                        "--ws-token-file and --ws-token-sha256 need --ws-auth capability-token"
                    );
                }
                Ok(WsAuth::Open)
            }
            Some("capability-token") if self.signed_bearer_flags => anyhow::bail!(
                "--ws-shared-secret-file, --ws-issuer, --ws-audience and --ws-max-clock-skew-seconds belong to --ws-auth signed-bearer-token"
            ),
            Some("capability-token") => {
                let digest = match (&self.token_file, &self.token_sha256) {
                    (Some(path), None) => TokenDigest::from_token_file(path)?,
                    (None, Some(hex)) => TokenDigest::from_hex(hex)?,
                    _ => anyhow::bail!(
                        "--ws-auth capability-token needs exactly one of --ws-token-file or --ws-token-sha256"
                    ),
                };
                Ok(WsAuth::CapabilityToken(digest))
            }
            Some("signed-bearer-token") => {
                anyhow::bail!(
                    "--ws-auth signed-bearer-token is not supported yet by weft; use capability-token"
                )
            }
            Some(other) => anyhow::bail!(
                "unknown --ws-auth mode `{other}`; expected `capability-token` or `signed-bearer-token`"
            ),
        }
    }
}

/// Serves the app-server protocol on the given transport until input ends or a signal.
///
/// Shutdown drains (lifecycle.md R36): on SIGTERM/SIGINT the connections keep being served,
/// requests that would start work get `Server is draining; retry after reconnecting`, and
/// running turns finish; after `shutdown_drain_secs` (or a second signal) they are interrupted
/// and recorded. Then the connections close (websockets with a close frame) and weft exits 0.
/// Stdin EOF drains the same way; a websocket listener only ends on a signal.
///
/// # Errors
/// A bad `--listen` value, bad websocket auth flags (also: a non-loopback websocket address
/// without auth), config, store or transport set-up failures.
pub async fn app_server(
    home: Option<&std::path::Path>,
    overrides: &[String],
    listen: &str,
    ws_auth: &WsAuthArgs,
) -> anyhow::Result<()> {
    let listen: weft_server::Listen = listen.parse()?;
    let ws = match listen {
        weft_server::Listen::Stdio => None,
        weft_server::Listen::Ws(addr) => Some((addr, ws_auth.resolve()?)),
        weft_server::Listen::Unix(_) => {
            anyhow::bail!("--listen unix:// is not supported yet by weft")
        }
        weft_server::Listen::Off => anyhow::bail!("--listen off is not supported yet by weft"),
    };
    let (core, drain_for) = build_core_with_drain(home, overrides, |_| {})?;
    let shutdown = CancellationToken::new();
    let serving = match ws {
        None => tokio::spawn(weft_server::serve_stdio(core.clone(), shutdown.clone())),
        Some((addr, auth)) => {
            let listener = weft_server::WsListener::bind(addr, auth).await?;
            let bound = listener
                .local_addr()
                .context("websocket listener address")?;
            tracing::info!(%bound, "listening on ws://{bound}");
            tokio::spawn(listener.serve(core.clone(), shutdown.clone()))
        }
    };
    run_until_shutdown(&core, drain_for, serving, &shutdown).await;
    Ok(())
}

/// Waits for the transport to end or a signal, drains, then stops the transport.
async fn run_until_shutdown(
    core: &Core,
    drain_for: std::time::Duration,
    mut serving: tokio::task::JoinHandle<()>,
    shutdown: &CancellationToken,
) {
    let mut signals = Signals::new();
    tokio::select! {
        _ = &mut serving => {
            core.begin_drain();
            core.drain(drain_for).await;
            core.terminate_processes().await;
        }
        () = signals.next() => {
            tracing::info!("signal received; draining");
            core.begin_drain();
            tokio::select! {
                () = core.drain(drain_for) => {}
                () = signals.next() => {
                    tracing::info!("second signal; interrupting running turns");
                    core.drain(std::time::Duration::ZERO).await;
                }
            }
            shutdown.cancel();
            let _ = serving.await;
            core.terminate_processes().await;
        }
    }
}

/// SIGTERM and SIGINT as one stream; without signal support it never fires.
struct Signals {
    terminate: Option<tokio::signal::unix::Signal>,
    interrupt: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    fn new() -> Self {
        use tokio::signal::unix::{SignalKind, signal};
        let listen = |kind| match signal(kind) {
            Ok(stream) => Some(stream),
            Err(err) => {
                tracing::warn!(%err, "cannot listen for a signal");
                None
            }
        };
        Self {
            terminate: listen(SignalKind::terminate()),
            interrupt: listen(SignalKind::interrupt()),
        }
    }

    async fn next(&mut self) {
        let terminate = async {
            match self.terminate.as_mut() {
                Some(stream) => {
                    stream.recv().await;
                }
                None => std::future::pending().await,
            }
        };
        let interrupt = async {
            match self.interrupt.as_mut() {
                Some(stream) => {
                    stream.recv().await;
                }
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = terminate => {}
            () = interrupt => {}
        }
    }
}

/// Writes weft's JSON Schema files into `out`.
///
/// # Errors
/// IO failures.
pub fn write_schema(out: &std::path::Path) -> anyhow::Result<()> {
    for (path, schema) in
        weft_protocol::schema::generate(weft_protocol::schema::SchemaOptions::default())
    {
        let target = out.join(&path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let text = serde_json::to_string_pretty(&schema)?;
        std::fs::write(&target, text + "\n")
            .with_context(|| format!("cannot write {}", target.display()))?;
    }
    Ok(())
}
