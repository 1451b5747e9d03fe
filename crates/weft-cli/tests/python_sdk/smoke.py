#!/usr/bin/env python3
"""Smoke test: OpenAI's official Python SDK for the Codex app-server, driving weft.

Uses only the public API of the PyPI package `openai-codex` (see README.md beside this file
for the exact install command and version), exactly as a user would, with weft launched
through `CodexConfig(launch_args_override=[...])`:

    python3 smoke.py /path/to/weft          # e.g. target/debug/weft

It creates (and removes) its own temporary weft home with no config.toml, and clears
OPENAI_API_KEY / OPENAI_BASE_URL for the child, so weft answers with its offline `scripted`
model ("Hello from mock. You said: <text>", 100 input / 10 output tokens per response).

Steps: initialize, model/list, thread/start, a streamed turn (deltas + item/completed +
turn/completed), `Thread.run` (TurnResult with final_response and usage), turn/interrupt of a
slow turn, thread/list, thread/read with turns, thread/resume, then a second SDK process on the
same home resuming the thread and running one more turn. Every notification of a turn must
parse into the SDK's generated pydantic model: the SDK silently downgrades a payload that
fails validation to `UnknownNotification`, so this script re-validates such a payload and
reports the pydantic error.

Exit status: 0 when every step passed; 1 when a step failed (the message names the step and
the cause); 2 when the SDK is not installed or the arguments are wrong; 3 on the 60 s timeout.
The last line is `smoke: N passed, M failed`.
"""

from __future__ import annotations

import shutil
import sys
import tempfile

from sdk_script import check_payload, expect, hello, main, root

try:
    from openai_codex import Codex, CodexConfig, __version__ as SDK_VERSION
    from openai_codex.generated.v2_all import (
        AgentMessageDeltaNotification,
        AgentMessageThreadItem,
        ItemCompletedNotification,
        TurnCompletedNotification,
        TurnStartedNotification,
        TurnStatus,
        UserMessageThreadItem,
    )
except ImportError as exc:  # pragma: no cover - environment problem, not a weft failure
    print(f"smoke: cannot import the openai-codex SDK ({exc}); see README.md for pip install")
    sys.exit(2)


class Smoke:
    def __init__(self, weft: str) -> None:
        self.weft = weft
        self.home = tempfile.mkdtemp(prefix="weft-sdk-smoke-")
        self.passed = 0
        self.current = "setup"
        self.clients: list[Codex] = []

    def config(self) -> CodexConfig:
        return CodexConfig(
            launch_args_override=(self.weft, "--home", self.home, "app-server"),
            cwd=self.home,
        )

    def open_client(self) -> Codex:
        codex = Codex(self.config())
        self.clients.append(codex)
        return codex

    def step(self, name: str, func):
        self.current = name
        result = func()
        self.passed += 1
        print(f"ok   {name}")
        return result

    # -- steps ----------------------------------------------------------------------------

    def run(self) -> None:
        codex = self.step("initialize", self.initialize)
        self.step("model/list", lambda: self.models(codex))
        thread = self.step("thread/start", lambda: codex.thread_start())
        self.step("turn stream", lambda: self.stream_turn(thread, "hi there"))
        self.step("thread.run", lambda: self.run_turn(thread, "second"))
        self.step("turn/interrupt", lambda: self.interrupt_turn(thread))
        self.step("thread/list", lambda: self.list_threads(codex, thread.id, "hi there"))
        self.step("thread/read", lambda: self.read_thread(thread))
        self.step("thread/resume", lambda: self.resume(codex, thread.id))
        self.step("close", lambda: self.close(codex))
        self.step("resume in a new process", lambda: self.resume_fresh(thread.id))

    def initialize(self) -> Codex:
        codex = self.open_client()
        meta = codex.metadata
        expect(bool(meta.userAgent), f"initialize: empty userAgent in {meta!r}")
        version = meta.serverInfo.version if meta.serverInfo else None
        expect(bool(version), f"initialize: no server version derivable from {meta!r}")
        print(f"  userAgent={meta.userAgent!r}")
        return codex

    def models(self, codex: Codex) -> None:
        models = codex.models().data
        expect(len(models) >= 1, "model/list returned no models")
        expect(any(m.is_default for m in models), f"model/list: no default model in {models!r}")

    def stream_turn(self, thread, prompt: str) -> None:
        handle = thread.turn(prompt)
        expect(bool(handle.id), "turn/start returned no turn id")
        methods: list[str] = []
        deltas: list[str] = []
        completed_items = []
        completed = None
        for event in handle.stream():
            check_payload(event)
            methods.append(event.method)
            payload = event.payload
            if isinstance(payload, AgentMessageDeltaNotification):
                deltas.append(payload.delta)
            elif isinstance(payload, ItemCompletedNotification):
                completed_items.append(root(payload.item))
            elif isinstance(payload, TurnCompletedNotification):
                completed = payload
        expect("turn/started" in methods, f"no turn/started in {methods}")
        expect(completed is not None, f"stream ended without a typed turn/completed: {methods}")
        expect(
            completed.turn.status == TurnStatus.completed,
            f"turn/completed status {completed.turn.status!r}, error {completed.turn.error!r}",
        )
        text = "".join(deltas)
        expect(text == hello(prompt), f"streamed text {text!r} != {hello(prompt)!r}")
        agent = [i for i in completed_items if isinstance(i, AgentMessageThreadItem)]
        expect(
            len(agent) == 1 and agent[0].text == text,
            f"item/completed agentMessage {agent!r} does not carry the streamed text {text!r}",
        )
        print(f"  streamed {len(deltas)} deltas: {text!r}")

    def run_turn(self, thread, prompt: str) -> None:
        result = thread.run(prompt)
        expect(result.status == TurnStatus.completed, f"TurnResult.status {result.status!r}")
        expect(
            result.final_response == hello(prompt),
            f"TurnResult.final_response {result.final_response!r} != {hello(prompt)!r}",
        )
        kinds = [type(root(i)).__name__ for i in result.items]
        expect(
            any(isinstance(root(i), UserMessageThreadItem) for i in result.items),
            f"TurnResult.items has no userMessage: {kinds}",
        )
        expect(result.usage is not None, "TurnResult.usage is None (no thread/tokenUsage/updated)")
        last = result.usage.last
        expect(
            (last.input_tokens, last.output_tokens) == (100, 10),
            f"usage.last {last!r}, expected 100 in / 10 out",
        )
        expect(result.duration_ms is not None, "TurnResult.duration_ms is None")
        print(f"  final_response={result.final_response!r} usage.total={result.usage.total!r}")

    def interrupt_turn(self, thread) -> None:
        # The scripted model streams 20 deltas 250 ms apart for a prompt containing SLOW.
        handle = thread.turn("SLOW please")
        status = None
        interrupted = False
        for event in handle.stream():
            check_payload(event)
            if isinstance(event.payload, AgentMessageDeltaNotification) and not interrupted:
                handle.interrupt()
                interrupted = True
            if isinstance(event.payload, TurnCompletedNotification):
                status = event.payload.turn.status
        expect(interrupted, "no delta arrived before the turn ended")
        expect(status == TurnStatus.interrupted, f"interrupted turn ended with status {status!r}")

    def list_threads(self, codex: Codex, thread_id: str, first_prompt: str) -> None:
        listed = codex.thread_list()
        ids = [t.id for t in listed.data]
        expect(thread_id in ids, f"thread/list {ids} lacks {thread_id}")
        entry = next(t for t in listed.data if t.id == thread_id)
        expect(entry.preview == first_prompt, f"thread/list preview {entry.preview!r}")
        limited = codex.thread_list(limit=1)
        expect(len(limited.data) == 1, f"thread/list limit=1 gave {len(limited.data)} threads")

    def read_thread(self, thread) -> None:
        bare = thread.read().thread
        expect(bare.id == thread.id, f"thread/read id {bare.id!r}")
        full = thread.read(include_turns=True).thread
        statuses = [t.status for t in full.turns]
        expect(
            statuses == [TurnStatus.completed, TurnStatus.completed, TurnStatus.interrupted],
            f"thread/read turns' statuses {statuses}",
        )
        texts = [
            root(i).text
            for t in full.turns[:2]
            for i in t.items
            if isinstance(root(i), AgentMessageThreadItem)
        ]
        expected = [hello("hi there"), hello("second")]
        expect(texts == expected, f"thread/read agent texts {texts!r} != {expected!r}")

    def resume(self, codex: Codex, thread_id: str) -> None:
        resumed = codex.thread_resume(thread_id)
        expect(resumed.id == thread_id, f"thread/resume gave {resumed.id!r}")

    def close(self, codex: Codex) -> None:
        codex.close()
        self.clients.remove(codex)

    def resume_fresh(self, thread_id: str) -> None:
        with self.open_client() as codex:
            ids = [t.id for t in codex.thread_list().data]
            expect(thread_id in ids, f"new process: thread/list {ids} lacks {thread_id}")
            thread = codex.thread_resume(thread_id)
            result = thread.run("third")
            expect(
                result.final_response == hello("third"),
                f"new process: final_response {result.final_response!r}",
            )
            turns = thread.read(include_turns=True).thread.turns
            expect(len(turns) == 4, f"new process: thread/read has {len(turns)} turns, not 4")
        self.clients.clear()

    # -- teardown -------------------------------------------------------------------------

    def kill_children(self) -> None:
        for codex in list(self.clients):
            # Private attribute, used only to stop a hung child on timeout.
            proc = getattr(getattr(codex, "_client", None), "_proc", None)
            if proc is not None:
                try:
                    proc.kill()
                except OSError:
                    pass

    def cleanup(self) -> None:
        for codex in list(self.clients):
            try:
                codex.close()
            except Exception:  # noqa: BLE001
                pass
        self.clients.clear()
        self.remove_temp()

    def remove_temp(self) -> None:
        shutil.rmtree(self.home, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main("smoke", __doc__, sys.argv, SDK_VERSION, Smoke))
