//! `weft demo`: one offline turn on the scripted model, driven over the real JSON-RPC
//! connection code (in memory), printed as it streams.

#![allow(
    clippy::print_stdout,
    reason = "printing the demo turn is this command's output"
)]

use std::io::Write;

use anyhow::{Context, bail};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio_util::sync::CancellationToken;

/// Bytes of the in-memory pipe between the demo client and the server.
const PIPE_BYTES: usize = 1 << 20;

/// Runs the demo in a temporary home unless one is given, on the scripted provider.
pub async fn run(
    home: Option<&std::path::Path>,
    overrides: &[String],
    prompt: &str,
) -> anyhow::Result<()> {
    // Without --home the demo's thread goes to a temporary home that is removed at the end.
    let temp = tempfile::Builder::new()
        .prefix("weft-demo-")
        .tempdir()
        .context("cannot create a temporary home")?;
    let home = home.map_or_else(|| temp.path().to_path_buf(), std::path::Path::to_path_buf);
    let mut overrides = overrides.to_vec();
    overrides.push("model_provider=\"scripted\"".to_owned());
    let core = crate::build_core(Some(&home), &overrides)?;
    let (client, server) = tokio::io::duplex(PIPE_BYTES);
    let (server_read, server_write) = tokio::io::split(server);
    let shutdown = CancellationToken::new();
    let serving = tokio::spawn(weft_server::serve(
        core,
        server_read,
        server_write,
        shutdown.clone(),
    ));
    let (client_read, mut client_write) = tokio::io::split(client);
    let mut lines = BufReader::new(client_read).lines();

    let mut send = async |message: Value| -> anyhow::Result<()> {
        let mut line = serde_json::to_vec(&message)?;
        line.push(b'\n');
        client_write
            .write_all(&line)
            .await
            .context("demo pipe closed")
    };
    println!("weft demo — home {}", home.display());
    send(json!({"id": 1, "method": "initialize", "params": {"clientInfo": {"name": "weft-demo", "version": env!("CARGO_PKG_VERSION")}}})).await?;
    send(json!({"method": "initialized"})).await?;
    send(json!({"id": 2, "method": "thread/start", "params": {}})).await?;
    let mut out = std::io::stdout();
    let mut streaming = false;
    while let Some(line) = lines.next_line().await? {
        let message: Value = serde_json::from_str(&line)?;
        let is_delta =
            message.get("method").and_then(Value::as_str) == Some("item/agentMessage/delta");
        if streaming && !is_delta {
            println!();
        }
        streaming = is_delta;
        if let Some(error) = message.get("error") {
            bail!("server error: {error}");
        }
        match (
            message.get("id").and_then(Value::as_i64),
            message.get("method").and_then(Value::as_str),
        ) {
            (Some(1), None) => println!("→ initialize: {}", message["result"]["userAgent"]),
            (Some(2), None) => {
                let thread_id = message["result"]["thread"]["id"].clone();
                println!("→ thread/start: thread {thread_id}");
                println!("> {prompt}");
                send(json!({"id": 3, "method": "turn/start", "params": {"threadId": thread_id, "input": [{"type": "text", "text": prompt}]}})).await?;
            }
            (_, Some("item/agentMessage/delta")) => {
                print!(
                    "{}",
                    message["params"]["delta"].as_str().unwrap_or_default()
                );
                out.flush()?;
            }
            (_, Some("thread/tokenUsage/updated")) => {
                let total = &message["params"]["tokenUsage"]["total"];
                println!(
                    "· tokens: {} in, {} out",
                    total["inputTokens"], total["outputTokens"]
                );
            }
            (_, Some("turn/completed")) => {
                let turn = &message["params"]["turn"];
                println!(
                    "· turn {}: {} in {} ms",
                    turn["id"], turn["status"], turn["durationMs"]
                );
                break;
            }
            (_, Some(method)) => {
                let params = &message["params"];
                let detail = params["item"]["type"]
                    .as_str()
                    .or_else(|| params["status"]["type"].as_str())
                    .unwrap_or_default();
                println!("· {method} {detail}");
            }
            _ => {}
        }
    }
    shutdown.cancel();
    let _ = serving.await;
    Ok(())
}
