"""A rich progress display of assets per scope, shown only on a terminal."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from cloudscope.domain.scope import ScopeKey, ScopeStatus


class RichProgress:
    """Progress events rendered with rich on stderr."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self._progress = Progress(SpinnerColumn(), TextColumn("{task.description}"),
                                  TextColumn("{task.fields[assets]} assets"),
                                  TimeElapsedColumn(), console=Console(stderr=True),
                                  transient=False)
        self._tasks: dict[str, Any] = {}

    def __enter__(self) -> RichProgress:
        self._progress.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._progress.stop()

    def scope_started(self, scope: ScopeKey) -> None:
        """Add a line for the scope."""
        from rich.markup import escape

        from cloudscope.domain.printable import printable

        label = " ".join(p for p in (scope.account, scope.region or "global", scope.service) if p)
        # A file path or account is not rich markup, nor terminal control.
        self._tasks[scope.key] = self._progress.add_task(escape(printable(label)[-70:]),
                                                         total=None, assets=0)

    def scope_progressed(self, scope: ScopeKey, assets: int) -> None:
        """Update the scope's asset count."""
        if scope.key in self._tasks:
            self._progress.update(self._tasks[scope.key], assets=assets)

    def scope_finished(self, scope: ScopeKey, status: ScopeStatus) -> None:
        """Mark the scope done or failed."""
        if scope.key in self._tasks:
            task = self._tasks[scope.key]
            mark = "[green]✓" if status is ScopeStatus.COMPLETE else "[red]✗"
            description = self._progress.tasks[task].description
            self._progress.update(task, description=f"{mark} {description}", total=1, completed=1)
