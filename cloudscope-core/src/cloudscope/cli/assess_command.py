"""``cloudscope assess``: detect relationships, run the risk rules, store and print findings."""

from __future__ import annotations

import argparse
from typing import Any

from cloudscope.cli.output import stdout

EPILOG = ("Exit codes: 0 every rule ran on every asset; 2 bad usage, store, configuration or "
          "rule file (nothing changed); 3 incomplete: a rule failed, or raised on some assets "
          "(listed; the rule ran on the others); the other findings are stored and the "
          "earlier findings of what failed are kept; 4 --fail-on found a finding at or above "
          "its severity (after storing; 4 wins over 3).")
SEVERITIES = ("critical", "high", "medium", "low", "info")


TABLE_ITEM_ERRORS = 20  # rule errors on single items printed under the table


def add_parser(commands: Any) -> None:
    """Add the ``assess`` command."""
    from cloudscope.cli.assets_command import add_filter_arguments

    parser = commands.add_parser(
        "assess", help="detect relationships and run the risk rules",
        description="Run every registered rule and the YAML rules of the configured "
                    "rules.directories over the stored inventory; store the findings, "
                    "replacing earlier findings of the assessed assets. Filters choose the "
                    "assessed assets; relationships are always detected over all of them.",
        epilog=EPILOG)
    add_filter_arguments(parser)
    parser.add_argument("--format", choices=("table", "json", "jsonl", "sarif", "ocsf"),
                        default="table",
                        help="table (default); json: the report; jsonl: one finding per line; "
                             "sarif: SARIF 2.1.0 for code scanning; ocsf: OCSF Detection "
                             "Findings, one per line")
    parser.add_argument("--fail-on", choices=SEVERITIES, metavar="SEVERITY",
                        help="exit 4 when a finding at or above SEVERITY exists (critical, "
                             "high, medium, low, info), after storing the findings")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Assess, print the report, return 0 (complete), 3 (a rule failed or raised on an
    item) or 4 (--fail-on)."""

    from cloudscope.application.assess import Assessment, build_rules
    from cloudscope.application.garbage import fewer_garbage_collections
    from cloudscope.application.rule_files import load_directories
    from cloudscope.cli.assets_command import query_from
    from cloudscope.cli.runtime import Runtime
    from cloudscope.domain.assessment import AssessmentSummary

    runtime = Runtime(args)
    settings = runtime.config.settings.rules
    query = query_from(args)
    summary = AssessmentSummary()
    # User rule files are validated before the store is opened: a bad file changes nothing.
    user_rules = load_directories(settings.directories)
    rules = build_rules(runtime.host.rules, user_rules, set(settings.disabled), summary)
    with runtime.repository(create=False) as repository:
        with fewer_garbage_collections():  # the CLI owns the process (see its docstring)
            result = Assessment(repository, rules).run(query, summary)
        try:
            _print(args.format, rules, result, repository)
        finally:
            result.close()
    if args.fail_on and _has_finding_at_or_above(summary, args.fail_on):
        from cloudscope.domain.errors import EXIT_FINDINGS

        return EXIT_FINDINGS
    return 0 if summary.complete else 3


def _has_finding_at_or_above(summary: Any, threshold: str) -> bool:
    return any(summary.counts.get(severity) for severity in
               SEVERITIES[: SEVERITIES.index(threshold) + 1])


def _print(output_format: str, rules: Any, result: Any, repository: Any) -> None:
    from cloudscope.cli import finding_reports

    out = stdout()
    if output_format == "json":
        _print_json(result, out)
    elif output_format == "jsonl":
        for finding in result.findings():
            out.write(finding.model_dump_json() + "\n")
    elif output_format == "sarif":
        finding_reports.write_sarif(out, rules, result, repository)
    elif output_format == "ocsf":
        finding_reports.write_ocsf(out, rules, result, repository)
    else:
        _print_table(result, out)


def _print_json(result: Any, out: Any) -> None:
    import json

    from cloudscope.domain.redaction import redact_finding

    head = json.dumps(result.summary.as_json(), indent=2)
    out.write(head[:-2] + ',\n  "findings": [')
    # Evidence quotes the asset's own fields: redacted as in the exports.
    for index, finding in enumerate(map(redact_finding, result.findings())):
        out.write(("," if index else "") + "\n    " + finding.model_dump_json())
    out.write("\n  ]\n}\n")


def _print_table(result: Any, out: Any) -> None:
    from cloudscope.domain.printable import printable
    from cloudscope.domain.redaction import redact_finding

    summary = result.summary
    for finding in map(redact_finding, result.findings()):
        out.write(printable(f"{finding.severity.value:<9} {finding.rule_id:<46} "
                            f"{finding.asset_id}") + "\n"
                  f"{'':<9} {printable(finding.title)}\n")
    counts = ", ".join(f"{severity} {count}" for severity, count in summary.counts.items())
    changed = (f"; {summary.new_findings} new and {summary.resolved_findings} resolved since the "
               "last assessment (`cloudscope changes --findings-only`)"
               if summary.new_findings or summary.resolved_findings else "")
    out.write(f"{summary.findings} findings ({counts}) from {summary.rules} rules over "
              f"{summary.assets} assets; {summary.detected_relationships} relationships "
              f"detected{changed}\n")
    for failure in summary.failures:
        out.write(printable(f"rule failed: {failure.rule_id} ({failure.stage}): "
                            f"{failure.error}") + "\n")
    shown = summary.listed_item_errors[:TABLE_ITEM_ERRORS]
    for error in shown:
        out.write(printable(f"rule error: {error.rule_id} on {error.item} ({error.stage}): "
                            f"{error.error}") + "\n")
    if summary.item_errors > len(shown):
        out.write(f"... {summary.item_errors} rule errors on single items in all "
                  f"(--format json lists {len(summary.listed_item_errors)})\n")
    if summary.kept_findings:
        out.write(f"kept {summary.kept_findings} earlier findings of the failed rules and "
                  "items\n")
