"""``--scope``: the resource hierarchy nodes a collection starts from."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from cloudscope.api import UsageError

_SCOPE: Final = re.compile(
    r"^(projects/[a-z0-9][a-z0-9.:-]{3,62}[a-z0-9]|folders/[0-9]{1,20}|organizations/[0-9]{1,20})$")


@dataclass(frozen=True, slots=True)
class HierarchyScope:
    """``projects/ID``, ``folders/ID`` or ``organizations/ID`` as given on the command line."""

    kind: str
    identifier: str

    @classmethod
    def parse(cls, text: str) -> HierarchyScope:
        """Parse one ``--scope`` value; a one-line UsageError when malformed."""
        value = text.strip().rstrip("/")
        if not _SCOPE.match(value):
            raise UsageError(f"--scope {text!r}: expected projects/PROJECT_ID, folders/NUMBER "
                             "or organizations/NUMBER")
        kind, _, identifier = value.partition("/")
        return cls(kind, identifier)

    @property
    def parent(self) -> str:
        """The Cloud Asset API parent (``organizations/123``)."""
        return f"{self.kind}/{self.identifier}"

    @property
    def is_project(self) -> bool:
        """True for ``projects/ID``."""
        return self.kind == "projects"
