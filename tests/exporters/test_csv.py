"""The CSV export: columns, cells shaped for models, spreadsheet safety, token budgets."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from cloudscope.api import REDACTED, UsageError
from cloudscope.testing.exporter_contract import ACCOUNT_A, FORMULA_NAME, SECRET, Estate
from cloudscope_exporters.csv_columns import COLUMN_NAMES, FORMULA_STARTS, neutralise
from cloudscope_exporters.tokens import token_counter


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def by_name(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {row["name"]: row for row in rows}


def test_header_is_the_documented_columns_in_order(export) -> None:
    """Without --columns the header is every documented column, in the documented order."""
    header = next(csv.reader(io.StringIO(export("csv"))))
    assert header == list(COLUMN_NAMES)


def test_columns_chooses_and_orders_columns(export) -> None:
    """--columns writes exactly the named columns, in the order given."""
    text = export("csv", "--columns", "name,id")
    assert next(csv.reader(io.StringIO(text))) == ["name", "id"]


def test_unknown_column_is_a_usage_error_naming_it(export) -> None:
    """An unknown --columns name is refused, naming it and the valid columns."""
    with pytest.raises(UsageError, match="unknown column nope"):
        export("csv", "--columns", "id,nope")


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_cells_that_spreadsheets_would_run_are_neutralised(start: str) -> None:
    """A cell starting with =, +, -, @, tab or CR gets a leading quote; others are unchanged."""
    assert neutralise(start + "1+1") == "'" + start + "1+1"
    assert neutralise("web" + start) == "web" + start


def test_formula_shaped_names_are_exported_as_text(export) -> None:
    """An asset named like a formula is written with a leading quote."""
    names = [row["name"] for row in rows_of(export("csv"))]
    assert "'" + FORMULA_NAME in names
    assert FORMULA_NAME not in names


def test_no_cell_starts_like_a_formula(export) -> None:
    """No cell of the whole export starts with a formula character."""
    cells = [cell for row in csv.reader(io.StringIO(export("csv"))) for cell in row]
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]


def test_secrets_are_redacted_in_tags_and_properties(export) -> None:
    """Secret-named tags and properties, and secret-shaped values, read [REDACTED]."""
    text = export("csv")
    web = by_name(rows_of(text))["web-1"]
    assert SECRET not in text
    assert f"db-password={REDACTED}" in web["tags"]
    assert f"UserData=export DB_PASSWORD={REDACTED}" in web["properties"]


def test_tags_are_sorted_key_value_pairs(export) -> None:
    """Tags read key=value; key=value, sorted by key."""
    web = by_name(rows_of(export("csv")))["web-1"]
    assert web["tags"] == f"cost=-42; db-password={REDACTED}; env=prod; team=payments"


def test_properties_are_dotted_paths_security_relevant_first(export) -> None:
    """Nested properties become Dotted.Path=value pairs; public/state/metadata paths lead."""
    pairs = by_name(rows_of(export("csv")))["web-1"]["properties"].split("; ")
    assert "State.Name=running" in pairs
    assert "MetadataOptions.HttpTokens=optional" in pairs
    assert pairs.index("PublicIpAddress=54.210.1.1") < pairs.index("InstanceType=t3.micro")
    assert not [pair for pair in pairs if pair.startswith("Tags")]


def test_property_width_bounds_the_cell(export) -> None:
    """--property-width N keeps N pairs and counts the rest."""
    cell = by_name(rows_of(export("csv", "--property-width", "2")))["web-1"]["properties"]
    pairs = cell.split("; ")
    assert len(pairs) == 3
    assert pairs[-1].startswith("…(+") and pairs[-1].endswith(" more)")


def test_relationships_are_summarised_by_type_and_target_name(export) -> None:
    """Outgoing relationships read TYPE:target name; an unstored target shows its id."""
    web = by_name(rows_of(export("csv")))["web-1"]
    assert web["relationships"].split("; ") == [
        "HAS_ROLE:web-role", "IN_SUBNET:app-subnet", "PROTECTED_BY:web-sg",
        f"RELATED_TO:arn:aws:ec2:us-east-1:{ACCOUNT_A}:image/ami-0missing"]


def test_incoming_relationships_are_listed_as_referenced_by(export) -> None:
    """Relationships pointing at an asset read TYPE:source name in referenced_by."""
    subnet = by_name(rows_of(export("csv")))["app-subnet"]
    assert subnet["referenced_by"] == f"IN_SUBNET:{FORMULA_NAME}; IN_SUBNET:web-1"


def test_findings_read_severity_and_rule_most_severe_first(export) -> None:
    """Findings read severity:rule_id, most severe first, and max_severity the worst."""
    rows = by_name(rows_of(export("csv")))
    assert rows["web-1"]["findings"] == "high:aws.ec2.public-ssh; medium:aws.ec2.imdsv1"
    assert rows["web-1"]["max_severity"] == "high"
    assert rows["public-assets"]["max_severity"] == "critical"
    assert rows["db-sg"]["findings"] == rows["db-sg"]["max_severity"] == ""


def test_rows_are_grouped_by_account_then_type(export, estate: Estate) -> None:
    """Rows come grouped by provider, account and asset type."""
    rows = rows_of(export("csv"))
    keys = [(row["provider"], row["account"], row["asset_type"]) for row in rows]
    assert keys == sorted(keys)
    assert [row["id"] for row in rows] == estate.ids()


def test_dictionary_explains_every_column_written(export, tmp_path: Path) -> None:
    """--dictionary writes a Markdown table with a line per exported column."""
    export("csv", "--columns", "id,name,findings", "--dictionary", str(tmp_path / "d.md"),
           output="estate.csv")
    text = (tmp_path / "d.md").read_text(encoding="utf-8")
    table = [line for line in text.splitlines() if line.startswith("| `")]
    assert [line.split("`")[1] for line in table] == ["id", "name", "findings"]
    assert "[REDACTED]" in text and "formula" in text


def test_dictionary_redacts_a_filter_that_names_a_secret(export, tmp_path: Path) -> None:
    """A --tag filter on a secret-named tag is written to the dictionary redacted."""
    export("csv", "--tag", f"db-password={SECRET}", "--dictionary", str(tmp_path / "d.md"),
           output="estate.csv")
    text = (tmp_path / "d.md").read_text(encoding="utf-8")
    assert SECRET not in text and REDACTED in text


def test_dictionary_in_a_missing_directory_fails_before_writing(export, tmp_path: Path) -> None:
    """A --dictionary path in a missing directory is refused and no output is left."""
    with pytest.raises(UsageError, match=r"--dictionary .*does not exist"):
        export("csv", "--dictionary", str(tmp_path / "no" / "d.md"), output="estate.csv")
    assert list(tmp_path.glob("estate*")) == []


def _tokens(path: Path) -> int:
    count = token_counter().count
    return sum(count(line + "\n") for line in path.read_text(encoding="utf-8").splitlines())


def test_max_tokens_splits_into_numbered_files_each_with_the_header(export,
                                                                    estate: Estate) -> None:
    """--max-tokens N writes name-001.csv... each within N tokens, each starting with the
    header, holding every row once between them."""
    files = export("csv", "--max-tokens", "500", output="estate.csv")
    assert [file.name for file in files] == [f"estate-{n:03d}.csv" for n in
                                             range(1, len(files) + 1)]
    assert len(files) > 2
    ids = []
    for file in files:
        rows = rows_of(file.read_text(encoding="utf-8"))
        assert rows, f"{file.name} holds no row"
        assert _tokens(file) <= 500
        ids += [row["id"] for row in rows]
    assert ids == estate.ids()


def test_max_tokens_too_small_for_one_row_is_an_error_leaving_no_file(export,
                                                                      tmp_path: Path) -> None:
    """A budget smaller than a row is refused, naming the row; no part file is left."""
    with pytest.raises(UsageError, match="too small for the row of"):
        export("csv", "--max-tokens", "60", output="estate.csv")
    assert list(tmp_path.glob("*estate*")) == []


def test_max_tokens_on_an_empty_selection_writes_one_header_file(export) -> None:
    """An empty selection with --max-tokens is one numbered file holding the header."""
    files = export("csv", "--max-tokens", "500", "--account", "0", output="estate.csv")
    assert [file.name for file in files] == ["estate-001.csv"]
    assert files[0].read_text(encoding="utf-8").startswith("id,provider,")


def test_a_shorter_split_removes_stale_parts_of_the_previous_one(export) -> None:
    """Exporting again in fewer parts removes the old higher-numbered parts."""
    many = export("csv", "--max-tokens", "300", output="estate.csv")
    few = export("csv", "--max-tokens", "5000", output="estate.csv")
    assert len(few) == 1 < len(many)
    assert sorted(p.name for p in few[0].parent.glob("estate-*.csv")) == ["estate-001.csv"]


def test_max_tokens_needs_an_output_path(export) -> None:
    """Numbered files cannot go to stdout: --max-tokens without --output is refused."""
    with pytest.raises(UsageError, match="--max-tokens"):
        export("csv", "--max-tokens", "500")
