"""What the contract suites share: sample assets, scopes, and a collection driven the way the
collect use case drives a repository."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from cloudscope.domain.asset import Asset
from cloudscope.domain.relationship import Relationship
from cloudscope.domain.scope import CollectionRun, RunStatus, ScopeKey
from cloudscope.ports.repository import Repository

SCOPE_A = ScopeKey(provider="aws", account="111111111111", region="eu-west-1", service="ec2")
SCOPE_B = ScopeKey(provider="aws", account="111111111111", region="us-east-1", service="ec2")


def make_asset(index: int, *, account: str = "111111111111", region: str = "eu-west-1",
               **overrides: Any) -> Asset:
    """A valid EC2 instance asset numbered ``index``."""
    values: dict[str, Any] = {
        "id": f"arn:aws:ec2:{region}:{account}:instance/i-{index:08d}",
        "provider": "aws", "asset_type": "aws:ec2:instance", "native_type": "AWS::EC2::Instance",
        "name": f"web-{index}", "account": account, "region": region,
        "tags": {"env": "prod" if index % 2 else "dev", "team": "core"},
        "properties": {"InstanceId": f"i-{index:08d}", "State": {"Name": "running"},
                       "Nested": {"list": [1, 2, {"deep": "é ✓ \"quoted\" ; , \n"}]}},
    }
    values.update(overrides)
    return Asset(**values)


class Collection:
    """Drives a repository through one run the way the collect use case does."""

    def __init__(self, repository: Repository, collector: str = "contract") -> None:
        self.repository = repository
        self.run = CollectionRun(run_id=uuid.uuid4().hex, collector=collector,
                                 started_at=datetime.now(UTC))
        repository.start_run(self.run)

    def scope(self, scope: ScopeKey, assets: Sequence[Asset] = (),
              relationships: Sequence[Relationship] = (), *, complete: bool = True,
              covered: Sequence[ScopeKey] = ()) -> int:
        """Write one scope in one batch; complete it (staleness, extended to the scopes it
        ``covered``) or fail it."""
        now = datetime.now(UTC)
        self.repository.start_scope(scope, self.run.run_id, now)
        if assets or relationships:
            self.repository.write_batch(scope, self.run.run_id, list(assets), list(relationships),
                                        now)
        if complete and covered:
            return self.repository.complete_scope(scope, self.run.run_id, len(assets),
                                                  datetime.now(UTC), covered=covered)
        if complete:
            return self.repository.complete_scope(scope, self.run.run_id, len(assets),
                                                  datetime.now(UTC))
        self.repository.fail_scope(scope, self.run.run_id, "AccessDenied", now)
        return 0

    def finish(self, status: RunStatus = RunStatus.OK) -> None:
        """Record the run's end."""
        self.run.status = status
        self.run.finished_at = datetime.now(UTC)
        self.repository.finish_run(self.run)


def ids(assets: Iterator[Asset] | Sequence[Asset]) -> list[str]:
    """The ids of assets, in order."""
    return [asset.id for asset in assets]
