"""``cloudscope config show [--origin]``: the effective configuration, secrets redacted.

Values are redacted as the logs redact them (keys named like a secret, passwords in URLs,
tokens...), and a value that was a secret by reference (``env:NAME``, ``file:/path``) is
shown redacted, its origin naming the reference. ``--origin`` says where each value came
from: the file, an environment variable, or the default.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Mapping
from typing import Any

from cloudscope.cli.output import stdout


def add_parser(commands: Any) -> None:
    """Add ``config show``."""
    parser = commands.add_parser("config", help="show the effective configuration",
                                 description="Inspect the configuration.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    show = actions.add_parser(
        "show", help="print the effective configuration, secrets redacted",
        description="Print the configuration as cloudscope uses it: the file, the "
                    "environment (CLOUDSCOPE_<SECTION>_<KEY>) and the defaults merged, "
                    "secrets redacted.")
    show.add_argument("--origin", action="store_true",
                      help="say where each value came from (file, environment, default)")
    show.add_argument("--format", choices=("text", "json"), default="text")
    show.set_defaults(run=run_show)


def run_show(args: argparse.Namespace) -> int:
    """Print the effective configuration."""
    import json

    from cloudscope.cli.runtime import Runtime
    from cloudscope.domain.redaction import REDACTED, redact

    runtime = Runtime(args)
    config = runtime.config
    data = config.as_dict()
    for path in config.references.references:  # secrets by reference: never shown
        _replace(data, path, REDACTED)
    data.update(_plugin_environment(runtime, config))
    shown = redact(data)
    origins = dict(_origins(config, shown)) if args.origin else {}
    out = stdout()
    if args.format == "json":
        document: dict[str, Any] = {"file": str(config.path) if config.path else None,
                                    "config": shown}
        if args.origin:
            document["origins"] = origins
        json.dump(document, out, indent=2)
        out.write("\n")
        return 0
    out.write(f"# {config.source}\n")
    if not args.origin:
        import yaml

        out.write(yaml.safe_dump(shown, sort_keys=False, default_flow_style=False))
        return 0
    for key, value in _leaves(shown):
        out.write(f"{key} = {json.dumps(value)}  # {origins[key]}\n")
    return 0


def _replace(data: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    target: Any = data
    for part in path[:-1]:
        target = target[int(part)] if isinstance(target, list) else target.get(part)
        if target is None:
            return
    last = path[-1]
    if isinstance(target, list):
        target[int(last)] = value
    elif isinstance(target, dict) and last in target:
        target[last] = value


def _plugin_environment(runtime: Any, config: Any) -> dict[str, Any]:
    """``CLOUDSCOPE_<PLUGIN>_<KEY>`` variables: plugins read them with their section."""
    import os

    from cloudscope.infrastructure.config import ENV_PREFIX

    sections: dict[str, Any] = {}
    for plugin in runtime.host.reports:
        prefix = f"{ENV_PREFIX}{plugin.upper().replace('-', '_')}_"
        for name, value in os.environ.items():
            if name.startswith(prefix):
                section = sections.setdefault(plugin, dict(config.as_dict().get(plugin) or {}))
                section[name[len(prefix):].lower()] = value
    return sections


def _leaves(data: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in data.items():
        if isinstance(value, Mapping) and value:
            yield from _leaves(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def _origins(config: Any, shown: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    import os

    from cloudscope.infrastructure.config import ENV_PREFIX

    references = {".".join(path): reference
                  for path, reference in config.references.references.items()}
    for key, _ in _leaves(shown):
        path = key.split(".")
        variable = ENV_PREFIX + "_".join(path).upper()
        if _has(config.env_data, path) or (len(path) > 1 and variable in os.environ):
            origin = f"environment {variable}"
        elif _has(config.file_data, path):
            origin = f"file {config.source}"
        else:
            origin = "default"
        via = next((ref for name, ref in references.items()
                    if name == key or name.startswith(key + ".")), None)
        yield key, f"{origin} ({via})" if via else origin


def _has(data: Any, path: list[str]) -> bool:
    for part in path:
        if not isinstance(data, Mapping) or part not in data:
            return False
        data = data[part]
    return True
