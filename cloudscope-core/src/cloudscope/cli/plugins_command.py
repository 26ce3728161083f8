"""``cloudscope plugins``: every discovered plugin, its status and what it registered."""

from __future__ import annotations

import argparse
from typing import Any

from cloudscope.cli.output import stdout


def add_parser(commands: Any) -> None:
    """Add the ``plugins`` command."""
    parser = commands.add_parser("plugins", help="list plugins, their status and components",
                                 description="List every discovered plugin with its version, "
                                             "API range, status and what it registered.")
    parser.add_argument("--format", choices=("table", "json", "jsonl"), default="table")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print the plugin list; works even when every plugin is broken."""
    import json
    import sys

    # No config, no logging, no store: this command must work when all else is broken.
    from cloudscope.domain.printable import printable
    from cloudscope.host.plugin_host import PluginHost

    host = PluginHost.from_environment(disabled=args.disable_plugin)
    rows = plugin_rows(host)
    conflicts = [c for registry in host.registries.values() for c in registry.conflicts]
    if args.format == "json":
        json.dump(rows, stdout(), indent=2)
        stdout().write("\n")
    elif args.format == "jsonl":
        for row in rows:
            stdout().write(json.dumps(row) + "\n")
    else:
        _print_table(rows)
    for conflict in conflicts:
        sys.stderr.write(f"cloudscope: warning: {printable(conflict)}\n")
    return 0


def plugin_rows(host: Any) -> list[dict[str, Any]]:
    """One object per discovered plugin, as ``--format json`` prints (and ``serve``'s
    ``/v1/plugins`` answers)."""
    return [{"name": report.name, "distribution": report.distribution,
             "version": report.version, "api": report.api, "status": report.status.value,
             "reason": report.reason, **host.components_of(report.name)}
            for report in host.reports.values()]


def _print_table(rows: list[dict[str, Any]]) -> None:
    from cloudscope.domain.printable import printable

    headers = ("NAME", "VERSION", "API", "STATUS", "PROVIDES / REASON")
    table = []
    for row in rows:
        provides = "; ".join(f"{kind}: {', '.join(names)}" for kind in
                             ("collectors", "repositories", "exporters", "rules",
                              "secret_resolvers")
                             if (names := row[kind]))
        if kind_count := len(row["rules"]):
            provides = provides.replace(f"rules: {', '.join(row['rules'])}", f"rules: {kind_count}")
        # Plugin metadata is a third party's text: escaped before it reaches the terminal.
        table.append(tuple(printable(cell) for cell in (
            row["name"], row["version"] or "-", row["api"] or "-", row["status"],
            row["reason"] or provides or "-")))
    widths = [max(len(str(line[i])) for line in [headers, *table]) for i in range(4)]
    for line in [headers, *table]:
        cells = "  ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(line[:4]))
        print(cells + "  " + line[4], file=stdout())
