"""``cloudscope changes``: read the change log (``assets history ID`` is in assets_command)."""

from __future__ import annotations

import argparse
from typing import Any

from cloudscope.cli.output import stdout

EPILOG = ("Exit codes: 0 ok; 2 bad usage, an unknown run id or time, or a store that keeps no "
          "change log (one line, nothing changed).")


def add_parser(commands: Any) -> None:
    """Add the ``changes`` command."""
    parser = commands.add_parser(
        "changes", help="what changed in the estate, and what new risk appeared",
        description="List the changes collections recorded (assets added, modified with "
                    "their changed fields, removed; relationships added or removed) and the "
                    "findings assessments found new or resolved, oldest first. Each change "
                    "names the findings it brought or resolved; each finding change what "
                    "caused it. Secrets are redacted.",
        epilog=EPILOG)
    parser.add_argument("--since", metavar="RUN_ID|TIME|DURATION",
                        help="after this run, time (ISO 8601, UTC unless it says) or duration "
                             "back from now (30m, 24h, 7d, 2w); default: the whole log")
    parser.add_argument("--until", metavar="RUN_ID|TIME|DURATION",
                        help="up to this run (included), time or duration back from now")
    parser.add_argument("--db", metavar="URL", help="store URL")
    parser.add_argument("--provider", metavar="P", help="only this provider")
    parser.add_argument("--type", dest="asset_type", metavar="T", help="only this asset type")
    parser.add_argument("--account", metavar="A", help="only this account/subscription/project")
    parser.add_argument("--region", metavar="R", help="only this region or location")
    parser.add_argument("--tag", action="append", default=[], metavar="K=V",
                        help="only assets with this tag now (repeatable; all must match)")
    parser.add_argument("--findings-only", action="store_true",
                        help="only finding changes (new and resolved), with their causes")
    parser.add_argument("--limit", type=int, metavar="N", help="at most N changes")
    parser.add_argument("--format", choices=("table", "json", "jsonl", "csv"), default="table")
    parser.set_defaults(run=run, include_deleted=False)


def run(args: argparse.Namespace) -> int:
    """Print the changes of the window that match the filters."""
    from cloudscope.application.changes import read_changes, window
    from cloudscope.cli.assets_command import query_from
    from cloudscope.cli.change_reports import write_reports
    from cloudscope.cli.runtime import Runtime
    from cloudscope.domain.change import ChangeQuery
    from cloudscope.domain.errors import UsageError
    from cloudscope.ports.repository import change_log_missing

    if args.limit is not None and args.limit < 0:
        raise UsageError("--limit must be zero or more")
    filters = query_from(args)
    with Runtime(args).repository(create=False) as repository:
        if not repository.has_change_log():
            raise change_log_missing(repository)
        since, until = window(repository, args.since, args.until)
        query = ChangeQuery(since=since, until=until, provider=filters.provider,
                            asset_type=filters.asset_type, account=filters.account,
                            region=filters.region, tags=filters.tags, limit=args.limit)
        reports = read_changes(repository, query, findings_only=args.findings_only)
        write_reports(reports, args.format, stdout(), since=since, until=until)
    return 0
