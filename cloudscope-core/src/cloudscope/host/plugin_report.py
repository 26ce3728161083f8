"""What the host knows about each plugin: its identity, its declared API, status and reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class PluginStatus(StrEnum):
    """Where a plugin ended up. Added in API 1.0."""

    LOADED = "loaded"
    DISABLED = "disabled"
    INCOMPATIBLE = "incompatible"
    MISSING_DEPENDENCY = "missing-dependency"
    FAILED = "failed"


@dataclass(slots=True)
class PluginReport:
    """What the host knows about one plugin: identity, declared API, status and reason.

    Added in API 1.1 to ``cloudscope.api`` (what ``register_plugin`` returns)."""

    name: str
    module: str
    distribution: str | None = None
    version: str | None = None
    api: str | None = None
    requires: tuple[str, ...] = ()
    status: PluginStatus = PluginStatus.LOADED
    reason: str | None = None
    object: Any = field(default=None, repr=False)

    def reject(self, status: PluginStatus, reason: str) -> None:
        """Mark the plugin unusable, keeping only the first line of ``reason``."""
        from cloudscope.domain.redaction import redact_text  # only when a plugin is rejected

        self.status = status
        # A plugin's import error may quote its configuration (a token read at import).
        self.reason = redact_text(" ".join(reason.split())) if reason else status.value


def first_line(error: BaseException) -> str:
    """``Type: first line of the message``: what a one-line reason says of an exception."""
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__
