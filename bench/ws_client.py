"""A minimal websocket client (RFC 6455, Python standard library only) for bench.py's
many-connection scenarios: one JSON-RPC message per text frame, as both servers speak it.

Enough for a benchmark, not a general client: text and close frames, continuation frames,
answers pings; client frames are masked as the RFC requires. One hub thread reads every
connection (`selectors`), so 100 connections do not mean 100 Python threads fighting over the
GIL (its 5 ms switch interval would show up as fan-out delay); each message is stamped with the
`time.monotonic()` of the `recv` that brought its last byte, before it is parsed.
"""

from __future__ import annotations

import base64
import json
import os
import select
import selectors
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
        self._partial = b""
        self._stamp = time.monotonic()
        self.sock.setblocking(False)
        HUB.add(self)

    # -- framing ---------------------------------------------------------------------------------
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
        data = header + mask + masked
        with self._send_lock:
            while data:
                try:
                    sent = self.sock.send(data)
                    data = data[sent:]
                except BlockingIOError:
                    select.select([], [self.sock], [], 1.0)

    def _on_bytes(self, data: bytes, stamp: float) -> None:
        """Called by the hub with what one `recv` brought and when."""
        self._buf += data
        while True:
            if len(self._buf) < 2:
                return
            b0, b1 = self._buf[0], self._buf[1]
            n, off = b1 & 0x7F, 2
            if n == 126:
                if len(self._buf) < 4:
                    return
                n, off = struct.unpack("!H", self._buf[2:4])[0], 4
            elif n == 127:
                if len(self._buf) < 10:
                    return
                n, off = struct.unpack("!Q", self._buf[2:10])[0], 10
            if len(self._buf) < off + n:
                return
            payload, self._buf = self._buf[off:off + n], self._buf[off + n:]
            fin, opcode = b0 & 0x80, b0 & 0x0F
            if opcode == 0x9:
                self._send_frame(0xA, payload)
            elif opcode == 0x8:
                self._mark_closed()
                return
            elif opcode in (0x1, 0x0):
                self._partial += payload
                if fin:
                    parsed = json.loads(self._partial)
                    self._partial = b""
                    with self._cond:
                        self.messages.append((stamp, parsed))
                        self._cond.notify_all()

    def _mark_closed(self) -> None:
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

    def stop_reading(self) -> None:
        """Stops reading (the socket stays open): the server's writes pile up in the kernel's
        buffers, then in the server's queue for this connection."""
        HUB.remove(self)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)

    def server_closed(self) -> bool:
        """After `stop_reading`: whether the server has closed this connection (reads what is
        buffered until EOF or nothing more is there)."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.sock], [], [], 0.5)
            if not ready:
                return False
            try:
                data = self.sock.recv(1 << 20)
            except BlockingIOError:
                continue
            except OSError:
                return True
            if not data:
                return True
        return False

    def close(self) -> None:
        HUB.remove(self)
        try:
            self._send_frame(0x8, b"")
        except OSError:
            pass
        try:
            self.sock.close()
        except OSError:
            pass


class _Hub:
    """The one reader thread of every connection."""

    def __init__(self) -> None:
        self._sel = selectors.DefaultSelector()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._sel.register(self._wake_r, selectors.EVENT_READ, None)

    def add(self, conn: WsConnection) -> None:
        with self._lock:
            self._sel.register(conn.sock, selectors.EVENT_READ, conn)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, daemon=True, name="ws-hub")
                self._thread.start()
        self._wake_w.send(b"x")
        if conn._buf:
            conn._on_bytes(b"", time.monotonic())

    def remove(self, conn: WsConnection) -> None:
        with self._lock:
            try:
                self._sel.unregister(conn.sock)
            except (KeyError, ValueError):
                pass

    def _run(self) -> None:
        while True:
            # Read every ready socket first, stamping each read, and parse afterwards: parsing
            # one connection's burst must not delay the stamps of the others.
            received = []
            for key, _ in self._sel.select(timeout=0.5):
                conn = key.data
                if conn is None:
                    try:
                        self._wake_r.recv(4096)
                    except BlockingIOError:
                        pass
                    continue
                try:
                    data = conn.sock.recv(262144)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                received.append((conn, data, time.monotonic()))
            for conn, data, stamp in received:
                if not data:
                    self.remove(conn)
                    conn._mark_closed()
                    continue
                try:
                    conn._on_bytes(data, stamp)
                except ValueError:
                    self.remove(conn)
                    conn._mark_closed()


HUB = _Hub()
