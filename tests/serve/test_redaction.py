"""Secrets stored in assets and findings never reach an answer of the API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from cloudscope.application.storage import open_repository
from cloudscope.domain.asset import Asset
from cloudscope.domain.finding import Finding, Severity
from cloudscope.domain.query import AssetQuery
from cloudscope.domain.scope import CollectionRun, ScopeKey
from cloudscope.host.plugin_host import PluginHost
from serve_fixtures import Keys, RunningService, cli_json, mint

SECRETS = ("hunter2-Pl4nted-pw", "ghp_" + "P" * 36, "s3cr3t-Pl4nted-tag", "Pl4nted-in-name")
LEAKY = "arn:aws:lambda:us-east-1:111122223333:function:leaky"
PLAIN = "arn:aws:ec2:us-east-1:111122223333:instance/i-0a1b2c3d4e5f60009"


def _write_store(url: str) -> None:
    """One asset holding a secret in each place, one holding none, and a finding whose
    evidence and detail quote a secret."""
    now = datetime.now(UTC)
    scope = ScopeKey(provider="aws", account="111122223333", region="us-east-1",
                     service="lambda")
    with open_repository(PluginHost.from_environment(), url) as store:
        store.start_run(CollectionRun(run_id="r1", collector="test", started_at=now))
        store.start_scope(scope, "r1", now)
        store.write_batch(scope, "r1", [
            Asset(id=LEAKY, provider="aws", asset_type="aws:lambda:function",
                  name=f"DB_PASSWORD={SECRETS[3]}", account="111122223333",
                  region="us-east-1", tags={"api_token": SECRETS[2], "env": "prod"},
                  properties={"Environment": {"Variables": {"DB_PASSWORD": SECRETS[0]}},
                              "Note": f"deploy with {SECRETS[1]}"}),
            Asset(id=PLAIN, provider="aws", asset_type="aws:ec2:instance", name="web",
                  account="111122223333", region="us-east-1", tags={"env": "prod"},
                  properties={"InstanceType": "m5.large", "State": {"Name": "running"}})],
            [], now)
        store.complete_scope(scope, "r1", 2, now)
        store.replace_findings(AssetQuery(), [Finding(
            rule_id="lambda-env-secret", asset_id=LEAKY, severity=Severity.HIGH,
            title="a secret in the environment", detail=f"DB_PASSWORD={SECRETS[0]}",
            evidence={"variable": "DB_PASSWORD", "password": SECRETS[0]})])


@pytest.fixture(params=["sqlite", "file"])
def leaky_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A store holding secrets: SQLite (which answers pages from its stored JSON text) and
    the file store (pages built from models)."""
    url = f"sqlite:///{tmp_path / 'leaky.db'}" if request.param == "sqlite" else \
        f"file://{tmp_path / 'leaky'}"
    _write_store(url)
    return url


def test_no_stored_secret_reaches_an_answer(start_service: Callable[..., RunningService],
                                            leaky_url: str, keys: Keys) -> None:
    """Listings, details and findings are redacted as ``assets list``/``show`` print them;
    the asset without secrets is answered unchanged."""
    client = start_service(leaky_url).client(mint(keys.rsa, roles=("analyst",)))
    answers = [client.get(path) for path in (
        "/v1/assets", f"/v1/assets/{quote(LEAKY, safe='')}", "/v1/findings")]
    assert [answer.status_code for answer in answers] == [200, 200, 200]
    for answer in answers:
        assert not [secret for secret in SECRETS if secret in answer.text]
    listing = answers[0].json()["items"]
    assert listing == cli_json("assets", "list", "--db", leaky_url, "--format", "json")
    assert [a["id"] for a in listing] == [PLAIN, LEAKY]
    assert listing[0]["properties"] == {"InstanceType": "m5.large",
                                        "State": {"Name": "running"}}
    assert answers[1].json() == cli_json("assets", "show", LEAKY, "--db", leaky_url,
                                         "--format", "json")
    assert answers[2].json()["items"][0]["evidence"]["password"] == "[REDACTED]"


def test_a_time_without_fraction_is_printed_as_the_cli_prints_it(
        start_service: Callable[..., RunningService], tmp_path: Path, keys: Keys) -> None:
    """A time on a whole second reads ``...:00Z`` in a page, as in ``assets list``."""
    url = f"sqlite:///{tmp_path / 'whole.db'}"
    now = datetime(2026, 1, 1, tzinfo=UTC)
    scope = ScopeKey(provider="aws", account="111122223333", region="us-east-1", service="ec2")
    with open_repository(PluginHost.from_environment(), url) as store:
        store.start_run(CollectionRun(run_id="r1", collector="test", started_at=now))
        store.start_scope(scope, "r1", now)
        store.write_batch(scope, "r1", [Asset(
            id=PLAIN, provider="aws", asset_type="aws:ec2:instance", account="111122223333",
            region="us-east-1", first_seen=now, last_seen=now)], [], now)
    page = start_service(url).client(mint(keys.rsa)).get("/v1/assets").json()["items"]
    assert page == cli_json("assets", "list", "--db", url, "--format", "json")
    assert page[0]["first_seen"] == "2026-01-01T00:00:00Z"
