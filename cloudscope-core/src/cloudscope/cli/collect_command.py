"""``cloudscope collect PROVIDER``: collect from one source into the store."""

from __future__ import annotations

import argparse
from typing import Any

from cloudscope.cli.output import stdout

COMMON_OPTIONS = ("db", "format", "shard", "concurrency", "batch_size", "scope_timeout")


def add_parser(commands: Any) -> None:
    """Add the ``collect`` command; provider options are parsed once the provider is known."""
    from cloudscope.cli.components import add_component_command

    add_component_command(
        commands, "collect", metavar="PROVIDER", run=run,
        help="collect assets from a provider into the store",
        description="Collect assets from PROVIDER (aws, azure, gcp, file, or a plugin's; see "
                    "`cloudscope plugins`). Run `cloudscope collect PROVIDER --help` for the "
                    "provider's options.",
        arguments_help="provider options, --db URL, --shard I/N, --format text|json")


def add_collection_options(parser: argparse.ArgumentParser) -> None:
    """The options every ``cloudscope collect PROVIDER`` has."""
    from cloudscope.cli.components import integer, seconds

    common = parser.add_argument_group("collection")
    common.add_argument("--db", metavar="URL", help="store URL (default: CLOUDSCOPE_DB, the "
                                                    "config, then sqlite:///cloudscope.db)")
    common.add_argument("--format", choices=("text", "json"), default="text",
                        help="run summary format")
    common.add_argument("--shard", metavar="I/N",
                        help="collect only shard I of N (I from 0); N processes together "
                             "collect exactly what one unsharded run collects")
    # The bounds of collect.concurrency and collect.batch_size in the configuration.
    common.add_argument("--concurrency", type=integer(1, 256), metavar="N",
                        help="scopes collected at once (default: collect.concurrency)")
    common.add_argument("--batch-size", type=integer(1, 100_000), metavar="N",
                        help="items written per transaction (default: collect.batch_size)")
    common.add_argument("--scope-timeout", type=seconds, metavar="SECONDS",
                        help="fail a scope that takes longer than this")


def run(args: argparse.Namespace) -> int:
    """Collect, print the run summary, and return 0 (ok) or 3 (partial or failed)."""
    import json
    import sys

    from cloudscope.application.collect import CollectOptions, CollectRun
    from cloudscope.application.sharding import Shard
    from cloudscope.cli.components import build_component, component_parser, find_component
    from cloudscope.cli.runtime import Runtime
    from cloudscope.domain.scope import RunStatus
    from cloudscope.infrastructure.logging import get_logger
    from cloudscope.ports.collector import CollectContext, Collector

    runtime = Runtime(args)
    provider = args.component
    registration = find_component(runtime.host, "collectors", provider)
    factory = registration.resolve()
    parser = component_parser(f"cloudscope collect {provider}", factory, f"{provider} options",
                              add_collection_options)
    options = vars(parser.parse_args(args.arguments))
    common = {name: options.pop(name) for name in COMMON_OPTIONS}
    settings = runtime.config.settings.collect
    chosen: Any = common["concurrency"] or settings.concurrency or \
        getattr(factory, "default_concurrency", 8)
    concurrency = int(chosen)
    run_options = CollectOptions(
        concurrency=max(1, concurrency), batch_size=common["batch_size"] or settings.batch_size,
        queue_batches=settings.queue_batches,
        shard=Shard.parse(common["shard"]) if common["shard"] else None,
        scope_timeout_s=common["scope_timeout"],
        circuit_breaker_threshold=settings.circuit_breaker_threshold,
    )
    args.db = common["db"]
    plugin = registration.plugin
    ctx = CollectContext(plugin, limiter=runtime.host.limiter_for(plugin),
                         config=runtime.config.as_dict(),
                         log=get_logger(f"cloudscope.collect.{provider}"),
                         settings_loader=runtime.config.plugin_settings)
    collector = build_component(registration, "collector", Collector, ctx, options)
    progress = None
    if sys.stderr.isatty() and common["format"] == "text":
        from cloudscope.cli.progress import RichProgress

        progress = RichProgress()
    collect = CollectRun(provider, collector, runtime.repository, ctx, run_options,
                         progress=progress)
    interrupted = False
    try:
        with progress or _nothing():
            summary = collect.execute()
    except KeyboardInterrupt:
        interrupted = True
        summary = collect.summary
    finally:
        if collect.opened_repository is not None:
            collect.opened_repository.close()
    if common["format"] == "json":
        json.dump(summary.as_json(), stdout(), indent=2)
        stdout().write("\n")
    else:
        _print_summary(summary)
    if interrupted:
        raise KeyboardInterrupt
    return 0 if summary.run.status is RunStatus.OK else 3


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _print_summary(summary: Any) -> None:
    from cloudscope.domain.printable import printable

    run = summary.run
    print(f"run {run.run_id} {run.status.value}: {run.assets} assets, {run.relationships} "
          f"relationships, {len(summary.scopes)} scopes in {run.duration_s():.1f} s", file=stdout())
    if run.error:
        print(f"  error: {printable(run.error)}", file=stdout())
    counters = ", ".join(f"{k} {v}" for k, v in sorted(run.counters.items()) if v)
    if counters:
        print(f"  {counters}", file=stdout())
    for scope in summary.scopes:
        key = scope.key
        where = " ".join(part for part in (key.provider, key.account, key.region or "global",
                                           key.service) if part)
        error = f"  {scope.error}" if scope.error else ""
        print(printable(f"  {scope.status.value:<11} {where}  {scope.assets} assets{error}"),
              file=stdout())
