"""What ``cloudscope install`` and ``uninstall`` share: pip of the interpreter running
cloudscope, plugin names mapped to distributions, and the plugins before and after.

``sys.executable -m pip`` installs where cloudscope itself runs, whether that is a virtual
environment, a pipx environment (pip comes from pipx's shared libraries) or a system
Python; an environment without pip (made by uv, ``uv tool``, pipx's uv backend, or
``--without-pip``) is told what to run instead, in one line.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

from cloudscope.domain.errors import EXIT_INCOMPLETE, CloudScopeError, UsageError

PREFIX: Final = "cloudscope-"
CORE: Final = "cloudscope-core"
ARCHIVES: Final = (".whl", ".tar.gz", ".zip", ".tgz", ".tar.bz2")


class PipFailed(CloudScopeError):
    """pip ran and failed; its own messages are above this line."""


class PluginsNotLoaded(CloudScopeError):
    """Installed, but a plugin does not load (exit 3: the work is not complete)."""

    exit_code = EXIT_INCOMPLETE


def is_local(spec: str) -> bool:
    """A path or URL given to pip as it is, rather than a distribution name."""
    return ("/" in spec or "\\" in spec or spec.startswith((".", "~")) or "://" in spec
            or spec.startswith("git+") or spec.lower().endswith(ARCHIVES))


def distribution_spec(spec: str) -> str:
    """``aws`` -> ``cloudscope-aws``; ``aws[extra]>=0.2`` -> ``cloudscope-aws[extra]>=0.2``.

    Names that already contain ``cloudscope`` (``cloudscope-aws``, ``acme-cloudscope-x``),
    paths and URLs are given to pip unchanged.
    """
    if is_local(spec):
        return spec
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        requirement = Requirement(spec)
    except InvalidRequirement:
        raise UsageError(f"{spec!r} is neither a plugin name, a requirement, a path nor a URL",
                         hint="e.g. aws, 'aws>=0.2', ./cloudscope-acme, dist/x.whl") from None
    if "cloudscope" not in requirement.name.lower():
        requirement.name = PREFIX + requirement.name
    return str(requirement)


def require_pip(action: str, example: str) -> None:
    """A :class:`UsageError` saying what to run instead when this Python has no pip
    (``action``: ``install`` or ``uninstall``; ``example``: the distributions)."""
    if importlib.util.find_spec("pip") is not None:
        return
    python = sys.executable
    if (Path(sys.prefix) / "uv-receipt.toml").is_file():
        keep = f"--with {example}" if action == "install" else "--with PLUGIN for each to keep"
        raise UsageError("cloudscope was installed by `uv tool`, whose environment has no pip",
                         hint=f"run: uv tool install cloudscope-core {keep} (name every plugin "
                              "to keep: uv makes the environment anew)")
    if under_pipx():  # pipx with its uv backend makes environments without pip
        verb = "inject" if action == "install" else "uninject"
        raise UsageError("cloudscope was installed by pipx, whose environment has no pip",
                         hint=f"run: pipx {verb} {Path(sys.prefix).name} {example}")
    raise UsageError(f"the Python running cloudscope ({python}) has no pip (an environment made "
                     "by uv?)", hint=f"run: uv pip {action} --python {python} {example}, or "
                                     f"add pip with: {python} -m ensurepip")


def under_pipx() -> bool:
    """Whether cloudscope runs in an environment that pipx manages."""
    return (Path(sys.prefix) / "pipx_metadata.json").is_file()


def run_pip(arguments: Sequence[str]) -> None:
    """``python -m pip ARGUMENTS``, its output on stderr; a :class:`PipFailed` if it fails."""
    command = [sys.executable, "-m", "pip", *arguments]
    # pip's progress is not the command's output: stdout stays for cloudscope's summary.
    completed = subprocess.run(command, stdout=sys.stderr, check=False)
    if completed.returncode != 0:
        raise PipFailed(f"pip {arguments[0]} failed (exit {completed.returncode}); its messages "
                        "are above")


def installed_plugins() -> dict[str, dict[str, Any]]:
    """Every discovered plugin as ``cloudscope plugins --format json`` lists it, by name.

    Asked of a new process: pip may have replaced modules this one has imported.
    """
    completed = subprocess.run([sys.executable, "-m", "cloudscope", "plugins", "--format",
                                "json"], capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise CloudScopeError("`cloudscope plugins` failed after pip ran: "
                              + (completed.stderr.strip().splitlines() or ["no message"])[-1])
    return {row["name"]: row for row in json.loads(completed.stdout)}


def describe(row: dict[str, Any]) -> str:
    """``cloudscope-aws 0.1.0: plugin aws loaded (collectors: aws)``."""
    provides = "; ".join(f"{kind}: {', '.join(names)}" for kind in
                         ("collectors", "repositories", "exporters", "rules")
                         if (names := row.get(kind)))
    detail = row["reason"] if row["status"] != "loaded" else provides
    return (f"{row['distribution'] or '?'} {row['version'] or '?'}: plugin {row['name']} "
            f"{row['status']}{f' ({detail})' if detail else ''}")
