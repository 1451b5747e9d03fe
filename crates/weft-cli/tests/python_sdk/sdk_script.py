"""What every SDK script here shares: the step checks, the scripted model's reply, and `main`
(arguments, a clean environment, the 60 s watchdog, exit codes, the last line
`<name>: N passed, M failed` that `tests/it/python_sdk.rs` reads)."""

from __future__ import annotations

import os
import sys
import threading
import time
import traceback

TIMEOUT_S = 60.0


class StepFailed(Exception):
    """A check did not hold; the message says what was expected and what came."""


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise StepFailed(message)


def hello(text: str) -> str:
    """What weft's offline `scripted` model answers to `text`."""
    return f"Hello from mock. You said: {text}"


def root(value):
    """The concrete variant inside one of the SDK's RootModel wrappers (a ThreadItem, …)."""
    return value.root if hasattr(value, "root") else value


def check_payload(notification) -> None:
    """Fail if a notification the SDK knows did not parse into its model: the SDK silently
    downgrades such a payload to `UnknownNotification`, so it is validated again here and the
    pydantic error reported."""
    from openai_codex.generated.notification_registry import NOTIFICATION_MODELS
    from openai_codex.models import UnknownNotification

    if not isinstance(notification.payload, UnknownNotification):
        return
    model = NOTIFICATION_MODELS.get(notification.method)
    if model is None:
        print(f"  note: notification {notification.method!r} is not in the SDK's registry")
        return
    try:
        model.model_validate(notification.payload.params)
    except Exception as exc:  # noqa: BLE001 - report the pydantic error verbatim
        raise StepFailed(
            f"notification {notification.method!r} does not match the SDK model "
            f"{model.__name__}: {exc}\n  params: {notification.payload.params!r}"
        ) from None


def main(name: str, doc: str | None, argv: list[str], sdk_version: str, make) -> int:
    """Runs `make(weft_path)`'s steps against the binary in `argv[1]`.

    The object `make` returns has `run()`, `current` (the step running), `passed` (steps done),
    `kill_children()` (stops a hung server on timeout), `remove_temp()` (its temporary folders)
    and `cleanup()` (closes clients, then removes the folders)."""
    if len(argv) != 2:
        print(doc)
        print(f"usage: python3 {name}.py /path/to/weft")
        return 2
    weft = os.path.abspath(argv[1])
    if not (os.path.isfile(weft) and os.access(weft, os.X_OK)):
        print(f"{name}: {weft} is not an executable file")
        return 2
    # Offline scripted model only: no real provider from the environment.
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "WEFT_HOME", "CODEX_HOME"):
        os.environ.pop(var, None)
    print(f"{name}: openai-codex {sdk_version} against {weft}")
    run = make(weft)

    def on_timeout() -> None:
        print(f"FAIL {run.current}: timed out after {TIMEOUT_S:.0f} s")
        print(f"{name}: {run.passed} passed, 1 failed")
        sys.stdout.flush()
        run.kill_children()
        run.remove_temp()
        os._exit(3)

    watchdog = threading.Timer(TIMEOUT_S, on_timeout)
    watchdog.daemon = True
    watchdog.start()
    started = time.monotonic()
    try:
        run.run()
    except StepFailed as exc:
        print(f"FAIL {run.current}: {exc}")
        print(f"{name}: {run.passed} passed, 1 failed")
        return 1
    except Exception as exc:  # noqa: BLE001 - SDK errors (validation, JSON-RPC) are failures
        print(f"FAIL {run.current}: {type(exc).__name__}: {exc}")
        traceback.print_exc()
        print(f"{name}: {run.passed} passed, 1 failed")
        return 1
    finally:
        watchdog.cancel()
        run.cleanup()
    print(f"all steps passed in {time.monotonic() - started:.1f} s")
    print(f"{name}: {run.passed} passed, 0 failed")
    return 0
