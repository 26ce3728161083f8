"""The built-in file collector passes the collector contract suite, as every plugin's must."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from cloudscope.api import ScopeKey
from cloudscope.testing import CollectorContract

VPC = "arn:aws:ec2:eu-west-1:111122223333:vpc/vpc-1"


def asset(asset_id: str, asset_type: str, **fields: object) -> dict[str, object]:
    return {"id": asset_id, "provider": asset_type.partition(":")[0], "asset_type": asset_type,
            **fields}


class TestFileCollector(CollectorContract):
    collector_name = "file"

    @pytest.fixture
    def collector_arguments(self, tmp_path: Path) -> list[str]:
        """Two files, two formats: a VPC with a subnet and its edge; a bucket."""
        network = tmp_path / "network.jsonl"
        subnet = "arn:aws:ec2:eu-west-1:111122223333:subnet/subnet-1"
        lines = [asset(VPC, "aws:ec2:vpc", name="prod", account="111122223333"),
                 asset(subnet, "aws:ec2:subnet", tags={"env": "prod"}),
                 {"source_id": subnet, "type": "IN_NETWORK", "target_id": VPC}]
        network.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
        storage = tmp_path / "storage.json"
        storage.write_text(json.dumps([asset("arn:aws:s3:::logs", "aws:s3:bucket",
                                             properties={"Name": "logs"})]), encoding="utf-8")
        return [str(network), str(storage)]

    @pytest.fixture
    def invalid_arguments(self, tmp_path: Path) -> list[str]:
        return [str(tmp_path / "missing.jsonl")]

    @pytest.fixture
    def break_source(self) -> Callable[[ScopeKey], None]:
        """A file deleted between planning (validation) and collection."""
        return lambda scope: Path(scope.account).unlink()
