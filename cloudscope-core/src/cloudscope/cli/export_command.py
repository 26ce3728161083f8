"""``cloudscope export FORMAT``: write the stored inventory in a format an exporter provides."""

from __future__ import annotations

import argparse
from typing import Any

FILTER_OPTIONS = ("db", "provider", "asset_type", "account", "region", "tag", "include_deleted")


def add_parser(commands: Any) -> None:
    """Add the ``export`` command; format options are parsed once the format is known."""
    from cloudscope.cli.components import add_component_command

    add_component_command(
        commands, "export", metavar="FORMAT", run=run, kind="exporters",
        help="export assets to csv, json, jsonl, graphml, dot or a plugin's format",
        description="Export the assets matching the filters of `assets list` in FORMAT (see "
                    "`cloudscope plugins` for the formats installed). Run `cloudscope export "
                    "FORMAT --help` for the format's options.",
        arguments_help="--output PATH|-, the filters of `assets list`, format options")


def add_export_options(parser: argparse.ArgumentParser) -> None:
    """The options every ``cloudscope export FORMAT`` has: output and filters."""
    from cloudscope.cli.assets_command import add_filter_arguments

    parser.add_argument("--output", "-o", metavar="PATH", default="-",
                        help="output file, written atomically; a pipe or device is written as a "
                             "stream; never the store (default: - for stdout)")
    add_filter_arguments(parser.add_argument_group("filters"))


def format_parser(format_name: str, exporter_class: Any) -> argparse.ArgumentParser:
    """The parser of ``cloudscope export FORMAT``: output, filters and the format's options."""
    from cloudscope.cli.components import component_parser

    return component_parser(f"cloudscope export {format_name}", exporter_class,
                            f"{format_name} options", add_export_options)


def format_options(parsed: argparse.Namespace) -> dict[str, Any]:
    """The format's own options among the parsed arguments (not output, store or filters)."""
    return {name: value for name, value in vars(parsed).items()
            if name not in FILTER_OPTIONS and name != "output"}


def run(args: argparse.Namespace) -> int:
    """Export, then say on stderr what was written to files."""
    import sys

    from cloudscope.application.export import RepositorySource, open_target, run_export
    from cloudscope.application.garbage import fewer_garbage_collections
    from cloudscope.cli.assets_command import query_from
    from cloudscope.cli.components import build_component, find_component
    from cloudscope.cli.output import stdout
    from cloudscope.cli.runtime import Runtime
    from cloudscope.domain.printable import printable
    from cloudscope.ports.exporter import Exporter

    runtime = Runtime(args)
    format_name = args.component
    registration = find_component(runtime.host, "exporters", format_name)
    exporter = build_component(registration, "exporter", Exporter)
    parsed = format_parser(format_name, type(exporter)).parse_args(args.arguments)
    query = query_from(parsed)
    options = format_options(parsed)
    # The output path is checked before the store is opened (a typo costs nothing), and
    # against the store's own files once it is (run_export).
    target = open_target(parsed.output, stream=stdout())
    args.db = parsed.db
    # The export owns this process: the cyclic collector need not run every few assets.
    with runtime.repository(create=False) as repository, fewer_garbage_collections():
        summary = run_export(exporter, RepositorySource(repository, query), target, options)
    if summary.files:
        shown = ", ".join(map(printable, summary.files[:3])) + \
            (" ..." if len(summary.files) > 3 else "")
        sys.stderr.write(f"cloudscope: exported {summary.assets} assets to "
                         f"{len(summary.files)} file{'s' if len(summary.files) > 1 else ''}: "
                         f"{shown}\n")
    return 0
