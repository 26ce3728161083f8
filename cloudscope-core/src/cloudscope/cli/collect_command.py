"""``cloudscope collect [PROVIDER]``: collect from one source, or every configured target."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

from cloudscope.cli.output import stdout

COMMON_OPTIONS = ("db", "format", "shard", "concurrency", "batch_size", "scope_timeout",
                  "include_service", "exclude_service", "include_type", "exclude_type",
                  "metrics_file")


def add_parser(commands: Any) -> None:
    """Add the ``collect`` command; provider options are parsed once the provider is known."""
    from cloudscope.cli.components import add_component_command

    parser = add_component_command(
        commands, "collect", metavar="PROVIDER", run=run, optional=True,
        kind="collectors",
        help="collect assets from a provider, or every configured target, into the store",
        description="Collect assets from PROVIDER (see `cloudscope plugins` for the installed "
                    "collectors; `cloudscope collect PROVIDER --help` for a provider's "
                    "options), or, without PROVIDER, from every target of the configuration's "
                    "targets: (--target NAME for some), one run per target.",
        arguments_help="provider options, --db URL, --shard I/N, --format text|json")
    parser.add_argument("--target", action="append", metavar="NAME",
                        help="collect only this configured target (repeatable)")
    add_collection_options(parser)


def add_collection_options(parser: argparse.ArgumentParser) -> None:
    """The options every ``cloudscope collect [PROVIDER]`` has."""
    from cloudscope.cli.components import integer, seconds

    common = parser.add_argument_group("collection")
    common.add_argument("--db", metavar="URL", help="store URL (default: CLOUDSCOPE_DB, the "
                                                    "config, then sqlite:///cloudscope.db)")
    common.add_argument("--format", choices=("text", "json"), default=None,
                        help="run summary format (default: text)")
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
    common.add_argument("--metrics-file", metavar="PATH",
                        help="write the run's Prometheus metrics to PATH (a node_exporter "
                             "textfile-collector file; its counters keep counting)")
    selection = parser.add_argument_group(
        "selection", "shell-style patterns, case-insensitive, each option repeatable")
    selection.add_argument("--include-service", action="append", metavar="PATTERN",
                           help="collect only the scopes of matching services (ec2, "
                                "microsoft.network/*, compute.googleapis.com)")
    selection.add_argument("--exclude-service", action="append", metavar="PATTERN",
                           help="leave out the scopes of matching services")
    selection.add_argument("--include-type", action="append", metavar="PATTERN",
                           help="keep only assets of matching types (aws:ec2:*)")
    selection.add_argument("--exclude-type", action="append", metavar="PATTERN",
                           help="leave out assets of matching types (their relationships too)")


@dataclass
class _Job:
    """One collection ready to run: validated options and a built collector."""

    target: str | None
    provider: str
    collect: Any
    output_format: str
    tracing: Any
    metrics_file: Any = None


def run(args: argparse.Namespace) -> int:
    """Collect, print the run summary (or one per target), return 0 (ok) or 3 (not ok)."""
    from cloudscope.cli.runtime import Runtime
    from cloudscope.domain.errors import UsageError

    runtime = Runtime(args)
    store = _SharedStore(runtime)
    if args.component is None:
        return _run_targets(runtime, args, store)
    if args.target:
        raise UsageError("--target and PROVIDER: give one or the other")
    job = _prepare(runtime, args, store, args.component, args.arguments, target=None)
    try:
        summary, interrupted = _execute(job)
        if not interrupted:
            store.retain(runtime.config.settings.changes.keep_days)
    finally:
        store.close()
    _print([(job, summary)], job.output_format, single=True)
    if interrupted:
        raise KeyboardInterrupt
    return 0 if _is_ok(summary) else 3


def _run_targets(runtime: Any, args: argparse.Namespace, store: _SharedStore) -> int:
    """Every chosen target, each checked before any is collected, then one run each."""
    from cloudscope.cli import targets as target_config

    if args.arguments:
        from cloudscope.domain.errors import UsageError

        raise UsageError(f"unexpected arguments {' '.join(args.arguments)!r}",
                         hint="provider options go after PROVIDER, or in a target")
    chosen = target_config.choose(runtime.config.settings.targets, args.target)
    jobs = [_prepare(runtime, args, store, target.provider, target, target=target.name)
            for target in chosen]
    done: list[tuple[_Job, Any]] = []
    interrupted = False
    try:
        for job in jobs:
            summary, interrupted = _execute(job, contained=True)
            done.append((job, summary))
            if interrupted:
                break
        if not interrupted:
            store.retain(runtime.config.settings.changes.keep_days)
    finally:
        for job in jobs[len(done):]:  # built but never run: release their clients
            job.collect.collector.close()
        store.close()
    _print(done, jobs[0].output_format, single=False)
    if interrupted:
        raise KeyboardInterrupt
    return 0 if all(_is_ok(summary) for _, summary in done) else 3


def _prepare(runtime: Any, args: argparse.Namespace, store: _SharedStore, provider: str,
             source: Any, *, target: str | None) -> _Job:
    """Parse the provider's options (flags, or a target's keys) and build its collector."""
    from cloudscope.application.collect import CollectOptions, CollectRun
    from cloudscope.application.sharding import Shard

    built = build_collector(runtime, args, provider, source, target=target)
    common, settings = built.common, runtime.config.settings.collect
    chosen: Any = common["concurrency"] or settings.concurrency or \
        getattr(built.factory, "default_concurrency", 8)
    run_options = CollectOptions(
        concurrency=max(1, int(chosen)),
        batch_size=common["batch_size"] or settings.batch_size,
        queue_batches=settings.queue_batches,
        shard=Shard.parse(common["shard"]) if common["shard"] else None,
        scope_timeout_s=common["scope_timeout"],
        circuit_breaker_threshold=settings.circuit_breaker_threshold,
        track_changes=runtime.config.settings.changes.track,
    )
    args.db = common["db"]
    metrics_file = None
    if common["metrics_file"]:
        from cloudscope.application.export import FileTarget

        # The output guard, now (a typo costs nothing) and against the store once it is
        # known: never the store, a pipe or device written as a stream.
        metrics_file = FileTarget(common["metrics_file"], option="--metrics-file")
    from cloudscope.infrastructure.telemetry import CollectionTracing

    tracing = CollectionTracing.start(provider)
    collect = CollectRun(provider, tracing.wrap(built.collector), store.opener(metrics_file),
                         built.collector.ctx, run_options)
    return _Job(target, provider, collect, common["format"] or "text", tracing, metrics_file)


@dataclass
class BuiltCollector:
    """A collector built from flags or a target: it, the collection options, its factory."""

    collector: Any
    common: dict[str, Any]
    factory: Any


def build_collector(runtime: Any, args: argparse.Namespace, provider: str, source: Any, *,
                    target: str | None) -> BuiltCollector:
    """The collector of ``provider`` from ``source``: the arguments after PROVIDER, or a
    target's settings (``target`` its name), narrowed to the selection options.
    ``collect`` and ``doctor`` both build collectors so."""
    from cloudscope.application.selection import SelectedCollector, Selection
    from cloudscope.cli import targets as target_config
    from cloudscope.cli.components import (
        CommandParser,
        build_component,
        component_parser,
        find_component,
    )
    from cloudscope.domain.errors import CloudScopeError, ConfigError
    from cloudscope.infrastructure.logging import get_logger
    from cloudscope.ports.collector import CollectContext, Collector

    registration = find_component(runtime.host, "collectors", provider)
    factory = registration.resolve()
    parser = component_parser(f"cloudscope collect {provider}", factory, f"{provider} options",
                              add_collection_options, parser_class=target_config.TargetParser
                              if target else CommandParser)
    if isinstance(parser, target_config.TargetParser):
        parser.source, parser.target = runtime.config.source, target or ""
        argv = target_config.arguments(source, parser)
    else:
        argv = source
    # Options given before PROVIDER (or, for targets, on the command) are the defaults.
    parser.set_defaults(**{name: value for name in COMMON_OPTIONS
                           if (value := getattr(args, name, None)) is not None})
    options = vars(parser.parse_args(argv))
    common = {name: options.pop(name) for name in COMMON_OPTIONS}
    plugin = registration.plugin
    ctx = CollectContext(plugin, limiter=runtime.host.limiter_for(plugin),
                         config=runtime.config.as_dict(),
                         log=get_logger(f"cloudscope.collect.{provider}"),
                         settings_loader=runtime.config.plugin_settings)
    try:
        collector = build_component(registration, "collector", Collector, ctx, options)
    except CloudScopeError as error:
        if target is None:
            raise
        # A target's options are the configuration's: say which target, exit 2.
        raise ConfigError(f"target {target}: {error.message}", hint=error.hint) from error
    selection = Selection(
        include_services=tuple(common["include_service"] or ()),
        exclude_services=tuple(common["exclude_service"] or ()),
        include_types=tuple(common["include_type"] or ()),
        exclude_types=tuple(common["exclude_type"] or ()))
    if not selection.is_everything:
        collector = SelectedCollector(collector, selection)
    return BuiltCollector(collector, common, factory)


class _SharedStore:
    """The store, opened when the first run needs it and shared by every run."""

    def __init__(self, runtime: Any) -> None:
        self._runtime = runtime
        self._repository: Any = None

    def open(self) -> Any:
        if self._repository is None:
            self._repository = self._runtime.repository()
        return self._repository

    def opener(self, output: Any) -> Any:
        """:meth:`open`, then ``output`` (a ``--metrics-file`` target, or None) checked
        against the store's files: refused (exit 2) before the run writes anything."""
        def open_guarded() -> Any:
            repository = self.open()
            if output is not None:
                output.protect(repository.local_paths())
            return repository

        return open_guarded

    def retain(self, keep_days: int | None) -> None:
        """Apply the history kept (``changes.keep_days``): older changes and removed
        assets go, once the runs are over."""
        from cloudscope.application.changes import apply_retention

        if self._repository is not None:
            apply_retention(self._repository, keep_days)

    def close(self) -> None:
        if self._repository is not None:
            self._repository.close()


def _execute(job: _Job, *, contained: bool = False) -> tuple[Any, bool]:
    """Run one collection, with a progress display on a terminal; (summary, interrupted).

    ``contained`` (a run among targets): input its collector rejects while planning fails
    that run, not the command, since earlier targets may already be stored."""
    import sys

    from cloudscope.domain.errors import CloudScopeError, StoreError, describe_error
    from cloudscope.domain.scope import RunStatus
    from cloudscope.domain.timestamps import utc_now

    collect = job.collect
    if sys.stderr.isatty() and job.output_format == "text":
        from cloudscope.cli.progress import RichProgress

        collect.progress = RichProgress()
        context: Any = collect.progress
    else:
        context = _nothing()
    try:
        with context, job.tracing.run(lambda: collect.run):
            summary = collect.execute()
        if job.metrics_file is not None:
            _write_metrics(job.metrics_file, summary, collect.opened_repository)
        return summary, False
    except KeyboardInterrupt:
        return collect.summary, True
    except CloudScopeError as error:
        if not contained or isinstance(error, StoreError):
            raise
        run = collect.summary.run
        run.status, run.error, run.finished_at = RunStatus.FAILED, describe_error(error), utc_now()
        return collect.summary, False


def _is_ok(summary: Any) -> bool:
    from cloudscope.domain.scope import RunStatus

    return summary.run.status is RunStatus.OK


def _write_metrics(target: Any, summary: Any, store: Any) -> None:
    """The run's metrics, through the export's atomic target (so the output guard: never
    the store); a file that cannot be written is a warning, not the run's failure."""
    import sys

    from cloudscope.domain.errors import CloudScopeError
    from cloudscope.domain.printable import printable
    from cloudscope.infrastructure.metrics import collection_metrics_text

    try:
        target.protect(store.local_paths() if store is not None else ())
        # Counters keep counting across runs: read the file written before, if a file.
        previous = target.path if target.supports_parts and target.path.is_file() else None
        target.open().write(collection_metrics_text(summary.run, summary.scopes, previous))
        target.commit()
    except (CloudScopeError, OSError) as error:
        target.abort()
        sys.stderr.write(f"cloudscope: warning: {printable(error)}\n")


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _print(done: list[tuple[_Job, Any]], output_format: str, *, single: bool) -> None:
    """One run's summary as before; several targets' runs listed, with their totals."""
    import json

    out = stdout()
    if output_format == "json":
        if single:
            document: Any = done[0][1].as_json()
        else:
            runs = [{"target": job.target, **summary.as_json()} for job, summary in done]
            document = {"status": _overall([r["status"] for r in runs]), "runs": runs,
                        "assets": sum(r["assets"] for r in runs),
                        "relationships": sum(r["relationships"] for r in runs),
                        "duration_s": sum(r["duration_s"] for r in runs)}
        json.dump(document, out, indent=2)
        out.write("\n")
        return
    for job, summary in done:
        if not single:
            print(f"target {job.target} ({job.provider})", file=out)
        _print_summary(summary)
    if not single:
        statuses = [summary.run.status.value for _, summary in done]
        counted = ", ".join(f"{statuses.count(s)} {s}" for s in ("ok", "partial", "failed")
                            if s in statuses)
        print(f"{len(done)} target{'' if len(done) == 1 else 's'}: {counted}", file=out)


def _overall(statuses: list[str]) -> str:
    if statuses and all(status == "ok" for status in statuses):
        return "ok"
    return "failed" if statuses and all(status == "failed" for status in statuses) else "partial"


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
