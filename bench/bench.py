#!/usr/bin/env python3
"""Benchmark harness: weft vs the reference Codex app-server (codex-cli 0.169.0).

One command (Python 3.11, standard library only):

    python3 bench/bench.py [--weft PATH] [--reference PATH] [--quick]

For each server present (weft: ``target/release/weft``; reference: the binary installed by
``bench/install-reference.sh``) it drives ``<bin> app-server`` over newline-delimited JSON-RPC on
stdio, each scenario in a fresh temporary home whose ``config.toml`` points provider ``mock`` at a
loopback Responses-API mock (``bench/mock_responses.py``), and measures:

* process start -> ``initialize`` response (median of N spawns);
* ``thread/start`` latency (median);
* per-turn server overhead: ``turn/start`` sent -> ``turn/completed`` received, minus the time the
  mock spent serving that turn's model requests (median of turns 1-20, and of turns 81-100);
* RSS (VmRSS summed over the server and its descendants) idle after initialize and after 100 turns;
* ``thread/list`` first page with 2,000 / 20,000 / 50,000 generated rollouts on disk, first call
  after start (may include index building) and the second (warm) call;
* cold ``thread/resume`` of a generated thread with 10,000 items on a freshly started server
  (fresh home), and again after a restart on the same home;
* the tool path (``tools``): overhead of a ``RUN: true`` turn (the mock asks for ``exec_command``)
  over a text turn, under ``workspace-write`` and ``danger-full-access``, next to the bare spawn of
  ``/bin/bash -lc true`` from Python; and the server's RSS while a command prints 1 GiB.

It prints one table (weft, reference, ratio reference/weft), stores raw results in
``bench/results/<server>[-quick].json`` and (full runs) refreshes the generated section of
``BENCHMARKS.md``. A server not run this time is shown from its stored results, marked "stored".
"""

from __future__ import annotations

import argparse
import atexit
import datetime as dt
import json
import os
import platform
import random
import re
import select
import shutil
import socket
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid

from ws_client import WsConnection, WsError
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
BENCHMARKS_MD = ROOT / "BENCHMARKS.md"
MOCK_SCRIPT = BENCH / "mock_responses.py"
BEGIN_MARK = "<!-- BEGIN bench.py results (generated; do not edit by hand) -->"
END_MARK = "<!-- END bench.py results -->"

CLIENT_INFO = {"name": "weft-bench", "version": "1.0.0"}
MODEL = "gpt-5.2-codex"
CLI_VERSION = "0.169.0"

# tools scenario (issue 12)
TOOL_MODES = (("workspace-write", "ww"), ("danger-full-access", "dfa"))
BIG_COMMAND = "head -c 1073741824 /dev/zero | tr '\\0' a"  # 1 GiB of 'a' on stdout, no newline
BIG_COMMS = ("head", "tr")  # the processes of BIG_COMMAND, told apart from the server's own by name
BIG_SAMPLE_S = 0.05
BIG_TIMEOUT_S = 120.0
BIG_RUNS = 3  # the peak depends on how far the client's reading falls behind the command: take a median

# --------------------------------------------------------------------------------------------
# cleanup: every process we start and every temp dir we make is registered here

_LIVE: set[subprocess.Popen] = set()
_TEMPS: list[Path] = []
_KEEP_TEMPS = False


def _kill_group(p: subprocess.Popen, grace: float = 2.0) -> None:
    if p.poll() is not None:
        return
    try:
        os.killpg(p.pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        p.wait(grace)
        return
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        p.wait(5)
    except subprocess.TimeoutExpired:
        pass


def _cleanup() -> None:
    for p in list(_LIVE):
        _kill_group(p, 1.0)
        _LIVE.discard(p)
    if not _KEEP_TEMPS:
        for d in _TEMPS:
            shutil.rmtree(d, ignore_errors=True)
    _TEMPS.clear()


def _on_signal(signum, _frame):
    raise SystemExit(128 + signum)


atexit.register(_cleanup)
for _s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(_s, _on_signal)


def mktemp(prefix: str) -> Path:
    d = Path(tempfile.mkdtemp(prefix=f"weft-bench-{prefix}-"))
    _TEMPS.append(d)
    return d


def rmtemp(d: Path) -> None:
    if _KEEP_TEMPS:
        return
    shutil.rmtree(d, ignore_errors=True)
    if d in _TEMPS:
        _TEMPS.remove(d)


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class BenchError(Exception):
    pass


class Timeout(BenchError):
    pass


class RpcError(BenchError):
    def __init__(self, method: str, error: dict):
        super().__init__(f"{method}: error {error.get('code')}: {error.get('message')}")
        self.error = error


# --------------------------------------------------------------------------------------------
# the mock model


class Mock:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(MOCK_SCRIPT), "--port", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        _LIVE.add(self.proc)
        deadline = time.monotonic() + 15
        buf = b""
        while b"\n" not in buf:
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                raise BenchError("mock did not start")
            r, _, _ = select.select([self.proc.stdout], [], [], left)
            if r:
                buf += os.read(self.proc.stdout.fileno(), 256)
        m = re.search(rb"MOCK_PORT=(\d+)", buf)
        if not m:
            raise BenchError(f"mock printed {buf!r}")
        self.port = int(m.group(1))
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self.cursor = 0

    def stats(self) -> list[dict]:
        """Requests recorded since the previous call."""
        url = f"http://127.0.0.1:{self.port}/_stats?since={self.cursor}"
        with urllib.request.urlopen(url, timeout=10) as r:
            d = json.load(r)
        self.cursor = d["next"]
        return d["requests"]

    def stop(self) -> None:
        _kill_group(self.proc, 1.0)
        _LIVE.discard(self.proc)


# --------------------------------------------------------------------------------------------
# servers


class ServerSpec:
    def __init__(self, name: str, binary: Path):
        self.name = name
        self.binary = binary
        self.version = self._version()

    def _version(self) -> str:
        try:
            out = subprocess.run([str(self.binary), "--version"], capture_output=True, text=True, timeout=30)
            return (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr) else "?"
        except (OSError, subprocess.TimeoutExpired, IndexError):
            return "?"

    def argv(self) -> list[str]:
        return [str(self.binary), "app-server"]

    def env(self, home: Path) -> dict:
        env = dict(os.environ)
        for k in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "CODEX_API_KEY", "RUST_LOG"):
            env.pop(k, None)
        env["CODEX_HOME"] = str(home)
        if self.name == "weft":
            env["WEFT_HOME"] = str(home)
        else:
            env["CODEX_MANAGED_BY_NPM"] = "1"  # what the npm wrapper sets before exec
        env.setdefault("TERM", "xterm")
        return env


def config_toml(base_url: str, reference: bool, sandbox: str = "workspace-write", top_level: str = "") -> str:
    # Same keys for both servers (weft reads codex's config keys). The [features] table is what the
    # reference transcripts were recorded with; weft is expected to accept (or ignore) it.
    # `top_level` adds keys before the first table (e.g. `thread_unload_delay_secs = 0`).
    return f"""# written by bench/bench.py
model = "{MODEL}"
model_provider = "mock"
approval_policy = "never"
sandbox_mode = "{sandbox}"
{top_level}

[model_providers.mock]
name = "mock"
base_url = "{base_url}"
wire_api = "responses"
request_max_retries = 0
stream_max_retries = 0

[features]
plugins = false
remote_plugin = false
apps = false
memories = false
"""


def make_home(parent: Path, spec: ServerSpec, mock: Mock, sandbox: str = "workspace-write",
              top_level: str = "") -> Path:
    home = parent / "home"
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(config_toml(mock.base_url, spec.name != "weft", sandbox, top_level))
    return home


def proc_tree(root_pid: int) -> list[int]:
    """root_pid and all its descendants (by ppid), plus anything left in its session."""
    parents: dict[int, int] = {}
    sessions: dict[int, int] = {}
    for ent in os.listdir("/proc"):
        if not ent.isdigit():
            continue
        try:
            with open(f"/proc/{ent}/stat", "rb") as f:
                s = f.read().decode(errors="replace")
        except OSError:
            continue
        rest = s[s.rfind(")") + 2:].split()
        # fields after comm: state ppid pgrp session ...
        parents[int(ent)] = int(rest[1])
        sessions[int(ent)] = int(rest[3])
    out = {root_pid}
    changed = True
    while changed:
        changed = False
        for pid, ppid in parents.items():
            if ppid in out and pid not in out:
                out.add(pid)
                changed = True
    out |= {pid for pid, sid in sessions.items() if sid == root_pid}
    return sorted(p for p in out if p in parents)


def descendants(root_pid: int) -> list[int]:
    """root_pid's descendants, from /proc/<pid>/task/<tid>/children (cheap enough to poll every
    50 ms); falls back to a full /proc scan (proc_tree) when the kernel lacks that file."""
    out, todo = [], [root_pid]
    while todo:
        pid = todo.pop()
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tids:
            try:
                with open(f"/proc/{pid}/task/{tid}/children") as f:
                    kids = [int(x) for x in f.read().split()]
            except FileNotFoundError:
                if pid == root_pid and not os.path.exists(f"/proc/{pid}/task/{tid}/children"):
                    return [p for p in proc_tree(root_pid) if p != root_pid]
                kids = []
            except OSError:
                kids = []
            out.extend(kids)
            todo.extend(kids)
    return out


def proc_comm(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return ""


def vm_kb(pid: int, key: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class RpcServer:
    """One app-server process spoken to over stdio."""

    def __init__(self, spec: ServerSpec, home: Path, cwd: Path, log_path: Path, env_extra: dict | None = None,
                 args_extra: list[str] | None = None):
        self.spec = spec
        self.log_file = open(log_path, "ab")
        self._cond = threading.Condition()
        self.responses: dict = {}
        self.notes: list[tuple[float, dict]] = []
        self.server_requests: list[dict] = []
        self.bad_lines = 0
        self.eof = False
        self._next_id = 1
        self.t_spawn = time.monotonic()
        self.proc = subprocess.Popen(
            spec.argv() + (args_extra or []), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log_file,
            env={**spec.env(home), **(env_extra or {})}, cwd=str(cwd), start_new_session=True,
        )
        _LIVE.add(self.proc)
        self._reader = threading.Thread(target=self._read, daemon=True, name=f"read-{spec.name}")
        self._reader.start()

    # -- io ------------------------------------------------------------------------------------
    def _read(self) -> None:
        f = self.proc.stdout
        while True:
            try:
                line = f.readline()
            except (OSError, ValueError):
                line = b""
            t = time.monotonic()
            if not line:
                with self._cond:
                    self.eof = True
                    self._cond.notify_all()
                return
            try:
                msg = json.loads(line)
            except ValueError:
                with self._cond:
                    self.bad_lines += 1
                continue
            if not isinstance(msg, dict):
                self.bad_lines += 1
                continue
            if "method" in msg and "id" in msg:
                self.server_requests.append(msg)
                self._answer_server_request(msg)
                continue
            with self._cond:
                if "method" in msg:
                    self.notes.append((t, msg))
                elif "id" in msg:
                    self.responses[msg["id"]] = (t, msg)
                else:
                    self.bad_lines += 1
                self._cond.notify_all()

    def _answer_server_request(self, msg: dict) -> None:
        method = msg.get("method", "")
        if "requestApproval" in method or method in ("execCommandApproval", "applyPatchApproval"):
            reply = {"id": msg["id"], "result": {"decision": "accept"}}
        else:
            reply = {"id": msg["id"], "error": {"code": -32601, "message": "not supported by bench client"}}
        try:
            self.send(reply)
        except BenchError:
            pass

    def send(self, obj: dict) -> float:
        data = json.dumps(obj, separators=(",", ":")).encode() + b"\n"
        t = time.monotonic()
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError) as e:
            raise BenchError(f"{self.spec.name}: cannot write to server stdin: {e}") from e
        return t

    def request(self, method: str, params, timeout: float) -> tuple[dict, float, float]:
        """Send a request; return (result, t_sent, t_received). Raises on error/timeout/EOF."""
        rid = self._next_id
        self._next_id += 1
        msg = {"id": rid, "method": method}
        if params is not None:
            msg["params"] = params
        t0 = self.send(msg)
        deadline = t0 + timeout
        with self._cond:
            while rid not in self.responses:
                left = deadline - time.monotonic()
                if self.eof:
                    raise BenchError(f"{self.spec.name}: server exited (rc={self.proc.poll()}) during {method}")
                if left <= 0:
                    raise Timeout(f"{self.spec.name}: no response to {method} within {timeout:.0f}s")
                self._cond.wait(min(left, 1.0))
            t1, resp = self.responses.pop(rid)
        if "error" in resp:
            raise RpcError(method, resp["error"])
        return resp.get("result"), t0, t1

    def wait_note(self, pred, start: int, timeout: float, what: str) -> tuple[int, float, dict]:
        """Wait for a notification matching pred at index >= start; return (index, t, msg)."""
        deadline = time.monotonic() + timeout
        i = start
        with self._cond:
            while True:
                while i < len(self.notes):
                    t, msg = self.notes[i]
                    if pred(msg):
                        return i, t, msg
                    i += 1
                if self.eof:
                    raise BenchError(f"{self.spec.name}: server exited (rc={self.proc.poll()}) waiting for {what}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Timeout(f"{self.spec.name}: no {what} within {timeout:.0f}s")
                self._cond.wait(min(left, 1.0))

    def note_count(self) -> int:
        with self._cond:
            return len(self.notes)

    def initialize(self, timeout: float = 60) -> float:
        """initialize + initialized; return the time the response arrived."""
        _, _, t1 = self.request("initialize", {"clientInfo": CLIENT_INFO, "capabilities": {"experimentalApi": True}},
                                timeout)
        self.send({"method": "initialized"})
        return t1

    # -- resources -------------------------------------------------------------------------------
    def rss_kb(self) -> tuple[int, int, int]:
        """(sum VmRSS kB over the tree, sum VmHWM kB, number of processes)."""
        pids = proc_tree(self.proc.pid)
        return sum(vm_kb(p, "VmRSS") for p in pids), sum(vm_kb(p, "VmHWM") for p in pids), len(pids)

    def stderr_tail(self, n: int = 600) -> str:
        """The last n characters the server wrote to stderr (its log), for notes on failures."""
        try:
            self.log_file.flush()
            with open(self.log_file.name, "rb") as f:
                f.seek(0, os.SEEK_END)
                f.seek(max(f.tell() - n, 0))
                return re.sub(r"\x1b\[[0-9;]*m", "", f.read().decode(errors="replace"))
        except (OSError, ValueError):
            return ""

    def close(self) -> None:
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(0.5)
        except subprocess.TimeoutExpired:
            pass
        _kill_group(self.proc, 3.0)
        _LIVE.discard(self.proc)
        try:
            self.proc.stdout.close()
        except OSError:
            pass
        self.log_file.close()


# --------------------------------------------------------------------------------------------
# rollout generation (reference format, codex-cli 0.169.0; see shared/spec/core.md §5)


def uuid7(ms: int, rnd: random.Random) -> str:
    v = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | rnd.getrandbits(12) << 64 | 0b10 << 62 | rnd.getrandbits(62)
    return str(uuid.UUID(int=v))


def rfc3339(ms: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}Z"


def _filler(n: int, seed: str) -> str:
    words = ("agent", "workspace", "sandbox", "command", "patch", "review", "tests", "context", "tool",
             "approval", "history", "model", "output", "repository", "files", "careful", "concise")
    r = random.Random(seed)
    out, size = [], 0
    while size < n:
        w = r.choice(words)
        out.append(w)
        size += len(w) + 1
    return " ".join(out)


BASE_INSTRUCTIONS = "Benchmark base instructions (generated filler). " + _filler(20_000, "base")
PERMISSIONS_TEXT = "<permissions instructions>\n" + _filler(3_000, "perm") + "\n</permissions instructions>"
SKILLS_TEXT = "<skills_instructions>\n" + _filler(1_500, "skills") + "\n</skills_instructions>"

TOKEN_USAGE = {"input_tokens": 100, "cached_input_tokens": 0, "cache_write_input_tokens": 0,
               "output_tokens": 10, "reasoning_output_tokens": 0, "total_tokens": 110}


def _usage_times(k: int) -> dict:
    return {key: v * k for key, v in TOKEN_USAGE.items()}


class RolloutWriter:
    """Writes one paginated rollout file line by line, with contiguous ordinals."""

    def __init__(self, path: Path):
        self.f = open(path, "w", encoding="utf-8")
        self.ordinal = 0

    def line(self, ms: int, kind: str, payload: dict) -> None:
        self.f.write(json.dumps({"timestamp": rfc3339(ms), "ordinal": self.ordinal, "type": kind, "payload": payload},
                                separators=(",", ":"), ensure_ascii=False))
        self.f.write("\n")
        self.ordinal += 1

    def close(self) -> None:
        self.f.close()


def rollout_path(sessions: Path, created_ms: int, thread_id: str) -> Path:
    lt = time.localtime(created_ms // 1000)  # the reference names files in local time
    d = sessions / time.strftime("%Y/%m/%d", lt)
    d.mkdir(parents=True, exist_ok=True)
    return d / f"rollout-{time.strftime('%Y-%m-%dT%H-%M-%S', lt)}-{thread_id}.jsonl"


def _permission_profile(cwd: str) -> dict:
    return {"type": "managed", "file_system": {"type": "restricted", "entries": [
        {"path": {"type": "special", "value": {"kind": "root"}}, "access": "read"},
        {"path": {"type": "path", "path": cwd}, "access": "write"},
        {"path": {"type": "special", "value": {"kind": "slash_tmp"}}, "access": "write"},
        {"path": {"type": "special", "value": {"kind": "tmpdir"}}, "access": "write"}]}, "network": "restricted"}


def write_thread(sessions: Path, created_ms: int, cwd: str, user_texts: list[str], rnd: random.Random,
                 with_context: bool = True) -> tuple[str, Path]:
    """One thread with len(user_texts) completed text turns (user message + agent message each)."""
    tid = uuid7(created_ms, rnd)
    path = rollout_path(sessions, created_ms, tid)
    w = RolloutWriter(path)
    ms = created_ms
    w.line(ms, "session_meta", {
        "account_scoped": True, "session_id": tid, "id": tid, "timestamp": rfc3339(ms), "cwd": cwd,
        "runtime_workspace_roots": [cwd], "originator": CLIENT_INFO["name"], "cli_version": CLI_VERSION,
        "source": "vscode", "model_provider": "mock",
        "base_instructions": {"text": BASE_INSTRUCTIONS, "provenance": {"type": "model", "model": MODEL}},
        "history_mode": "paginated", "context_window": {"window_id": uuid7(ms, rnd)}})
    profile = _permission_profile(cwd)
    sandbox = {"type": "workspace-write", "network_access": False, "exclude_tmpdir_env_var": False,
               "exclude_slash_tmp": False}
    for n, text in enumerate(user_texts):
        ms += 1000
        turn_id = uuid7(ms, rnd)
        started = ms // 1000
        w.line(ms, "event_msg", {
            "type": "task_started",
            "turn_attribution": {"turn_id": turn_id, "turn_trigger": None, "parent_turn_id": None,
                                 "initiating_agent_path": None, "root_turn_id": turn_id},
            "turn_id": turn_id, "root_turn_id": turn_id, "started_at": started, "model_context_window": 258400,
            "collaboration_mode_kind": "default"})
        meta = {"turn_id": turn_id, "create_time": ms / 1000}
        if n == 0 and with_context:
            w.line(ms, "response_item", {"type": "message", "id": "msg_" + uuid7(ms, rnd), "role": "developer",
                                         "content": [{"type": "input_text", "text": PERMISSIONS_TEXT},
                                                     {"type": "input_text", "text": SKILLS_TEXT}],
                                         "internal_chat_message_metadata_passthrough": meta})
            env = (f"<environment_context>\n  <cwd>{cwd}</cwd>\n  <shell>bash</shell>\n  <current_date>"
                   f"{time.strftime('%Y-%m-%d', time.gmtime(started))}</current_date>\n  <timezone>Etc/UTC"
                   f"</timezone>\n</environment_context>")
            w.line(ms, "response_item", {"type": "message", "id": "msg_" + uuid7(ms, rnd), "role": "user",
                                         "content": [{"type": "input_text", "text": env}],
                                         "internal_chat_message_metadata_passthrough": meta})
            w.line(ms, "world_state", {"full": True, "state": {
                "agents_md": {}, "apps_instructions": False,
                "collaboration_mode": {"mode": "default", "model": MODEL, "instructions": "0" * 40},
                "context_window_guidance": "",
                "environments": {"environments": {"local": {"cwd": cwd, "status": "available", "shell": "bash"}},
                                 "current_date": time.strftime('%Y-%m-%d', time.gmtime(started)),
                                 "timezone": "Etc/UTC", "filesystem": _filler(800, "fs")},
                "model": MODEL, "permissions": {"instructions": "1" * 40, "approved_command_prefixes": []},
                "realtime": {"active": False}, "skills": {"includeInstructions": True}}})
        w.line(ms, "turn_context", {
            "turn_id": turn_id, "root_turn_id": turn_id, "disabled_plugin_ids": [], "cwd": cwd,
            "approval_policy": "never", "approvals_reviewer": "user", "permission_profile": profile, "model": MODEL,
            "collaboration_mode": {"mode": "default", "settings": {"model": MODEL, "reasoning_effort": None,
                                                                   "developer_instructions": None}},
            "multi_agent_version": "v1", "realtime_active": False, "summary": "none", "sandbox_policy": sandbox})
        if n == 0:
            w.line(ms, "event_msg", {"type": "thread_settings_applied", "thread_id": tid, "thread_settings": {
                "model": MODEL, "model_provider_id": "mock", "approval_policy": "never", "approvals_reviewer": "user",
                "requested_approvals_reviewer": "user", "permission_profile": profile, "cwd": cwd,
                "runtime_workspace_roots": [cwd], "disabled_plugin_ids": []}})
        w.line(ms, "response_item", {"type": "message", "id": "msg_" + uuid7(ms, rnd), "role": "user",
                                     "content": [{"type": "input_text", "text": text}],
                                     "internal_chat_message_metadata_passthrough": meta})
        w.line(ms, "event_msg", {"type": "item_completed", "thread_id": tid, "turn_id": turn_id,
                                 "item": {"type": "UserMessage", "id": uuid7(ms, rnd),
                                          "content": [{"type": "text", "text": text, "text_elements": []}]},
                                 "started_at_ms": ms, "completed_at_ms": ms})
        ms2 = ms + 40
        reply = "Hello from mock. You said: " + text
        msg_id = f"msg_{2 * n + 2}"
        w.line(ms2, "event_msg", {"type": "item_completed", "thread_id": tid, "turn_id": turn_id,
                                  "item": {"type": "AgentMessage", "id": msg_id,
                                           "content": [{"type": "Text", "text": reply}]},
                                  "started_at_ms": ms2 - 5, "completed_at_ms": ms2})
        w.line(ms2, "response_item", {"type": "message", "status": "completed", "id": msg_id, "role": "assistant",
                                      "content": [{"type": "output_text", "text": reply, "annotations": []}],
                                      "internal_chat_message_metadata_passthrough": {"turn_id": turn_id}})
        w.line(ms2, "token_usage_record", {"thread_id": tid, "turn_id": turn_id, "session_id": tid,
                                           "root_turn_id": turn_id, "response_id": f"resp_{2 * n + 1}",
                                           "usage": TOKEN_USAGE, "turn_token_usage": TOKEN_USAGE,
                                           "thread_token_usage": _usage_times(n + 1)})
        w.line(ms2, "event_msg", {"type": "token_count", "info": {
            "total_token_usage": _usage_times(n + 1), "last_token_usage": TOKEN_USAGE,
            "last_usage_includes_reasoning": False, "model_context_window": 258400}, "rate_limits": None})
        w.line(ms2 + 2, "event_msg", {"type": "task_complete", "root_turn_id": turn_id, "turn_id": turn_id,
                                      "last_agent_message": reply, "started_at": started,
                                      "completed_at": (ms2 + 2) // 1000, "duration_ms": ms2 + 2 - ms,
                                      "time_to_first_token_ms": 35})
        ms = ms2
    w.close()
    return tid, path


def generate_list_corpus(root: Path, n: int, cwds: list[str]) -> list[dict]:
    """n one-turn threads spread over the last ~365 days, oldest first."""
    rnd = random.Random(1234)
    sessions = root / "sessions"
    now_ms = int(time.time() * 1000) - 3_600_000
    span_ms = 365 * 86_400_000
    step = span_ms // max(n, 1)
    out = []
    t0 = time.monotonic()
    for i in range(n):
        created = now_ms - span_ms + i * step + rnd.randrange(0, max(step // 2, 1))
        cwd = cwds[i % len(cwds)]
        text = f"Benchmark thread {i}: please look at module_{i % 97}.rs and explain what it does"
        tid, path = write_thread(sessions, created, cwd, [text], rnd)
        out.append({"id": tid, "created_ms": created, "rel": str(path.relative_to(root))})
        if (i + 1) % 10_000 == 0:
            log(f"  generated {i + 1}/{n} rollouts ({time.monotonic() - t0:.0f}s)")
    return out


def link_subset(corpus_root: Path, corpus: list[dict], n: int, home: Path) -> list[dict]:
    """Hard-link an evenly spread subset of n threads of the corpus into home/sessions."""
    if n >= len(corpus):
        picked = list(corpus)
    else:
        picked = [corpus[(i * len(corpus)) // n] for i in range(n)]
    for t in picked:
        dst = home / t["rel"]
        dst.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(corpus_root / t["rel"], dst)
        except OSError:
            shutil.copy2(corpus_root / t["rel"], dst)
    return picked


# --------------------------------------------------------------------------------------------
# measurements


def med(xs: list[float]):
    return statistics.median(xs) if xs else None


def summary(xs: list[float]) -> dict:
    if not xs:
        return {}
    s = sorted(xs)
    return {"median": med(s), "min": s[0], "max": s[-1], "mean": statistics.fmean(s), "n": len(s)}


class Run:
    """All measurements for one server."""

    def __init__(self, spec: ServerSpec, mock: Mock, cfg: dict, corpora: dict):
        self.spec = spec
        self.mock = mock
        self.cfg = cfg
        self.corpora = corpora
        self.metrics: dict[str, dict] = {}
        self.notes: list[str] = []
        self.current = ""
        self.logdir = mktemp(f"{spec.name}-logs")
        self.servers: list[tuple[str, str, RpcServer]] = []

    def note(self, text: str) -> None:
        self.notes.append(f"[{self.current}] {text}")

    def put(self, key: str, label: str, unit: str, value, **extra) -> None:
        self.metrics[key] = {"label": label, "unit": unit, "value": value, "scenario": self.current,
                             "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                             "load": loadavg(), **extra}
        shown = "-" if value is None else (f"{value:.1f}" if isinstance(value, float) else value)
        log(f"  {self.spec.name}: {label}: {shown} {unit}")

    def fail(self, keys_labels: list[tuple[str, str, str]], err: Exception) -> None:
        for key, label, unit in keys_labels:
            if key not in self.metrics:
                self.metrics[key] = {"label": label, "unit": unit, "value": None, "error": str(err),
                                     "scenario": self.current}
        self.note(str(err))
        log(f"  {self.spec.name}: FAILED: {err}")

    def spawn(self, home: Path, cwd: Path, tag: str, env_extra: dict | None = None,
              args_extra: list[str] | None = None) -> RpcServer:
        srv = RpcServer(self.spec, home, cwd, self.logdir / f"{tag}.stderr.log", env_extra, args_extra)
        self.servers.append((self.current, tag, srv))
        return srv

    # -- 1. startup -------------------------------------------------------------------------------
    def startup(self) -> None:
        n = self.cfg["startup_runs"]
        key, label = "startup_ms", f"process start → initialize response (median of {n})"
        tmp = mktemp(f"{self.spec.name}-startup")
        try:
            home = make_home(tmp, self.spec, self.mock)
            work = tmp / "work"
            work.mkdir()
            samples = []
            for i in range(n):
                srv = self.spawn(home, work, f"startup-{i}")
                try:
                    t1 = srv.initialize(timeout=60)
                    samples.append((t1 - srv.t_spawn) * 1000)
                finally:
                    srv.close()
            self.put(key, label, "ms", med(samples), samples=samples, first_empty_home_ms=samples[0],
                     stats=summary(samples))
        except BenchError as e:
            self.fail([(key, label, "ms")], e)
        finally:
            rmtemp(tmp)

    # -- 2-4. thread/start, turns, RSS ----------------------------------------------------------
    def session(self) -> None:
        n_starts = self.cfg["thread_starts"]
        n_turns = self.cfg["turns"]
        w1 = self.cfg["turn_window"]
        w2 = self.cfg["late_window"]
        keys = [
            ("rss_idle_mb", "RSS after initialize (idle)", "MiB"),
            ("thread_start_ms", f"thread/start latency (median of {n_starts})", "ms"),
            ("turn_overhead_ms", f"turn overhead, turns {w1[0]}–{w1[1]} (median; wall − mock)", "ms"),
        ]
        if w2:
            keys.append(("turn_overhead_late_ms", f"turn overhead, turns {w2[0]}–{w2[1]} (median)", "ms"))
        keys.append((f"rss_after_{n_turns}_turns_mb", f"RSS after {n_turns} turns", "MiB"))
        tmp = mktemp(f"{self.spec.name}-session")
        srv = None
        try:
            home = make_home(tmp, self.spec, self.mock)
            work = tmp / "work"
            work.mkdir()
            srv = self.spawn(home, work, "session")
            srv.initialize()
            time.sleep(1.0)  # let start-up background work settle before sampling RSS
            rss, _, nproc = srv.rss_kb()
            self.put("rss_idle_mb", keys[0][1], "MiB", rss / 1024, processes=nproc)

            starts, thread_ids = [], []
            for _ in range(n_starts):
                res, t0, t1 = srv.request("thread/start", {"cwd": str(work)}, timeout=60)
                starts.append((t1 - t0) * 1000)
                thread_ids.append(res["thread"]["id"])
            self.put("thread_start_ms", keys[1][1], "ms", med(starts), samples=starts, first_ms=starts[0],
                     stats=summary(starts))

            tid = thread_ids[0]
            self.mock.stats()  # reset the cursor
            overheads, walls, mocks, bad = [], [], [], []
            for i in range(1, n_turns + 1):
                text = f"benchmark turn {i}"
                start_idx = srv.note_count()
                res, t_send, _ = srv.request("turn/start", {
                    "threadId": tid, "input": [{"type": "text", "text": text, "text_elements": []}]}, timeout=60)
                turn_id = res["turn"]["id"]
                _, t_done, note = srv.wait_note(
                    lambda m: m.get("method") == "turn/completed"
                    and (m.get("params") or {}).get("turn", {}).get("id") == turn_id,
                    start_idx, timeout=120, what=f"turn/completed of turn {i}")
                reqs = [r for r in self.mock.stats() if r.get("method") == "POST"]
                in_window = [r for r in reqs if r["t_body"] >= t_send - 0.001 and r["t_end"] <= t_done + 0.001]
                mock_s = sum(r["mock_s"] for r in in_window)
                wall = (t_done - t_send) * 1000
                walls.append(wall)
                mocks.append(mock_s * 1000)
                overheads.append(wall - mock_s * 1000)
                turn = note["params"]["turn"]
                texts = [it.get("text") for it in turn.get("items") or [] if it.get("type") == "agentMessage"]
                expected = "Hello from mock. You said: " + text
                if turn.get("status") != "completed" or len(in_window) != 1 or (texts and texts[-1] != expected):
                    bad.append({"turn": i, "status": turn.get("status"), "model_requests": len(in_window),
                                "text": texts[-1] if texts else None, "error": turn.get("error")})
            a, b = w1
            self.put("turn_overhead_ms", keys[2][1], "ms", med(overheads[a - 1:b]),
                     samples=overheads[a - 1:b], wall_ms=walls[a - 1:b], mock_ms=mocks[a - 1:b],
                     first_turn_ms=overheads[0], stats=summary(overheads[a - 1:b]))
            if w2:
                a2, b2 = w2
                self.put("turn_overhead_late_ms", keys[3][1], "ms", med(overheads[a2 - 1:b2]),
                         samples=overheads[a2 - 1:b2], stats=summary(overheads[a2 - 1:b2]))
            if bad:
                self.note(f"{len(bad)} of {n_turns} turns did not complete as expected; first: {bad[0]}")
                self.metrics["turn_overhead_ms"]["anomalies"] = bad[:10]
            time.sleep(0.3)
            rss, hwm, nproc = srv.rss_kb()
            self.put(keys[-1][0], keys[-1][1], "MiB", rss / 1024, hwm_mb=hwm / 1024, processes=nproc,
                     pids=proc_tree(srv.proc.pid))
        except BenchError as e:
            self.fail(keys, e)
        finally:
            if srv:
                srv.close()
            rmtemp(tmp)

    # -- 5. thread/list -------------------------------------------------------------------------
    def thread_list(self) -> None:
        """Fresh home with n generated rollouts (no index of the server's own yet), then a restart on
        the same home (the server's index, if it keeps one, is on disk now)."""
        corpus_root, corpus = self.corpora["list"]
        timeout = self.cfg["list_timeout"]
        for n in self.cfg["list_sizes"]:
            rows = {
                "init": (f"list_{n}_init_ms", f"{n:,} threads on disk, fresh home: process start → initialize response"),
                "first": (f"list_{n}_first_ms", f"{n:,} threads, fresh home: thread/list first page, first call"),
                "warm": (f"list_{n}_warm_ms", f"{n:,} threads, fresh home: thread/list first page, second call"),
                "total": (f"list_{n}_total_ms", f"{n:,} threads, fresh home: process start → first page received"),
                "r_total": (f"list_{n}_restart_ms",
                            f"{n:,} threads, restart on same home: process start → first page received"),
            }
            tmp = mktemp(f"{self.spec.name}-list{n}")
            srv = None
            try:
                home = make_home(tmp, self.spec, self.mock)
                picked = link_subset(corpus_root, corpus, n, home)
                os.sync()
                expected = [t["id"] for t in sorted(picked, key=lambda t: -t["created_ms"])[:25]]
                work = tmp / "work"
                work.mkdir()

                def check(res: dict, what: str) -> bool:
                    ids = [t["id"] for t in res.get("data") or []]
                    ok = ids == expected and res.get("nextCursor") is not None
                    if not ok:
                        self.note(
                            f"thread/list {n:,} ({what}): got {len(ids)} threads, "
                            f"{len(set(ids) & set(expected))}/25 of the expected newest, "
                            f"nextCursor={'set' if res.get('nextCursor') else 'null'}")
                    return ok

                srv = self.spawn(home, work, f"list{n}")
                t_init = srv.initialize(timeout=timeout)
                res1, t0, t1 = srv.request("thread/list", {}, timeout=timeout)
                res2, t2, t3 = srv.request("thread/list", {}, timeout=timeout)
                res3, t4, t5 = srv.request("thread/list", {}, timeout=timeout)
                self.put(*rows["init"], "ms", (t_init - srv.t_spawn) * 1000)
                self.put(*rows["first"], "ms", (t1 - t0) * 1000, valid=check(res1, "first call"),
                         returned=len(res1.get("data") or []))
                self.put(*rows["warm"], "ms", (t3 - t2) * 1000, valid=check(res2, "second call"),
                         returned=len(res2.get("data") or []), third_ms=(t5 - t4) * 1000)
                self.put(*rows["total"], "ms", (t1 - srv.t_spawn) * 1000)
                srv.close()
                srv = self.spawn(home, work, f"list{n}-restart")
                t_init = srv.initialize(timeout=timeout)
                res4, t6, t7 = srv.request("thread/list", {}, timeout=timeout)
                self.put(*rows["r_total"], "ms", (t7 - srv.t_spawn) * 1000, valid=check(res4, "after restart"),
                         init_ms=(t_init - srv.t_spawn) * 1000, list_ms=(t7 - t6) * 1000)
            except BenchError as e:
                self.fail([(k, l, "ms") for k, l in rows.values()], e)
            finally:
                if srv:
                    srv.close()
                rmtemp(tmp)

    # -- 6. cold thread/resume ------------------------------------------------------------------
    def resume(self) -> None:
        src_path, tid, n_turns = self.corpora["resume"]
        items = 2 * n_turns
        kc, lc = f"resume_{items}_cold_ms", f"cold thread/resume, {items:,} items (fresh server, fresh home)"
        kr, lr = f"resume_{items}_restart_ms", f"thread/resume, {items:,} items, after a restart on the same home"
        runs = self.cfg["resume_runs"]
        colds, rehomes = [], []
        rss_after, hwm_after = [], []
        km = f"resume_{items}_rss_mb"
        lm = f"RSS after a cold thread/resume of {items:,} items"
        try:
            for r in range(runs):
                tmp = mktemp(f"{self.spec.name}-resume")
                try:
                    home = make_home(tmp, self.spec, self.mock)
                    rel = src_path.relative_to(src_path.parents[4])  # sessions/YYYY/MM/DD/file
                    dst = home / rel
                    dst.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(src_path, dst)
                    os.sync()
                    work = tmp / "work"
                    work.mkdir(exist_ok=True)
                    for phase in ("cold", "restart"):
                        srv = self.spawn(home, work, f"resume-{r}-{phase}")
                        try:
                            srv.initialize()
                            res, t0, t1 = srv.request("thread/resume", {"threadId": tid},
                                                      timeout=self.cfg["resume_timeout"])
                            if phase == "cold":
                                rss, hwm, _ = srv.rss_kb()
                                rss_after.append(rss / 1024)
                                hwm_after.append(hwm / 1024)
                            turns = res["thread"].get("turns") or []
                            got_items = sum(len(t.get("items") or []) for t in turns)
                            if len(turns) != n_turns or got_items != items:
                                self.note(f"thread/resume ({phase}): got {len(turns)} turns / {got_items} "
                                                  f"items, expected {n_turns} / {items}")
                            (colds if phase == "cold" else rehomes).append((t1 - t0) * 1000)
                            log(f"  {self.spec.name}: resume {phase} run {r + 1}: {(t1 - t0) * 1000:.0f} ms, "
                                f"{len(turns)} turns, {got_items} items")
                        finally:
                            srv.close()
                finally:
                    rmtemp(tmp)
            self.put(kc, lc + (f" (median of {runs})" if runs > 1 else ""), "ms", med(colds), samples=colds)
            self.put(kr, lr + (f" (median of {runs})" if runs > 1 else ""), "ms", med(rehomes), samples=rehomes)
            self.put(km, lm + (f" (median of {runs})" if runs > 1 else ""), "MiB", med(rss_after),
                     samples=rss_after, peak_mb=hwm_after)
        except BenchError as e:
            self.fail([(kc, lc, "ms"), (kr, lr, "ms"), (km, lm, "MiB")], e)

    # -- 8. thread lifecycle (issue 13) -----------------------------------------------------------
    def lifecycle(self) -> None:
        """Loaded idle threads and idle unload, over one stdio connection.

        (a) RSS with N loaded idle threads: N `thread/start`s on one connection (subscribed, so
        never unloaded), then the RSS growth over the idle server, per thread. (b) Unload frees
        memory: with `thread_unload_delay_secs = 0`, M threads each run one turn (so each has a
        rollout and a history), are unsubscribed and unloaded (`thread/closed` for each), then
        the RSS is compared with the idle server's; then a second cycle of the same size shows
        whether freed memory is reused (no leak) or the server keeps growing."""
        # The reference spends ~0.5 MiB and a busy listener per loaded thread: 10,000 of them
        # took it past 5 GiB and pinned the machine, so it gets fewer; the per-thread row compares.
        n = self.cfg["idle_threads"] if self.spec.name == "weft" else self.cfg["idle_threads_reference"]
        m = self.cfg["unload_threads"]
        rows = {
            "idle": (f"idle_threads_{n}_rss_mb", f"RSS with {n:,} loaded idle threads (one connection)"),
            "per": ("idle_thread_kib", "RSS growth per loaded idle thread"),
            "loaded": (f"unload_{m}_loaded_rss_mb", f"RSS with {m:,} loaded threads of one turn each"),
            "after": (f"unload_{m}_after_rss_mb", f"RSS after those {m:,} threads unloaded (delay 0)"),
            "growth": (f"unload_{m}_growth_mb", f"RSS left over the idle server after the {m:,} unloads"),
            "second": (f"unload_{m}_second_cycle_mb", f"RSS growth of a second {m:,}-thread load/unload cycle"),
        }
        tmp = mktemp(f"{self.spec.name}-lifecycle")
        srv = None
        try:
            home = make_home(tmp / "a", self.spec, self.mock)
            work = tmp / "work"
            work.mkdir()
            srv = self.spawn(home, work, "idle-threads")
            srv.initialize()
            time.sleep(1.0)
            base, _, _ = srv.rss_kb()
            for _ in range(n):
                srv.request("thread/start", {"cwd": str(work)}, timeout=60)
            time.sleep(1.0)
            rss, _, _ = srv.rss_kb()
            self.put(rows["idle"][0], rows["idle"][1], "MiB", rss / 1024, idle_mb=base / 1024)
            self.put(rows["per"][0], rows["per"][1], "KiB", (rss - base) / n, threads=n)
            srv.close()
            srv = None

            home = make_home(tmp / "b", self.spec, self.mock, top_level="thread_unload_delay_secs = 0")
            srv = self.spawn(home, work, "unload")
            srv.initialize()
            time.sleep(1.0)
            base, _, _ = srv.rss_kb()
            tids = []
            for i in range(m):
                res, _, _ = srv.request("thread/start", {"cwd": str(work)}, timeout=60)
                tid = res["thread"]["id"]
                self._turn(srv, tid, f"unload benchmark {i}")
                tids.append(tid)
            loaded, _, _ = srv.rss_kb()
            self.put(rows["loaded"][0], rows["loaded"][1], "MiB", loaded / 1024, idle_mb=base / 1024)
            self._unload_all(srv, tids)
            time.sleep(1.0)
            after, _, _ = srv.rss_kb()
            self.put(rows["after"][0], rows["after"][1], "MiB", after / 1024, idle_mb=base / 1024)
            self.put(rows["growth"][0], rows["growth"][1], "MiB", (after - base) / 1024)
            # A second cycle of the same size: freed memory is reused, so a server that does not
            # leak ends where the first cycle ended (the allocator keeps its pages either way).
            tids = []
            for i in range(m):
                res, _, _ = srv.request("thread/start", {"cwd": str(work)}, timeout=60)
                tids.append(res["thread"]["id"])
                self._turn(srv, tids[-1], f"unload benchmark, second cycle {i}")
            self._unload_all(srv, tids)
            time.sleep(1.0)
            again, _, _ = srv.rss_kb()
            self.put(rows["second"][0], rows["second"][1], "MiB", (again - after) / 1024)
        except BenchError as e:
            self.fail([(k, l, "MiB") for k, l in rows.values()], e)
        finally:
            if srv:
                srv.close()
            rmtemp(tmp)

    def _unload_all(self, srv: RpcServer, tids: list[str]) -> None:
        """Unsubscribes every thread and waits for one `thread/closed` each (delay 0)."""
        start = srv.note_count()
        for tid in tids:
            srv.request("thread/unsubscribe", {"threadId": tid}, timeout=60)
        closed: set[str] = set()
        idx = start
        while len(closed) < len(tids):
            idx, _, note = srv.wait_note(lambda msg: msg.get("method") == "thread/closed", idx, timeout=120,
                                         what=f"thread/closed ({len(closed)} of {len(tids)} so far)")
            closed.add((note.get("params") or {}).get("threadId"))
            idx += 1
        res, _, _ = srv.request("thread/loaded/list", {}, timeout=60)
        if res.get("data"):
            self.note(f"{len(res['data'])} threads still loaded after {len(tids)} thread/closed")

    def _ws_server(self, tmp: Path, tag: str) -> tuple[RpcServer, int, Path]:
        """The server on `--listen ws://127.0.0.1:PORT` (a free port), once it accepts."""
        home = make_home(tmp, self.spec, self.mock)
        work = tmp / "work"
        work.mkdir()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        srv = self.spawn(home, work, tag, args_extra=["--listen", f"ws://127.0.0.1:{port}"])
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return srv, port, work
            except OSError:
                if time.monotonic() > deadline:
                    srv.close()
                    raise BenchError(f"{self.spec.name}: websocket listener not up within 60s")
                time.sleep(0.05)

    @staticmethod
    def _ws_turn(owner: WsConnection, tid: str, text: str) -> None:
        """One turn on `tid`, run by `owner`, until its `turn/completed`."""
        start = owner.count()
        turn = owner.request("turn/start", {"threadId": tid, "input": [
            {"type": "text", "text": text, "text_elements": []}]})["turn"]["id"]
        owner.wait(lambda m: m.get("method") == "turn/completed"
                   and m["params"]["turn"]["id"] == turn, start, 120, "turn/completed")

    # -- 9. notification fan-out over websockets (issue 13) -----------------------------------------
    def fanout(self) -> None:
        """One thread, S subscribers on their own websocket connections (`--listen ws://`), T
        turns run by one of them. For each notification of those turns, every subscriber's
        receive time minus the first subscriber's: the fan-out delay, p50 and p99 over all
        (subscriber, notification) pairs, plus the server's RSS with the S connections."""
        subs = self.cfg["fanout_subscribers"]
        turns = self.cfg["fanout_turns"]
        rows = {
            "p50": ("fanout_p50_ms", f"notification fan-out delay, {subs} websocket subscribers (p50)"),
            "p99": ("fanout_p99_ms", f"notification fan-out delay, {subs} websocket subscribers (p99)"),
            "rss": ("fanout_rss_mb", f"RSS with {subs} websocket subscribers on one thread"),
        }
        tmp = mktemp(f"{self.spec.name}-fanout")
        conns: list[WsConnection] = []
        srv = None
        try:
            srv, port, work = self._ws_server(tmp, "fanout")
            owner = WsConnection("127.0.0.1", port)
            conns.append(owner)
            owner.initialize("bench-owner")
            tid = owner.request("thread/start", {"cwd": str(work)})["thread"]["id"]

            def one_turn(text: str) -> None:
                self._ws_turn(owner, tid, text)

            one_turn("fan-out warm-up")
            for i in range(subs - 1):
                c = WsConnection("127.0.0.1", port)
                conns.append(c)
                c.initialize(f"bench-sub-{i}")
                c.request("thread/resume", {"threadId": tid})
            time.sleep(0.5)
            starts = [c.count() for c in conns]
            for t in range(turns):
                one_turn(f"fan-out turn {t}")
            for c, st in zip(conns, starts):
                c.wait(lambda m: m.get("method") == "turn/completed", st + 0, 120, "turn/completed")
            # Wait until every subscriber has all the turns' notifications.
            target = sum(1 for _, m in owner.messages[starts[0]:] if m.get("method") == "turn/completed")
            for c, st in zip(conns, starts):
                deadline = time.monotonic() + 120
                while sum(1 for _, m in c.messages[st:] if m.get("method") == "turn/completed") < target:
                    if time.monotonic() > deadline:
                        raise BenchError(f"{self.spec.name}: a subscriber missed turns")
                    time.sleep(0.01)
            streams = []
            for c, st in zip(conns, starts):
                streams.append([(ts, m) for ts, m in c.messages[st:]
                                if "method" in m and (m.get("params") or {}).get("threadId") == tid])
            n = min(len(s_) for s_ in streams)
            if any(len(s_) != n for s_ in streams):
                self.note(f"subscribers got different numbers of notifications: "
                          f"{sorted(set(len(s_) for s_ in streams))}")
            delays = []
            for k in range(n):
                first = min(s_[k][0] for s_ in streams)
                delays.extend((s_[k][0] - first) * 1000 for s_ in streams)
            delays.sort()
            p50 = delays[len(delays) // 2]
            p99 = delays[min(len(delays) - 1, int(len(delays) * 0.99))]
            rss, _, _ = srv.rss_kb()
            self.put(rows["p50"][0], rows["p50"][1], "ms", p50, notifications=n, pairs=len(delays))
            self.put(rows["p99"][0], rows["p99"][1], "ms", p99, max_ms=delays[-1])
            self.put(rows["rss"][0], rows["rss"][1], "MiB", rss / 1024)
        except (BenchError, WsError, OSError) as e:
            self.fail([(k, l, "MiB" if k.endswith("_mb") else "ms") for k, l in rows.values()],
                      e if isinstance(e, BenchError) else BenchError(str(e)))
        finally:
            for c in conns:
                c.close()
            if srv:
                srv.close()
            rmtemp(tmp)

    # -- 10. a subscriber that stops reading (issue 13, R39) ----------------------------------------
    def slowreader(self) -> None:
        """One websocket connection runs T turns on a thread while a second, subscribed to the
        same thread, never reads (its socket buffers fill, then the server's queue for it): the
        server's RSS before and after, against a control run of the same turns with no silent
        subscriber, and whether the server cut the silent connection off."""
        turns = self.cfg["slow_reader_turns"]
        rows = {
            "before": ("slowreader_before_mb", "RSS before a subscriber stops reading"),
            "after": (f"slowreader_after_{turns}_mb",
                      f"RSS after {turns} turns with one subscriber that never reads"),
            "control": (f"slowreader_control_{turns}_mb",
                        f"the same {turns} turns, no silent subscriber (control)"),
            "cost": (f"slowreader_cost_{turns}_mb",
                     "RSS the silent subscriber costs (growth minus the control's growth)"),
        }
        try:
            before, after, peak, cut = self._slow_session(turns, silent=True)
            c_before, c_after, _, _ = self._slow_session(turns, silent=False)
            self.put(rows["before"][0], rows["before"][1], "MiB", before / 1024)
            self.put(rows["after"][0], rows["after"][1], "MiB", after / 1024, peak_mb=peak / 1024,
                     silent_connection_closed_by_server=cut)
            self.put(rows["control"][0], rows["control"][1], "MiB", c_after / 1024,
                     before_mb=c_before / 1024)
            self.put(rows["cost"][0], rows["cost"][1], "MiB",
                     ((after - before) - (c_after - c_before)) / 1024)
            if not cut:
                self.note("the server kept the silent connection open")
        except (BenchError, WsError, OSError) as e:
            self.fail([(k, l, "MiB") for k, l in rows.values()],
                      e if isinstance(e, BenchError) else BenchError(str(e)))

    def _slow_session(self, turns: int, silent: bool) -> tuple[int, int, int, bool]:
        """RSS (kB) before and after `turns` turns, the peak, and whether the silent subscriber
        (if any) was disconnected by the server."""
        tmp = mktemp(f"{self.spec.name}-slowreader")
        conns: list[WsConnection] = []
        srv = None
        try:
            srv, port, work = self._ws_server(tmp, "slowreader" if silent else "slowreader-control")
            owner = WsConnection("127.0.0.1", port)
            conns.append(owner)
            owner.initialize("bench-owner")
            tid = owner.request("thread/start", {"cwd": str(work)})["thread"]["id"]
            self._ws_turn(owner, tid, "warm-up " * 40)
            silent_conn = None
            if silent:
                silent_conn = WsConnection("127.0.0.1", port)
                conns.append(silent_conn)
                silent_conn.initialize("bench-silent")
                silent_conn.request("thread/resume", {"threadId": tid})
                silent_conn.stop_reading()
            time.sleep(0.5)
            before, _, _ = srv.rss_kb()
            for t in range(turns):
                self._ws_turn(owner, tid, f"turn {t} of a session one subscriber does not read; " * 40)
            time.sleep(0.5)
            after, peak, _ = srv.rss_kb()
            cut = silent_conn.server_closed() if silent_conn else False
            return before, after, peak, cut
        finally:
            for c in conns:
                c.close()
            if srv:
                srv.close()
            rmtemp(tmp)

    # -- 7. tool path (issue 12) -------------------------------------------------------------------
    def _turn(self, srv: RpcServer, tid: str, text: str, timeout: float = 120.0, expect_requests: int = 1) -> dict:
        """One turn on thread tid: wall time, mock time, overhead (ms), the model requests inside it,
        the completed turn, and the items of its `item/completed` notifications.

        The mock records a request after its last byte is flushed, which on a busy machine can be
        after the server has already answered `turn/completed`: so the mock is polled (≤ 1 s) until
        `expect_requests` of the turn are recorded, and a request's mock time is counted up to
        `turn/completed` at most."""
        self.mock.stats()  # move the cursor past anything earlier (outside the timed window)
        start_idx = srv.note_count()
        res, t_send, _ = srv.request("turn/start", {
            "threadId": tid, "input": [{"type": "text", "text": text, "text_elements": []}]}, timeout=60)
        turn_id = res["turn"]["id"]
        idx, t_done, note = srv.wait_note(
            lambda m: m.get("method") == "turn/completed"
            and (m.get("params") or {}).get("turn", {}).get("id") == turn_id,
            start_idx, timeout=timeout, what=f"turn/completed of {text[:40]!r}")
        in_window: list[dict] = []
        give_up = time.monotonic() + 1.0
        while True:
            reqs = [r for r in self.mock.stats() if r.get("method") == "POST"]
            in_window += [r for r in reqs if t_send - 0.001 <= r["t_body"] <= t_done]
            if len(in_window) >= expect_requests or time.monotonic() > give_up:
                break
            time.sleep(0.005)
        mock_ms = sum(min(r["t_end"], t_done) - r["t_body"] for r in in_window) * 1000
        with srv._cond:
            notes = [m for _, m in srv.notes[start_idx:idx + 1]]
        items = [(m.get("params") or {}).get("item") or {} for m in notes if m.get("method") == "item/completed"]
        wall = (t_done - t_send) * 1000
        return {"t_send": t_send, "t_done": t_done, "wall_ms": wall, "mock_ms": mock_ms, "overhead_ms": wall - mock_ms,
                "requests": len(in_window), "turn": note["params"]["turn"], "items": items, "notes": notes}

    @staticmethod
    def _turn_check(t: dict, want_requests: int, want_exec: bool) -> dict | None:
        """None if the turn went as the mock's rules say, else a short description of what differed."""
        turn = t["turn"]
        execs = [it for it in t["items"] if it.get("type") == "commandExecution"]
        agent = [it.get("text") for it in t["items"] if it.get("type") == "agentMessage"]
        problems = []
        if turn.get("status") != "completed":
            problems.append(f"status {turn.get('status')}")
        if t["requests"] != want_requests:
            problems.append(f"{t['requests']} model requests")
        if want_exec:
            if not execs:
                problems.append("no commandExecution item")
            elif execs[-1].get("exitCode") != 0 or execs[-1].get("status") != "completed":
                out = (execs[-1].get("aggregatedOutput") or "")[:200]
                problems.append(f"command {execs[-1].get('status')}, exit {execs[-1].get('exitCode')}, output {out!r}")
            if not agent or not (agent[-1] or "").startswith("done: "):
                problems.append(f"agent message {agent[-1] if agent else None!r}")
        if not problems:
            return None
        return {"problems": problems, "error": turn.get("error")}

    def _spawn_baseline(self, n: int, tmp: Path) -> None:
        """The process spawn alone, from Python: `/bin/bash -lc true` and `true` with the same clean
        HOME the servers get in this scenario, and `/bin/bash -lc true` with this machine's own HOME."""
        cwd, user_home = tmp / "work", tmp / "user-home"
        cwd.mkdir()
        user_home.mkdir()
        clean = {**os.environ, "HOME": str(user_home)}
        runs = ((["/bin/bash", "-lc", "true"], clean, "tools_spawn_bash_ms", "clean HOME, as the servers here"),
                (["true"], clean, "tools_spawn_true_ms", ""),
                (["/bin/bash", "-lc", "true"], dict(os.environ), "tools_spawn_bash_realhome_ms",
                 f"this machine's HOME={os.environ.get('HOME', '?')}, not used by the servers here"))
        for argv, env, key, why in runs:
            shown = " ".join(argv[:2]) + (" true" if len(argv) > 1 else "")
            label = f"no server: spawn `{shown}` from Python, wait for exit (median of {n}" + \
                (f"; {why})" if why else ")")
            samples = []
            for i in range(n + 1):
                t0 = time.monotonic()
                subprocess.run(argv, cwd=str(cwd), env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, check=False)
                if i:  # the first is a warm-up (page cache, dynamic loader)
                    samples.append((time.monotonic() - t0) * 1000)
            self.put(key, label, "ms", med(samples), samples=samples, stats=summary(samples), no_ratio=True)

    def tools(self) -> None:
        n = self.cfg["tool_turns"]
        tmp = mktemp(f"{self.spec.name}-spawn")
        try:
            self._spawn_baseline(self.cfg["spawn_runs"], tmp)
        finally:
            rmtemp(tmp)
        for mode, short in TOOL_MODES:
            self._tools_mode(mode, short, n)

    def _tools_mode(self, mode: str, short: str, n: int) -> None:
        """On one thread of a fresh server with `sandbox_mode = mode`: n text turns interleaved with n
        `RUN: true` turns (after one warm-up of each), then the 1 GiB command."""
        keys = [
            (f"tools_{short}_true_ms", f"{mode}: `RUN: true` turn overhead (median of {n}; wall − mock)", "ms"),
            (f"tools_{short}_text_ms", f"{mode}: text turn overhead, same thread, interleaved (median of {n})", "ms"),
            (f"tools_{short}_path_ms", f"{mode}: **tool-path overhead** of `true` (`RUN: true` turn − text turn)",
             "ms"),
        ]
        big = self._big_keys(mode, short)
        tmp = mktemp(f"{self.spec.name}-tools-{short}")
        srv = None
        try:
            home = make_home(tmp, self.spec, self.mock, mode)
            work = tmp / "work"
            work.mkdir()
            user_home = tmp / "user-home"  # no shell profile: a login bash costs the same for both servers
            user_home.mkdir()
            srv = self.spawn(home, work, f"tools-{short}", {"HOME": str(user_home)})
            srv.initialize()
            res, _, _ = srv.request("thread/start", {"cwd": str(work)}, timeout=60)
            tid = res["thread"]["id"]
            warm_text = self._turn(srv, tid, "tools warm-up")
            warm_true = self._turn(srv, tid, "RUN: true", expect_requests=2)
            texts, trues, pairs, walls, bad = [], [], [], [], []
            for i in range(1, n + 1):
                a = self._turn(srv, tid, f"tools text turn {i}")
                b = self._turn(srv, tid, "RUN: true", expect_requests=2)
                texts.append(a["overhead_ms"])
                trues.append(b["overhead_ms"])
                walls.append(b["wall_ms"])
                pairs.append(b["overhead_ms"] - a["overhead_ms"])
                for t, want_req, want_exec in ((a, 1, False), (b, 2, True)):
                    problem = self._turn_check(t, want_req, want_exec)
                    if problem:
                        bad.append({"turn": 2 * i - (0 if want_exec else 1), **problem})
            valid = not bad
            if bad:
                self.note(f"{mode}: {len(bad)} of {2 * n} turns did not go as expected; first: {bad[0]}")
            execs = [it for it in warm_true["items"] if it.get("type") == "commandExecution"]
            self.put(keys[0][0], keys[0][1], "ms", med(trues), samples=trues, stats=summary(trues), valid=valid,
                     first_ms=warm_true["overhead_ms"], wall_ms=walls, exec_item=execs[-1] if execs else None,
                     anomalies=bad[:10])
            self.put(keys[1][0], keys[1][1], "ms", med(texts), samples=texts, stats=summary(texts),
                     first_ms=warm_text["overhead_ms"])
            self.put(keys[2][0], keys[2][1], "ms", med(trues) - med(texts), valid=valid,
                     median_of_paired_differences_ms=med(pairs), paired_differences_ms=pairs)
            srv.close()
            srv = None
            self._big_runs(home, work, user_home, mode, short, big)
        except BenchError as e:
            self.fail(keys + big, e)
        finally:
            if srv:
                srv.close()
            rmtemp(tmp)

    @staticmethod
    def _big_keys(mode: str, short: str) -> list[tuple[str, str, str]]:
        runs = f"median of {BIG_RUNS} fresh servers"
        return [
            (f"tools_{short}_1g_idle_mb", f"{mode}: server process RSS before the 1 GiB command ({runs})", "MiB"),
            (f"tools_{short}_1g_peak_mb", f"{mode}: server process RSS peak while the 1 GiB command runs (sampled "
                                          f"every {BIG_SAMPLE_S * 1000:.0f} ms; {runs})", "MiB"),
            (f"tools_{short}_1g_turn_ms", f"{mode}: 1 GiB command turn: turn/start → turn/completed ({runs})", "ms"),
            (f"tools_{short}_1g_done_ms", f"{mode}: 1 GiB command: turn/start → its processes gone ({runs})", "ms"),
        ]

    def _big_runs(self, home: Path, work: Path, user_home: Path, mode: str, short: str,
                  keys: list[tuple[str, str, str]]) -> None:
        """BIG_RUNS times: a fresh server on `home`, a thread, one warm-up `RUN: true`, then the
        1 GiB command (`_big_output`). Medians over the runs; every run kept in the JSON."""
        runs: list[dict] = []
        for r in range(BIG_RUNS):
            srv = self.spawn(home, work, f"tools-{short}-1g-{r}", {"HOME": str(user_home)})
            try:
                srv.initialize()
                res, _, _ = srv.request("thread/start", {"cwd": str(work)}, timeout=60)
                tid = res["thread"]["id"]
                self._turn(srv, tid, "RUN: true", expect_requests=2)
                x = self._big_output(srv, tid, mode)
            except BenchError as e:
                x = {"valid": False, "error": str(e), "stderr_tail": srv.stderr_tail()}
            finally:
                srv.close()
                with srv._cond:
                    srv.notes.clear()  # hundreds of MB of output deltas; not needed any more
            x["run"] = r + 1
            runs.append(x)
            if x.get("error"):
                self.note(f"{mode}: 1 GiB run {r + 1} of {BIG_RUNS} failed (server RSS peak before that: "
                          f"{x.get('peak_mb') or 0:.1f} MiB): {x['error']}; stderr: {x['stderr_tail'][-160:]!r}")
                log(f"  {self.spec.name}: {mode}: 1 GiB run {r + 1} FAILED after RSS peak {x.get('peak_mb') or 0:.1f} "
                    f"MiB: {x['error']}")
            else:
                log(f"  {self.spec.name}: {mode}: 1 GiB run {r + 1}: RSS {x['idle_mb']:.1f} → peak "
                    f"{x['peak_mb']:.1f} MiB, turn {x['turn_ms']:.0f} ms, processes gone after "
                    f"{x['done_ms'] or 0:.0f} ms, {x['output_deltas_in_turn']} output deltas")
        failed = [x for x in runs if x.get("error")]
        valid = all(x["valid"] for x in runs)
        col = {k: [x.get(k) for x in runs] for k in ("idle_mb", "peak_mb", "turn_ms", "done_ms")}
        some = {k: [v for v in vs if v is not None] for k, vs in col.items()}
        failures = {"failed_runs": len(failed), "of_runs": BIG_RUNS} if failed else {}
        self.put(keys[0][0], keys[0][1], "MiB", med(some["idle_mb"]), samples=col["idle_mb"], valid=valid,
                 **failures)
        self.put(keys[1][0], keys[1][1], "MiB", med(some["peak_mb"]), samples=col["peak_mb"], valid=valid,
                 max_mb=max(some["peak_mb"], default=None), runs=runs, **failures)
        self.put(keys[2][0], keys[2][1], "ms", med(some["turn_ms"]), samples=col["turn_ms"], valid=valid, **failures)
        self.put(keys[3][0], keys[3][1], "ms", med(some["done_ms"]), samples=col["done_ms"], valid=valid,
                 resolution_ms=BIG_SAMPLE_S * 1000, **failures)

    def _big_output(self, srv: RpcServer, tid: str, mode: str) -> dict:
        """`RUN: <1 GiB to stdout>`; sample the server's VmRSS every BIG_SAMPLE_S from before the
        turn until the command's processes (`head`, `tr`) are gone."""
        pid = srv.proc.pid
        time.sleep(0.5)
        idle_kb, hwm_before = vm_kb(pid, "VmRSS"), vm_kb(pid, "VmHWM")
        samples: list[tuple[float, int, int, int]] = []  # (t, server kB, tree kB, command processes)
        stop = threading.Event()

        def sampler() -> None:
            while not stop.is_set():
                t = time.monotonic()
                pids = descendants(pid)
                ncmd = sum(1 for p in pids if proc_comm(p) in BIG_COMMS)
                samples.append((t, vm_kb(pid, "VmRSS"), sum(vm_kb(p, "VmRSS") for p in [pid, *pids]), ncmd))
                stop.wait(BIG_SAMPLE_S)

        th = threading.Thread(target=sampler, daemon=True, name="rss-sampler")
        th.start()
        error = None
        try:
            t = self._turn(srv, tid, "RUN: " + BIG_COMMAND, timeout=BIG_TIMEOUT_S, expect_requests=2)
        except BenchError as e:  # keep what was sampled: the peak before a failure is the point
            error, t = str(e), None
        try:
            t_done = t["t_done"] if t else time.monotonic()
            deadline = time.monotonic() + (BIG_TIMEOUT_S if t else 10)
            while time.monotonic() < deadline:
                time.sleep(BIG_SAMPLE_S)
                last = samples[-1] if samples else None
                seen = any(s[3] for s in samples)
                if last and last[0] > t_done and last[3] == 0 and (seen or last[0] > t_done + 2):
                    break
            else:
                self.note(f"{mode}: the 1 GiB command was still running {deadline - t_done:.0f} s after its turn")
        finally:
            stop.set()
            th.join(5)
        peak = max((s[1] for s in samples), default=0)
        out = {"idle_mb": idle_kb / 1024, "peak_mb": peak / 1024, "samples_n": len(samples),
               "hwm_before_mb": hwm_before / 1024, "tree_peak_mb": max((s[2] for s in samples), default=0) / 1024}
        if t is None:
            return {**out, "valid": False, "error": error, "turn_ms": None, "done_ms": None,
                    "stderr_tail": srv.stderr_tail(), "notifications_received": srv.note_count(),
                    "rss_trace_mb": [[round(s[0] - samples[0][0], 3), round(s[1] / 1024, 1), s[3]]
                                     for s in samples][::4]}
        ran = [s for s in samples if s[3]]
        gone = next((s[0] for s in samples if ran and s[0] > ran[-1][0] and not s[3]), None)
        execs = [it for it in t["items"] if it.get("type") == "commandExecution"]
        agent = [it.get("text") for it in t["items"] if it.get("type") == "agentMessage"]
        deltas = [m for m in t.get("notes", []) if m.get("method") == "item/commandExecution/outputDelta"]
        exec_item = {k: (execs[-1].get(k) if execs else None) for k in ("status", "exitCode", "durationMs")}
        problem = None
        if t["turn"].get("status") != "completed" or not ran:
            problem = {"status": t["turn"].get("status"), "command_seen_running": bool(ran), "exec_item": exec_item,
                       "output": ((execs[-1].get("aggregatedOutput") or "")[:200] if execs else None)}
            self.note(f"{mode}: the 1 GiB command turn did not go as expected: {problem}")
        return {**out, "valid": problem is None, "turn_ms": t["wall_ms"],
                "done_ms": None if gone is None else (gone - t["t_send"]) * 1000,
                "mock_ms": t["mock_ms"], "hwm_after_mb": vm_kb(pid, "VmHWM") / 1024,
                "running_at_turn_end": any(s[3] for s in samples if s[0] >= t["t_done"]),
                "model_requests": t["requests"], "agent_message": agent[-1] if agent else None,
                "exec_item": exec_item, "output_deltas_in_turn": len(deltas),
                "output_delta_chars_in_turn": sum(len((m.get("params") or {}).get("delta") or "") for m in deltas),
                "rss_trace_mb": [[round(s[0] - t["t_send"], 3), round(s[1] / 1024, 1), round(s[2] / 1024, 1), s[3]]
                                 for s in samples][::4]}

    def result(self) -> dict:
        for scen, tag, srv in self.servers:
            if srv.bad_lines:
                self.current = scen
                self.note(f"{srv.bad_lines} non-JSON line(s) on stdout in {tag} (protocol.md §1.2 forbids them)")
        return {"server": self.spec.name, "binary": str(self.spec.binary), "version": self.spec.version,
                "metrics": self.metrics, "notes": self.notes}


# --------------------------------------------------------------------------------------------
# report


def machine_info() -> dict:
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram": mem, "kernel": platform.release(),
            "python": platform.python_version()}


def loadavg() -> str:
    try:
        return " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        return "?"


def cpu_busy(interval: float = 2.0) -> float:
    """Fraction of all CPUs busy (not idle/iowait) over `interval` seconds, from /proc/stat."""
    def sample():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        idle = v[3] + (v[4] if len(v) > 4 else 0)
        return sum(v[:8]), idle
    t0, i0 = sample()
    time.sleep(interval)
    t1, i1 = sample()
    return 1.0 - (i1 - i0) / max(t1 - t0, 1)


def wait_quiet(max_wait: float, threshold: float = 0.15) -> float:
    """Wait (up to max_wait s) until the machine is idle: < threshold of CPU busy in two consecutive
    2-second samples. Returns the last busy fraction seen."""
    deadline = time.monotonic() + max_wait
    calm, busy, told = 0, 1.0, False
    while True:
        busy = cpu_busy()
        calm = calm + 1 if busy < threshold else 0
        if calm >= 2 or time.monotonic() >= deadline:
            return busy
        if not told and busy >= threshold:
            log(f"  waiting for a quiet machine (CPU {busy:.0%} busy; up to {max_wait:.0f}s) ...")
            told = True


BUSY_LOAD = 3.0  # 1-min load after a scenario above this: other work ran alongside (results stored without
#                 foreign_cpu only: the tools scenario alone runs 4 busy processes and reaches a load of 4)
BUSY_CPU = 0.3  # CPU busy before a scenario, or used by other processes during it, above this: marked †


def cpu_account() -> tuple[float, float, float]:
    """(monotonic time, busy CPU seconds of the whole machine, CPU seconds of this harness, its reaped
    children, and the processes it started that are still alive (the mock, servers) with theirs)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    busy = (sum(v[:8]) - v[3] - v[4]) / tick
    t = os.times()
    own = t.user + t.system + t.children_user + t.children_system
    for p in list(_LIVE):
        try:
            with open(f"/proc/{p.pid}/stat") as f:
                st = f.read()
            fields = st[st.rfind(")") + 2:].split()
            own += sum(int(x) for x in fields[11:15]) / tick  # utime stime cutime cstime
        except (OSError, ValueError):
            pass
    return time.monotonic(), busy, own


def foreign_cpu(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    """Fraction of all CPUs used between a and b by processes that are not the harness's own."""
    wall = max(b[0] - a[0], 1e-3) * (os.cpu_count() or 1)
    return max(0.0, ((b[1] - a[1]) - (b[2] - a[2])) / wall)


def is_busy(x: dict) -> bool:
    """Whether a metric was taken on a loaded machine (the † rule)."""
    if (x.get("cpu_busy_before") or 0) > BUSY_CPU:
        return True
    if "foreign_cpu" in x:
        return x["foreign_cpu"] > BUSY_CPU
    return (x.get("load1_after") or 0) > BUSY_LOAD


def fmt(v, unit: str) -> str:
    if v is None:
        return "—"
    if unit == "MiB":
        return f"{v:.1f} MiB"
    if unit == "KiB":
        return f"{v:.1f} KiB"
    if v >= 1000:
        return f"{v / 1000:.2f} s"
    if v >= 100:
        return f"{v:.0f} ms"
    return f"{v:.1f} ms"


ORDER = ["startup_ms", "thread_start_ms", "turn_overhead_ms", "turn_overhead_late_ms", "rss_idle_mb", "rss_after_",
         "list_", "resume_", "tools_", "idle_threads_", "idle_thread_kib", "unload_", "fanout_",
         "slowreader_"]
TOOLS_ORDER = [f"tools_{m}_{k}" for m in ("ww", "dfa") for k in ("true_ms", "text_ms", "path_ms")] + \
    ["tools_spawn_bash_ms", "tools_spawn_true_ms", "tools_spawn_bash_realhome_ms"] + \
    [f"tools_{m}_1g_{k}" for m in ("ww", "dfa") for k in ("idle_mb", "peak_mb", "turn_ms", "done_ms")]


def _order_key(k: str):
    if k.startswith("tools_"):
        return (ORDER.index("tools_"), TOOLS_ORDER.index(k) if k in TOOLS_ORDER else len(TOOLS_ORDER), 0)
    for i, p in enumerate(ORDER):
        if k == p or (p.endswith("_") and k.startswith(p)):
            m = re.search(r"_(\d+)_", k)
            sub = int(m.group(1)) if m else 0
            rank = [t for t in ("init", "first", "warm", "total", "restart", "cold", "loaded", "after", "growth",
                                "second", "control", "cost")
                    if t in k]
            return (i, sub, {"init": 0, "first": 1, "warm": 2, "total": 3, "restart": 5, "cold": 0, "loaded": 0,
                             "after": 1, "growth": 2, "second": 3, "control": 2, "cost": 3}.get(rank[0] if rank else "", 4))
    return (len(ORDER), 0, k)


def table(results: dict[str, dict]) -> str:
    weft, ref = results.get("weft"), results.get("reference")
    keys = []
    for r in (weft, ref):
        if r:
            for k in r["metrics"]:
                if k not in keys:
                    keys.append(k)
    keys.sort(key=_order_key)
    rows = ["| metric | weft | reference | ratio ref/weft |", "|---|---:|---:|---:|"]
    for k in keys:
        mw = (weft or {}).get("metrics", {}).get(k)
        mr = (ref or {}).get("metrics", {}).get(k)
        m = mw or mr
        unit = m["unit"]

        def cell(x, present):
            if not present:
                return "pending"
            if x is None:
                return "n/a"
            s = fmt(x.get("value"), unit)
            if x.get("valid") is False:
                s += " ⚠"
            if x.get("failed_runs"):
                s += f" ({x['failed_runs']} of {x['of_runs']} runs failed)"
            if is_busy(x):
                s += " †"
            return s

        vw, vr = cell(mw, weft is not None), cell(mr, ref is not None)
        ratio = "—"
        if m.get("no_ratio"):
            pass
        elif mw and mr and (mw.get("value") or 0) > 0 and (mr.get("value") or 0) > 0:
            ratio = f"{mr['value'] / mw['value']:.2f}×"
        label = (mr or mw)["label"]
        rows.append(f"| {label} | {vw} | {vr} | {ratio} |")
    return "\n".join(rows)


def render_section(results: dict[str, dict], machine: dict, cfg_name: str) -> str:
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [BEGIN_MARK, "", f"### Latest run ({cfg_name}) — {now}", ""]
    lines.append(f"- Machine: {machine['nproc']} CPUs ({machine['cpu']}), {machine['ram']} RAM, "
                 f"Linux {machine['kernel']}, Python {machine['python']}")
    for name in ("weft", "reference"):
        r = results.get(name)
        if r:
            stored = f" (stored result from {r['date']})" if r.get("stored") else ""
            shown = r["binary"]
            if shown.startswith(str(ROOT) + os.sep):
                shown = os.path.relpath(shown, ROOT)
            lines.append(f"- {name}: `{r['version']}` — `{shown}`{stored}; "
                         f"load average before/after: {r['load_before']} / {r['load_after']}")
        else:
            lines.append(f"- {name}: pending — no binary (build `target/release/weft`, then "
                         f"`python3 bench/bench.py`)" if name == "weft" else f"- {name}: not run")
    lines += ["", table(results), ""]
    lines.append("Ratio > 1 means weft is faster / smaller. ⚠ = the response did not have the expected content "
                 f"(see notes). † = measured while other work loaded the machine (CPU > {BUSY_CPU:.0%} busy before "
                 f"the scenario, or processes other than the harness's own used > {BUSY_CPU:.0%} of the CPUs during "
                 f"it; for metrics stored before that was recorded: 1-min load > {BUSY_LOAD:.0f} after it). Raw "
                 "samples and per-metric dates/load: `bench/results/<server>.json`. Rows with no ratio (—) "
                 "are measured without a server, as a yardstick.")
    notes = []
    for name in ("weft", "reference"):
        r = results.get(name)
        if r:
            for n in r.get("notes") or []:
                notes.append(f"- {name}: {n}")
    if notes:
        lines += ["", "Notes from this run:", ""] + notes
    lines += ["", END_MARK]
    return "\n".join(lines)


def write_benchmarks_md(section: str) -> None:
    if BENCHMARKS_MD.exists():
        text = BENCHMARKS_MD.read_text()
    else:
        text = "# Benchmarks\n\n"
    if BEGIN_MARK in text and END_MARK in text:
        a = text.index(BEGIN_MARK)
        b = text.index(END_MARK) + len(END_MARK)
        text = text[:a] + section + text[b:]
    else:
        text = text.rstrip("\n") + "\n\n## Results\n\n" + section + "\n"
    BENCHMARKS_MD.write_text(text)


# --------------------------------------------------------------------------------------------
# main

FULL = {"startup_runs": 10, "thread_starts": 10, "turns": 100, "turn_window": (1, 20), "late_window": (81, 100),
        "list_sizes": [2_000, 20_000, 50_000], "list_timeout": 600, "resume_turns": 5_000, "resume_runs": 3,
        "resume_timeout": 600, "tool_turns": 12, "spawn_runs": 20,
        "idle_threads": 10_000, "idle_threads_reference": 1_000, "unload_threads": 1_000,
        "fanout_subscribers": 100, "fanout_turns": 10, "slow_reader_turns": 100}
QUICK = {"startup_runs": 3, "thread_starts": 5, "turns": 20, "turn_window": (1, 20), "late_window": None,
         "list_sizes": [2_000], "list_timeout": 300, "resume_turns": 500, "resume_runs": 1, "resume_timeout": 300,
         "tool_turns": 5, "spawn_runs": 10,
         "idle_threads": 1_000, "idle_threads_reference": 200, "unload_threads": 100,
         "fanout_subscribers": 20, "fanout_turns": 3, "slow_reader_turns": 20}
SCENARIOS = ["startup", "session", "list", "resume", "tools", "lifecycle", "fanout", "slowreader"]


def find_reference() -> Path | None:
    base = BENCH / ".reference" / "node_modules" / "@openai"
    for pat in ("codex-linux-*/vendor/*/bin/codex", "codex-linux-*/vendor/*/codex/codex", "codex*/vendor/*/*/codex"):
        for p in sorted(base.glob(pat)):
            if p.is_file() and os.access(p, os.X_OK):
                return p
    return None


def main() -> int:
    global _KEEP_TEMPS
    ap = argparse.ArgumentParser(description="weft vs reference app-server benchmarks")
    ap.add_argument("--weft", type=Path, help="weft binary (default: target/release/weft if it exists)")
    ap.add_argument("--reference", type=Path, help="reference codex binary (default: the one install-reference.sh "
                                                   "put under bench/.reference)")
    ap.add_argument("--no-weft", action="store_true", help="do not run weft even if the binary exists")
    ap.add_argument("--no-reference", action="store_true", help="do not run the reference")
    ap.add_argument("--quick", action="store_true", help="short pass: fewer runs, 2,000 threads, 1,000-item resume")
    ap.add_argument("--only", default="", help=f"comma list of scenarios to run: {','.join(SCENARIOS)}")
    ap.add_argument("--list-sizes", default="", help="override thread/list sizes, e.g. 2000,20000")
    ap.add_argument("--no-write", action="store_true", help="do not touch BENCHMARKS.md or bench/results")
    ap.add_argument("--write", action="store_true", help="update BENCHMARKS.md even for a --quick run")
    ap.add_argument("--wait-quiet", type=float, default=0, metavar="SECONDS",
                    help="before each scenario wait up to SECONDS for the CPUs to be idle (shared machines)")
    ap.add_argument("--keep-temp", action="store_true", help="keep temp homes and server logs (paths are printed)")
    args = ap.parse_args()
    _KEEP_TEMPS = args.keep_temp

    cfg = dict(QUICK if args.quick else FULL)
    if args.list_sizes:
        cfg["list_sizes"] = [int(x) for x in args.list_sizes.split(",") if x]
    scenarios = [s for s in (args.only.split(",") if args.only else SCENARIOS) if s]
    for s in scenarios:
        if s not in SCENARIOS:
            ap.error(f"unknown scenario {s}")
    cfg_name = "quick" if args.quick else "full"

    specs = []
    weft_bin = args.weft or (ROOT / "target" / "release" / "weft")
    if not args.no_weft:
        if weft_bin.is_file() and os.access(weft_bin, os.X_OK):
            specs.append(ServerSpec("weft", weft_bin.resolve()))
        elif args.weft:
            ap.error(f"--weft {args.weft}: not an executable file")
        else:
            log(f"weft: {weft_bin} not found — weft column will be 'pending' (or stored results)")
    ref_bin = args.reference or find_reference()
    if not args.no_reference:
        if ref_bin and ref_bin.is_file():
            specs.append(ServerSpec("reference", ref_bin.resolve()))
        elif args.reference:
            ap.error(f"--reference {args.reference}: not a file")
        else:
            log("reference: not installed (run bench/install-reference.sh)")
    if not specs:
        log("no server to run")

    machine = machine_info()
    log(f"machine: {machine}; load {loadavg()}; config {cfg_name}: {cfg}")

    corpora = {}
    results: dict[str, dict] = {}
    mock = Mock() if specs else None
    try:
        if specs and "list" in scenarios:
            croot = mktemp("list-corpus")
            cwds = []
            for j in range(8):
                d = croot / "projects" / f"project-{j}"
                d.mkdir(parents=True)
                cwds.append(str(d))
            n = max(cfg["list_sizes"])
            log(f"generating {n:,} rollouts for thread/list ...")
            t0 = time.monotonic()
            corpus = generate_list_corpus(croot / "corpus", n, cwds)
            os.sync()  # flush the generated GBs now, not during a measurement
            log(f"  done in {time.monotonic() - t0:.1f}s")
            corpora["list"] = (croot / "corpus", corpus)
        if specs and "resume" in scenarios:
            rroot = mktemp("resume-corpus")
            wd = rroot / "project"
            wd.mkdir()
            nt = cfg["resume_turns"]
            log(f"generating one rollout with {nt:,} turns ({2 * nt:,} items) for thread/resume ...")
            created = int(time.time() * 1000) - (nt + 10) * 1000 - 86_400_000
            texts = [f"resume benchmark message {i}: " + _filler(80, str(i)) for i in range(nt)]
            tid, path = write_thread(rroot / "corpus" / "sessions", created, str(wd), texts, random.Random(99))
            log(f"  {path.stat().st_size / 1e6:.1f} MB")
            os.sync()
            corpora["resume"] = (path, tid, nt)

        for spec in specs:
            log(f"=== {spec.name}: {spec.binary} ({spec.version})")
            run = Run(spec, mock, cfg, corpora)
            load_before = loadavg()
            for s in scenarios:
                run.current = s
                busy = wait_quiet(args.wait_quiet) if args.wait_quiet else cpu_busy()
                before = set(run.metrics)
                acct0 = cpu_account()
                getattr(run, {"list": "thread_list"}.get(s, s))()
                foreign = foreign_cpu(acct0, cpu_account())
                load_end = float(loadavg().split()[0])
                for k in set(run.metrics) - before:
                    run.metrics[k].update(cpu_busy_before=round(busy, 3), load1_after=load_end,
                                          foreign_cpu=round(foreign, 3))
                if busy > BUSY_CPU or foreign > BUSY_CPU:
                    run.note(f"machine busy around this scenario (CPU {busy:.0%} busy before it, other processes "
                             f"used {foreign:.0%} of the CPUs during it; 1-min load {load_end:.1f} after): its "
                             f"numbers are marked †")
            r = run.result()
            r.update(date=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), load_before=load_before,
                     load_after=loadavg(), config=cfg_name, scenarios=scenarios, machine=machine,
                     cfg={k: v for k, v in cfg.items()})
            results[spec.name] = r
            if args.keep_temp:
                log(f"  logs kept in {run.logdir}")
    finally:
        if mock:
            mock.stop()

    suffix = "-quick" if args.quick else ""
    if not args.no_write:
        RESULTS.mkdir(exist_ok=True)
        for name, r in results.items():
            path = RESULTS / f"{name}{suffix}.json"
            if set(scenarios) != set(SCENARIOS) and path.exists():
                # partial run: keep the stored metrics of the scenarios not re-run
                old = json.loads(path.read_text())
                if old.get("binary") == r["binary"]:
                    merged = {k: v for k, v in old.get("metrics", {}).items() if v.get("scenario") not in scenarios}
                    merged.update(r["metrics"])
                    r["metrics"] = merged
                    r["notes"] = [n for n in old.get("notes", []) if not any(n.startswith(f"[{s}]") for s in scenarios)] \
                        + r["notes"]
                    r["scenarios"] = sorted(set(old.get("scenarios", [])) | set(scenarios), key=SCENARIOS.index)
                    r["partial_update"] = scenarios
            path.write_text(json.dumps(r, indent=1) + "\n")
    # a server not run now: show its stored result (same config) if there is one
    for name in ("weft", "reference"):
        if name not in results:
            p = RESULTS / f"{name}{suffix}.json"
            if p.exists():
                r = json.loads(p.read_text())
                r["stored"] = True
                results[name] = r
    print()
    print(table(results))
    print()
    for name, r in results.items():
        for n in r.get("notes") or []:
            print(f"note ({name}): {n}")
    if not args.no_write and (not args.quick or args.write) and results:
        write_benchmarks_md(render_section(results, machine, cfg_name))
        log(f"updated {BENCHMARKS_MD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
