"""``cloudscope types``: every asset type the loaded collectors declare (API 1.1).

Each collector's class answers ``asset_types()`` without credentials or network, so the
command works offline; the docs' catalogue pages are generated from its JSON output
(``docs/generate_types.py``).
"""

from __future__ import annotations

import argparse
from typing import Any

from cloudscope.cli.output import stdout

FIELDS = ("asset_type", "native_type", "api_calls", "relationships", "volatile_fields",
          "id_format")


def add_parser(commands: Any) -> None:
    """Add the ``types`` command."""
    parser = commands.add_parser(
        "types", help="list the asset types each collector produces",
        description="List every asset type the loaded collectors declare: its native type, "
                    "the API calls that read it and the relationships it emits.")
    parser.add_argument("--provider", metavar="P",
                        help="only the types of this collector (aws, azure, gcp...)")
    parser.add_argument("--format", choices=("table", "json", "jsonl"), default="table")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print the catalogue; 3 when a collector's catalogue could not be read."""
    import json
    import sys

    from cloudscope.cli.components import find_component
    from cloudscope.domain.printable import printable
    from cloudscope.host.plugin_host import PluginHost

    # Like `plugins`: no configuration, no store, no credentials.
    host = PluginHost.from_environment(disabled=args.disable_plugin)
    registry = host.registries["collectors"]
    registrations = [find_component(host, "collectors", args.provider)] if args.provider \
        else list(registry)
    rows: list[dict[str, Any]] = []
    failures: list[str] = []
    for registration in registrations:
        try:
            rows += declared_types(registration, host.timeout)
        except _Unreadable as error:
            failures.append(f"collector {registration.name!r} (plugin {registration.plugin!r}): "
                            f"{error}")
    rows.sort(key=lambda row: (row["provider"], row["asset_type"], row["native_type"]))
    if args.format == "json":
        json.dump(rows, stdout(), indent=2)
        stdout().write("\n")
    elif args.format == "jsonl":
        stdout().writelines(json.dumps(row) + "\n" for row in rows)
    else:
        _print_table(rows)
    for failure in failures:
        sys.stderr.write(f"cloudscope: error: {printable(failure)}\n")
    return 3 if failures else 0


class _Unreadable(Exception):
    """A collector's catalogue could not be read; the message is one line."""


def declared_types(registration: Any, timeout: float) -> list[dict[str, Any]]:
    """The rows of one collector: its factory's ``asset_types()``, called as plugin code
    (contained, under the plugin timeout) and checked to be :class:`AssetTypeInfo`."""
    from cloudscope.host.plugin_calls import PluginCallFailed, call_plugin
    from cloudscope.ports.collector import AssetTypeInfo

    def read() -> list[Any]:
        factory = registration.resolve()
        asset_types = getattr(factory, "asset_types", None)
        return [] if asset_types is None else list(asset_types())

    try:
        declared = call_plugin(read, timeout=timeout)
    except PluginCallFailed as error:
        raise _Unreadable(f"asset_types() {error.reason}") from error
    wrong = [type(item).__name__ for item in declared if not isinstance(item, AssetTypeInfo)]
    if wrong:
        raise _Unreadable(f"asset_types() returned a {wrong[0]}, not an AssetTypeInfo")
    return [{"provider": registration.name,
             **{name: _plain(getattr(info, name)) for name in FIELDS}} for info in declared]


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _print_table(rows: list[dict[str, Any]]) -> None:
    from cloudscope.domain.printable import printable

    headers = ("PROVIDER", "ASSET TYPE", "NATIVE TYPE", "API CALLS", "RELATIONSHIPS")
    # Every cell is plugin text: control characters are shown escaped, never sent raw.
    table = [tuple(printable(cell) for cell in (
                 row["provider"], row["asset_type"], row["native_type"],
                 ", ".join(map(str, row["api_calls"])) or "-",
                 "; ".join(map(str, row["relationships"])) or "-"))
             for row in rows]
    widths = [max(len(line[i]) for line in [headers, *table]) for i in range(3)]
    for line in [headers, *table]:
        cells = "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line[:3]))
        print(f"{cells}  {line[3]}  {line[4]}", file=stdout())
    print(f"{len(rows)} asset type{'' if len(rows) == 1 else 's'}", file=stdout())
