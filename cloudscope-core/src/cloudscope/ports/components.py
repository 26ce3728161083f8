"""How use cases find the components plugins registered, without knowing the plugin host.

The host's registries implement these protocols; the use cases (open a store, build the
rules) depend only on them, so that the application layer never imports the host.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol


class Component(Protocol):
    """One registered component: its name, the plugin that registered it, and its factory."""

    @property
    def name(self) -> str: ...

    @property
    def plugin(self) -> str: ...

    def resolve(self) -> Callable[..., Any]:
        """The factory, imported on first use."""
        ...


class Components(Protocol):
    """The registered components of one kind, by name."""

    def get(self, name: str) -> Component:
        """The component called ``name``; a ``NotFoundError`` suggesting close names if none."""
        ...

    def names(self, plugin: str | None = None) -> list[str]:
        """The registered names, sorted."""
        ...

    def __iter__(self) -> Iterator[Component]: ...

    def __contains__(self, name: object) -> bool: ...


class ComponentLookup(Protocol):
    """Every kind of component, as the plugin host offers them to the use cases."""

    @property
    def collectors(self) -> Components: ...

    @property
    def repositories(self) -> Components: ...

    @property
    def exporters(self) -> Components: ...

    @property
    def rules(self) -> Components: ...
