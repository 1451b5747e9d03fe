#!/usr/bin/env python3
"""Thread flows of OpenAI's official Python SDK against weft: name, fork, archive, unarchive.

Public API of the PyPI package `openai-codex` only (README.md beside this file says which
version), with weft launched through `CodexConfig(launch_args_override=[...])` on a temporary
home and its offline `scripted` model ("Hello from mock. You said: <text>"):

    python3 threads.py /path/to/weft

Steps: a thread with one turn; `Thread.set_name` (then `read` shows it); `TurnHandle.steer`
during a streaming turn (the cut response never completes, the model answers the steer);
`thread_fork` (the
fork reads back the source's turn, names its source, runs a turn of its own; the source keeps
one turn); an ephemeral fork without turns in its answer; `thread_archive` (gone from the
default list, present in `archived=True`); `thread_unarchive` (back, resumable, runs a turn);
then, from a new server process on the same home, the low-level client sets a paused goal on the
stored thread and clears it.

Exit status: 0 when every step passed; 1 when a step failed; 2 when the SDK is missing or the
arguments are wrong; 3 on the 60 s timeout. The last line is `threads: N passed, M failed`.
"""

from __future__ import annotations

import shutil
import sys
import tempfile

from sdk_script import check_payload, expect, hello, main, root

try:
    from openai_codex import Codex, CodexConfig, __version__ as SDK_VERSION
    from openai_codex.client import CodexClient
    from openai_codex.generated.v2_all import (
        AgentMessageDeltaNotification,
        ItemCompletedNotification,
        ThreadGoalStatus,
        TurnCompletedNotification,
        TurnStatus,
    )
except ImportError as exc:  # pragma: no cover - environment problem, not a weft failure
    print(f"threads: cannot import the openai-codex SDK ({exc}); see README.md for pip install")
    sys.exit(2)


class Flows:
    def __init__(self, weft: str) -> None:
        self.weft = weft
        self.home = tempfile.mkdtemp(prefix="weft-sdk-threads-")
        self.passed = 0
        self.current = "setup"
        self.codex: Codex | None = None

    def step(self, name: str, func):
        self.current = name
        result = func()
        self.passed += 1
        print(f"ok   {name}")
        return result

    def run(self) -> None:
        self.codex = Codex(CodexConfig(
            launch_args_override=(self.weft, "--home", self.home, "app-server"),
            cwd=self.home,
        ))
        codex = self.codex
        source = self.step("a thread with one turn", lambda: self.one_turn(codex.thread_start(), "first"))
        self.step("thread/name/set", lambda: self.name(source))
        self.step("turn/steer", lambda: self.steer(source))
        self.step("thread/fork", lambda: self.fork(codex, source))
        self.step("ephemeral fork", lambda: self.ephemeral_fork(codex, source))
        self.step("thread/archive", lambda: self.archive(codex, source))
        self.step("thread/unarchive", lambda: self.unarchive(codex, source))
        self.step("thread/goal/set and clear (low-level client)", lambda: self.goals(source.id))

    def one_turn(self, thread, prompt: str):
        result = thread.run(prompt)
        expect(result.status == TurnStatus.completed, f"turn status {result.status!r}")
        expect(result.final_response == hello(prompt), f"final_response {result.final_response!r}")
        return thread

    def name(self, thread) -> None:
        thread.set_name("Parser work")
        read = thread.read()
        expect(read.thread.name == "Parser work", f"thread/read name {read.thread.name!r}")

    def steer(self, thread) -> None:
        # The scripted model streams 20 deltas 250 ms apart for a prompt containing SLOW; the
        # steer at the first delta cuts that response and the model answers the steer.
        handle = thread.turn("SLOW please")
        steered = False
        texts: list[str] = []
        status = None
        for event in handle.stream():
            check_payload(event)
            payload = event.payload
            if isinstance(payload, AgentMessageDeltaNotification) and not steered:
                answer = handle.steer("steered instead")
                expect(answer.turn_id == handle.id, f"turn/steer answered {answer!r}")
                steered = True
            if isinstance(payload, ItemCompletedNotification):
                item = root(payload.item)
                if getattr(item, "type", None) == "agentMessage":
                    texts.append(item.text)
            if isinstance(payload, TurnCompletedNotification):
                status = payload.turn.status
        expect(steered, "no delta arrived before the turn ended")
        expect(status == TurnStatus.completed, f"steered turn ended {status!r}")
        expect(texts == [hello("steered instead")], f"agent messages {texts!r}")

    def fork(self, codex: Codex, source) -> None:
        fork = codex.thread_fork(source.id)
        expect(fork.id != source.id, "the fork has the source's id")
        read = fork.read(include_turns=True)
        expect(read.thread.forked_from_id == source.id, f"forkedFromId {read.thread.forked_from_id!r}")
        expect(len(read.thread.turns) == 2, f"the fork has {len(read.thread.turns)} turns, expected 2")
        self.one_turn(fork, "on the fork")
        expect(len(fork.read(include_turns=True).thread.turns) == 3, "the fork's own turn is missing")
        expect(len(source.read(include_turns=True).thread.turns) == 2, "the source changed")
        print(f"  fork {fork.id} of {source.id}")

    def ephemeral_fork(self, codex: Codex, source) -> None:
        fork = codex.thread_fork(source.id, ephemeral=True, include_turns=False)
        read = fork.read()
        expect(read.thread.ephemeral is True, f"ephemeral {read.thread.ephemeral!r}")
        expect(read.thread.path is None, f"an ephemeral fork has a path: {read.thread.path!r}")
        self.one_turn(fork, "ephemeral")

    def archive(self, codex: Codex, source) -> None:
        codex.thread_archive(source.id)
        listed = [t.id for t in codex.thread_list().data]
        expect(source.id not in listed, f"archived thread still listed: {listed}")
        archived = [t.id for t in codex.thread_list(archived=True).data]
        expect(source.id in archived, f"archived thread not in archived=True list: {archived}")

    def unarchive(self, codex: Codex, source) -> None:
        restored = codex.thread_unarchive(source.id)
        expect(restored.id == source.id, f"unarchive returned {restored.id!r}")
        listed = [t.id for t in codex.thread_list().data]
        expect(source.id in listed, f"unarchived thread not listed: {listed}")
        resumed = codex.thread_resume(source.id)
        self.one_turn(resumed, "after unarchive")
        expect(len(resumed.read(include_turns=True).thread.turns) == 3, "history lost across archive")

    def goals(self, thread_id: str) -> None:
        # The high-level `Codex` of this SDK version exposes goals only as logical goal turns,
        # which need a model that completes the goal; the low-level client sets and clears one.
        # A new server process on the same home, after the first one closed: the thread is
        # stored, not loaded, so the goal is recorded in its rollout.
        self.codex.close()
        self.codex = None
        client = CodexClient(CodexConfig(
            launch_args_override=(self.weft, "--home", self.home, "app-server"),
            cwd=self.home,
        ))
        client.start()
        try:
            client.initialize()
            objective = "Keep the parser fast"
            set_goal = client.thread_goal_set(thread_id, objective=objective, status=ThreadGoalStatus.paused)
            goal = set_goal.goal
            expect(goal.objective == objective, f"goal objective {goal.objective!r}")
            expect(goal.status == ThreadGoalStatus.paused, f"goal status {goal.status!r}")
            cleared = client.thread_goal_clear(thread_id)
            expect(cleared.cleared is True, f"thread/goal/clear answered {cleared!r}")
            again = client.thread_goal_clear(thread_id)
            expect(again.cleared is False, f"a second clear answered {again!r}")
        finally:
            client.close()

    def kill_children(self) -> None:
        # Private attribute, used only to stop a hung child on timeout.
        proc = getattr(getattr(self.codex, "_client", None), "_proc", None)
        if proc is not None:
            try:
                proc.kill()
            except OSError:
                pass

    def remove_temp(self) -> None:
        shutil.rmtree(self.home, ignore_errors=True)

    def cleanup(self) -> None:
        if self.codex is not None:
            try:
                self.codex.close()
            except Exception:  # noqa: BLE001
                pass
        self.remove_temp()


if __name__ == "__main__":
    sys.exit(main("threads", __doc__, sys.argv, SDK_VERSION, Flows))
