"""The certificates collector passes the collector contract suite of cloudscope.testing."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from cloudscope.api import CollectContext, RateLimiter, Relationship, ScopeKey
from cloudscope.testing import CollectorContract


class TestCertificateCollector(CollectorContract):
    """Run against the installed plugin (pip install -e .), as `cloudscope collect` runs it."""

    collector_name = "certificates"

    @pytest.fixture
    def collector_arguments(self, certificate_directories: list[Path]) -> list[str]:
        return [str(directory) for directory in certificate_directories]

    @pytest.fixture
    def invalid_arguments(self, tmp_path: Path) -> list[str]:
        return [str(tmp_path / "no-such-directory")]

    @pytest.fixture
    def break_source(self) -> Callable[[ScopeKey], None]:
        """The directory is removed between planning and collecting."""
        return lambda scope: shutil.rmtree(scope.account)


def test_a_certificate_names_its_issuer(make_collector_for: Callable[..., list[object]],
                                        certificate_directories: list[Path]) -> None:
    """A certificate issued by a CA of the same directory points at it with ISSUED_BY."""
    items = make_collector_for(certificate_directories[0])
    (edge,) = [item for item in items if isinstance(item, Relationship)]
    by_id = {item.id: item for item in items if not isinstance(item, Relationship)}
    assert edge.type == "ISSUED_BY"
    assert by_id[edge.source_id].properties["dnsNames"] == ["www.example.test"]
    assert by_id[edge.target_id].name == "CN=Example CA"


@pytest.fixture
def make_collector_for() -> Callable[..., list[object]]:
    """Collect one directory with the collector class itself, outside the contract."""
    from cloudscope_certificates.collector import CertificateCollector

    def collect(directory: Path) -> list[object]:
        ctx = CollectContext("certificates", limiter=RateLimiter("certificates"), config={},
                             log=None)
        collector = CertificateCollector(ctx, {"directories": [str(directory)]})
        return [item for scope in collector.plan() for item in collector.collect(scope)]

    return collect
