"""``cloudscope install SPEC...``: pip install plugins where cloudscope runs."""

from __future__ import annotations

import argparse
from typing import Any

from cloudscope.cli.output import stdout


def add_parser(commands: Any) -> None:
    """Add the ``install`` command."""
    parser = commands.add_parser(
        "install", help="install plugins with the pip of the Python running cloudscope",
        description="Install plugins with `python -m pip install` of the Python that runs "
                    "cloudscope (a venv, pipx or a system Python). A name without 'cloudscope' "
                    "is a plugin's short name: aws installs cloudscope-aws, 'aws[extra]>=0.2' "
                    "cloudscope-aws[extra]>=0.2; paths and URLs go to pip as they are. pip's "
                    "configuration and PIP_* variables (PIP_INDEX_URL...) apply.",
        epilog="Exit codes: 0 installed and loaded, 2 nothing installed (bad spec, no pip, pip "
               "failed), 3 installed but a plugin does not load.")
    parser.add_argument("specs", nargs="+", metavar="SPEC",
                        help="a plugin name (aws), a requirement, a path or a URL")
    parser.add_argument("-U", "--upgrade", action="store_true",
                        help="upgrade what is installed already")
    parser.add_argument("-e", "--editable", action="store_true",
                        help="install the paths in editable mode (a plugin you are writing)")
    parser.add_argument("--dry-run", action="store_true",
                        help="print the pip command instead of running it")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Install; print each plugin that was added or changed, with its status."""
    import shlex
    import sys

    from cloudscope.cli import pip_runner
    from cloudscope.domain.errors import UsageError

    specs = [pip_runner.distribution_spec(spec) for spec in args.specs]
    if args.editable:
        names = [spec for spec in specs if not pip_runner.is_local(spec)]
        if names:
            raise UsageError(f"--editable takes paths, not {', '.join(map(repr, names))}")
        specs = [part for spec in specs for part in ("-e", spec)]
    arguments = ["install", *(["--upgrade"] if args.upgrade else []), *specs]
    if args.dry_run:
        print(shlex.join([sys.executable, "-m", "pip", *arguments]), file=stdout())
        return 0
    pip_runner.require_pip("install", " ".join(shlex.quote(s) for s in specs if s != "-e"))
    before = pip_runner.installed_plugins()
    pip_runner.run_pip(arguments)
    after = pip_runner.installed_plugins()
    changed = [row for name, row in after.items()
               if (before.get(name) or {}).get("version") != row["version"]
               or (before.get(name) or {}).get("status") != row["status"]]
    for row in changed:
        print(pip_runner.describe(row), file=stdout())
    if not changed:
        print("no plugin was added or changed", file=stdout())
    if pip_runner.under_pipx():
        sys.stderr.write("cloudscope: note: pipx does not record packages installed this way; "
                         "`pipx inject cloudscope-core ...` does, and keeps them on upgrade\n")
    broken = [row["name"] for row in changed if row["status"] != "loaded"]
    if broken:
        raise pip_runner.PluginsNotLoaded(f"installed, but {', '.join(broken)} did not load",
                                          hint="see `cloudscope plugins`")
    return 0
