//! The `weft` binary: flags, config, logging, wiring, exit codes.
//!
//! `weft app-server` serves JSON-RPC on stdio (the default transport, like `codex
//! app-server`) or on a websocket listener (`--listen ws://IP:PORT`); `weft demo` walks through the tool loop offline on the built-in scripted model
//! (an approved command, a patch, an answer) and prints it as it streams.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// How long the runtime waits for blocking tasks (the stdin reader) at exit.
const RUNTIME_SHUTDOWN_WAIT: std::time::Duration = std::time::Duration::from_millis(200);
use weft_cli::{WsAuthArgs, app_server, demo, write_schema};

#[derive(Parser)]
#[command(
    name = "weft",
    version,
    about = "An app-server for coding-agent conversations, speaking the Codex app-server protocol"
)]
struct Cli {
    /// Home folder (default: $WEFT_HOME, else $CODEX_HOME, else ~/.weft).
    #[arg(long, global = true)]
    home: Option<PathBuf>,
    /// Override a config.toml key, e.g. `-c model=gpt-5.2-codex` (repeatable).
    #[arg(short = 'c', long = "config", global = true, value_name = "KEY=VALUE")]
    overrides: Vec<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the app-server protocol (stdio by default).
    AppServer(AppServerArgs),
    /// Walk through the tool loop offline on the scripted model (an approved command, a patch,
    /// an answer) and print it as it streams.
    Demo {
        /// The prompt of the last, plain turn.
        #[arg(default_value = "show me what a turn looks like")]
        prompt: String,
    },
}

#[derive(clap::Args)]
struct AppServerArgs {
    /// Transport: `stdio://` (default) or `ws://IP:PORT` (websocket; port 0 picks one, logged
    /// at info level).
    #[arg(long, default_value = "stdio://")]
    listen: String,
    /// Websocket authentication: `capability-token` (`signed-bearer-token` is not supported
    /// yet). Required for non-loopback `ws://` addresses.
    #[arg(long, value_name = "MODE")]
    ws_auth: Option<String>,
    /// Absolute path of the file holding the capability token.
    #[arg(long, value_name = "PATH")]
    ws_token_file: Option<PathBuf>,
    /// SHA-256 (hex) of the capability token, instead of `--ws-token-file`.
    #[arg(long, value_name = "HEX")]
    ws_token_sha256: Option<String>,
    /// `signed-bearer-token` secret file (accepted for compatibility; that mode is refused).
    #[arg(long, value_name = "PATH")]
    ws_shared_secret_file: Option<PathBuf>,
    /// `signed-bearer-token` expected issuer (accepted for compatibility).
    #[arg(long, value_name = "ISSUER")]
    ws_issuer: Option<String>,
    /// `signed-bearer-token` expected audience (accepted for compatibility).
    #[arg(long, value_name = "AUDIENCE")]
    ws_audience: Option<String>,
    /// `signed-bearer-token` clock skew allowance (accepted for compatibility).
    #[arg(long, value_name = "SECONDS")]
    ws_max_clock_skew_seconds: Option<u64>,
    #[command(subcommand)]
    command: Option<AppServerCommand>,
}

#[derive(Subcommand)]
enum AppServerCommand {
    /// Write the JSON Schema of weft's protocol types into a folder.
    GenerateJsonSchema {
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
    },
}

fn main() -> ExitCode {
    // Before any other thread exists: the allocator's arenas are set per process.
    weft_memory::configure();
    let cli = Cli::parse();
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            tracing::error!(%err, "cannot start the async runtime");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(run(cli));
    // The blocking thread that reads stdin may still sit in read(2) when a signal ended the
    // server; do not wait for it.
    runtime.shutdown_timeout(RUNTIME_SHUTDOWN_WAIT);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("{err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Some(Command::Demo { prompt }) => {
            demo::run(cli.home.as_deref(), &cli.overrides, &prompt).await
        }
        Some(Command::AppServer(AppServerArgs {
            command: Some(AppServerCommand::GenerateJsonSchema { out }),
            ..
        })) => write_schema(&out),
        Some(Command::AppServer(args)) => {
            let ws_auth = WsAuthArgs {
                mode: args.ws_auth,
                token_file: args.ws_token_file,
                token_sha256: args.ws_token_sha256,
                signed_bearer_flags: args.ws_shared_secret_file.is_some()
                    || args.ws_issuer.is_some()
                    || args.ws_audience.is_some()
                    || args.ws_max_clock_skew_seconds.is_some(),
            };
            app_server(cli.home.as_deref(), &cli.overrides, &args.listen, &ws_auth).await
        }
        None => {
            app_server(
                cli.home.as_deref(),
                &cli.overrides,
                "stdio://",
                &WsAuthArgs::default(),
            )
            .await
        }
    }
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("RUST_LOG").unwrap_or_else(|_| EnvFilter::new("warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("LOG_FORMAT").is_ok_and(|format| format == "json") {
        builder.json().init();
    } else {
        builder.init();
    }
}
