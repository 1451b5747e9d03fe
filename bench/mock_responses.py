#!/usr/bin/env python3
"""Loopback mock of the OpenAI Responses API (SSE), for benchmarking app-servers.

Python 3.11 standard library only. Serves ``POST /v1/responses`` on 127.0.0.1 and reproduces the
rules of the mock the reference transcripts were recorded with
(../shared/reference/codex-0.169.0-transcripts/README.md). The reply depends only on the request:

* last input item is a tool output      -> text ``done: <first 40 chars of the output>``
* last user text contains ``RUN:<cmd>``  -> function call ``exec_command``
                                           ``{"cmd": <cmd>, "yield_time_ms": 2000}``
* last user text contains ``PATCH:<f>``  -> ``exec_command`` running ``apply_patch`` with a heredoc
                                           patch that adds ``<f>`` containing ``hello from mock``
* last user text contains ``SLOW``       -> 20 text deltas, 250 ms apart
* otherwise                              -> ``Hello from mock. You said: <text>``

Every response ends with ``response.completed`` carrying usage 100 input / 10 output tokens.

For each model request the mock records (``time.monotonic()``, CLOCK_MONOTONIC, comparable across
processes on Linux):

* ``t_recv``  - request line parsed (the handler started),
* ``t_body``  - request body fully read,
* ``t_end``   - last byte of the SSE stream written,
* ``mock_s``  - ``t_end - t_body``: time spent inside the mock (decode, decide, stream out,
                including SLOW's sleeps) that a harness subtracts from a turn's wall time.

Control endpoints (not recorded): ``GET /_stats?since=N`` -> ``{"next": M, "requests": [...]}``,
``GET /_health`` -> ``ok``.

Run standalone: ``python3 bench/mock_responses.py [--port 0]``; it prints
``MOCK_PORT=<port>`` on stdout (one line, flushed) once it is listening. Or import it and call
``start()`` which returns ``(server, port)``.
"""

from __future__ import annotations

import argparse
import http.server
import itertools
import json
import re
import socket
import sys
import threading
import time
import urllib.parse

USAGE = {
    "input_tokens": 100,
    "input_tokens_details": {"cached_tokens": 0},
    "output_tokens": 10,
    "output_tokens_details": {"reasoning_tokens": 0},
    "total_tokens": 110,
}

SLOW_DELTAS = 20
SLOW_INTERVAL_S = 0.250


class Recorder:
    """Thread-safe log of per-request timings."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[dict] = []
        self._ids = itertools.count(1)

    def next_id(self) -> int:
        with self._lock:
            return next(self._ids)

    def add(self, rec: dict) -> None:
        with self._lock:
            rec["seq"] = len(self._records)
            self._records.append(rec)

    def since(self, n: int) -> tuple[int, list[dict]]:
        with self._lock:
            return len(self._records), list(self._records[n:])


# ---------------------------------------------------------------------------------------------
# The rules


def _text_of_content(content) -> str:
    if isinstance(content, str):
        return content
    parts = []
    if isinstance(content, list):
        for c in content:
            if isinstance(c, dict) and isinstance(c.get("text"), str):
                parts.append(c["text"])
    return "".join(parts)


def _is_tool_output(item: dict) -> bool:
    return isinstance(item, dict) and item.get("type") in (
        "function_call_output",
        "custom_tool_call_output",
        "local_shell_call_output",
        "mcp_tool_call_output",
        "tool_search_output",
    )


def _last_user_text(items: list) -> str:
    for item in reversed(items):
        if isinstance(item, dict) and item.get("type", "message") == "message" and item.get("role") == "user":
            return _text_of_content(item.get("content"))
    return ""


def decide(body: dict) -> dict:
    """Return the reply plan for a request body: {"kind": "text"|"call"|"slow", ...}."""
    items = body.get("input") or []
    if isinstance(items, str):
        items = [{"type": "message", "role": "user", "content": items}]
    last = items[-1] if items else {}
    if _is_tool_output(last):
        out = last.get("output")
        if isinstance(out, dict):  # {"content": ...} shapes
            out = out.get("content", out.get("output", ""))
        out_text = out if isinstance(out, str) else _text_of_content(out)
        return {"kind": "text", "text": "done: " + out_text[:40]}
    text = _last_user_text(items)
    m = re.search(r"RUN:\s*(.+)", text)
    if m:
        return {"kind": "call", "arguments": json.dumps({"cmd": m.group(1).strip(), "yield_time_ms": 2000})}
    m = re.search(r"PATCH:\s*(\S+)", text)
    if m:
        f = m.group(1).strip()
        patch = (
            "apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: " + f + "\n+hello from mock\n*** End Patch\nEOF\n"
        )
        return {"kind": "call", "arguments": json.dumps({"cmd": patch, "yield_time_ms": 2000})}
    if "SLOW" in text:
        return {"kind": "slow", "text": text}
    return {"kind": "text", "text": "Hello from mock. You said: " + text}


def _words(text: str) -> list[str]:
    """Split into deltas the way the recorded mock did: words keep their trailing space."""
    pieces = re.findall(r"\S+\s*|\s+", text)
    return pieces or [""]


# ---------------------------------------------------------------------------------------------
# HTTP


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "mock-responses/1"
    sys_version = ""

    def log_message(self, fmt, *args):  # quiet
        if getattr(self.server, "verbose", False):
            sys.stderr.write("mock: " + (fmt % args) + "\n")

    # -- helpers ------------------------------------------------------------------------------
    def _send_small(self, code: int, ctype: str, payload: bytes) -> None:
        self.send_response(code)
        self.send_header("content-type", ctype)
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def _event(self, ev: dict) -> None:
        data = json.dumps(ev, separators=(",", ":")).encode()
        self._chunk(b"event: " + ev["type"].encode() + b"\ndata: " + data + b"\n\n")

    # -- control ------------------------------------------------------------------------------
    def do_GET(self):  # noqa: N802
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/_health":
            self._send_small(200, "text/plain", b"ok")
            return
        if url.path == "/_stats":
            q = urllib.parse.parse_qs(url.query)
            since = int(q.get("since", ["0"])[0])
            nxt, recs = self.server.recorder.since(since)
            self._send_small(200, "application/json", json.dumps({"next": nxt, "requests": recs}).encode())
            return
        t_recv = time.monotonic()
        self._send_small(404, "application/json", b'{"error":{"message":"not found"}}')
        self.server.recorder.add(
            {"method": "GET", "path": url.path, "status": 404, "t_recv": t_recv, "t_body": t_recv,
             "t_end": time.monotonic(), "mock_s": time.monotonic() - t_recv}
        )

    def do_POST(self):  # noqa: N802
        t_recv = time.monotonic()
        url = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("content-length") or 0)
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            raw = self._read_chunked()
        else:
            raw = self.rfile.read(length) if length else b""
        t_body = time.monotonic()
        rec = {"method": "POST", "path": url.path, "t_recv": t_recv, "t_body": t_body, "bytes_in": len(raw)}
        if self.headers.get("content-encoding", "").lower() == "zstd":
            # Not expected from the mock provider; answer clearly rather than guess.
            self._send_small(415, "application/json", b'{"error":{"message":"zstd body not supported by mock"}}')
            rec.update(status=415, t_end=time.monotonic())
            rec["mock_s"] = rec["t_end"] - t_body
            self.server.recorder.add(rec)
            return
        if not url.path.endswith("/responses"):
            self._send_small(404, "application/json", b'{"error":{"message":"not found"}}')
            rec.update(status=404, t_end=time.monotonic())
            rec["mock_s"] = rec["t_end"] - t_body
            self.server.recorder.add(rec)
            return
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            self._send_small(400, "application/json", b'{"error":{"message":"bad json"}}')
            rec.update(status=400, t_end=time.monotonic())
            rec["mock_s"] = rec["t_end"] - t_body
            self.server.recorder.add(rec)
            return
        plan = decide(body)
        rec["kind"] = plan["kind"]
        rec["thread"] = self.headers.get("x-client-request-id") or body.get("prompt_cache_key")
        rec["n_input"] = len(body.get("input") or [])
        try:
            self._stream(plan)
            rec["status"] = 200
        except (BrokenPipeError, ConnectionResetError):
            rec["status"] = "client-closed"
        rec["t_end"] = time.monotonic()
        rec["mock_s"] = rec["t_end"] - t_body
        self.server.recorder.add(rec)

    def _read_chunked(self) -> bytes:
        out = bytearray()
        while True:
            line = self.rfile.readline()
            size = int(line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return bytes(out)
            out += self.rfile.read(size)
            self.rfile.readline()

    def _stream(self, plan: dict) -> None:
        rid = self.server.recorder.next_id()
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        resp_id = f"resp_{rid}"
        self._event({"type": "response.created", "response": {"id": resp_id, "status": "in_progress"}})
        if plan["kind"] == "call":
            n = self.server.recorder.next_id()
            call_id, fc_id = f"call_{n}", f"fc_{self.server.recorder.next_id()}"
            item = {"type": "function_call", "id": fc_id, "call_id": call_id, "name": "exec_command",
                    "arguments": "", "status": "in_progress"}
            self._event({"type": "response.output_item.added", "output_index": 0, "item": item})
            done = dict(item, arguments=plan["arguments"], status="completed")
            self._event({"type": "response.output_item.done", "output_index": 0, "item": done})
        else:
            msg_id = f"msg_{self.server.recorder.next_id()}"
            item = {"type": "message", "id": msg_id, "role": "assistant", "status": "in_progress", "content": []}
            self._event({"type": "response.output_item.added", "output_index": 0, "item": item})
            if plan["kind"] == "slow":
                deltas = [f"chunk {i} " for i in range(SLOW_DELTAS)]
            else:
                deltas = _words(plan["text"])
            for i, d in enumerate(deltas):
                if plan["kind"] == "slow" and i:
                    time.sleep(SLOW_INTERVAL_S)
                self._event({"type": "response.output_text.delta", "item_id": msg_id, "output_index": 0,
                             "content_index": 0, "delta": d})
            text = "".join(deltas)
            done = dict(item, status="completed",
                        content=[{"type": "output_text", "text": text, "annotations": []}])
            self._event({"type": "response.output_item.done", "output_index": 0, "item": done})
        self._event({"type": "response.completed",
                     "response": {"id": resp_id, "status": "completed", "usage": USAGE}})
        self._chunk(b"")  # terminating zero-length chunk
        self.wfile.flush()


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().server_bind()


class _NoDelayHandler(Handler):
    def setup(self):
        super().setup()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass


def start(port: int = 0, verbose: bool = False) -> tuple[Server, int]:
    srv = Server(("127.0.0.1", port), _NoDelayHandler)
    srv.recorder = Recorder()
    srv.verbose = verbose
    t = threading.Thread(target=srv.serve_forever, name="mock-responses", daemon=True)
    t.start()
    return srv, srv.server_address[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    srv, port = start(args.port, args.verbose)
    print(f"MOCK_PORT={port}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        srv.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
