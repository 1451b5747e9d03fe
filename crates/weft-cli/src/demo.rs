//! `weft demo`: the whole tool loop, offline. The built-in scripted model drives three turns
//! through the real JSON-RPC connection code (an in-memory pipe), in a fresh workspace folder
//! with `approvalPolicy: "untrusted"` and `sandbox: "workspace-write"`: a command the client is
//! asked to approve (the demo answers `accept`, as a UI would), a patch that adds a file, and a
//! plain text answer. Every message from the server is printed as one line as it arrives; text
//! and command output stream inline.
//!
//! The demo is a client like any other: it only sees the wire. When the kernel cannot enforce
//! the sandbox the command comes back failed with `sandbox unavailable: …`, and the demo says so
//! and goes on.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde_json::{Value, json};
use tokio::io::{
    AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream, Lines, ReadHalf, WriteHalf,
};
use tokio_util::sync::CancellationToken;

/// The demo's bounds.
mod limits {
    use std::time::Duration;

    /// Bytes of the in-memory pipe between the demo client and the server: far more than one
    /// scripted turn sends, so the server never waits on the demo's printing.
    pub(super) const PIPE_BYTES: usize = 1 << 20;

    /// How long the demo waits for the server's next message. Scripted replies take
    /// milliseconds and the demo's command is an `echo`; a silence this long means something
    /// hangs, and the demo says so instead of hanging too.
    pub(super) const MESSAGE_WAIT: std::time::Duration = Duration::from_secs(30);

    /// How long the demo waits for the server task to end after it asked it to stop (no turn is
    /// running by then, so the server has nothing to drain).
    pub(super) const SERVER_STOP_WAIT: Duration = Duration::from_secs(5);

    /// Characters of a payload or text printed before it is cut with `…`: one terminal line,
    /// so that every notification stays one line.
    pub(super) const PAYLOAD_CHARS_MAX: usize = 100;

    /// Lines of a turn diff printed before the rest is summarised: the demo's diff has seven,
    /// and a screenful is what a reader takes in at a glance.
    pub(super) const DIFF_LINES_MAX: usize = 20;
}

/// The command the scripted model runs in the first turn (`RUN:` marker).
const COMMAND_PROMPT: &str = "RUN: echo hello from weft && pwd";

/// The file the scripted model adds in the second turn (`PATCH:` marker).
const PATCH_FILE: &str = "hello.txt";

/// The answer every approval request gets, as a UI would send it when the user clicks "allow".
const ACCEPT: &str = "accept";

/// The answer to a retry outside the sandbox: a demo has no business running unconfined.
const DECLINE: &str = "decline";

/// What the tool outputs of a refused sandboxed command start with (weft-core's text).
const SANDBOX_UNAVAILABLE: &str = "sandbox unavailable";

/// Runs the demo and prints it on stdout: in a temporary home and workspace, both removed at the
/// end, unless `home` is given; then the workspace is a new `demo-workspace-*` folder inside
/// that home and both are kept.
///
/// # Errors
/// The home or workspace cannot be created, the config is invalid, the server answers a request
/// with an error or stops answering.
pub async fn run(home: Option<&Path>, overrides: &[String], prompt: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout();
    run_into(&mut stdout, home, overrides, prompt).await
}

/// [`run`], printing into `out` instead of stdout (tests read what a user would see).
///
/// # Errors
/// As [`run`], plus failures to write into `out`.
pub async fn run_into<W: Write>(
    out: &mut W,
    home: Option<&Path>,
    overrides: &[String],
    prompt: &str,
) -> anyhow::Result<()> {
    let places = Places::prepare(home)?;
    let mut overrides = overrides.to_vec();
    overrides.push("model_provider=\"scripted\"".to_owned());
    let core = crate::build_core(Some(&places.home), &overrides)?;
    let (client_end, server_end) = tokio::io::duplex(limits::PIPE_BYTES);
    let (server_read, server_write) = tokio::io::split(server_end);
    let shutdown = CancellationToken::new();
    let serving = tokio::spawn(weft_server::serve(
        core,
        server_read,
        server_write,
        shutdown.clone(),
    ));
    let mut client = DemoClient::new(client_end, Printer::new(out));
    places.introduce(&mut client.printer)?;
    let result = client.walk(&places, prompt).await;
    shutdown.cancel();
    drop(client.writer);
    // The walk's result is what matters; a server that does not stop in time is left behind.
    let _ = tokio::time::timeout(limits::SERVER_STOP_WAIT, serving).await;
    result?;
    places.farewell(out)?;
    Ok(())
}

/// Where the demo's thread keeps its rollout (`home`) and runs its tools (`workspace`).
struct Places {
    home: PathBuf,
    workspace: PathBuf,
    /// The temporary folder holding both when nothing is kept; removed when dropped.
    temp: Option<tempfile::TempDir>,
}

impl Places {
    fn prepare(home: Option<&Path>) -> anyhow::Result<Self> {
        let Some(home) = home else {
            let temp = tempfile::Builder::new()
                .prefix("weft-demo-")
                .tempdir()
                .context("cannot create a temporary folder")?;
            let root = std::fs::canonicalize(temp.path())?;
            let (home, workspace) = (root.join("home"), root.join("workspace"));
            std::fs::create_dir(&home).context("cannot create the demo's home")?;
            std::fs::create_dir(&workspace).context("cannot create the demo's workspace")?;
            return Ok(Self {
                home,
                workspace,
                temp: Some(temp),
            });
        };
        std::fs::create_dir_all(home)
            .with_context(|| format!("cannot create {}", home.display()))?;
        let workspace = tempfile::Builder::new()
            .prefix("demo-workspace-")
            .tempdir_in(home)
            .context("cannot create the demo's workspace")?
            .keep();
        Ok(Self {
            home: home.to_path_buf(),
            workspace: std::fs::canonicalize(workspace)?,
            temp: None,
        })
    }

    fn kept(&self) -> bool {
        self.temp.is_none()
    }

    fn introduce<W: Write>(&self, printer: &mut Printer<'_, W>) -> std::io::Result<()> {
        let fate = if self.kept() {
            "kept"
        } else {
            "removed at the end; pass --home <dir> to keep it"
        };
        printer.line("weft demo — offline, on the built-in scripted model")?;
        printer.line(&format!("  home       {} ({fate})", self.home.display()))?;
        printer.line(&format!("  workspace  {}", self.workspace.display()))?;
        printer.line(
            "  legend     → response   · notification   ? server request   ← the demo's answer",
        )
    }

    fn farewell<W: Write>(self, out: &mut W) -> std::io::Result<()> {
        let workspace = self.workspace.display().to_string();
        drop(self.temp);
        if self.workspace.exists() {
            writeln!(out, "✓ demo finished; the workspace is kept at {workspace}")
        } else {
            writeln!(
                out,
                "✓ demo finished; the temporary home and workspace are removed"
            )
        }
    }
}

/// What [`DemoClient::pump`] reads up to.
#[derive(Debug, Clone, Copy)]
enum Until<'a> {
    /// The response to the request with this id and method.
    Response(i64, &'a str),
    /// The first notification with this method.
    Notification(&'a str),
}

/// What one turn showed, for the lines the demo prints after it.
#[derive(Debug, Default)]
struct TurnRecord {
    /// `completed`, `interrupted` or `failed`.
    status: String,
    /// The completed `commandExecution` items.
    commands: Vec<Value>,
    /// The completed `fileChange` items.
    file_changes: Vec<Value>,
}

/// The demo's end of the connection: sends requests, answers server requests, prints.
struct DemoClient<'out, W: Write> {
    lines: Lines<BufReader<ReadHalf<DuplexStream>>>,
    writer: WriteHalf<DuplexStream>,
    printer: Printer<'out, W>,
    next_id: i64,
}

impl<'out, W: Write> DemoClient<'out, W> {
    fn new(pipe: DuplexStream, printer: Printer<'out, W>) -> Self {
        let (read, writer) = tokio::io::split(pipe);
        Self {
            lines: BufReader::new(read).lines(),
            writer,
            printer,
            next_id: 1,
        }
    }

    /// Handshake, thread, then the three turns with what each one showed.
    async fn walk(&mut self, places: &Places, prompt: &str) -> anyhow::Result<()> {
        let client_info = json!({"name": "weft-demo", "version": env!("CARGO_PKG_VERSION")});
        let init = self
            .request("initialize", json!({"clientInfo": client_info}))
            .await?;
        self.printer
            .line(&format!("→ initialize: {}", init["userAgent"]))?;
        self.send(json!({"method": "initialized"})).await?;
        let cwd = places.workspace.display().to_string();
        let params =
            json!({"cwd": cwd, "approvalPolicy": "untrusted", "sandbox": "workspace-write"});
        let thread = self.request("thread/start", params).await?;
        let thread_id = thread["thread"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        self.printer.line(&format!(
            "→ thread/start: thread {thread_id} (approvalPolicy untrusted, sandbox workspace-write)"
        ))?;
        self.pump(
            Until::Notification("thread/started"),
            &mut TurnRecord::default(),
        )
        .await?;

        self.printer
            .section("1/3 the model runs a command; the client approves it")?;
        let record = self.turn(&thread_id, COMMAND_PROMPT).await?;
        self.explain_command(&record)?;

        self.printer
            .section("2/3 the model applies a patch that adds a file")?;
        let record = self
            .turn(&thread_id, &format!("PATCH: {PATCH_FILE}"))
            .await?;
        self.explain_patch(&record, &places.workspace)?;

        self.printer.section("3/3 a plain answer")?;
        self.turn(&thread_id, prompt).await?;
        Ok(())
    }

    /// Runs one turn to `turn/completed`, printing everything on the way.
    async fn turn(&mut self, thread_id: &str, text: &str) -> anyhow::Result<TurnRecord> {
        self.printer.line(&format!("> {text}"))?;
        let params = json!({"threadId": thread_id, "input": [{"type": "text", "text": text}]});
        let id = self.send_request("turn/start", params).await?;
        let mut record = TurnRecord::default();
        let result = self
            .pump(Until::Response(id, "turn/start"), &mut record)
            .await?;
        let turn_id = result["turn"]["id"].as_str().unwrap_or_default();
        self.printer
            .line(&format!("→ turn/start: turn {turn_id}"))?;
        self.pump(Until::Notification("turn/completed"), &mut record)
            .await?;
        Ok(record)
    }

    /// Reads, prints and answers what the server sends until `until` arrives; returns the
    /// awaited response's `result` or notification's `params`.
    async fn pump(&mut self, until: Until<'_>, record: &mut TurnRecord) -> anyhow::Result<Value> {
        loop {
            let mut message = self.next_message().await?;
            match (
                message.get("id"),
                message.get("method").and_then(Value::as_str),
            ) {
                (Some(_), Some(method)) => self.answer(method, &message).await?,
                (Some(answered), None) => {
                    if let Until::Response(id, method) = until
                        && *answered == json!(id)
                    {
                        return response_result(message, method);
                    }
                    self.printer.line(&format!("→ {}", shorten(&message)))?;
                }
                (None, Some(method)) => {
                    let params = message.get("params").unwrap_or(&Value::Null);
                    self.printer.notification(method, params)?;
                    record.note(method, params);
                    if matches!(until, Until::Notification(awaited) if awaited == method) {
                        return Ok(message["params"].take());
                    }
                }
                (None, None) => self
                    .printer
                    .line(&format!("· unexpected {}", shorten(&message)))?,
            }
        }
    }

    /// Answers a server request: approvals get `accept`, except a retry outside the sandbox
    /// (the demo never runs a command unconfined); anything else gets an error.
    async fn answer(&mut self, method: &str, request: &Value) -> anyhow::Result<()> {
        let params = request.get("params").unwrap_or(&Value::Null);
        self.printer
            .server_request(method, &request["id"], params)?;
        let (reply, why) = if !method.ends_with("/requestApproval") {
            let message = format!("weft demo does not handle {method}");
            let error = json!({"code": -32601, "message": message});
            (json!({"id": request["id"], "error": error}), String::new())
        } else if params.get("approvalId").is_some_and(|id| !id.is_null()) {
            let decision = json!({"decision": DECLINE});
            let why = "the demo does not run commands outside the sandbox".to_owned();
            (json!({"id": request["id"], "result": decision}), why)
        } else {
            let decision = json!({"decision": ACCEPT});
            let why = "the demo approves, as a UI would when its user clicks \"allow\"".to_owned();
            (json!({"id": request["id"], "result": decision}), why)
        };
        let shown = reply.get("result").or_else(|| reply.get("error"));
        let shown = shown.map_or_else(String::new, Value::to_string);
        self.printer
            .line(format!("← {shown}: {why}").trim_end_matches([':', ' ']))?;
        self.send(reply).await
    }

    /// Says what the command turn showed: the exit code, or why the command could not run.
    fn explain_command(&mut self, record: &TurnRecord) -> std::io::Result<()> {
        let Some(command) = record.commands.last() else {
            return self
                .printer
                .line("! the model's command never completed (no commandExecution item)");
        };
        let output = command["aggregatedOutput"].as_str().unwrap_or_default();
        if output.starts_with(SANDBOX_UNAVAILABLE) {
            self.printer
                .line(&format!("! the command did not run: {}", output.trim_end()))?;
            return self.printer.line(
                "  sandbox \"workspace-write\" needs Landlock in the running kernel; without it weft \
                 refuses sandboxed commands, and the demo declines running them unconfined. \
                 The demo goes on.",
            );
        }
        self.printer.line(&format!(
            "✓ the command ran: {}, exit code {}",
            command["status"].as_str().unwrap_or("?"),
            command["exitCode"]
        ))
    }

    /// Says what the patch turn left in the workspace.
    fn explain_patch(&mut self, record: &TurnRecord, workspace: &Path) -> std::io::Result<()> {
        let path = workspace.join(PATCH_FILE);
        match std::fs::read_to_string(&path) {
            Ok(content) => self.printer.line(&format!(
                "✓ {} exists in the workspace, containing {content:?}",
                path.display()
            )),
            Err(err) => {
                let status = record
                    .file_changes
                    .last()
                    .map_or("missing", |change| change["status"].as_str().unwrap_or("?"));
                self.printer.line(&format!(
                    "! {} was not created ({err}); the fileChange item is {status}, turn {}",
                    path.display(),
                    record.status
                ))
            }
        }
    }

    /// Sends a request and waits for its result, printing what arrives meanwhile.
    async fn request(&mut self, method: &str, params: Value) -> anyhow::Result<Value> {
        let id = self.send_request(method, params).await?;
        self.pump(Until::Response(id, method), &mut TurnRecord::default())
            .await
    }

    async fn send_request(&mut self, method: &str, params: Value) -> anyhow::Result<i64> {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"id": id, "method": method, "params": params}))
            .await?;
        Ok(id)
    }

    async fn send(&mut self, message: Value) -> anyhow::Result<()> {
        let mut line = serde_json::to_vec(&message)?;
        line.push(b'\n');
        self.writer
            .write_all(&line)
            .await
            .context("the server closed the demo's connection")
    }

    async fn next_message(&mut self) -> anyhow::Result<Value> {
        let waited = tokio::time::timeout(limits::MESSAGE_WAIT, self.lines.next_line()).await;
        let Ok(line) = waited else {
            bail!(
                "the server sent nothing for {:?}; giving up",
                limits::MESSAGE_WAIT
            );
        };
        let Some(line) = line? else {
            bail!("the server closed the demo's connection");
        };
        Ok(serde_json::from_str(&line)?)
    }
}

impl TurnRecord {
    fn note(&mut self, method: &str, params: &Value) {
        match (method, params["item"]["type"].as_str()) {
            ("item/completed", Some("commandExecution")) => {
                self.commands.push(params["item"].clone());
            }
            ("item/completed", Some("fileChange")) => {
                self.file_changes.push(params["item"].clone());
            }
            ("turn/completed", _) => {
                self.status = params["turn"]["status"].as_str().unwrap_or("?").to_owned();
            }
            _ => {}
        }
    }
}

/// The `result` of a response, or the server's error as this demo's error.
fn response_result(mut message: Value, method: &str) -> anyhow::Result<Value> {
    if let Some(error) = message.get("error") {
        bail!("the server answered {method} with an error: {error}");
    }
    Ok(message["result"].take())
}

/// Which inline stream is open: deltas are printed as they arrive, under a prefix per line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stream {
    /// `item/agentMessage/delta`: the model's text.
    Agent,
    /// `item/commandExecution/outputDelta`: what the command writes.
    Command,
}

impl Stream {
    fn prefix(self) -> &'static str {
        match self {
            Self::Agent => "  » ",
            Self::Command => "  │ ",
        }
    }
}

/// Prints the demo: one line per message, deltas inline, long payloads shortened.
struct Printer<'out, W: Write> {
    out: &'out mut W,
    stream: Option<Stream>,
    at_line_start: bool,
    last_diff: String,
}

impl<'out, W: Write> Printer<'out, W> {
    fn new(out: &'out mut W) -> Self {
        Self {
            out,
            stream: None,
            at_line_start: true,
            last_diff: String::new(),
        }
    }

    fn line(&mut self, text: &str) -> std::io::Result<()> {
        self.end_stream()?;
        writeln!(self.out, "{text}")
    }

    fn section(&mut self, title: &str) -> std::io::Result<()> {
        self.end_stream()?;
        writeln!(self.out)?;
        writeln!(self.out, "── {title} ──")
    }

    fn end_stream(&mut self) -> std::io::Result<()> {
        if self.stream.take().is_some() && !self.at_line_start {
            writeln!(self.out)?;
        }
        self.at_line_start = true;
        Ok(())
    }

    fn stream(&mut self, kind: Stream, delta: &str) -> std::io::Result<()> {
        if self.stream != Some(kind) {
            self.end_stream()?;
            self.stream = Some(kind);
        }
        for piece in delta.split_inclusive('\n') {
            if self.at_line_start {
                write!(self.out, "{}", kind.prefix())?;
            }
            write!(self.out, "{piece}")?;
            self.at_line_start = piece.ends_with('\n');
        }
        self.out.flush()
    }

    fn notification(&mut self, method: &str, params: &Value) -> std::io::Result<()> {
        let delta = params["delta"].as_str().unwrap_or_default();
        match method {
            "item/agentMessage/delta" => self.stream(Stream::Agent, delta),
            "item/commandExecution/outputDelta" => self.stream(Stream::Command, delta),
            "turn/diff/updated" => self.diff(params["diff"].as_str().unwrap_or_default()),
            _ => self.line(&format!("· {method}{}", describe(method, params))),
        }
    }

    /// A turn diff in full the first time it changes, as one line while it stays the same.
    fn diff(&mut self, diff: &str) -> std::io::Result<()> {
        if diff == self.last_diff {
            return self.line("· turn/diff/updated (unchanged)");
        }
        diff.clone_into(&mut self.last_diff);
        let lines: Vec<&str> = diff.lines().collect();
        self.line(&format!("· turn/diff/updated: {} lines", lines.len()))?;
        for line in lines.iter().take(limits::DIFF_LINES_MAX) {
            self.line(&format!("  ┊ {}", shorten_text(line)))?;
        }
        if let Some(more) = lines.len().checked_sub(limits::DIFF_LINES_MAX)
            && more > 0
        {
            self.line(&format!("  ┊ … {more} more lines"))?;
        }
        Ok(())
    }

    fn server_request(&mut self, method: &str, id: &Value, params: &Value) -> std::io::Result<()> {
        let question = match method {
            "item/commandExecution/requestApproval" => format!(
                "may the model run `{}` in {}?{}",
                params["command"].as_str().unwrap_or("?"),
                params["cwd"].as_str().unwrap_or("?"),
                params["reason"]
                    .as_str()
                    .map_or(String::new(), |reason| format!(" ({reason})"))
            ),
            "item/fileChange/requestApproval" => format!(
                "may the model apply the patch of item {}?",
                params["itemId"].as_str().unwrap_or("?")
            ),
            _ => shorten(params),
        };
        self.line(&format!("? {method} (request {id}): {question}"))
    }
}

/// The one-line detail printed after a notification's method.
fn describe(method: &str, params: &Value) -> String {
    match method {
        "item/started" | "item/completed" => {
            describe_item(method == "item/completed", &params["item"])
        }
        "thread/started" => format!(" {}", text(&params["thread"]["id"])),
        "turn/started" => format!(" {}", text(&params["turn"]["id"])),
        "thread/status/changed" => {
            let status = &params["status"];
            let flags: Vec<&str> = status["activeFlags"]
                .as_array()
                .map(|flags| flags.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let flags = if flags.is_empty() {
                String::new()
            } else {
                format!(" [{}]", flags.join(", "))
            };
            format!(" {}{flags}", text(&status["type"]))
        }
        "thread/tokenUsage/updated" => {
            let total = &params["tokenUsage"]["total"];
            format!(
                ": {} in, {} out so far",
                total["inputTokens"], total["outputTokens"]
            )
        }
        "serverRequest/resolved" => format!(": request {} answered", params["requestId"]),
        "turn/completed" => {
            let turn = &params["turn"];
            let error = turn["error"]["message"]
                .as_str()
                .map_or(String::new(), |message| {
                    format!(" ({})", shorten_text(message))
                });
            format!(
                ": {} in {} ms{error}",
                text(&turn["status"]),
                turn["durationMs"]
            )
        }
        _ => {
            let mut params = params.clone();
            if let Some(fields) = params.as_object_mut() {
                fields.remove("threadId");
                fields.remove("turnId");
            }
            format!(" {}", shorten(&params))
        }
    }
}

/// An item in a few words: its type, then what a reader wants to know about it.
fn describe_item(completed: bool, item: &Value) -> String {
    let kind = text(&item["type"]);
    let detail = match kind {
        "userMessage" => {
            let texts: Vec<&str> = item["content"]
                .as_array()
                .map(|parts| {
                    parts
                        .iter()
                        .filter_map(|part| part["text"].as_str())
                        .collect()
                })
                .unwrap_or_default();
            format!(": {}", shorten_text(&texts.join(" ")))
        }
        "commandExecution" if completed => format!(
            ": {}, exit code {}, {} ms",
            text(&item["status"]),
            item["exitCode"],
            item["durationMs"]
        ),
        "commandExecution" => format!(": {}", shorten_text(text(&item["command"]))),
        "fileChange" => {
            let changes: Vec<String> = item["changes"]
                .as_array()
                .map(|changes| changes.iter().map(describe_change).collect())
                .unwrap_or_default();
            format!(": {} — {}", text(&item["status"]), changes.join(", "))
        }
        _ => String::new(),
    };
    format!(" {kind}{detail}")
}

/// One file of a `fileChange` item: `add /path (1 line)`.
fn describe_change(change: &Value) -> String {
    let lines = change["diff"]
        .as_str()
        .map_or(0, |diff| diff.lines().count());
    let unit = if lines == 1 { "line" } else { "lines" };
    format!(
        "{} {} ({lines} {unit})",
        text(&change["kind"]["type"]),
        text(&change["path"])
    )
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or("?")
}

/// Compact JSON, cut to [`limits::PAYLOAD_CHARS_MAX`] characters.
fn shorten(value: &Value) -> String {
    shorten_text(&value.to_string())
}

/// `text` on one line, cut to [`limits::PAYLOAD_CHARS_MAX`] characters with `…`.
fn shorten_text(text: &str) -> String {
    let one_line = text.replace('\n', "⏎");
    if one_line.chars().count() <= limits::PAYLOAD_CHARS_MAX {
        return one_line;
    }
    let mut cut: String = one_line
        .chars()
        .take(limits::PAYLOAD_CHARS_MAX - 1)
        .collect();
    cut.push('…');
    cut
}
