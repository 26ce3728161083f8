"""``cloudscope doctor``: what to run first when something is wrong.

Checks, each a line with ``ok``, ``warn`` or ``fail`` and what to do: the configuration,
every plugin, the store (reachable, migrated, writable), and for each target its
provider, its options, who its credentials are and one read per service (the collector's
own ``check()``, API 1.1). Exit 3 when a check fails, else 0.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from typing import Any

from cloudscope.cli.output import stdout


def add_parser(commands: Any) -> None:
    """Add the ``doctor`` command."""
    parser = commands.add_parser(
        "doctor", help="check the configuration, plugins, store and each target's access",
        description="Check the configuration, the plugins, the store (reachable, migrated, "
                    "writable) and, for each configured target, its identity and one read per "
                    "service. Each line is ok, warn or fail, with what to do.",
        epilog="Exit codes: 0 no check failed; 3 a check failed; 2 bad usage.")
    parser.add_argument("--db", metavar="URL", help="store URL (default: CLOUDSCOPE_DB, the "
                                                    "config, then sqlite:///cloudscope.db)")
    parser.add_argument("--target", action="append", metavar="NAME",
                        help="check only this target (repeatable)")
    parser.add_argument("--format", choices=("table", "json", "jsonl"), default="table")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run every check, print them, return 3 when one failed."""
    from cloudscope.application.doctor import worst
    from cloudscope.cli.runtime import Runtime
    from cloudscope.domain.checks import CheckStatus

    runtime = Runtime(args)
    rows = list(_checks(runtime, args))
    status = worst([check for _, check in rows])
    _print(rows, status, args.format)
    return 3 if status is CheckStatus.FAIL else 0


def _checks(runtime: Any, args: argparse.Namespace) -> Iterator[tuple[str, Any]]:
    from cloudscope.application.doctor import failed_check
    from cloudscope.domain.checks import Check
    from cloudscope.domain.errors import CloudScopeError

    try:
        config = runtime.config
    except CloudScopeError as error:
        yield "config", failed_check("config", error)
        yield from _plugins(None, args)
        return
    targets = config.settings.targets
    yield "config", Check.ok("config", f"{config.source}: {len(targets)} "
                                       f"target{'' if len(targets) == 1 else 's'}")
    yield from _plugins(runtime.host, args)
    yield from _store(runtime, args)
    if not targets:
        yield "targets", Check.warn("targets", "no targets in the configuration",
                                    "add targets: to check each cloud's access (README, "
                                    "Collection targets)")
        return
    try:
        from cloudscope.cli.targets import choose

        chosen = choose(targets, args.target)
    except CloudScopeError as error:
        yield "targets", failed_check("targets", error)
        return
    for target in chosen:
        yield from _target(runtime, args, target)


def _plugins(host: Any, args: argparse.Namespace) -> Iterator[tuple[str, Any]]:
    from cloudscope.domain.checks import Check
    from cloudscope.host.plugin_host import PluginHost, PluginStatus

    host = host or PluginHost.from_environment(disabled=args.disable_plugin)
    for report in host.reports.values():
        name = f"plugin {report.name}"
        version = f"{report.distribution or 'cloudscope-core'} {report.version or ''}".strip()
        if report.status is PluginStatus.LOADED:
            yield "plugins", Check.ok(name, f"loaded ({version})")
        elif report.status is PluginStatus.DISABLED:
            yield "plugins", Check.ok(name, f"disabled: {report.reason}")
        else:
            yield "plugins", Check.fail(name, f"{report.status.value}: {report.reason}",
                                        _plugin_hint(report))


def _plugin_hint(report: Any) -> str:
    if report.status.value == "missing-dependency":
        return f"install what it requires, or `pip uninstall {report.distribution}`"
    if report.status.value == "incompatible":
        return (f"upgrade {report.distribution} (or cloudscope-core) to versions that agree "
                f"on the plugin API, or disable it with --disable-plugin {report.name}")
    return (f"CLOUDSCOPE_TRACE_PLUGINS=1 cloudscope plugins shows the traceback; "
            f"--disable-plugin {report.name} skips it")


def _store(runtime: Any, args: argparse.Namespace) -> Iterator[tuple[str, Any]]:
    from cloudscope.application.doctor import failed_check, store_checks
    from cloudscope.application.storage import (
        choose_url,
        open_repository,
        redact_url,
        store_exists,
    )
    from cloudscope.domain.errors import CloudScopeError

    try:
        url = choose_url(args.db, runtime.config.settings.db)
        exists = store_exists(runtime.host, url)
    except CloudScopeError as error:
        yield "store", failed_check("store", error)
        return
    for check in store_checks(redact_url(url), exists, lambda: open_repository(runtime.host, url)):
        yield "store", check


def _target(runtime: Any, args: argparse.Namespace, target: Any) -> Iterator[tuple[str, Any]]:
    from cloudscope.application.doctor import collector_checks, failed_check
    from cloudscope.cli.collect_command import build_collector
    from cloudscope.domain.checks import Check
    from cloudscope.domain.errors import CloudScopeError

    section = f"target {target.name}"
    try:
        built = build_collector(runtime, args, target.provider, target, target=target.name)
    except CloudScopeError as error:
        yield section, failed_check(target.provider, error)
        return
    yield section, Check.ok(target.provider, "options accepted, collector built")
    for check in collector_checks(built.collector):
        yield section, check


def _print(rows: list[tuple[str, Any]], status: Any, output_format: str) -> None:
    import json

    from cloudscope.domain.redaction import redact_text

    out = stdout()
    records = [{"section": section, **check.as_json()} for section, check in rows]
    for record in records:  # a check's words come from plugins: never a secret on screen
        record["detail"] = redact_text(record["detail"])
    if output_format == "json":
        json.dump({"status": status.value, "checks": records}, out, indent=2)
        out.write("\n")
        return
    if output_format == "jsonl":
        for record in records:
            out.write(json.dumps(record) + "\n")
        return
    def label(record: dict[str, Any]) -> str:
        # Targets group several checks; the other sections name themselves in the check.
        if record["section"].startswith("target "):
            return f"{record['section']}: {record['check']}"
        return str(record["check"])

    width = max((len(label(r)) for r in records), default=10)
    for record in records:
        name = label(record)
        out.write(f"{record['status']:<5} {name:<{width}}  {record['detail']}\n")
        if record["hint"]:
            out.write(f"{'':<5} {'':<{width}}  -> {record['hint']}\n")
    counts = {value: sum(r["status"] == value for r in records) for value in ("ok", "warn", "fail")}
    out.write(f"{len(records)} checks: {counts['ok']} ok, {counts['warn']} warn, "
              f"{counts['fail']} fail\n")
