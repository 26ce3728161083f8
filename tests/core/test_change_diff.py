"""The differ every store uses: paths, lists as collections, volatile fields, redaction in
context; and how collectors declare volatile fields (API 1.1)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cloudscope.api import Collector, ScopeKey
from cloudscope.domain.change_diff import AssetDiffer, compile_volatile_fields, render_path
from cloudscope.domain.redaction import REDACTED


def diff(before: Any, after: Any, volatile: dict[str, list[str]] | None = None,
         field: str = "properties") -> list[tuple[str, Any, Any]]:
    """The (path, before, after) of each change between two values of ``field``."""
    changes = AssetDiffer(volatile).diff("aws:ec2:instance", {field: before}, {field: after})
    return [(c.path, c.before, c.after) for c in changes]


def test_nested_keys_make_dotted_paths() -> None:
    """A changed leaf is reported at its path; keys that appear or go read null."""
    assert diff({"A": {"B": 1, "C": 2}}, {"A": {"B": 3, "D": 4}}) == [
        ("properties.A.B", 1, 3), ("properties.A.C", 2, None), ("properties.A.D", None, 4)]


def test_lists_are_compared_as_collections() -> None:
    """Items found on both sides are no change wherever they moved; an added item is at its
    new index, a removed one at its old index; items at the same index are compared."""
    a, b, c = {"p": 443}, {"p": 80}, {"p": 22}
    assert diff([a, b], [b, a]) == []
    assert diff([a, b], [a, b, c]) == [("properties[2]", None, c)]
    assert diff([a, b], [b]) == [("properties[0]", a, None)]
    assert diff([a, b], [{"p": 8443}, b]) == [("properties[0].p", 443, 8443)]


def test_a_key_that_appears_null_is_no_change() -> None:
    """None and absent are the same to the log."""
    assert diff({"A": 1}, {"A": 1, "B": None}) == []


def test_keys_holding_dots_are_quoted_in_paths() -> None:
    """A key with a dot or a bracket is written ["key"] so the path stays readable."""
    assert render_path(("tags", "kubernetes.io/cluster")) == 'tags["kubernetes.io/cluster"]'
    assert diff({"a.b": 1}, {"a.b": 2}, field="tags") == [('tags["a.b"]', 1, 2)]


@pytest.mark.parametrize(("volatile", "hidden"), [
    (["LastUsed"], "properties.LastUsed"),
    (["Items[].Seen"], "properties.Items[0].Seen"),
    (["Items[0].Seen"], "properties.Items[0].Seen"),
    (["Items[-1].Seen"], "properties.Items[0].Seen"),
])
def test_volatile_fields_never_count(volatile: list[str], hidden: str) -> None:
    """A declared field (a key, any item's field, one item's) changes nothing; the other
    changes beside it are reported."""
    before = {"LastUsed": "t1", "Items": [{"Seen": "t1", "Name": "x"}], "Size": 1}
    after = {"LastUsed": "t2", "Items": [{"Seen": "t2", "Name": "x"}], "Size": 2}
    reported = {path for path, _, _ in diff(before, after, {"aws:ec2:instance": volatile})}
    assert reported == {"properties.LastUsed", "properties.Items[0].Seen",
                        "properties.Size"} - {hidden}


def test_volatile_fields_of_other_types_do_not_apply() -> None:
    """Declarations are per asset type."""
    assert diff({"LastUsed": 1}, {"LastUsed": 2}, {"aws:iam:role": ["LastUsed"]}) == \
        [("properties.LastUsed", 1, 2)]


def test_secrets_are_redacted_in_their_context() -> None:
    """Values under secret keys, in name/value pairs or inside JSON strings read
    [REDACTED] on both sides; the path still says what changed."""
    before = {"Env": {"API_TOKEN": "tok-1111"}, "Tags": [{"Key": "db_password", "Value": "a1"}],
              "Doc": json.dumps({"password": "pw-one"})}
    after = {"Env": {"API_TOKEN": "tok-2222"}, "Tags": [{"Key": "db_password", "Value": "b2"}],
             "Doc": json.dumps({"password": "pw-two"})}
    changes = diff(before, after)
    assert [path for path, _, _ in changes] == ["properties.Env.API_TOKEN",
                                                 "properties.Tags[0].Value", "properties.Doc"]
    text = json.dumps(changes)
    assert text.count(REDACTED) == 6 and not any(
        secret in text for secret in ("tok-", "a1", "b2", "pw-one", "pw-two"))


def test_malformed_volatile_fields_name_the_type() -> None:
    """A declaration that is not a path is refused, naming the asset type."""
    with pytest.raises(ValueError, match="volatile field of aws:rds:db-instance"):
        compile_volatile_fields({"aws:rds:db-instance": ["Latest..Time"]})
    with pytest.raises(ValueError, match="expected a list of paths"):
        compile_volatile_fields({"aws:rds:db-instance": "LatestRestorableTime"})


class _Plain(Collector):
    """A collector written for API 1.0: it declares nothing."""

    def plan(self) -> Iterator[ScopeKey]:
        return iter(())

    def collect(self, scope: ScopeKey) -> Iterator[Any]:
        return iter(())


@dataclass(frozen=True)
class _TypeInfo:
    """What API 1.1's asset-type catalogue entries hold (AssetTypeInfo)."""

    asset_type: str
    native_type: str
    volatile_fields: tuple[str, ...] = ()


class _Catalogued(_Plain):
    """A collector with an asset-type catalogue (``asset_types()``, API 1.1)."""

    @classmethod
    def asset_types(cls) -> list[_TypeInfo]:
        return [_TypeInfo("aws:rds:db-instance", "AWS::RDS::DBInstance",
                          ("LatestRestorableTime",)),
                _TypeInfo("aws:sqs:queue", "AWS::SQS::Queue")]


def test_a_collector_declares_no_volatile_field_by_default() -> None:
    """An API 1.0 collector keeps working: it declares none."""
    assert _Plain.volatile_fields() == {}


def test_volatile_fields_come_from_the_asset_type_catalogue() -> None:
    """A collector with ``asset_types()`` declares the volatile fields its entries hold."""
    assert _Catalogued.volatile_fields() == {"aws:rds:db-instance": ("LatestRestorableTime",)}


def test_the_cloud_collectors_declare_theirs() -> None:
    """AWS, Azure and GCP declare the fields their clouds move by themselves."""
    from cloudscope_aws.collector import AwsCollector
    from cloudscope_azure.collector import AzureCollector
    from cloudscope_gcp.collector import GcpCollector

    assert AwsCollector.volatile_fields()["aws:rds:db-instance"] == ("LatestRestorableTime",)
    assert AzureCollector.volatile_fields() == {
        "azure:sql:database": ("properties.earliestRestoreDate",)}
    assert GcpCollector.volatile_fields() == {"gcp:container:cluster": ("currentNodeCount",)}
    for fields in (AwsCollector.volatile_fields(), AzureCollector.volatile_fields()):
        compile_volatile_fields(fields)


def test_a_collector_declaring_malformed_fields_changes_nothing(
        fake_distribution: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``collect`` with a collector whose declaration is not a path: exit 2, one line
    naming the collector, and no store is created."""
    from cloudscope.cli.main import main

    fake_distribution("cloudscope-sloppy", entry_points={"sloppy": "sloppy_plugin"},
                      modules={"sloppy_plugin": """
        from cloudscope.api import Collector, ScopeKey, hookimpl
        CLOUDSCOPE_API = ">=1.0,<2"

        class Sloppy(Collector):
            @classmethod
            def volatile_fields(cls):
                return {"aws:rds:db-instance": ["Latest..Time"]}
            def plan(self):
                return [ScopeKey(provider="aws", account="1", service="rds")]
            def collect(self, scope):
                return iter(())

        @hookimpl
        def cloudscope_register_collectors(register):
            register("sloppy", Sloppy)
        """})
    store = tmp_path / "never.db"
    assert main(["collect", "sloppy", "--db", f"sqlite:///{store}"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("cloudscope: error: collector 'sloppy': volatile field of "
                            "aws:rds:db-instance: invalid field path") and error.count("\n") == 1
    assert not store.exists()
