"""``cloudscope collect PROVIDER``: collect from one source into the store."""

from __future__ import annotations

import argparse
from typing import Any

COMMON_OPTIONS = ("db", "format", "shard", "concurrency", "batch_size", "scope_timeout")


def add_parser(commands: Any) -> None:
    """Add the ``collect`` command; provider options are parsed once the provider is known."""
    parser = commands.add_parser(
        "collect", help="collect assets from a provider into the store",
        description="Collect assets from PROVIDER (aws, azure, gcp, file, or a plugin's; see "
                    "`cloudscope plugins`). Run `cloudscope collect PROVIDER --help` for the "
                    "provider's options.")
    parser.add_argument("provider", metavar="PROVIDER")
    parser.add_argument("arguments", nargs=argparse.REMAINDER, metavar="...",
                        help="provider options, --db URL, --shard I/N, --format text|json")
    parser.set_defaults(run=run)


def provider_parser(provider: str, collector_class: Any) -> argparse.ArgumentParser:
    """The parser of ``cloudscope collect PROVIDER``: common options and the provider's own."""
    from cloudscope.cli.main import _Parser

    parser = _Parser(prog=f"cloudscope collect {provider}",
                     description=(collector_class.__doc__ or "").strip().split("\n\n")[0])
    common = parser.add_argument_group("collection")
    common.add_argument("--db", metavar="URL", help="store URL (default: CLOUDSCOPE_DB, the "
                                                    "config, then sqlite:///cloudscope.db)")
    common.add_argument("--format", choices=("text", "json"), default="text",
                        help="run summary format")
    common.add_argument("--shard", metavar="I/N",
                        help="collect only shard I of N (I from 0); N processes together "
                             "collect exactly what one unsharded run collects")
    common.add_argument("--concurrency", type=int, metavar="N",
                        help="scopes collected at once (default: collect.concurrency)")
    common.add_argument("--batch-size", type=int, metavar="N",
                        help="items written per transaction (default: collect.batch_size)")
    common.add_argument("--scope-timeout", type=float, metavar="SECONDS",
                        help="fail a scope that takes longer than this")
    add_arguments = getattr(collector_class, "add_arguments", None)
    if add_arguments is not None:
        add_arguments(parser.add_argument_group(f"{provider} options"))
    return parser


def run(args: argparse.Namespace) -> int:
    """Collect, print the run summary, and return 0 (ok) or 3 (partial or failed)."""
    import json
    import sys

    from cloudscope.application.collect import CollectOptions, CollectRun, Shard
    from cloudscope.cli.runtime import Runtime
    from cloudscope.domain.errors import CloudScopeError, PluginError
    from cloudscope.domain.scope import RunStatus
    from cloudscope.infrastructure.logging import get_logger
    from cloudscope.ports.collector import CollectContext, Collector

    runtime = Runtime(args)
    registration = runtime.host.collectors.get(args.provider)
    factory = registration.resolve()
    options = vars(provider_parser(args.provider, factory).parse_args(args.arguments))
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
    )
    args.db = common["db"]
    plugin = registration.plugin
    ctx = CollectContext(plugin, limiter=runtime.host.limiter_for(plugin),
                         config=runtime.config.as_dict(),
                         log=get_logger(f"cloudscope.collect.{args.provider}"),
                         settings_loader=runtime.config.plugin_settings)
    try:
        collector = factory(ctx, options)
    except CloudScopeError:
        raise
    except Exception as error:
        raise PluginError(f"collector {args.provider!r} could not start: "
                          f"{type(error).__name__}: {error}", plugin=plugin) from error
    if not isinstance(collector, Collector):
        raise PluginError(f"collector {args.provider!r} is a {type(collector).__name__}, "
                          "not a Collector", plugin=plugin)
    repository = runtime.repository()
    progress = None
    if sys.stderr.isatty() and common["format"] == "text":
        from cloudscope.cli.progress import RichProgress

        progress = RichProgress()
    collect = CollectRun(args.provider, collector, repository, ctx, run_options,
                         progress=progress)
    interrupted = False
    try:
        with progress or _nothing():
            summary = collect.execute()
    except KeyboardInterrupt:
        interrupted = True
        summary = collect.summary
    finally:
        repository.close()
    if common["format"] == "json":
        json.dump(summary.as_json(), sys.stdout, indent=2)
        sys.stdout.write("\n")
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
    run = summary.run
    print(f"run {run.run_id} {run.status.value}: {run.assets} assets, {run.relationships} "
          f"relationships, {len(summary.scopes)} scopes in {run.duration_s():.1f} s")
    if run.error:
        print(f"  error: {run.error}")
    counters = ", ".join(f"{k} {v}" for k, v in sorted(run.counters.items()) if v)
    if counters:
        print(f"  {counters}")
    for scope in summary.scopes:
        key = scope.key
        where = " ".join(part for part in (key.provider, key.account, key.region or "global",
                                           key.service) if part)
        error = f"  {scope.error}" if scope.error else ""
        print(f"  {scope.status.value:<11} {where}  {scope.assets} assets{error}")
