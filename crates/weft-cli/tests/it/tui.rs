//! The real Codex TUI (npm `@openai/codex@0.169.0`) under tmux against the real `weft` binary's
//! websocket listener: `codex --remote ws://…` starts, a prompt typed into its composer runs a
//! turn on the mock model, and the streamed reply appears on the screen.
//!
//! The TUI comes from `$WEFT_CODEX_BIN` (default [`DEFAULT_CODEX`], where `.ci/run` installs
//! it) and tmux from `PATH`; without either the test prints `skipped: …` and passes.
//!
//! What the TUI needs to start against a remote server: only an empty `CODEX_HOME` of its own
//! (no login, no `auth.json`, no `config.toml`; it writes its own `[tui]` notes there). It
//! shows no trust or onboarding screen when remote. Two `-c` overrides keep it deterministic:
//! `disable_paste_burst=true` (otherwise an Enter that follows fast typed characters counts as
//! part of a paste and does not submit) and `check_for_update_on_startup=false` (no network).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use weft_test_support::mock::MockResponses;

use crate::harness::config_toml;

/// The TUI used when `$WEFT_CODEX_BIN` is unset: the npm launcher `.ci/run` installs.
const DEFAULT_CODEX: &str = "/tmp/weft-codex-cli/node_modules/.bin/codex";

/// What `codex --version` prints for the reference version.
const CODEX_VERSION: &str = "codex-cli 0.169.0";

/// How to get the TUI, quoted in every `skipped:` line.
const INSTALL_HINT: &str = "install it with `npm install --prefix /tmp/weft-codex-cli \
     @openai/codex@0.169.0` (needs node), or point $WEFT_CODEX_BIN at a codex-cli 0.169.0";

/// What the test types; the mock's default rule answers `Hello from mock. You said: <text>`.
const PROMPT: &str = "hello weft from tmux";

/// The composer's placeholder: shown once the TUI accepts input, and again after a turn.
const READY_MARKER: &str = "Ask Codex to do anything";

/// Bound on each wait on the screen (composer shown, text echoed, reply shown). A TUI gives no
/// signal but its screen, so the test polls `capture-pane` every [`POLL`]; normally each wait
/// ends within 1–3 s, and 60 s leaves room for a cold start on a loaded 2-core CI machine.
const SCREEN_WAIT: Duration = Duration::from_secs(60);

/// Interval between two screen captures while waiting.
const POLL: Duration = Duration::from_millis(100);

/// Bound on every other wait: weft's start and exit, `codex --version`, one tmux command.
const WAIT: Duration = Duration::from_secs(30);

/// The codex launcher to run, or why the test cannot run here.
async fn codex_bin() -> Result<PathBuf, String> {
    let (codex, origin) = match std::env::var_os("WEFT_CODEX_BIN") {
        Some(value) if !value.is_empty() => (PathBuf::from(value), "$WEFT_CODEX_BIN"),
        _ => (PathBuf::from(DEFAULT_CODEX), "the default"),
    };
    if !codex.is_file() {
        return Err(format!(
            "no codex at {} ({origin}); {INSTALL_HINT}",
            codex.display()
        ));
    }
    let probe = Command::new(&codex)
        .arg("--version")
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    match tokio::time::timeout(WAIT, probe).await {
        Ok(Ok(output)) if output.status.success() => {
            let version = String::from_utf8_lossy(&output.stdout).trim().to_owned();
            if version == CODEX_VERSION {
                Ok(codex)
            } else {
                Err(format!(
                    "{} is `{version}`, not `{CODEX_VERSION}`; {INSTALL_HINT}",
                    codex.display()
                ))
            }
        }
        Ok(Ok(output)) => Err(format!(
            "`{} --version` failed ({}): {}",
            codex.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )),
        Ok(Err(error)) => Err(format!(
            "cannot run {}: {error} (the npm launcher needs node on PATH); {INSTALL_HINT}",
            codex.display()
        )),
        Err(_) => Err(format!(
            "`{} --version` did not answer within {WAIT:?}",
            codex.display()
        )),
    }
}

/// Whether tmux runs, or why not.
async fn tmux_available() -> Result<(), String> {
    let probe = Command::new("tmux")
        .arg("-V")
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    match tokio::time::timeout(WAIT, probe).await {
        Ok(Ok(output)) if output.status.success() => Ok(()),
        Ok(Ok(output)) => Err(format!("`tmux -V` failed ({})", output.status)),
        Ok(Err(error)) => Err(format!(
            "cannot run tmux: {error}; install it with `apt-get install tmux`"
        )),
        Err(_) => Err(format!("`tmux -V` did not answer within {WAIT:?}")),
    }
}

/// A tmux server of the test's own (private socket, no user config) running the TUI in one
/// session; dropping it kills the server, which hangs up the TUI.
struct Tmux {
    socket: PathBuf,
    config: PathBuf,
}

/// The one session's name on the private server.
const SESSION: &str = "weft-tui";

impl Tmux {
    /// `tmux -S <socket> -f <config> <args>`.
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new("tmux");
        command
            .arg("-S")
            .arg(&self.socket)
            .arg("-f")
            .arg(&self.config)
            .args(args)
            .stdin(Stdio::null())
            .kill_on_drop(true);
        command
    }

    /// Runs one tmux command and returns its stdout; panics when it fails.
    async fn run(&self, args: &[&str]) -> String {
        let output = tokio::time::timeout(WAIT, self.command(args).output())
            .await
            .unwrap_or_else(|_| panic!("tmux {args:?} still running after {WAIT:?}"))
            .unwrap_or_else(|error| panic!("cannot run tmux {args:?}: {error}"));
        assert!(
            output.status.success(),
            "tmux {args:?} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// The visible screen of the session's pane.
    async fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", SESSION]).await
    }

    /// Whether the TUI has exited (the pane stays, `remain-on-exit` is on).
    async fn dead(&self) -> bool {
        self.run(&["display-message", "-p", "-t", SESSION, "#{pane_dead}"])
            .await
            .trim()
            == "1"
    }

    /// Polls the screen until `done` holds; `Err` carries the last screen when the TUI exits
    /// or [`SCREEN_WAIT`] passes.
    async fn wait_for(&self, done: impl Fn(&str) -> bool) -> Result<String, String> {
        let deadline = tokio::time::Instant::now() + SCREEN_WAIT;
        loop {
            let screen = self.screen().await;
            if done(&screen) {
                return Ok(screen);
            }
            if self.dead().await {
                return Err(format!("the TUI exited; its last screen:\n{screen}"));
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(format!(
                    "not seen within {SCREEN_WAIT:?}; screen:\n{screen}"
                ));
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        // Synchronous on purpose: a drop cannot await, and kill-server returns at once.
        let _ = std::process::Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .arg("kill-server")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// weft's stderr so far, shared with the task that drains it.
type Log = Arc<Mutex<String>>;

fn log_text(log: &Log) -> String {
    log.lock().unwrap_or_else(PoisonError::into_inner).clone()
}

/// Starts `weft app-server --listen ws://127.0.0.1:0` in `workspace` and returns it, the
/// bound address from its info log line, and its stderr (drained by a task until it ends).
async fn start_weft(
    home: &Path,
    workspace: &Path,
) -> (Child, String, Log, tokio::task::JoinHandle<()>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(["app-server", "--listen", "ws://127.0.0.1:0"])
        .current_dir(workspace)
        .env("WEFT_HOME", home)
        .env("RUST_LOG", "info")
        .env_remove("OPENAI_API_KEY")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn weft");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let log: Log = Arc::default();
    let (addr_tx, addr_rx) = tokio::sync::oneshot::channel();
    let drain = tokio::spawn({
        let log = Arc::clone(&log);
        async move {
            let mut addr_tx = Some(addr_tx);
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some((_, rest)) = line.split_once("listening on ws://") {
                    let addr = rest.split_whitespace().next().unwrap_or_default();
                    if let Some(tx) = addr_tx.take() {
                        let _ = tx.send(addr.to_owned());
                    }
                }
                let mut log = log.lock().unwrap_or_else(PoisonError::into_inner);
                log.push_str(&line);
                log.push('\n');
            }
        }
    });
    let addr = tokio::time::timeout(WAIT, addr_rx)
        .await
        .unwrap_or_else(|_| panic!("weft logged no address within {WAIT:?}: {}", log_text(&log)))
        .unwrap_or_else(|_| panic!("weft ended without logging its address: {}", log_text(&log)));
    (child, addr, log, drain)
}

#[tokio::test]
async fn codex_tui_runs_a_turn_against_the_websocket_listener() {
    drive_tui().await;
}

/// The whole test: skips when the TUI or tmux is missing, else runs one turn from the TUI.
#[expect(
    clippy::print_stdout,
    reason = "the skip line and the final screen are the test's report"
)]
async fn drive_tui() {
    let codex = match codex_bin().await {
        Ok(codex) => codex,
        Err(why) => {
            println!("skipped: the TUI test needs the Codex CLI: {why}");
            return;
        }
    };
    if let Err(why) = tmux_available().await {
        println!("skipped: the TUI test needs tmux: {why}");
        return;
    }

    let mock = MockResponses::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let [weft_home, codex_home, workspace] =
        ["weft-home", "codex-home", "workspace"].map(|name| dir.path().join(name));
    for path in [&weft_home, &codex_home, &workspace] {
        std::fs::create_dir(path).expect("create dir");
    }
    std::fs::write(
        weft_home.join("config.toml"),
        config_toml(&mock.base_url(), ""),
    )
    .expect("write config");
    let (mut weft, addr, log, drain) = start_weft(&weft_home, &workspace).await;

    let tmux = Tmux {
        socket: dir.path().join("tmux.sock"),
        config: dir.path().join("tmux.conf"),
    };
    // remain-on-exit keeps a TUI that exits early on screen, so the failure shows why.
    std::fs::write(&tmux.config, "set -g remain-on-exit on\n").expect("write tmux.conf");
    let url = format!("ws://{addr}");
    let codex = codex.display().to_string();
    let workspace_arg = workspace.display().to_string();
    let codex_home_env = format!("CODEX_HOME={}", codex_home.display());
    // The private server is new, so the TUI inherits this command's environment: no API key
    // or base URL of the caller's may reach it, and no outer tmux.
    let mut start = tmux.command(&[
        "new-session",
        "-d",
        "-x",
        "120",
        "-y",
        "40",
        "-s",
        SESSION,
        "-c",
        &workspace_arg,
        "-e",
        &codex_home_env,
        &codex,
        "--remote",
        &url,
        "-c",
        "disable_paste_burst=true",
        "-c",
        "check_for_update_on_startup=false",
    ]);
    for key in [
        "OPENAI_API_KEY",
        "CODEX_API_KEY",
        "OPENAI_BASE_URL",
        "TMUX",
        "TMUX_PANE",
    ] {
        start.env_remove(key);
    }
    let started = tokio::time::timeout(WAIT, start.output())
        .await
        .expect("tmux new-session returns")
        .expect("run tmux new-session");
    assert!(
        started.status.success(),
        "tmux new-session failed: {}",
        String::from_utf8_lossy(&started.stderr)
    );

    let report = |stage: &str, why: String| -> String {
        format!(
            "{stage}: {why}\n--- weft stderr\n{}--- model requests: {}",
            log_text(&log),
            mock.requests().len()
        )
    };
    tmux.wait_for(|screen| screen.contains(READY_MARKER))
        .await
        .unwrap_or_else(|why| panic!("{}", report("the composer never showed", why)));
    tmux.run(&["send-keys", "-t", SESSION, "-l", PROMPT]).await;
    tmux.wait_for(|screen| screen.contains(&format!("› {PROMPT}")))
        .await
        .unwrap_or_else(|why| panic!("{}", report("the typed prompt never showed", why)));
    tmux.run(&["send-keys", "-t", SESSION, "Enter"]).await;
    let reply = format!("Hello from mock. You said: {PROMPT}");
    let screen = tmux
        .wait_for(|screen| screen.contains(&reply))
        .await
        .unwrap_or_else(|why| panic!("{}", report("the reply never showed", why)));
    println!("--- the TUI's screen\n{screen}");

    let requests = mock.requests();
    assert!(
        requests
            .iter()
            .any(|request| request.path == "/v1/responses"
                && request.last_user_text().as_deref() == Some(PROMPT)),
        "the mock got no model request carrying {PROMPT:?}: {requests:#?}"
    );

    // The TUI hangs up first, then weft is asked to stop and must exit cleanly.
    drop(tmux);
    let pid = weft.id().expect("weft still running").to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("run kill");
    assert!(killed.success(), "kill -TERM {pid}");
    let status = tokio::time::timeout(WAIT, weft.wait())
        .await
        .unwrap_or_else(|_| panic!("weft still running {WAIT:?} after SIGTERM"))
        .expect("wait for weft");
    tokio::time::timeout(WAIT, drain)
        .await
        .expect("weft's stderr ends")
        .expect("drain task");
    let stderr = log_text(&log);
    assert!(
        status.success(),
        "weft exits 0 after SIGTERM: {status}\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "weft panicked:\n{stderr}");
}
