"""Discovery of installed plugins and of their distributions, without importing them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import metadata
from typing import Final

from packaging.markers import default_environment
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
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


def _environment(extra: str = "") -> dict[str, str]:
    environment = {key: str(value) for key, value in default_environment().items()}
    environment["extra"] = extra
    return environment


def unmet_requirements(distribution: metadata.Distribution) -> list[str]:
    """The distribution's ``Requires-Dist`` entries that installed packages do not satisfy.

    Raises :class:`InvalidRequirement` for an entry that cannot be parsed. Requirements of
    extras, and those whose environment markers do not apply here, are skipped.
    """
    unmet: list[str] = []
    environment = _environment()
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


def _extras(distribution: metadata.Distribution) -> dict[str, list[Requirement]]:
    """Each extra of the distribution with the requirements only it adds."""
    names = set(distribution.metadata.get_all("Provides-Extra") or [])
    lines = [Requirement(line) for line in distribution.requires or []]
    # Older metadata may omit Provides-Extra; the markers name the extras too.
    names |= {match for r in lines if r.marker is not None
              for match in re.findall(r"""extra\s*==\s*["']([^"']+)["']""", str(r.marker))}
    base = _environment()
    extras: dict[str, list[Requirement]] = {}
    for name in sorted(names):
        environment = _environment(name)
        extras[name] = [r for r in lines if r.marker is not None
                        and r.marker.evaluate(environment) and not r.marker.evaluate(base)]
    return extras


def _installed(requirement: Requirement) -> bool:
    try:
        metadata.version(requirement.name)
    except metadata.PackageNotFoundError:
        return False
    return True


def install_hint(distribution: str | None, module: str) -> str:
    """What to run when ``module``, imported by a component of ``distribution``, is missing.

    The extra whose requirement is named like the module (``pyarrow``, ``google`` for
    ``google-cloud-asset``), else the one extra not installed, gives
    ``pip install 'cloudscope-x[extra]'``; otherwise the hint names the module.
    """
    fallback = f"install the package that provides the module {module!r}"
    if distribution is None:
        return fallback
    try:
        extras = _extras(metadata.distribution(distribution))
    except (metadata.PackageNotFoundError, InvalidRequirement):
        return fallback
    wanted = canonicalize_name(module)

    def names_module(requirement: Requirement) -> bool:
        name = canonicalize_name(requirement.name)
        return name == wanted or name.startswith(wanted + "-") or name.endswith("-" + wanted)

    chosen = [extra for extra, requirements in extras.items()
              if any(names_module(r) for r in requirements)]
    if not chosen:
        chosen = [extra for extra, requirements in extras.items()
                  if not all(_installed(r) for r in requirements)]
    if len(chosen) != 1:
        return fallback + (f" (extras of {distribution}: {', '.join(extras)})" if extras else "")
    return f"pip install '{distribution}[{chosen[0]}]'"


__all__ = ["ENTRY_POINT_GROUP", "Candidate", "InvalidRequirement", "discover", "install_hint",
           "unmet_requirements"]
