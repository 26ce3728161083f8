"""``cloudscope db migrate|copy|prune``: manage stores."""

from __future__ import annotations

import argparse
from typing import Any

from cloudscope.cli.output import stdout


def add_parser(commands: Any) -> None:
    """Add ``db migrate``, ``db copy`` and ``db prune``."""
    from cloudscope.cli.components import integer

    parser = commands.add_parser("db", help="migrate, copy or prune a store",
                                 description="Manage CloudScope stores.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    migrate = actions.add_parser(
        "migrate", help="bring a store's schema to the current version (idempotent)",
        description="Bring the store's schema to this CloudScope's version. Stores also "
                    "migrate themselves on first use; running this twice changes nothing.")
    migrate.add_argument("--db", metavar="URL", help="store URL (default: CLOUDSCOPE_DB, the "
                                                     "config, then sqlite:///cloudscope.db)")
    migrate.add_argument("--format", choices=("text", "json"), default="text")
    migrate.set_defaults(run=run_migrate)
    copy = actions.add_parser(
        "copy", help="copy an inventory into an empty or CloudScope store",
        description="Copy assets (removed ones included), relationships, findings, scopes "
                    "and runs with their timestamps from SOURCE_URL into TARGET_URL, e.g. "
                    "sqlite:///cloudscope.db into postgresql://user@host/inventory. The target "
                    "must be empty or a CloudScope store; its findings are replaced.")
    copy.add_argument("source", metavar="SOURCE_URL")
    copy.add_argument("target", metavar="TARGET_URL")
    copy.add_argument("--batch-size", type=integer(1), default=5000, metavar="N",
                      help="records per transaction in the target (default 5000)")
    copy.add_argument("--format", choices=("text", "json"), default="text")
    copy.set_defaults(run=run_copy)
    prune = actions.add_parser(
        "prune", help="delete history older than N days (changes, removed assets)",
        description="Delete the change log's records older than N days, and the assets "
                    "removed (as stale) more than N days ago with their findings. Live "
                    "assets are never touched. N defaults to changes.keep_days in the "
                    "config (CLOUDSCOPE_CHANGES_KEEP_DAYS).")
    prune.add_argument("--keep-days", type=integer(1, 36_500), metavar="N",
                       help="days of history to keep (default: changes.keep_days)")
    prune.add_argument("--db", metavar="URL", help="store URL (default: CLOUDSCOPE_DB, the "
                                                   "config, then sqlite:///cloudscope.db)")
    prune.add_argument("--format", choices=("text", "json"), default="text")
    prune.set_defaults(run=run_prune)


def run_migrate(args: argparse.Namespace) -> int:
    """Open (which migrates) and migrate again, then print the schema version."""
    import json

    from cloudscope.application.storage import choose_url, redact_url
    from cloudscope.cli.runtime import Runtime
    from cloudscope.domain.printable import printable

    runtime = Runtime(args)
    url = choose_url(args.db, runtime.config.settings.db)
    with runtime.repository() as repository:
        version = repository.migrate()
    if args.format == "json":
        print(json.dumps({"db": redact_url(url), "schema_version": version}), file=stdout())
    else:
        print(f"{printable(redact_url(url))}: schema version {version}", file=stdout())
    return 0


def run_copy(args: argparse.Namespace) -> int:
    """Copy SOURCE_URL into TARGET_URL and print what was copied."""
    import json
    import sys

    from cloudscope.application.db_copy import copy_store
    from cloudscope.application.storage import open_repository, redact_url
    from cloudscope.cli.runtime import Runtime
    from cloudscope.domain.errors import UsageError
    from cloudscope.domain.printable import printable

    if args.source == args.target:
        raise UsageError("SOURCE_URL and TARGET_URL are the same store")
    runtime = Runtime(args)
    with open_repository(runtime.host, args.source, create=False) as source, \
            open_repository(runtime.host, args.target) as target:
        summary = copy_store(source, target, batch_size=args.batch_size)
        if source.has_change_log() and not target.has_change_log():
            sys.stderr.write("cloudscope: note: the target keeps no change log; the source's "
                             "changes were not copied\n")
    if args.format == "json":
        print(json.dumps({"source": redact_url(args.source), "target": redact_url(args.target),
                          **summary.as_json()}), file=stdout())
    else:
        print(f"copied {summary.assets} assets, {summary.relationships} relationships, "
              f"{summary.findings} findings, {summary.scopes} scopes, {summary.runs} runs and "
              f"{summary.changes} changes from {printable(redact_url(args.source))} to "
              f"{printable(redact_url(args.target))}", file=stdout())
    return 0


def run_prune(args: argparse.Namespace) -> int:
    """Delete history older than ``--keep-days`` (or ``changes.keep_days``)."""
    import json
    from datetime import timedelta

    from cloudscope.application.storage import choose_url, redact_url
    from cloudscope.cli.runtime import Runtime
    from cloudscope.domain.errors import UsageError
    from cloudscope.domain.printable import printable
    from cloudscope.domain.timestamps import isoformat, utc_now
    from cloudscope.ports.repository import change_log_missing

    runtime = Runtime(args)
    keep_days = args.keep_days if args.keep_days is not None else \
        runtime.config.settings.changes.keep_days
    if keep_days is None:
        raise UsageError("db prune: how many days to keep?",
                         hint="give --keep-days N, or set changes.keep_days in the config")
    url = choose_url(args.db, runtime.config.settings.db)
    before = utc_now() - timedelta(days=keep_days)
    with runtime.repository(create=False) as repository:
        if not repository.has_change_log():
            raise change_log_missing(repository)
        pruned = repository.prune(before)
    if args.format == "json":
        print(json.dumps({"db": redact_url(url), "before": isoformat(before), **pruned}),
              file=stdout())
    else:
        print(f"pruned {pruned['changes']} changes and {pruned['assets']} removed assets "
              f"older than {isoformat(before)} from {printable(redact_url(url))}", file=stdout())
    return 0
