"""Standard output belongs to the command; whatever plugin code prints goes to stderr.

While a command runs, ``sys.stdout`` points to standard error, and in the ``cloudscope``
process file descriptor 1 does too, so that a plugin's ``print()``, a C extension or a
child process cannot corrupt ``--format json`` or an export streamed to stdout. Commands
write their output through :func:`stdout`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO


class _Reserved:
    """The stream kept for the command while one runs."""

    stream: TextIO | None = None


def stdout() -> TextIO:
    """The command's standard output (``sys.stdout`` outside a command)."""
    return _Reserved.stream if _Reserved.stream is not None else sys.stdout


@contextmanager
def reserved_stdout(*, whole_process: bool) -> Iterator[TextIO]:
    """Keep standard output for the command: ``sys.stdout`` (and, with ``whole_process``,
    file descriptor 1) write to standard error until the block ends."""
    saved = sys.stdout
    private: TextIO | None = None
    descriptor = -1
    if whole_process:
        try:
            saved.flush()
            descriptor = os.dup(1)
            os.dup2(2, 1)
            private = os.fdopen(descriptor, "w", encoding=saved.encoding or "utf-8",
                                errors=saved.errors or "strict",
                                buffering=1 if saved.isatty() else -1)
        except (OSError, ValueError, AttributeError):
            # No usable descriptor 1 (an embedding host replaced sys.stdout): Python level only.
            if descriptor >= 0:
                os.dup2(descriptor, 1)
                os.close(descriptor)
            descriptor, private = -1, None
    stream = _Reserved.stream = private or saved
    sys.stdout = sys.stderr
    try:
        yield stream
    finally:
        sys.stdout = saved
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
        if private is not None:
            os.dup2(descriptor, 1)
            try:
                private.close()
            except OSError:
                pass
        _Reserved.stream = None
