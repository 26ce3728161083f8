"""``cloudscope plugin new NAME``: a plugin distribution that installs and passes its tests.

The files come from ``plugin_template/`` beside this module (``${name}``-style fields,
:class:`string.Template`). The distribution is written to a temporary folder beside its
destination and renamed into place, so a failure leaves nothing half-made.
"""

from __future__ import annotations

import argparse
import re
from typing import Any, Final

from cloudscope.cli.output import stdout

NAME_PATTERN: Final = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
PLUGIN_API: Final = ">=1.0,<2"
# cloudscope-core 0.x provides plugin API 1.x, from 0.1 on (the template uses API 1.0 only);
# API 2 comes with cloudscope-core 1.0 (docs/plugins.md, "Versions").
CORE_REQUIREMENT: Final = "cloudscope-core>=0.1,<1"
SERVICE: Final = "inventory"
RESERVED: Final = frozenset({"core", "builtin"})


def add_parser(commands: Any) -> None:
    """Add ``cloudscope plugin ACTION`` (``new``)."""
    parser = commands.add_parser("plugin", help="tools for plugin authors",
                                 description="Tools for plugin authors.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    new = actions.add_parser(
        "new", help="generate a plugin distribution: a collector, an exporter and their tests",
        description="Generate the distribution cloudscope-NAME: a collector and an export "
                    "format named NAME, a README, and tests built on the cloudscope.testing "
                    "contract suites, which pass as generated.")
    new.add_argument("name", metavar="NAME",
                     help="the plugin's name: lower-case letters, digits and hyphens")
    new.add_argument("--dir", metavar="PATH", default=".",
                     help="where to create cloudscope-NAME (default: the current directory)")
    new.set_defaults(run=run_new)


def template_values(name: str) -> dict[str, str]:
    """The fields of the template for plugin ``name``."""
    return {
        "name": name,
        "distribution": f"cloudscope-{name}",
        "package": "cloudscope_" + name.replace("-", "_"),
        "classname": "".join(part.capitalize() for part in name.split("-")),
        "api": PLUGIN_API,
        "core_requirement": CORE_REQUIREMENT,
        "service": SERVICE,
    }


def check_name(name: str) -> None:
    """A :class:`UsageError` for a name that cannot be a plugin's, or is already taken."""
    from cloudscope.domain.errors import UsageError

    if not NAME_PATTERN.fullmatch(name) or name in RESERVED:
        raise UsageError(f"{name!r} cannot name a plugin",
                         hint="use lower-case letters, digits and hyphens, starting with a "
                              "letter, e.g. 'acme-cmdb'")
    # Loaded here only: a name already in use would send `cloudscope collect NAME` elsewhere.
    from cloudscope.host.plugin_host import PluginHost

    host = PluginHost.from_environment()
    owner = next((f"plugin {name!r}" for plugin in host.reports if plugin == name), None) or \
        next((f"{registry.kind} {name!r} of plugin {registry.get(name).plugin!r}"
              for registry in (host.collectors, host.exporters) if name in registry), None)
    if owner is not None:
        raise UsageError(f"{owner} is already installed", hint="choose another name")


def render(name: str) -> dict[str, str]:
    """Relative path -> content of every file of the distribution for plugin ``name``."""
    from importlib import resources
    from string import Template

    values = template_values(name)
    files: dict[str, str] = {}
    pending = [(resources.files("cloudscope.cli").joinpath("plugin_template"), "")]
    while pending:
        folder, prefix = pending.pop()
        for entry in folder.iterdir():
            if entry.name == "__pycache__":
                continue
            target = prefix + entry.name.replace("__package__", values["package"])
            if entry.is_dir():
                pending.append((entry, target + "/"))
                continue
            target = target.removesuffix(".tmpl")
            if target == "gitignore":
                # Shipped without its dot: hatchling would read it as the core's ignore rules.
                target = ".gitignore"
            files[target] = Template(entry.read_text(encoding="utf-8")).substitute(values)
    return dict(sorted(files.items()))


def run_new(args: argparse.Namespace) -> int:
    """Write the distribution; print where, and what to run next."""
    import shutil
    import tempfile
    from pathlib import Path

    from cloudscope.domain.errors import UsageError

    name = args.name
    check_name(name)
    values = template_values(name)
    parent = Path(args.dir)
    destination = parent / values["distribution"]
    if destination.exists():
        raise UsageError(f"{destination} already exists", hint="remove it or choose another --dir")
    if not parent.is_dir():
        raise UsageError(f"--dir {parent}: no such directory")
    files = render(name)
    staging: Path | None = None
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{values['distribution']}.", dir=parent))
        for relative, content in files.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
        staging.rename(destination)
    except OSError as error:
        raise UsageError(f"cannot write {destination}: {error.strerror}") from None
    finally:
        if staging is not None and staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    out = stdout()
    print(f"created {destination}/ ({len(files)} files): plugin {name!r} with the collector and "
          f"the export format {name!r}, plugin API {PLUGIN_API}", file=out)
    print("next:", file=out)
    for step in (f"cd {destination}", "pip install -e '.[test]'", "pytest",
                 f"cloudscope collect {name} tests/data/inventory.json"):
        print(f"  {step}", file=out)
    return 0
