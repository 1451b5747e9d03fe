#!/usr/bin/env python3
"""Do weft and the reference (codex app-server 0.169.0) read each other's tool history?

Python 3.11 standard library only. Two directions, each on a fresh home and a fresh temp workspace:

1. weft writes, reference reads: weft runs a thread with the turns ``RUN: echo hi-from-weft`` and
   ``PATCH: made-by-weft.txt``; weft stops; the reference starts on the same home and is asked
   ``thread/list``, ``thread/read {includeTurns: true}``, ``thread/resume`` and one more turn.
2. reference writes, weft reads: the same, roles swapped.

For each direction it prints the tool items (``commandExecution``, ``fileChange``) the writer sent
live in ``item/completed`` next to what the reader returns from the rollout, field by field, and
checks that the reader's follow-up model request replays the history (every ``function_call`` has
its ``function_call_output``) and that the follow-up turn completes.

Then the writer starts once more and reads the rollout the reader appended a turn to (a mixed
file), compared with both servers' live items.

    python3 bench/compat/tool_history.py [--weft target/debug/weft] [--reference PATH]
        [--sandbox workspace-write|danger-full-access] [--extended] [--keep DIR]
        [--save-fixture DIR]

``--extended`` adds more command shapes (search/list actions, failing commands, quoting, no
output). ``--keep DIR`` copies both homes and a ``report.json`` (live items, read items, model
requests) there; ``--save-fixture DIR`` writes the reference-written rollout of direction 2 and
its live items (crates/weft-store/tests/fixtures/). Exit status 0 when every compared field is
equal, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE.parent))
import mock_responses  # noqa: E402  (bench/mock_responses.py)

CLIENT_INFO = {"name": "weft-compat", "version": "1.0.0"}
TURNS = ("RUN: echo hi-from-weft", "PATCH: made-by-weft.txt")
FOLLOW_UP = "RUN: cat made-by-weft.txt"
# `--extended`: more command shapes (search and list actions, a failing command, quoting).
EXTRA_TURNS = ("RUN: grep -n hello made-by-weft.txt", "RUN: ls -la && false",
               "RUN: echo \"a  b\" 'c$d' | wc -c; exit 3", "RUN: x=1")
TIMEOUT_S = 120.0
# The reference's extra live-only fields that weft-protocol does not model.
IGNORED_KEYS = {"pluginId", "scriptPath"}
EXTENDED = False

# -------------------------------------------------------------------------------------------------
# the mock, with every request body kept

BODIES: list[dict] = []
_decide = mock_responses.decide


def _recording_decide(body: dict) -> dict:
    BODIES.append(body)
    return _decide(body)


mock_responses.decide = _recording_decide


def config_toml(base_url: str, sandbox: str) -> str:
    return f"""model = "gpt-5.2-codex"
model_provider = "mock"
approval_policy = "never"
sandbox_mode = "{sandbox}"

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


# -------------------------------------------------------------------------------------------------
# one server over stdio


class Server:
    def __init__(self, name: str, binary: str, home: Path, cwd: Path, user_home: Path, log: Path):
        env = {k: v for k, v in os.environ.items()
               if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "CODEX_API_KEY", "RUST_LOG")}
        env.update(CODEX_HOME=str(home), WEFT_HOME=str(home), HOME=str(user_home), TERM="xterm")
        if name == "reference":
            env["CODEX_MANAGED_BY_NPM"] = "1"
        self.name = name
        self.log = open(log, "ab")
        self.proc = subprocess.Popen([binary, "app-server"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.log, env=env, cwd=str(cwd), start_new_session=True)
        self.cond = threading.Condition()
        self.responses: dict = {}
        self.notes: list[dict] = []
        self.eof = False
        self.next_id = 1
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            if "method" in msg and "id" in msg:  # a server request: approvals are accepted
                ok = "requestApproval" in msg["method"]
                self.send({"id": msg["id"], "result": {"decision": "accept"}} if ok else
                          {"id": msg["id"], "error": {"code": -32601, "message": "not supported"}})
                continue
            with self.cond:
                (self.notes.append(msg) if "method" in msg else self.responses.__setitem__(msg.get("id"), msg))
                self.cond.notify_all()
        with self.cond:
            self.eof = True
            self.cond.notify_all()

    def send(self, obj: dict) -> None:
        self.proc.stdin.write(json.dumps(obj).encode() + b"\n")
        self.proc.stdin.flush()

    def request(self, method: str, params: dict) -> dict:
        rid = self.next_id
        self.next_id += 1
        self.send({"id": rid, "method": method, "params": params})
        deadline = time.monotonic() + TIMEOUT_S
        with self.cond:
            while rid not in self.responses:
                if self.eof or time.monotonic() > deadline:
                    raise RuntimeError(f"{self.name}: no response to {method}")
                self.cond.wait(1.0)
            resp = self.responses.pop(rid)
        if "error" in resp:
            raise RuntimeError(f"{self.name}: {method} failed: {resp['error']}")
        return resp["result"]

    def initialize(self) -> None:
        self.request("initialize", {"clientInfo": CLIENT_INFO, "capabilities": {"experimentalApi": True}})
        self.send({"method": "initialized"})

    def turn(self, thread_id: str, text: str) -> tuple[dict, list[dict]]:
        """Runs one turn; returns the completed turn and the items of its `item/completed`."""
        start = len(self.notes)
        turn_id = self.request("turn/start", {
            "threadId": thread_id, "input": [{"type": "text", "text": text, "text_elements": []}]})["turn"]["id"]
        deadline = time.monotonic() + TIMEOUT_S
        with self.cond:
            while True:
                done = [n for n in self.notes[start:] if n["method"] == "turn/completed"
                        and n["params"]["turn"]["id"] == turn_id]
                if done:
                    break
                if self.eof or time.monotonic() > deadline:
                    raise RuntimeError(f"{self.name}: turn {text!r} did not complete")
                self.cond.wait(1.0)
            items = [n["params"]["item"] for n in self.notes[start:] if n["method"] == "item/completed"
                     and n["params"].get("turnId") == turn_id]
        return done[0]["params"]["turn"], items

    def close(self) -> None:
        try:
            self.proc.stdin.close()
            self.proc.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)
        self.log.close()


# -------------------------------------------------------------------------------------------------
# one direction


def tool_items(items: list[dict]) -> list[dict]:
    """The command and file-change items, without the live-only fields weft does not model
    (`pluginId`, `scriptPath`: the reference sends them as `null`; checked in `strip`)."""
    return [strip(it) for it in items if it.get("type") in ("commandExecution", "fileChange")]


def strip(item: dict) -> dict:
    extra = {k: item[k] for k in IGNORED_KEYS if k in item}
    if any(v is not None for v in extra.values()):
        print(f"  note: {item['id']} carries {extra} (not modelled by weft)")
    return {k: v for k, v in item.items() if k not in IGNORED_KEYS}


def diff_items(live: list[dict], read: list[dict]) -> list[str]:
    out = []
    live_by_id = {it["id"]: it for it in live}
    read_by_id = {it["id"]: it for it in read}
    for item_id in sorted(set(live_by_id) | set(read_by_id)):
        a, b = live_by_id.get(item_id), read_by_id.get(item_id)
        if a is None or b is None:
            out.append(f"  {item_id}: {'only read' if a is None else 'only live'}")
            continue
        for key in sorted(set(a) | set(b)):
            if a.get(key, "<absent>") != b.get(key, "<absent>"):
                out.append(f"  {item_id} ({a['type']}).{key}: live {json.dumps(a.get(key, '<absent>'))[:300]}"
                           f" | read {json.dumps(b.get(key, '<absent>'))[:300]}")
    return out


def compare(tag: str, what: str, thread: dict, live: list[dict], who: str, rec: dict) -> bool:
    got = tool_items([it for t in thread["turns"] for it in t["items"]])
    differences = diff_items(live, got)
    rec[what], rec[f"{what} differences"] = got, differences
    print(f"[{tag}] {what}: {len(thread['turns'])} turns, tool items {[(i['type'], i['status']) for i in got]}; "
          f"fields that differ from live {who} item/completed:" + ("" if differences else " none"))
    for line in differences:
        print(line)
    return not differences


def history_check(body: dict) -> list[str]:
    """Problems with the replayed history of a model request."""
    items = body.get("input") or []
    calls = [i["call_id"] for i in items if i.get("type") == "function_call"]
    outputs = [i["call_id"] for i in items if i.get("type") == "function_call_output"]
    problems = []
    if len(calls) < len(TURNS):
        problems.append(f"only {len(calls)} function_call(s) replayed")
    for call in calls:
        if call not in outputs:
            problems.append(f"function_call {call} has no output")
    return problems


def read_cold(srv: Server, thread_id: str, thread_params: dict, tag: str, rec: dict) -> tuple[dict, dict]:
    """`thread/read` before a resume, then `thread/resume` and `thread/read` again.

    The reference answers `thread/read` of an unloaded paginated thread from its own projection
    (`thread_history_1.sqlite`) only, which `thread/resume` builds or catches up: before a resume
    it shows no turns for a thread it did not write, stale turns for one appended to elsewhere
    (core.md 5.6). weft reads the rollout each time."""
    before = srv.request("thread/read", {"threadId": thread_id, "includeTurns": True})["thread"]
    rec["turns read before resume"] = len(before["turns"])
    print(f"[{tag}] {srv.name} thread/read before resume: {len(before['turns'])} turns")
    resumed = srv.request("thread/resume", {"threadId": thread_id, **thread_params})["thread"]
    read = srv.request("thread/read", {"threadId": thread_id, "includeTurns": True})["thread"]
    return resumed, read


def run_writer(writer: tuple[str, str], home: Path, root: Path, thread_params: dict, tag: str, rec: dict) -> bool:
    ok = True
    srv = Server(writer[0], writer[1], home, Path(thread_params["cwd"]), root / "user-home",
                 root / f"{writer[0]}.log")
    try:
        srv.initialize()
        thread_id = srv.request("thread/start", thread_params)["thread"]["id"]
        live = []
        for text in TURNS + (EXTRA_TURNS if EXTENDED else ()):
            turn, items = srv.turn(thread_id, text)
            if turn["status"] != "completed":
                print(f"[{tag}] writer turn {text!r}: {turn['status']} {turn.get('error')}")
                ok = False
            live += items
    finally:
        srv.close()
    rec["thread_id"], rec["live (all items)"], rec["live"] = thread_id, live, tool_items(live)
    rollout = next((home / "sessions").rglob(f"rollout-*-{thread_id}.jsonl"))
    rec["writer rollout"] = rollout.read_text()
    print(f"[{tag}] {writer[0]} wrote thread {thread_id}: {[(i['type'], i['status']) for i in rec['live']]}")
    return ok


def run_reader(reader: tuple[str, str], home: Path, root: Path, thread_params: dict, tag: str, rec: dict) -> bool:
    thread_id, live = rec["thread_id"], rec["live"]
    srv = Server(reader[0], reader[1], home, Path(thread_params["cwd"]), root / "user-home",
                 root / f"{reader[0]}.log")
    try:
        srv.initialize()
        listed = [t["id"] for t in srv.request("thread/list", {})["data"]]
        ok = thread_id in listed
        print(f"[{tag}] {reader[0]} thread/list shows the thread: {ok}")
        resumed, read = read_cold(srv, thread_id, thread_params, tag, rec)
        ok &= compare(tag, "thread/resume", resumed, live, "writer", rec)
        ok &= compare(tag, "thread/read", read, live, "writer", rec)
        first_body = len(BODIES)
        turn, items = srv.turn(thread_id, FOLLOW_UP)
        bodies = BODIES[first_body:]
        rec["follow-up requests"], rec["follow-up live"] = bodies, tool_items(items)
        problems = history_check(bodies[0]) if bodies else ["no model request"]
        if turn["status"] != "completed":
            problems.append(f"follow-up turn {turn['status']}: {turn.get('error')}")
        rec["follow-up problems"] = problems
        print(f"[{tag}] {reader[0]} resume + turn: {turn['status']}, {len(bodies)} model request(s), replayed "
              f"input {[i.get('type', 'message') for i in (bodies[0]['input'] if bodies else [])]}")
        for p in problems:
            print(f"[{tag}]   problem: {p}")
        return ok and not problems
    finally:
        srv.close()


def run_back(writer: tuple[str, str], home: Path, root: Path, thread_params: dict, tag: str, rec: dict) -> bool:
    """The writer again, on the rollout the reader appended a turn to: its follow-up command item."""
    srv = Server(writer[0], writer[1], home, Path(thread_params["cwd"]), root / "user-home",
                 root / f"{writer[0]}-again.log")
    try:
        srv.initialize()
        resumed, read = read_cold(srv, rec["thread_id"], thread_params, tag, rec)
        want = rec["live"] + rec["follow-up live"]
        return compare(tag, "mixed rollout, thread/read by the writer", read, want, "writer/reader", rec)
    finally:
        srv.close()


def direction(writer: tuple[str, str], reader: tuple[str, str], base: Path, mock_url: str, sandbox: str,
              report: dict) -> bool:
    tag = f"{writer[0]}-writes-{reader[0]}-reads"
    root = base / tag
    home, work = root / "home", root / "work"
    for d in (home, work, root / "user-home"):
        d.mkdir(parents=True)
    (home / "config.toml").write_text(config_toml(mock_url, sandbox))
    thread_params = {"cwd": str(work), "approvalPolicy": "never", "sandbox": sandbox}
    rec: dict = {"home": str(home), "work": str(work)}
    report[tag] = rec
    ok = run_writer(writer, home, root, thread_params, tag, rec)
    ok &= run_reader(reader, home, root, thread_params, tag, rec)
    ok &= run_back(writer, home, root, thread_params, tag, rec)
    return ok


def save_fixture(rec: dict, out: Path) -> None:
    """The reference-written rollout (its `base_instructions` text elided) and its live items."""
    out.mkdir(parents=True, exist_ok=True)
    lines = rec["writer rollout"].splitlines()
    meta = json.loads(lines[0])
    text = meta["payload"]["base_instructions"]["text"]
    meta["payload"]["base_instructions"]["text"] = f"<elided: {len(text)} bytes>"
    lines[0] = json.dumps(meta, separators=(",", ":"), ensure_ascii=False)
    (out / "reference-tool-turns.jsonl").write_text("\n".join(lines) + "\n")
    (out / "reference-tool-turns.live.json").write_text(json.dumps(rec["live (all items)"], indent=1) + "\n")


def find_reference() -> str:
    found = sorted((ROOT / "bench/.reference/node_modules/@openai").glob("*/vendor/*/*/codex"))
    if not found:
        sys.exit("reference not installed: run bench/install-reference.sh (or pass --reference)")
    return str(found[0])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--weft", default=str(ROOT / "target/debug/weft"))
    ap.add_argument("--reference", default=None)
    ap.add_argument("--sandbox", default="workspace-write", choices=("workspace-write", "danger-full-access"))
    ap.add_argument("--keep", default=None, help="copy homes and report.json here")
    ap.add_argument("--save-fixture", default=None,
                    help="write the reference-written rollout and its live items to this folder")
    ap.add_argument("--extended", action="store_true", help="also run EXTRA_TURNS (not in the fixture)")
    args = ap.parse_args()
    global EXTENDED
    EXTENDED = args.extended
    weft = ("weft", args.weft)
    reference = ("reference", args.reference or find_reference())
    server, port = mock_responses.start()
    base = Path(tempfile.mkdtemp(prefix="weft-compat-"))
    report: dict = {"sandbox": args.sandbox}
    try:
        ok1 = direction(weft, reference, base, f"http://127.0.0.1:{port}/v1", args.sandbox, report)
        ok2 = direction(reference, weft, base, f"http://127.0.0.1:{port}/v1", args.sandbox, report)
        if args.save_fixture:
            save_fixture(report["reference-writes-weft-reads"], Path(args.save_fixture))
        if args.keep:
            keep = Path(args.keep)
            shutil.copytree(base, keep, dirs_exist_ok=True)
            (keep / "report.json").write_text(json.dumps(report, indent=1))
        print("RESULT:", "equal" if ok1 and ok2 else "differences found")
        return 0 if ok1 and ok2 else 1
    finally:
        server.shutdown()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
