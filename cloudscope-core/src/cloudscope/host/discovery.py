"""Discovery of installed plugins and of their distributions, without importing them."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata
from typing import Final

from packaging.markers import default_environment
from packaging.requirements import InvalidRequirement, Requirement
from packaging.version import InvalidVersion, Version

ENTRY_POINT_GROUP: Final = "cloudscope.plugins"


@dataclass(frozen=True, slots=True)
class Candidate:
    """An installed plugin before it is imported: its entry point and distribution."""

    name: str
    module: str
    entry_point: metadata.EntryPoint
    distribution: metadata.Distribution | None

    @property
    def distribution_name(self) -> str | None:
        """The distribution's name as it declares it, or None for a bare entry point."""
        return self.distribution.metadata["Name"] if self.distribution is not None else None

    @property
    def version(self) -> str | None:
        """The distribution's version."""
        return self.distribution.version if self.distribution is not None else None


def discover(group: str = ENTRY_POINT_GROUP) -> list[Candidate]:
    """Every entry point of ``group``, sorted by name, with the distribution that declares it."""
    found = [
        Candidate(ep.name, ep.value.partition(":")[0], ep, getattr(ep, "dist", None))
        for ep in metadata.entry_points(group=group)
    ]
    return sorted(found, key=lambda candidate: candidate.name)


def unmet_requirements(distribution: metadata.Distribution) -> list[str]:
    """The distribution's ``Requires-Dist`` entries that installed packages do not satisfy.

    Raises :class:`InvalidRequirement` for an entry that cannot be parsed. Requirements of
    extras, and those whose environment markers do not apply here, are skipped.
    """
    unmet: list[str] = []
    environment: dict[str, str] = {key: str(value) for key, value in default_environment().items()}
    environment["extra"] = ""
    for line in distribution.requires or []:
        requirement = Requirement(line)
        if requirement.marker is not None and not requirement.marker.evaluate(environment):
            continue
        try:
            installed = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            unmet.append(f"{requirement} (not installed)")
            continue
        try:
            satisfied = requirement.specifier.contains(Version(installed), prereleases=True)
        except InvalidVersion:
            satisfied = False
        if not satisfied:
            unmet.append(f"{requirement} (installed {installed})")
    return unmet


__all__ = ["ENTRY_POINT_GROUP", "Candidate", "InvalidRequirement", "discover", "unmet_requirements"]
