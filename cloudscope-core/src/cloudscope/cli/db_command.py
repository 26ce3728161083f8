"""``cloudscope db migrate|copy``: manage stores."""

from __future__ import annotations

import argparse
from typing import Any

from cloudscope.cli.output import stdout


def add_parser(commands: Any) -> None:
    """Add ``db migrate`` and ``db copy``."""
    from cloudscope.cli.components import integer

    parser = commands.add_parser("db", help="migrate a store, or copy one into another",
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
    if args.format == "json":
        print(json.dumps({"source": redact_url(args.source), "target": redact_url(args.target),
                          **summary.as_json()}), file=stdout())
    else:
        print(f"copied {summary.assets} assets, {summary.relationships} relationships, "
              f"{summary.findings} findings, {summary.scopes} scopes and {summary.runs} runs "
              f"from {printable(redact_url(args.source))} to "
              f"{printable(redact_url(args.target))}", file=stdout())
    return 0
