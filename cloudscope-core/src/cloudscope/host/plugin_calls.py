"""Calling plugin code at load time so that nothing it does can stop, hang or fake the host.

``except Exception`` is not isolation (STYLE.md pitfall 9): a plugin can raise ``SystemExit``
(``sys.exit(0)`` would end ``cloudscope`` silently with success), ``GeneratorExit`` or a
``BaseException`` subclass of its own, or never return. Imports and hooks therefore run in
a daemon thread that the host waits for at most ``CLOUDSCOPE_PLUGIN_TIMEOUT`` seconds; any
exception the plugin raises there becomes a :class:`PluginCallFailed` with a one-line
reason. A real Ctrl-C arrives in the main thread while it waits, so it still stops the
program; a call that timed out is abandoned (Python cannot stop a thread) and its plugin
is reported ``failed``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any, Final, TypeVar

from cloudscope.domain.errors import ConfigError
from cloudscope.host.plugin_report import first_line

TIMEOUT_VARIABLE: Final = "CLOUDSCOPE_PLUGIN_TIMEOUT"
DEFAULT_TIMEOUT_S: Final = 10.0

Result = TypeVar("Result")


class PluginCallFailed(Exception):
    """Plugin code raised, exited or did not return in time; ``reason`` is one line."""

    def __init__(self, reason: str, error: BaseException | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.error = error


def timeout_from_environment() -> float:
    """``CLOUDSCOPE_PLUGIN_TIMEOUT`` in seconds (default 10); a bad value is a ConfigError."""
    raw = os.environ.get(TIMEOUT_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_TIMEOUT_S
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value <= 86_400:
        raise ConfigError(f"{raw!r} is not a number of seconds between 0 and 86400",
                          source=TIMEOUT_VARIABLE, hint="e.g. CLOUDSCOPE_PLUGIN_TIMEOUT=10")
    return value


def describe_fault(error: BaseException) -> str:
    """What plugin code did, in one line: ``called sys.exit(0)``, ``raised ValueError: x``."""
    if isinstance(error, SystemExit):
        return f"called sys.exit({error.code!r})"
    return f"raised {first_line(error)}"


def call_plugin(function: Callable[..., Result], *args: Any, timeout: float,
                **kwargs: Any) -> Result:
    """``function(*args, **kwargs)`` in a daemon thread, waited for at most ``timeout`` s.

    Returns its result, or raises :class:`PluginCallFailed` when it raised anything at all
    (``BaseException`` included) or did not return in time.
    """
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = function(*args, **kwargs)
        except BaseException as error:  # contained: reported as the plugin's failure
            outcome["error"] = error

    thread = threading.Thread(target=target, daemon=True, name="cloudscope-plugin-call")
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise PluginCallFailed(f"did not return within {timeout:g} s "
                               f"(raise {TIMEOUT_VARIABLE} if it is only slow)")
    if "error" in outcome:
        error = outcome["error"]
        raise PluginCallFailed(describe_fault(error), error) from error
    return outcome.get("value")  # type: ignore[return-value]
