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
    let table = config::load_table(&home, overrides)?;
    let mut resolved = config::resolve(home, &table)?;
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

/// Serves the app-server protocol on the given transport until input ends or a signal.
///
/// Shutdown drains (lifecycle.md R36): on SIGTERM/SIGINT the connection keeps being served,
/// requests that would start work get `Server is draining; retry after reconnecting`, and
/// running turns finish; after `shutdown_drain_secs` (or a second signal) they are interrupted
/// and recorded. Then the connection closes and weft exits 0. Stdin EOF drains the same way.
///
/// # Errors
/// Config, store or transport set-up failures.
pub async fn app_server(
    home: Option<&std::path::Path>,
    overrides: &[String],
    listen: &str,
) -> anyhow::Result<()> {
    if listen != "stdio://" {
        anyhow::bail!(
            "unsupported --listen URL `{listen}`; expected `stdio://` (websocket and unix sockets come later)"
        );
    }
    let (core, drain_for) = build_core_with_drain(home, overrides, |_| {})?;
    let shutdown = CancellationToken::new();
    let mut serving = tokio::spawn(weft_server::serve_stdio(core.clone(), shutdown.clone()));
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
    Ok(())
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
