//! The wiring behind the `weft` binary, as a library so that integration tests build the
//! same core the binary does: config resolution, the app-server entry point, the demo, the
//! schema generator.

pub mod config;
pub mod demo;

use anyhow::Context;
use tokio_util::sync::CancellationToken;
use weft_core::Core;

/// How long a stopping server waits for running turns before interrupting them.
pub const SHUTDOWN_DRAIN: std::time::Duration = std::time::Duration::from_secs(30);

/// Builds the core from the home folder's config.
///
/// # Errors
/// Invalid config or an unopenable store.
pub fn build_core(home: Option<&std::path::Path>, overrides: &[String]) -> anyhow::Result<Core> {
    let home = config::home_dir(home)?;
    let table = config::load_table(&home, overrides)?;
    let resolved = config::resolve(home, &table)?;
    tracing::info!(
        home = %resolved.core.home.display(),
        model = %resolved.core.model,
        provider = %resolved.core.model_provider,
        "weft starting"
    );
    Core::new(resolved.core, resolved.models).context("cannot open the thread store")
}

/// Serves the app-server protocol on the given transport until input ends or a signal.
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
    let core = build_core(home, overrides)?;
    let shutdown = CancellationToken::new();
    let signals = tokio::spawn(wait_for_signal(shutdown.clone()));
    weft_server::serve_stdio(core.clone(), shutdown.clone()).await;
    signals.abort();
    core.drain(SHUTDOWN_DRAIN).await;
    Ok(())
}

async fn wait_for_signal(shutdown: CancellationToken) {
    let mut terminate =
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(err) => {
                tracing::warn!(%err, "cannot listen for SIGTERM");
                return;
            }
        };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
    tracing::info!("signal received; shutting down");
    shutdown.cancel();
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
