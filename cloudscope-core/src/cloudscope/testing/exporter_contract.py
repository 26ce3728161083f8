"""The exporter contract suite: every registered exporter must pass it.

Subclass it in your tests, name the format, and say how to read your output back::

    class TestMyFormat(ExporterContract):
        format_name = "myformat"

        def read_ids(self, paths):
            # parse the files (failing if they are invalid); return the asset ids, in order
            ...

The exporter is resolved through the plugin host exactly as ``cloudscope export`` does:
registered by an installed plugin, or, before the plugin is installed, by its entry point
module set as ``plugin = my_package.plugin`` on the class. The sample estate
(:func:`sample_estate`) is written through the repository port into a SQLite store in a
temporary directory.
"""

from __future__ import annotations

import io
import tracemalloc
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, Final

import pytest

from cloudscope.adapters.sqlite_repository import SQLiteRepository
from cloudscope.application.export import (
    FileTarget,
    RepositorySource,
    StreamTarget,
    run_export,
)
from cloudscope.cli.export_command import format_options, format_parser
from cloudscope.domain.asset import Asset
from cloudscope.domain.finding import Finding, Severity
from cloudscope.domain.query import AssetQuery
from cloudscope.domain.relationship import Relationship
from cloudscope.domain.scope import CollectionRun, ScopeKey
from cloudscope.host.plugin_host import BUILTIN_PLUGIN, PluginHost
from cloudscope.ports.exporter import AssetRecord, Exporter, ExportSource
from cloudscope.ports.repository import Repository
from cloudscope.testing.plugin import contract_host

ACCOUNT_A: Final = "111122223333"
ACCOUNT_B: Final = "444455556666"
SUBSCRIPTION: Final = "00000000-0000-0000-0000-0000000000aa"
SECRET: Final = "hunter2-Sup3r-S3cret"
"""Planted in the estate under secret-named keys and inside secret-shaped values: it must
never appear in any export."""
FORMULA_NAME: Final = "=HYPERLINK(\"http://evil.example\",\"click\")"
"""An asset name a spreadsheet would run as a formula."""


def _arn(account: str, region: str, kind: str, name: str, service: str = "ec2") -> str:
    return f"arn:aws:{service}:{region}:{account}:{kind}/{name}"


@dataclass
class Estate:
    """The sample estate: assets by id, relationships and findings, as stored."""

    assets: dict[str, Asset] = field(default_factory=dict)
    relationships: list[Relationship] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def ids(self, **filters: str) -> list[str]:
        """Ids of the assets whose fields equal ``filters``, in export order."""
        chosen = [a for a in self.assets.values()
                  if all(getattr(a, key) == value for key, value in filters.items())]
        return [a.id for a in sorted(chosen, key=lambda a: (a.provider, a.account or "",
                                                             a.asset_type, a.id))]

    def add(self, asset_type: str, asset_id: str, name: str | None, account: str,
            region: str | None, **fields: Any) -> str:
        provider = asset_type.split(":", 1)[0]
        self.assets[asset_id] = Asset(id=asset_id, provider=provider, asset_type=asset_type,
                                      name=name, account=account, region=region, **fields)
        return asset_id

    def link(self, source: str, kind: str, target: str) -> None:
        self.relationships.append(Relationship(source_id=source, type=kind, target_id=target))


def sample_estate() -> Estate:
    """Two AWS accounts and an Azure subscription: a VPC with subnets, security groups,
    instances, a volume, a database, buckets, a role; findings; planted secrets and a
    formula-shaped name."""
    estate = Estate()
    region = "us-east-1"
    vpc = estate.add("aws:ec2:vpc", _arn(ACCOUNT_A, region, "vpc", "vpc-0prod"), "prod-vpc",
                     ACCOUNT_A, region,
                     properties={"VpcId": "vpc-0prod", "CidrBlock": "10.0.0.0/16"})
    subnet_app = estate.add("aws:ec2:subnet", _arn(ACCOUNT_A, region, "subnet", "subnet-0app"),
                            "app-subnet", ACCOUNT_A, region,
                            properties={"SubnetId": "subnet-0app", "MapPublicIpOnLaunch": True})
    subnet_db = estate.add("aws:ec2:subnet", _arn(ACCOUNT_A, region, "subnet", "subnet-0db"),
                           "db-subnet", ACCOUNT_A, region, properties={"SubnetId": "subnet-0db"})
    web_sg = estate.add("aws:ec2:security-group", _arn(ACCOUNT_A, region, "security-group",
                                                       "sg-0web"), "web-sg", ACCOUNT_A, region,
                        properties={"GroupId": "sg-0web", "IpPermissions": [
                            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                             "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]})
    db_sg = estate.add("aws:ec2:security-group", _arn(ACCOUNT_A, region, "security-group",
                                                      "sg-0db"), "db-sg", ACCOUNT_A, region,
                       properties={"GroupId": "sg-0db"})
    role = estate.add("aws:iam:role", f"arn:aws:iam::{ACCOUNT_A}:role/web-role", "web-role",
                      ACCOUNT_A, None, properties={"RoleName": "web-role"})
    instances = []
    for index, name in enumerate(("web-1", FORMULA_NAME), start=1):
        instance = estate.add(
            "aws:ec2:instance", _arn(ACCOUNT_A, region, "instance", f"i-0web{index}"), name,
            ACCOUNT_A, region, native_type="AWS::EC2::Instance",
            tags={"env": "prod", "team": "payments", "cost": "-42", "db-password": SECRET},
            properties={"InstanceId": f"i-0web{index}", "InstanceType": "t3.micro",
                        "State": {"Name": "running", "Code": 16},
                        "PublicIpAddress": f"54.210.1.{index}",
                        "MetadataOptions": {"HttpTokens": "optional"},
                        "UserData": f"export DB_PASSWORD={SECRET}", "Tags": [{"Key": "x"}]})
        estate.link(instance, "IN_SUBNET", subnet_app)
        estate.link(instance, "PROTECTED_BY", web_sg)
        estate.link(instance, "HAS_ROLE", role)
        instances.append(instance)
    # An edge to an asset that is not stored: its id stands in for its name.
    estate.link(instances[0], "RELATED_TO", _arn(ACCOUNT_A, region, "image", "ami-0missing"))
    volume = estate.add("aws:ec2:volume", _arn(ACCOUNT_A, region, "volume", "vol-0web1"), None,
                        ACCOUNT_A, region, properties={"Encrypted": False, "Size": 8})
    estate.link(volume, "ATTACHED_TO", instances[0])
    database = estate.add(
        "aws:rds:db-instance", _arn(ACCOUNT_A, region, "db", "orders", service="rds"),
        "orders-db", ACCOUNT_A, region,
        properties={"PubliclyAccessible": False, "StorageEncrypted": True,
                    "MasterUserPassword": SECRET,
                    "ConnectionString": f"postgresql://admin:{SECRET}@orders.db:5432/orders"})
    estate.link(database, "IN_SUBNET", subnet_db)
    estate.link(database, "PROTECTED_BY", db_sg)
    for asset_id in (subnet_app, subnet_db, web_sg, db_sg):
        estate.link(asset_id, "IN_NETWORK", vpc)
    bucket = estate.add("aws:s3:bucket", "arn:aws:s3:::public-assets", "public-assets",
                        ACCOUNT_A, region, tags={"owner": "@web-team"},
                        properties={"PolicyStatus": {"IsPublic": True}})
    region_b = "eu-west-1"
    vpc_b = estate.add("aws:ec2:vpc", _arn(ACCOUNT_B, region_b, "vpc", "vpc-0batch"),
                       "batch-vpc", ACCOUNT_B, region_b)
    batch = estate.add("aws:ec2:instance", _arn(ACCOUNT_B, region_b, "instance", "i-0batch"),
                       "batch-1", ACCOUNT_B, region_b, tags={"env": "dev"},
                       properties={"State": {"Name": "stopped"}})
    estate.link(batch, "IN_NETWORK", vpc_b)
    estate.add("azure:storage:storage-account",
               f"/subscriptions/{SUBSCRIPTION}/resourcegroups/data/providers/"
               "microsoft.storage/storageaccounts/datalake", "datalake", SUBSCRIPTION,
               "westeurope", properties={"properties": {"allowBlobPublicAccess": True}})
    estate.findings += [
        Finding(rule_id="aws.ec2.public-ssh", asset_id=instances[0], severity=Severity.HIGH,
                title="SSH open to the internet", evidence={"path": [web_sg, instances[0]]}),
        Finding(rule_id="aws.ec2.imdsv1", asset_id=instances[0], severity=Severity.MEDIUM,
                title="IMDSv1 allowed",
                evidence={"sample": f"Authorization: Bearer {SECRET}abcdefgh"}),
        Finding(rule_id="aws.s3.bucket-public", asset_id=bucket, severity=Severity.CRITICAL,
                title="Bucket is public"),
    ]
    return estate


def write_estate(repository: Any, estate: Estate) -> None:
    """Store ``estate`` through the repository port: one run, one scope per account."""
    now = datetime.now(UTC)
    run = CollectionRun(run_id=uuid.uuid4().hex, collector="contract", started_at=now)
    repository.start_run(run)
    accounts = sorted({(a.provider, a.account or "") for a in estate.assets.values()})
    for provider, account in accounts:
        scope = ScopeKey(provider=provider, account=account, service="all")
        assets = [a for a in estate.assets.values()
                  if (a.provider, a.account or "") == (provider, account)]
        ids = {a.id for a in assets}
        relationships = [r for r in estate.relationships if r.source_id in ids]
        repository.start_scope(scope, run.run_id, now)
        repository.write_batch(scope, run.run_id, assets, relationships, now)
        repository.complete_scope(scope, run.run_id, len(assets), datetime.now(UTC))
    repository.replace_findings(AssetQuery(), estate.findings)


class _FailingSource(RepositorySource):
    """A source whose store fails after ``after`` records (the disk went away)."""

    def __init__(self, repository: Any, query: AssetQuery, after: int) -> None:
        super().__init__(repository, query, chunk_size=2)
        self.after = after

    def records(self, query: AssetQuery | None = None) -> Iterator[AssetRecord]:
        for index, record in enumerate(super().records(query)):
            if index == self.after:
                raise OSError("store went away mid-export")
            yield record


class GeneratedSource(ExportSource):
    """``count`` synthetic records made on the fly, each with ``payload`` characters of
    properties: memory held by an exporter shows up against it."""

    def __init__(self, count: int, payload: int) -> None:
        self.query = AssetQuery()
        self.total = count
        self.payload = payload

    def records(self, query: AssetQuery | None = None) -> Iterator[AssetRecord]:
        for index in range(self.total):
            asset = Asset.model_construct(
                id=f"arn:aws:ec2:us-east-1:{ACCOUNT_A}:instance/i-{index:08d}", provider="aws",
                asset_type="aws:ec2:instance", native_type=None, name=f"node-{index}",
                account=ACCOUNT_A, region="us-east-1", tags={"index": str(index)},
                properties={"Blob": f"{index:08d}" + "x" * self.payload},
                first_seen=None, last_seen=None)
            yield AssetRecord(asset, [], [], {})

    def count(self, query: AssetQuery | None = None) -> int:
        return self.total

    def neighbourhood(self, asset_id: str, depth: int, *, limit: int) -> list[str]:
        return [asset_id]


class ExporterContract:
    """What every exporter must do. Subclass; set ``format_name``; implement ``read_ids``."""

    format_name: ClassVar[str]
    #: The plugin's entry point module when the plugin is not installed (None: installed).
    plugin: object | None = None
    #: The plugin's name (its entry point's) when ``plugin`` is set; default: format_name.
    plugin_name: ClassVar[str | None] = None

    def read_ids(self, paths: Sequence[Path]) -> list[str]:
        """Parse the exported files, failing when they are not valid in the format, and
        return the exported asset ids in file order."""
        raise NotImplementedError

    # Fixtures --------------------------------------------------------------------------
    @pytest.fixture
    def exporter_host(self) -> PluginHost:
        """The installed plugins, loaded as the CLI loads them (or ``plugin`` alone)."""
        return contract_host(self.plugin, self.plugin_name or self.format_name,
                             kind="exporters", component=self.format_name)

    @pytest.fixture
    def exporter(self, exporter_host: PluginHost) -> Exporter:
        """The exporter, built from its registration as ``cloudscope export`` builds it."""
        return exporter_host.exporters.get(self.format_name).resolve()()  # type: ignore[no-any-return]

    @pytest.fixture
    def estate(self) -> Estate:
        """The sample estate."""
        return sample_estate()

    @pytest.fixture
    def estate_store(self, tmp_path: Path, estate: Estate) -> Iterator[Repository]:
        """A SQLite store holding the sample estate."""
        with SQLiteRepository(f"sqlite:///{tmp_path / 'estate.db'}") as repository:
            write_estate(repository, estate)
            yield repository

    @pytest.fixture
    def empty_store(self, tmp_path: Path) -> Iterator[Repository]:
        """A fresh, empty SQLite store."""
        with SQLiteRepository(f"sqlite:///{tmp_path / 'empty.db'}") as repository:
            yield repository

    # Helpers ---------------------------------------------------------------------------
    def options(self, exporter: Exporter, *arguments: str) -> dict[str, Any]:
        """The exporter's options as ``cloudscope export FORMAT ARGUMENTS`` parses them."""
        parsed = format_parser(self.format_name, type(exporter)).parse_args(list(arguments))
        return format_options(parsed)

    def export(self, exporter: Exporter, repository: Any, path: Path,
               query: AssetQuery | None = None, *arguments: str) -> list[Path]:
        """Export to ``path``; return the files written."""
        source = RepositorySource(repository, query or AssetQuery())
        summary = run_export(exporter, source, FileTarget(path), self.options(exporter,
                                                                             *arguments))
        return [Path(name) for name in summary.files]

    # The contract ----------------------------------------------------------------------
    def test_registered_through_the_hook_by_a_plugin(self, exporter_host: PluginHost,
                                                     exporter: Exporter) -> None:
        """The format is registered through cloudscope_register_exporters, like any plugin's."""
        registration = exporter_host.exporters.get(self.format_name)
        assert registration.plugin != BUILTIN_PLUGIN
        assert isinstance(exporter, Exporter)

    def test_empty_store_gives_a_valid_empty_export(self, exporter: Exporter,
                                                    empty_store: Repository,
                                                    tmp_path: Path) -> None:
        """An empty store exports to one valid file holding no asset."""
        files = self.export(exporter, empty_store, tmp_path / f"empty{exporter.extension}")
        assert len(files) == 1
        assert self.read_ids(files) == []

    def test_exports_every_asset_once_in_order(self, exporter: Exporter, estate: Estate,
                                               estate_store: Repository,
                                               tmp_path: Path) -> None:
        """Every stored asset is exported exactly once, grouped by provider, account, type."""
        files = self.export(exporter, estate_store, tmp_path / f"all{exporter.extension}")
        assert self.read_ids(files) == estate.ids()

    @pytest.mark.parametrize("filters", [{"account": ACCOUNT_B}, {"provider": "azure"},
                                         {"asset_type": "aws:ec2:instance"}])
    def test_filters_are_respected(self, exporter: Exporter, estate: Estate,
                                   estate_store: Repository, tmp_path: Path,
                                   filters: dict[str, str]) -> None:
        """Exactly the assets matching the filters are exported."""
        files = self.export(exporter, estate_store, tmp_path / f"some{exporter.extension}",
                            AssetQuery.model_validate(filters))
        assert self.read_ids(files) == estate.ids(**filters)

    def test_filter_matching_nothing_gives_a_valid_empty_export(
            self, exporter: Exporter, estate_store: Repository, tmp_path: Path) -> None:
        """A filter that matches nothing is a valid, empty export, not an error."""
        files = self.export(exporter, estate_store, tmp_path / f"none{exporter.extension}",
                            AssetQuery(account="999999999999"))
        assert self.read_ids(files) == []

    def test_failed_export_leaves_no_partial_file(self, exporter: Exporter,
                                                  estate_store: Repository,
                                                  tmp_path: Path) -> None:
        """When the export fails midway, the previous file is intact and no temporary is left."""
        directory = tmp_path / "out"
        directory.mkdir()
        path = directory / f"estate{exporter.extension}"
        path.write_text("previous export\n", encoding="utf-8")
        source = _FailingSource(estate_store, AssetQuery(), after=3)
        with pytest.raises(OSError, match="mid-export"):
            run_export(exporter, source, FileTarget(path), self.options(exporter))
        assert path.read_text(encoding="utf-8") == "previous export\n"
        assert sorted(p.name for p in directory.iterdir()) == [path.name]

    def test_secrets_never_reach_the_export(self, exporter: Exporter,
                                            estate_store: Repository,
                                            tmp_path: Path) -> None:
        """Secrets planted in properties, tags and evidence are redacted in the output."""
        files = self.export(exporter, estate_store, tmp_path / f"all{exporter.extension}")
        assert all(SECRET not in file.read_text(encoding="utf-8") for file in files)

    def test_stdout_gives_the_same_export_as_a_file(self, exporter: Exporter,
                                                    estate_store: Repository,
                                                    tmp_path: Path) -> None:
        """Writing to a stream (stdout) gives what a file gets."""
        stream = io.StringIO()
        run_export(exporter, RepositorySource(estate_store, AssetQuery()),
                   StreamTarget(stream), self.options(exporter))
        streamed = tmp_path / f"streamed{exporter.extension}"
        streamed.write_text(stream.getvalue(), encoding="utf-8")
        files = self.export(exporter, estate_store, tmp_path / f"file{exporter.extension}")
        assert self.read_ids([streamed]) == self.read_ids(files)

    def test_memory_does_not_grow_with_the_export(self, exporter: Exporter,
                                                  tmp_path: Path) -> None:
        """A streaming exporter holds less than a tenth of what it reads (Python heap)."""
        if not exporter.streams:
            pytest.skip(f"{self.format_name} holds its selection by design (streams = False); "
                        "its bound is tested with its own options")
        source = GeneratedSource(count=2000, payload=4000)
        target = FileTarget(tmp_path / f"big{exporter.extension}")
        tracemalloc.start()
        try:
            exporter.export(source, target, self.options(exporter))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
            target.abort()
        assert peak < source.total * source.payload / 10

