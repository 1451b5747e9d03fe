#!/usr/bin/env python3
"""Approvals: OpenAI's official Python SDK answers weft's command approval requests.

Uses only the public API of the PyPI package `openai-codex` (see README.md beside this file
for the exact install command and version). The high-level `Codex` class accepts every
approval on the caller's behalf, so this script uses the SDK's low-level synchronous client,
`openai_codex.client.CodexClient(config, approval_handler=...)`: its reader thread calls
`approval_handler(method, params)` for every server request and sends the returned dict back
as the JSON-RPC result. weft is launched through `CodexConfig(launch_args_override=[...])`:

    python3 approvals.py /path/to/weft          # e.g. target/debug/weft

It creates (and removes) its own temporary weft home with no config.toml and a temporary
working directory, and clears OPENAI_API_KEY / OPENAI_BASE_URL for the child, so weft uses
its offline `scripted` model, which answers `RUN: <cmd>` with an `exec_command` tool call and
a tool output with `done: <first 40 chars of the output>`.

Steps: initialize; thread/start with `approvalPolicy: "untrusted"`; a turn running
`echo approved-by-sdk` whose approval request the handler answers `accept` (the command item
completes with exit code 0 and the echoed text); a turn running `touch <cwd>/should-not-exist`
answered `decline` (the item completes `declined`, the file is never created, the model is
told `rejected by user`); thread/read of both turns. Every notification must parse into the
SDK's generated pydantic model: the SDK silently downgrades a payload that fails validation
to `UnknownNotification`, so this script re-validates such a payload and reports the pydantic
error. Each approval must be followed by `serverRequest/resolved` for the same thread.

Exit status: 0 when every step passed; 1 when a step failed (the message names the step and
the cause); 2 when the SDK is not installed or the arguments are wrong; 3 on the 60 s timeout.
The last line is `approvals: N passed, M failed`.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading

from sdk_script import check_payload, expect, main, root
APPROVAL_METHOD = "item/commandExecution/requestApproval"
ECHO_TEXT = "approved-by-sdk"

try:
    from openai_codex import CodexConfig, __version__ as SDK_VERSION
    from openai_codex.client import CodexClient
    from openai_codex.generated.v2_all import (
        AgentMessageThreadItem,
        AskForApprovalValue,
        CommandExecutionOutputDeltaNotification,
        CommandExecutionStatus,
        CommandExecutionThreadItem,
        ItemCompletedNotification,
        ItemStartedNotification,
        ServerRequestResolvedNotification,
        ThreadActiveFlag,
        ThreadStatusChangedNotification,
        TurnCompletedNotification,
        TurnStatus,
    )
except ImportError as exc:  # pragma: no cover - environment problem, not a weft failure
    print(f"approvals: cannot import the openai-codex SDK ({exc}); see README.md for pip install")
    sys.exit(2)


def commands(items) -> list[CommandExecutionThreadItem]:
    """The commandExecution items among `items`."""
    return [i for i in map(root, items) if isinstance(i, CommandExecutionThreadItem)]


class Approver:
    """The SDK `approval_handler`: answers command approvals with the decision set for the
    current turn and records every server request it sees.

    It runs on the SDK's reader thread, so it never blocks and never raises (an exception
    there would tear down the client's transport); problems are recorded and reported by the
    step that follows."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.decision: str | None = None
        self.requests: list[tuple[str, dict]] = []
        self.problems: list[str] = []

    def arm(self, decision: str) -> None:
        """Answer approvals with `decision` from now on; forget earlier requests."""
        with self.lock:
            self.decision = decision
            self.requests.clear()
            self.problems.clear()

    def disarm(self) -> None:
        """Treat any further approval request as unexpected (answered `cancel`)."""
        with self.lock:
            self.decision = None

    def __call__(self, method: str, params: dict | None) -> dict:
        try:
            with self.lock:
                self.requests.append((method, dict(params or {})))
                if method != APPROVAL_METHOD:
                    self.problems.append(f"unexpected server request {method!r}: {params!r}")
                    return {}
                if self.decision is None:
                    self.problems.append(f"approval request while no turn expected one: {params!r}")
                    return {"decision": "cancel"}
                return {"decision": self.decision}
        except BaseException as exc:  # noqa: BLE001 - never kill the reader thread
            self.problems.append(f"approval handler raised {type(exc).__name__}: {exc}")
            return {}

    def taken(self) -> list[tuple[str, dict]]:
        with self.lock:
            expect(not self.problems, "; ".join(self.problems))
            return list(self.requests)


class TurnLog:
    """What one turn streamed, already checked against the SDK's models."""

    def __init__(self) -> None:
        self.methods: list[str] = []
        self.started: list = []
        self.completed: list = []
        self.output_deltas: list[str] = []
        self.turn_completed: TurnCompletedNotification | None = None

    def agent_texts(self) -> list[str]:
        return [
            i.text for i in map(root, self.completed) if isinstance(i, AgentMessageThreadItem)
        ]


class Approvals:
    def __init__(self, weft: str) -> None:
        self.weft = weft
        self.home = tempfile.mkdtemp(prefix="weft-sdk-approvals-home-")
        self.cwd = tempfile.mkdtemp(prefix="weft-sdk-approvals-cwd-")
        self.passed = 0
        self.current = "setup"
        self.approver = Approver()
        self.client: CodexClient | None = None
        self.thread_id = ""
        self.resolved_ids: list[object] = []

    def step(self, name: str, func):
        self.current = name
        result = func()
        self.passed += 1
        print(f"ok   {name}")
        return result

    # -- steps ----------------------------------------------------------------------------

    def run(self) -> None:
        client = self.step("initialize", self.initialize)
        self.step("thread/start untrusted", lambda: self.start_thread(client))
        echo = f"echo {ECHO_TEXT}"
        self.step("accept runs the command", lambda: self.accept_turn(client, echo))
        target = os.path.join(self.cwd, "should-not-exist")
        self.step("decline skips the command", lambda: self.decline_turn(client, target))
        self.step("thread/read keeps both outcomes", lambda: self.read_back(client))

    def initialize(self) -> CodexClient:
        config = CodexConfig(
            launch_args_override=(self.weft, "--home", self.home, "app-server"),
            cwd=self.home,
        )
        client = CodexClient(config, approval_handler=self.approver)
        self.client = client
        client.start()
        meta = client.initialize()
        expect(bool(meta.userAgent), f"initialize: empty userAgent in {meta!r}")
        print(f"  userAgent={meta.userAgent!r}")
        return client

    def start_thread(self, client: CodexClient) -> None:
        started = client.thread_start({"approvalPolicy": "untrusted", "cwd": self.cwd})
        policy = root(started.approval_policy)
        expect(
            policy == AskForApprovalValue.untrusted,
            f"thread/start answered approvalPolicy {policy!r}, not untrusted",
        )
        cwd = str(root(started.cwd))
        expect(cwd == self.cwd, f"thread/start answered cwd {cwd!r}, not {self.cwd!r}")
        self.thread_id = started.thread.id

    def accept_turn(self, client: CodexClient, command: str) -> None:
        log, request = self.approved_turn(client, f"RUN: {command}", "accept", command)
        items = commands(log.completed)
        expect(len(items) == 1, f"expected one completed commandExecution, got {items!r}")
        item = items[0]
        expect(
            item.id == request["itemId"],
            f"approval itemId {request['itemId']!r} != item id {item.id!r}",
        )
        expect(
            item.status == CommandExecutionStatus.completed,
            f"accepted command ended {item.status!r}, not completed: {item!r}",
        )
        expect(item.exit_code == 0, f"accepted command exit code {item.exit_code!r}, not 0")
        output = item.aggregated_output or ""
        expect(ECHO_TEXT in output, f"aggregatedOutput {output!r} lacks {ECHO_TEXT!r}")
        streamed = "".join(log.output_deltas)
        expect(ECHO_TEXT in streamed, f"outputDelta stream {streamed!r} lacks {ECHO_TEXT!r}")
        texts = log.agent_texts()
        expect(
            len(texts) == 1 and texts[0].startswith("done: "),
            f"agent reply after the tool output: {texts!r}",
        )
        print(f"  exit 0, output {output.splitlines()[-1]!r}; model said {texts[0]!r}")

    def decline_turn(self, client: CodexClient, target: str) -> None:
        command = f"touch {target}"
        log, request = self.approved_turn(client, f"RUN: {command}", "decline", command)
        items = commands(log.completed)
        expect(len(items) == 1, f"expected one completed commandExecution, got {items!r}")
        item = items[0]
        expect(
            item.id == request["itemId"],
            f"approval itemId {request['itemId']!r} != item id {item.id!r}",
        )
        expect(
            item.status == CommandExecutionStatus.declined,
            f"declined command ended {item.status!r}, not declined: {item!r}",
        )
        expect(not log.output_deltas, f"declined command streamed output {log.output_deltas!r}")
        expect(not os.path.exists(target), f"{target} exists: the declined command ran")
        texts = log.agent_texts()
        expect(
            texts == ["done: rejected by user"],
            f"the model was not told 'rejected by user': agent replies {texts!r}",
        )

    def read_back(self, client: CodexClient) -> None:
        turns = client.thread_read(self.thread_id, include_turns=True).thread.turns
        expect(len(turns) == 2, f"thread/read has {len(turns)} turns, not 2")
        statuses = [t.status for t in turns]
        expect(
            statuses == [TurnStatus.completed, TurnStatus.completed],
            f"thread/read turns' statuses {statuses}",
        )
        outcomes = [[c.status for c in commands(t.items)] for t in turns]
        expected = [[CommandExecutionStatus.completed], [CommandExecutionStatus.declined]]
        expect(outcomes == expected, f"thread/read command statuses {outcomes}, not {expected}")

    # -- one turn with one approval -------------------------------------------------------

    def approved_turn(
        self, client: CodexClient, prompt: str, decision: str, command: str
    ) -> tuple[TurnLog, dict]:
        """Runs a turn whose one approval request is answered `decision`; checks the request
        and the `serverRequest/resolved` that must follow it."""
        self.approver.arm(decision)
        started = client.turn_start(self.thread_id, prompt)
        turn_id = started.turn.id
        expect(bool(turn_id), "turn/start returned no turn id")
        log = self.stream(client, turn_id)
        self.approver.disarm()
        expect(log.turn_completed is not None, f"no typed turn/completed in {log.methods}")
        turn = log.turn_completed.turn
        expect(
            turn.status == TurnStatus.completed,
            f"turn/completed status {turn.status!r}, error {turn.error!r}",
        )
        requests = self.approver.taken()
        expect(len(requests) == 1, f"expected one approval request, got {requests!r}")
        request = requests[0][1]
        self.check_request(request, turn_id, command)
        started_ids = [c.id for c in commands(log.started)]
        expect(
            request.get("itemId") in started_ids,
            f"approval names item {request.get('itemId')!r}, which had no item/started "
            f"(started commands: {started_ids})",
        )
        self.wait_resolved()
        print(f"  {decision}: item {request['itemId']} in turn {turn_id}")
        return log, request

    def check_request(self, request: dict, turn_id: str, command: str) -> None:
        for key in ("threadId", "turnId", "itemId", "command", "availableDecisions"):
            expect(key in request, f"approval request lacks {key!r}: {request!r}")
        expect(request["threadId"] == self.thread_id, f"approval threadId {request['threadId']!r}")
        expect(
            request["turnId"] == turn_id,
            f"approval turnId {request['turnId']!r} != {turn_id!r}",
        )
        expect(
            isinstance(request["command"], str) and command in request["command"],
            f"approval command {request['command']!r} does not contain {command!r}",
        )
        decisions = request["availableDecisions"]
        expect(
            isinstance(decisions, list) and "accept" in decisions,
            f"availableDecisions {decisions!r} does not offer 'accept'",
        )

    def stream(self, client: CodexClient, turn_id: str) -> TurnLog:
        log = TurnLog()
        client.register_turn_notifications(turn_id)
        try:
            while True:
                notification = client.next_turn_notification(turn_id)
                check_payload(notification)
                log.methods.append(notification.method)
                payload = notification.payload
                if isinstance(payload, ItemStartedNotification):
                    log.started.append(payload.item)
                elif isinstance(payload, ItemCompletedNotification):
                    log.completed.append(payload.item)
                elif isinstance(payload, CommandExecutionOutputDeltaNotification):
                    log.output_deltas.append(payload.delta)
                elif isinstance(payload, TurnCompletedNotification):
                    log.turn_completed = payload
                    return log
        finally:
            client.unregister_turn_notifications(turn_id)

    def wait_resolved(self) -> None:
        """Reads thread-level notifications up to the `serverRequest/resolved` of this turn's
        approval (the SDK routes it, having no turnId, to its global queue). The reader thread
        queued it before the turn's turn/completed, so this does not wait on weft."""
        client = self.client
        assert client is not None
        waiting_seen = False
        while True:
            notification = client.next_notification()
            check_payload(notification)
            payload = notification.payload
            if isinstance(payload, ThreadStatusChangedNotification):
                flags = getattr(root(payload.status), "active_flags", None) or []
                waiting_seen |= ThreadActiveFlag.waiting_on_approval in flags
            if isinstance(payload, ServerRequestResolvedNotification):
                expect(
                    payload.thread_id == self.thread_id,
                    f"serverRequest/resolved for thread {payload.thread_id!r}",
                )
                request_id = root(payload.request_id)
                expect(
                    request_id not in self.resolved_ids,
                    f"serverRequest/resolved repeats request id {request_id!r}",
                )
                self.resolved_ids.append(request_id)
                expect(waiting_seen, "no thread/status/changed with waitingOnApproval before it")
                return

    # -- teardown -------------------------------------------------------------------------

    def kill_children(self) -> None:
        # Private attribute, used only to stop a hung child on timeout.
        proc = getattr(self.client, "_proc", None)
        if proc is not None:
            try:
                proc.kill()
            except OSError:
                pass

    def cleanup(self) -> None:
        if self.client is not None:
            try:
                self.client.close()
            except Exception:  # noqa: BLE001
                pass
            self.client = None
        self.remove_temp()

    def remove_temp(self) -> None:
        shutil.rmtree(self.home, ignore_errors=True)
        shutil.rmtree(self.cwd, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main("approvals", __doc__, sys.argv, SDK_VERSION, Approvals))
