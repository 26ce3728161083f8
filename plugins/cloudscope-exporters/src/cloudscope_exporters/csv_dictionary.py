"""The data dictionary written beside a CSV export (``--dictionary PATH``), in Markdown.

It tells a reader, or a model given the file, what every column means and how cells are
encoded, so that the CSV can be analysed without knowing CloudScope.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TextIO

from cloudscope.api import REDACTED, redact, utc_now

from cloudscope_exporters.csv_columns import FORMULA_STARTS, CellLimits, Column


@dataclass
class ExportFacts:
    """What the CSV export wrote, for the dictionary."""

    label: str
    filters: dict[str, object]
    rows: int = 0
    parts: int = 0
    token_budget: int | None = None
    token_method: str | None = None
    exported_at: str = field(default_factory=lambda: utc_now().strftime("%Y-%m-%dT%H:%M:%SZ"))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def write_dictionary(out: TextIO, columns: Sequence[Column], limits: CellLimits,
                     facts: ExportFacts) -> None:
    """Describe the export and every column written."""
    where = "standard output" if facts.label == "-" else f"`{facts.label}`"
    if facts.parts:
        where += f", split into {facts.parts} numbered file(s) (`-001`, `-002`...)"
    # A filter may name a secret (--tag db-password=...): redacted like the rows.
    filters = ", ".join(f"{key}={value}"
                        for key, value in redact(facts.filters).items()) or "none"
    starts = ", ".join(repr(start) for start in FORMULA_STARTS)
    properties = limits.properties
    lines = [
        "# Data dictionary: CloudScope CSV export", "",
        f"- File: {where}; {facts.rows} rows, exported {facts.exported_at}; filters: {filters}.",
        "- One row per asset. Rows are grouped by provider, then account, then asset_type "
        "(then id), so that related assets sit together.",
        "- List cells separate items with `; `. A value cut short ends with `…`; "
        "`…(+N more)` counts the items left out.",
        f"- Properties: nesting followed {properties.depth} levels deep, at most "
        f"{properties.width} pairs per cell, {properties.list_items} items of a list of "
        f"objects, {properties.value_chars} characters per value; a `Path.count` pair gives "
        "the length of a list cut short.",
        f"- A cell that began with one of {starts} is prefixed with `'` so that spreadsheets "
        "show it as text instead of running it as a formula.",
        f"- Secrets are replaced by `{REDACTED}`: values under keys that name a secret "
        "(password, token, secret, access key...), values of name/value pairs that name one, "
        "and secrets inside text (private key blocks, passwords in URLs, `KEY=value` "
        "assignments, vendor tokens); ids, dates and counts about secrets are kept.",
    ]
    if facts.token_budget is not None:
        lines.append(f"- Each file holds at most {facts.token_budget} tokens, counted with "
                     f"{facts.token_method}, and repeats the header row.")
    lines += ["", "| column | meaning | example |", "|---|---|---|"]
    lines += [f"| `{column.name}` | {_cell(column.description)} | `{_cell(column.example)}` |"
              for column in columns]
    out.write("\n".join(lines) + "\n")
