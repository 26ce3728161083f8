"""What a plugin's ``cloudscope_register_*`` hooks are handed: the ``register`` callable.

The port defines the shape; the host's registries implement it (``host/registry.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

Factory = Callable[..., Any] | str
"""A callable, or a ``"module:Attribute"`` string imported when the component is first used."""


class Register(Protocol):
    """The ``register`` callable handed to every ``cloudscope_register_*`` hook. Added in API 1.0."""

    def __call__(self, name: str, factory: Factory) -> None: ...
