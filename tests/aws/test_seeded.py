"""Every type moto can create comes back: two resources of each (``aws_seed.SEEDERS``) are
built in a moto server of this module's own, the real CLI collects every type, and each
resource is in the store with the type and the id the catalogue documents. The types moto
cannot list (``aws_seed.NOT_SEEDED``) fail their own scope with one line; every other scope
completes.

moto runs in a process of its own here, so that the collector's threads and moto's request
handling use both cores (moto is CPU-bound); the circuit breaker is off, since moto answers
500 to every operation it does not implement and three of them in one service would
otherwise fail that service's remaining scopes at once.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_seed import MOTO_CANNOT_LIST, NOT_SEEDED, SEEDERS, seed
from cloudscope_aws.services import units
from conftest import REGION, apply_environment, aws_environment

SECRETS = ("not-a-real-secret", "not-a-real-password", "seedpassword1", "Seedpassword1",
           "not-a-key", "not-a-password")
"""Secret values given to the APIs while seeding: none may reach the store."""


@dataclass
class Collected:
    """The seeded ids, the run summary and every stored asset."""

    expected: dict[str, list[str]]
    exit_code: int
    summary: dict[str, Any]
    assets: list[dict[str, Any]]
    seconds: dict[str, float]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def moto_process() -> Iterator[str]:
    """moto's server in a process of its own on a free port of 127.0.0.1; its URL."""
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1",
                               "-p", str(port)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def collected(moto_process: str, tmp_path_factory: pytest.TempPathFactory,
              bytecode_cache: Path) -> Iterator[Collected]:
    """Two of every seedable type in moto, collected once by the CLI with every type."""
    home = tmp_path_factory.mktemp("seeded")
    database = f"sqlite:///{home / 'cloudscope.db'}"
    with pytest.MonkeyPatch.context() as monkeypatch:
        environment = {**aws_environment(moto_process, home),
                       "CLOUDSCOPE_COLLECT_CIRCUIT_BREAKER_THRESHOLD": "0",
                       "PYTHONPYCACHEPREFIX": str(bytecode_cache)}
        apply_environment(monkeypatch, environment)
        monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
        started = time.monotonic()
        expected = seed(boto3.Session(region_name=REGION))
        seeded_at = time.monotonic()
        run = subprocess.run([sys.executable, "-m", "cloudscope", "collect", "aws", "--region",
                              REGION, "--max-attempts", "1", "--db", database, "--format",
                              "json"], capture_output=True, text=True, check=False, timeout=900)
        collected_at = time.monotonic()
        listing = subprocess.run([sys.executable, "-m", "cloudscope", "assets", "list", "--db",
                                  database, "--format", "json"], capture_output=True, text=True,
                                 check=True, timeout=300)
        yield Collected(expected, run.returncode, json.loads(run.stdout),
                        json.loads(listing.stdout),
                        {"seed": seeded_at - started, "collect": collected_at - seeded_at})


def test_seeding_covers_every_declarative_type_or_says_why() -> None:
    """Each declarative type is seeded or listed in NOT_SEEDED with a reason, never both."""
    declared = {unit.resource.asset_type for unit in units().values() if unit.resource}
    organizations = {doc.asset_type for doc in units()["organizations"].types}
    seeded, skipped = set(SEEDERS), set(NOT_SEEDED)
    assert not seeded & skipped
    assert declared - seeded - skipped == set()
    assert seeded - declared - organizations == set()
    assert all(reason.strip() for reason in NOT_SEEDED.values())


@pytest.mark.parametrize("asset_type", sorted(SEEDERS))
def test_every_seeded_resource_is_collected_with_its_type_and_id(
        collected: Collected, asset_type: str) -> None:
    """Each resource built in moto is stored once, with the documented type and id."""
    stored = {asset["id"]: asset for asset in collected.assets}
    for resource_id in collected.expected[asset_type]:
        assert resource_id in stored, (asset_type, resource_id, sorted(
            a["id"] for a in collected.assets if a["asset_type"] == asset_type)[:5])
        assert stored[resource_id]["asset_type"] == asset_type
        assert stored[resource_id]["provider"] == "aws"


def test_what_moto_cannot_list_fails_only_its_own_scope(collected: Collected) -> None:
    """A listing moto does not implement fails its scope with one short line (exit 3,
    status partial); every other scope completes."""
    assert collected.exit_code == 3
    assert collected.summary["status"] == "partial"
    failed = {scope["service"]: scope["error"] for scope in collected.summary["scopes"]
              if scope["status"] != "complete"}
    assert set(failed) == MOTO_CANNOT_LIST, {name: failed.get(name) for name in
                                             set(failed) ^ MOTO_CANNOT_LIST}
    assert {units()[name].types[0].asset_type for name in MOTO_CANNOT_LIST} <= set(NOT_SEEDED)
    assert all("\n" not in error and len(error) < 400 for error in failed.values()), failed


def test_no_secret_given_to_aws_reaches_the_store(collected: Collected) -> None:
    """Passwords, keys and secret values passed while seeding (secrets, brokers, Glue
    connections, DMS endpoints, server certificates) appear in no stored asset."""
    text = json.dumps(collected.assets)
    assert [secret for secret in SECRETS if secret in text] == []


def test_seeding_and_collection_time(collected: Collected,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    """Seeding and collecting every type stay within minutes on this machine (figures
    printed for the report)."""
    with capsys.disabled():
        print(f"\nseeded {sum(map(len, collected.expected.values()))} resources of "
              f"{len(collected.expected)} types in {collected.seconds['seed']:.0f} s; "
              f"collected {len(collected.assets)} assets in "
              f"{len(collected.summary['scopes'])} scopes in "
              f"{collected.seconds['collect']:.0f} s")
    assert collected.seconds["seed"] + collected.seconds["collect"] < 600


# Item 5: the documented read-only policy is enough ---------------------------------------
def moto_aliases(actions: list[str]) -> list[str]:
    """The names moto checks for the same calls: moto authorizes ``<signing name>:<API
    operation>``, which differs from IAM's action for CloudWatch (signing name
    ``monitoring``), API Gateway (IAM authorizes HTTP methods: ``apigateway:GET``) and S3's
    renamed actions (``s3:ListAllMyBuckets`` is the API's ``ListBuckets``)."""
    from cloudscope_aws.permissions import _RENAMED

    calls = {call for unit in units().values() for doc in unit.types for call in doc.api_calls}
    aliases = [f"monitoring:{a.split(':', 1)[1]}" for a in actions if a.startswith("cloudwatch:")]
    aliases += sorted(call for call in calls if call.startswith("apigateway:"))
    aliases += [*sorted(_RENAMED), "s3:GetPublicAccessBlock"]
    return aliases


def auditor_keys(endpoint: str, name: str, granted: list[str]) -> dict[str, str]:
    """An IAM user whose only policy allows ``granted``; its keys as variables."""
    iam = boto3.Session(region_name=REGION).client("iam", endpoint_url=endpoint)
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="cloudscope-read-only",
                        PolicyDocument=json.dumps(policy_of(granted)))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {"AWS_ACCESS_KEY_ID": key["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}


def policy_of(granted: list[str]) -> dict[str, Any]:
    from cloudscope_aws.permissions import policy

    return policy(granted)


def enforce_iam(endpoint: str) -> None:
    """From now on moto evaluates IAM policies for every request, as AWS does."""
    request = urllib.request.Request(f"{endpoint}/moto-api/reset-auth", data=b"0",
                                     method="POST", headers={"Content-Type": "text/plain"})
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


@dataclass
class Audited:
    """What the auditor with the documented policy collected, and without one action."""

    summary: dict[str, Any]
    assets: list[dict[str, Any]]
    without_list_queues: dict[str, Any]


@pytest.fixture(scope="module")
def audited(collected: Collected, moto_process: str,
            tmp_path_factory: pytest.TempPathFactory, bytecode_cache: Path) -> Audited:
    """The seeded estate collected again by a user holding only docs/aws.md's policy (with
    moto's names for the same calls), moto enforcing IAM; then by one lacking
    sqs:ListQueues."""
    from cloudscope_aws.permissions import actions

    home = tmp_path_factory.mktemp("audited")
    granted = actions()
    full = auditor_keys(moto_process, "auditor", granted + moto_aliases(granted))
    partial = auditor_keys(moto_process, "auditor-without-sqs", [
        action for action in granted + moto_aliases(granted) if action != "sqs:ListQueues"])
    enforce_iam(moto_process)
    base = {**aws_environment(moto_process, home), "PYTHONPYCACHEPREFIX": str(bytecode_cache),
            "CLOUDSCOPE_COLLECT_CIRCUIT_BREAKER_THRESHOLD": "0"}

    def run(keys: dict[str, str], database: str, *options: str) -> dict[str, Any]:
        environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        done = subprocess.run([sys.executable, "-m", "cloudscope", "collect", "aws",
                               "--region", REGION, "--max-attempts", "1", *options, "--db",
                               database, "--format", "json"], capture_output=True, text=True,
                              check=False, timeout=900, env={**environment, **base, **keys})
        return json.loads(done.stdout)  # type: ignore[no-any-return]

    database = f"sqlite:///{home / 'audited.db'}"
    summary = run(full, database)
    listing = subprocess.run([sys.executable, "-m", "cloudscope", "assets", "list", "--db",
                              database, "--format", "json"], capture_output=True, text=True,
                             check=True, timeout=300)
    without = run(partial, f"sqlite:///{home / 'partial.db'}", "--type", "aws:sqs:queue")
    return Audited(summary, json.loads(listing.stdout), without)


DENIALS = ("AccessDenied", "UnauthorizedOperation", "AuthorizationError", "not authorized")
MOTO_SIGNATURES = ("SignatureDoesNotMatch", ": Unknown")
"""moto, enforcing IAM, recomputes the signature of REST requests (API Gateway, EFS, EKS,
Backup, CloudFront, Route 53...) differently from botocore and refuses them: those scopes
cannot be checked against moto, whatever the policy."""


def test_the_documented_policy_collects_every_type_without_a_denial(
        collected: Collected, audited: Audited, capsys: pytest.CaptureFixture[str]) -> None:
    """A user holding only the read-only policy of docs/aws.md is denied nothing: no scope
    fails and no detail is missing for want of a permission, and every scope moto can check
    stores the same assets as the unrestricted run."""
    before = {s["service"]: s for s in collected.summary["scopes"]}
    after = {s["service"]: s for s in audited.summary["scopes"]}
    newly_failed = {name: scope["error"] for name, scope in after.items()
                    if scope["status"] != "complete" and before[name]["status"] == "complete"}
    assert not [e for e in newly_failed.values() if any(d in e for d in DENIALS)]
    assert all(any(m in e for m in MOTO_SIGNATURES) for e in newly_failed.values()), \
        newly_failed
    unread = [a["properties"]["_unavailable"] for a in audited.assets
              if "_unavailable" in a["properties"]]
    assert not [u for u in unread if any(d in json.dumps(u) for d in DENIALS)]
    checked = {name for name, scope in after.items() if scope["status"] == "complete"}
    assert len(checked) > 120
    assert {n: after[n]["assets"] for n in checked if n != "iam"} == \
        {n: before[n]["assets"] for n in checked if n != "iam"}
    assert after["iam"]["assets"] == before["iam"]["assets"] + 2  # the two auditors
    with capsys.disabled():
        print(f"\nread-only policy: {len(checked)} scopes checked under moto's IAM evaluation, "
              f"{len(newly_failed)} refused by moto's REST signature check")


def test_moto_enforces_the_policy(audited: Audited) -> None:
    """The control: without sqs:ListQueues the queue scope fails with AccessDenied."""
    (scope,) = audited.without_list_queues["scopes"]
    assert scope["status"] == "failed"
    assert "ListQueues" in scope["error"] and "AccessDenied" in scope["error"]
