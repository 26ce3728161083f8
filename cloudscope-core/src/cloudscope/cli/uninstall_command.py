"""``cloudscope uninstall NAME...``: pip uninstall plugins where cloudscope runs."""

from __future__ import annotations

import argparse
from typing import Any

from cloudscope.cli.output import stdout


def add_parser(commands: Any) -> None:
    """Add the ``uninstall`` command."""
    parser = commands.add_parser(
        "uninstall", help="uninstall plugins with the pip of the Python running cloudscope",
        description="Uninstall plugin distributions with `python -m pip uninstall` of the "
                    "Python that runs cloudscope: aws removes cloudscope-aws. Their own "
                    "dependencies stay installed.",
        epilog="Exit codes: 0 uninstalled, 2 nothing uninstalled (not installed, the core "
               "itself, no pip, pip failed).")
    parser.add_argument("names", nargs="+", metavar="NAME",
                        help="a plugin name (aws) or a distribution name (cloudscope-aws)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Check every name first (nothing is removed unless all are installed), then uninstall."""
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    from cloudscope.cli import pip_runner
    from cloudscope.domain.errors import UsageError

    distributions: dict[str, str] = {}
    missing: list[str] = []
    for name in args.names:
        if pip_runner.is_local(name):
            raise UsageError(f"{name!r}: give the name of an installed plugin, not a path")
        distribution = str(canonicalize_name(Requirement(pip_runner.distribution_spec(name)).name))
        if distribution == pip_runner.CORE:
            raise UsageError("cloudscope uninstall does not remove cloudscope-core itself",
                             hint="use pip, pipx or uv, as it was installed")
        try:
            distributions[distribution] = metadata.version(distribution)
        except metadata.PackageNotFoundError:
            missing.append(distribution)
    if missing:
        raise UsageError(f"not installed: {', '.join(missing)}", hint="see `cloudscope plugins`")
    pip_runner.require_pip("uninstall", " ".join(distributions))
    before = pip_runner.installed_plugins()
    pip_runner.run_pip(["uninstall", "--yes", *distributions])
    for distribution, version in distributions.items():
        plugins = [name for name, row in before.items()
                   if row["distribution"] and canonicalize_name(row["distribution"]) == distribution]
        print(f"uninstalled {distribution} {version}"
              f"{' (plugin ' + ', '.join(plugins) + ')' if plugins else ''}", file=stdout())
    return 0
