"""``cloudscope assets list|show``: query the store."""

from __future__ import annotations

import argparse
from typing import Any

from cloudscope.cli.output import stdout


def add_filter_arguments(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """The asset filters shared by ``assets list``, ``export`` and ``assess``."""
    parser.add_argument("--db", metavar="URL", help="store URL")
    parser.add_argument("--provider", metavar="P", help="only this provider (aws, azure, gcp...)")
    parser.add_argument("--type", dest="asset_type", metavar="T",
                        help="only this asset type (aws:ec2:instance)")
    parser.add_argument("--account", metavar="A", help="only this account/subscription/project")
    parser.add_argument("--region", metavar="R", help="only this region or location")
    parser.add_argument("--tag", action="append", default=[], metavar="K=V",
                        help="only assets with this tag (repeatable; all must match)")
    parser.add_argument("--include-deleted", action="store_true",
                        help="include assets removed as stale by a later collection")


def query_from(args: argparse.Namespace, **extra: Any) -> Any:
    """An AssetQuery from the filter arguments."""
    from cloudscope.domain.errors import UsageError
    from cloudscope.domain.query import AssetQuery

    tags = {}
    for item in args.tag:
        key, separator, value = item.partition("=")
        if not separator or not key:
            raise UsageError(f"--tag {item!r}: expected KEY=VALUE")
        tags[key] = value
    return AssetQuery(provider=args.provider, asset_type=args.asset_type, account=args.account,
                      region=args.region, tags=tags, include_deleted=args.include_deleted, **extra)


def add_parser(commands: Any) -> None:
    """Add ``assets list``, ``assets show`` and ``assets history``."""
    from cloudscope.cli.components import integer

    parser = commands.add_parser("assets", help="list or show stored assets",
                                 description="Query the stored inventory.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="list assets matching filters")
    add_filter_arguments(listing)
    listing.add_argument("--limit", type=integer(), metavar="N",
                         help="at most N assets (default: all)")
    listing.add_argument("--offset", type=integer(), default=0, metavar="N",
                         help="skip the first N")
    listing.add_argument("--format", choices=("table", "json", "jsonl"), default="table")
    listing.set_defaults(run=run_list)
    show = actions.add_parser("show", help="show one asset with its relationships and findings")
    show.add_argument("id", metavar="ID")
    show.add_argument("--db", metavar="URL", help="store URL")
    show.add_argument("--format", choices=("text", "json"), default="text")
    show.set_defaults(run=run_show)
    history = actions.add_parser(
        "history", help="one asset's changes, oldest first",
        description="Every change of one asset (removed ones too): added, modified with the "
                    "changed fields, removed, its relationships and findings coming and "
                    "going, and relationships of other assets pointing at it.",
        epilog="Exit codes: 0 ok; 2 an unknown id, or a store that keeps no change log.")
    history.add_argument("id", metavar="ID")
    history.add_argument("--db", metavar="URL", help="store URL")
    history.add_argument("--format", choices=("table", "json", "jsonl"), default="table")
    history.set_defaults(run=run_history)


def run_list(args: argparse.Namespace) -> int:
    """Stream the matching assets in the chosen format."""
    import json

    from cloudscope.cli.runtime import Runtime
    from cloudscope.domain.redaction import redact_asset

    query = query_from(args, limit=args.limit, offset=args.offset)
    with Runtime(args).repository(create=False) as repository:
        # Redacted as in the exports: what a listing prints is an export too.
        assets = map(redact_asset, repository.iter_assets(query))
        out = stdout()
        if args.format == "jsonl":
            for asset in assets:
                out.write(asset.model_dump_json() + "\n")
        elif args.format == "json":
            out.write("[")
            for index, asset in enumerate(assets):
                out.write(("," if index else "") + "\n  " + asset.model_dump_json())
            out.write("\n]\n")
        else:
            _print_table(assets, out)
            _ = json
    return 0


def _print_table(assets: Any, out: Any) -> None:
    """Aligned columns, widths from the first rows so that output streams."""
    import itertools

    from cloudscope.domain.printable import printable

    headers = ("ID", "TYPE", "NAME", "ACCOUNT", "REGION")
    rows = (tuple(map(printable, (a.id, a.asset_type, a.name or "", a.account or "",
                                  a.region or ""))) for a in assets)
    head = list(itertools.islice(rows, 200))
    widths = [min(60, max([len(h)] + [len(r[i]) for r in head])) for i, h in enumerate(headers)]

    def line(cells: tuple[str, ...]) -> str:
        shown = [c if len(c) <= widths[i] or i == 0 else c[: widths[i] - 1] + "…"
                 for i, c in enumerate(cells)]
        return "  ".join(c.ljust(widths[i]) for i, c in enumerate(shown)).rstrip()

    out.write(line(headers) + "\n")
    count = 0
    for row in itertools.chain(head, rows):
        out.write(line(row) + "\n")
        count += 1
    if count == 0:
        out.write("(no assets match)\n")


def run_show(args: argparse.Namespace) -> int:
    """Print one asset with its relationships (both directions) and findings."""
    import json

    from cloudscope.cli.runtime import Runtime
    from cloudscope.domain.errors import NotFoundError
    from cloudscope.domain.printable import printable as p

    with Runtime(args).repository(create=False) as repository:
        detail = repository.get_detail(args.id)
    if detail is None:
        raise NotFoundError(f"no asset with id {args.id!r}",
                            hint="see `cloudscope assets list`")
    detail = detail.redacted()
    if args.format == "json":
        json.dump(detail.model_dump(mode="json"), stdout(), indent=2)
        stdout().write("\n")
        return 0
    # Every stored text goes through printable (p): a name or tag cannot drive the
    # terminal. Properties are printed as JSON with every non-ASCII character escaped.
    asset = detail.asset
    print(f"{p(asset.id)}\n  type      {p(asset.asset_type)} ({p(asset.native_type or '-')})\n"
          f"  name      {p(asset.name or '-')}\n  account   {p(asset.account or '-')}\n"
          f"  region    {p(asset.region or '-')}\n"
          f"  seen      {asset.first_seen} .. {asset.last_seen}", file=stdout())
    if asset.tags:
        print("  tags      " + "; ".join(p(f"{k}={v}") for k, v in sorted(asset.tags.items())),
              file=stdout())
    if detail.relationships:
        print("relationships:", file=stdout())
        for rel in detail.relationships:
            if rel.source_id == asset.id:
                print(f"  -{rel.type}-> {p(rel.target_id)}", file=stdout())
            else:
                print(f"  <-{rel.type}- {p(rel.source_id)}", file=stdout())
    if detail.findings:
        print("findings:", file=stdout())
        for finding in detail.findings:
            print(p(f"  [{finding.severity.value}] {finding.rule_id}: {finding.title}"),
                  file=stdout())
    print("properties:", file=stdout())
    print(json.dumps(asset.properties, indent=2, sort_keys=True, default=str, ensure_ascii=True),
          file=stdout())
    return 0


def run_history(args: argparse.Namespace) -> int:
    """Print one asset's changes; an id the store never held is a one-line error."""
    import json

    from cloudscope.application.changes import read_changes
    from cloudscope.cli.change_reports import write_reports
    from cloudscope.cli.runtime import Runtime
    from cloudscope.domain.change import ChangeQuery
    from cloudscope.domain.errors import NotFoundError
    from cloudscope.domain.query import AssetQuery
    from cloudscope.ports.repository import change_log_missing

    with Runtime(args).repository(create=False) as repository:
        if not repository.has_change_log():
            raise change_log_missing(repository)
        reports = list(read_changes(repository, ChangeQuery(asset_ids=(args.id,), related=True)))
        if not reports and not repository.count_assets(
                AssetQuery(ids=(args.id,), include_deleted=True)):
            raise NotFoundError(f"no asset with id {args.id!r}",
                                hint="see `cloudscope assets list --include-deleted`")
    if args.format == "json":
        json.dump({"asset_id": args.id, "changes": [r.as_json() for r in reports]}, stdout(),
                  indent=2, ensure_ascii=False, default=str)
        stdout().write("\n")
    else:
        write_reports(reports, args.format, stdout())
    return 0
