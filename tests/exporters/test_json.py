"""JSON and JSON Lines: documents that parse, with metadata, relationships and findings."""

from __future__ import annotations

import json

from cloudscope.api import API_VERSION, EXPORT_SCHEMA_VERSION
from cloudscope.testing.exporter_contract import ACCOUNT_A, Estate


def test_json_document_starts_with_metadata(export) -> None:
    """The document carries format, schema version, API version, time and filters first."""
    document = json.loads(export("json", "--account", ACCOUNT_A))
    assert list(document)[:5] == ["format", "schema_version", "api_version", "exported_at",
                                  "filters"]
    assert document["schema_version"] == EXPORT_SCHEMA_VERSION
    assert document["api_version"] == API_VERSION
    assert document["exported_at"].endswith("Z")
    assert document["filters"] == {"account": ACCOUNT_A}


def test_json_counts_match_the_assets_relationships_and_findings(export, estate: Estate) -> None:
    """counts gives the assets, relationships (each once, on its source) and findings written."""
    document = json.loads(export("json"))
    assets = document["assets"]
    assert document["counts"] == {
        "assets": len(estate.assets),
        "relationships": len(estate.relationships),
        "findings": len(estate.findings)}
    assert sum(len(a["relationships"]) for a in assets) == len(estate.relationships)
    assert sum(len(a["findings"]) for a in assets) == len(estate.findings)


def test_json_empty_selection_is_a_valid_document(export) -> None:
    """A selection matching nothing is a document with no assets and zero counts."""
    document = json.loads(export("json", "--provider", "gcp"))
    assert document["assets"] == []
    assert document["counts"] == {"assets": 0, "relationships": 0, "findings": 0}


def test_jsonl_is_one_asset_per_line_with_relationships_and_findings(export,
                                                                     estate: Estate) -> None:
    """Each line is an asset with its outgoing relationships and its findings."""
    lines = export("jsonl").splitlines()
    assert [json.loads(line)["id"] for line in lines] == estate.ids()
    web = next(json.loads(line) for line in lines if json.loads(line)["name"] == "web-1")
    assert {r["type"] for r in web["relationships"]} == {"IN_SUBNET", "PROTECTED_BY",
                                                         "HAS_ROLE", "RELATED_TO"}
    assert [f["rule_id"] for f in web["findings"]] == ["aws.ec2.public-ssh", "aws.ec2.imdsv1"]
    assert web["first_seen"].endswith("Z")


def test_finding_evidence_is_redacted(export) -> None:
    """A bearer token in a finding's evidence is redacted in the export."""
    lines = [json.loads(line) for line in export("jsonl").splitlines()]
    evidence = [f["evidence"] for line in lines for f in line["findings"]
                if f["rule_id"] == "aws.ec2.imdsv1"]
    assert evidence == [{"sample": "Authorization: Bearer [REDACTED]"}]
