"""A minimal websocket client (RFC 6455, Python standard library only) for bench.py's
many-connection scenarios: one JSON-RPC message per text frame, as both servers speak it.

Enough for a benchmark, not a general client: text and close frames, continuation frames,
answers pings; client frames are masked as the RFC requires. Each connection reads on its own
thread and stamps every message with `time.monotonic()` when its last byte arrived.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
import threading
import time


class WsError(Exception):
    """The handshake or the framing went wrong."""


class WsConnection:
    def __init__(self, host: str, port: int, timeout: float = 30.0) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET / HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise WsError("connection closed during the handshake")
            head += chunk
        status, _, rest = head.partition(b"\r\n")
        if b" 101 " not in status:
            raise WsError(f"upgrade refused: {status.decode(errors='replace')}")
        self._buf = rest.partition(b"\r\n\r\n")[2]
        self.sock.settimeout(None)
        self._cond = threading.Condition()
        self.messages: list[tuple[float, dict]] = []
        self.closed = False
        self._next_id = 1
        self._send_lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    # -- framing ---------------------------------------------------------------------------------
    def _recv_exact(self, n: int) -> bytes:
        while len(self._buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError
            self._buf += chunk
        out, self._buf = self._buf[:n], self._buf[n:]
        return out

    def _send_frame(self, opcode: int, payload: bytes) -> None:
        header = bytes([0x80 | opcode])
        n = len(payload)
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 65536:
            header += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", n)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        with self._send_lock:
            self.sock.sendall(header + mask + masked)

    def _read(self) -> None:
        message = b""
        try:
            while True:
                b0, b1 = self._recv_exact(2)
                fin, opcode, n = b0 & 0x80, b0 & 0x0F, b1 & 0x7F
                if n == 126:
                    n = struct.unpack("!H", self._recv_exact(2))[0]
                elif n == 127:
                    n = struct.unpack("!Q", self._recv_exact(8))[0]
                payload = self._recv_exact(n)
                if opcode == 0x9:
                    self._send_frame(0xA, payload)
                    continue
                if opcode == 0x8:
                    break
                if opcode in (0x1, 0x0):
                    message += payload
                    if fin:
                        stamp = time.monotonic()
                        parsed = json.loads(message)
                        message = b""
                        with self._cond:
                            self.messages.append((stamp, parsed))
                            self._cond.notify_all()
        except (EOFError, OSError, ValueError):
            pass
        with self._cond:
            self.closed = True
            self._cond.notify_all()

    # -- JSON-RPC ---------------------------------------------------------------------------------
    def send(self, obj: dict) -> None:
        self._send_frame(0x1, json.dumps(obj).encode())

    def request(self, method: str, params, timeout: float = 60.0) -> dict:
        with self._cond:
            rid = self._next_id
            self._next_id += 1
            start = len(self.messages)
        self.send({"id": rid, "method": method, "params": params})
        _, msg = self.wait(lambda m: m.get("id") == rid and "method" not in m, start, timeout,
                           f"response to {method}")
        if "error" in msg:
            raise WsError(f"{method}: {msg['error']}")
        return msg["result"]

    def wait(self, pred, start: int, timeout: float, what: str) -> tuple[int, dict]:
        deadline = time.monotonic() + timeout
        i = start
        with self._cond:
            while True:
                while i < len(self.messages):
                    if pred(self.messages[i][1]):
                        return i, self.messages[i][1]
                    i += 1
                if self.closed:
                    raise WsError(f"closed while waiting for {what}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise WsError(f"no {what} within {timeout:.0f}s")
                self._cond.wait(min(left, 1.0))

    def count(self) -> int:
        with self._cond:
            return len(self.messages)

    def initialize(self, name: str) -> None:
        self.request("initialize", {"clientInfo": {"name": name, "version": "1.0.0"},
                                    "capabilities": {"experimentalApi": True}})
        self.send({"method": "initialized"})

    def close(self) -> None:
        try:
            self._send_frame(0x8, b"")
        except OSError:
            pass
        try:
            self.sock.close()
        except OSError:
            pass
