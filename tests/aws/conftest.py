"""Fixtures of the AWS plugin's tests: one moto server per session (reset before each test
that uses it), boto3 and the collector pointed at it through ``AWS_ENDPOINT_URL`` with
fake credentials, estates built in it, and the collector run in process.

The plugin has no test hooks: everything reaches moto through botocore's standard
configuration, exactly as an operator's ``AWS_ENDPOINT_URL`` would.
"""

from __future__ import annotations

import logging
import sys
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
import structlog
from moto.server import ThreadedMotoServer

# Tests import with --import-mode=importlib, which puts no test folder on sys.path; the
# estate and proxy helpers are plain modules beside this file (the benchmark uses them).
sys.path.insert(0, str(Path(__file__).parent))

from aws_estate import Estate, full_estate
from aws_proxy import s3_control_environment
from cloudscope.api import Asset, CollectContext, RateLimiter, Relationship, ScopeKey
from cloudscope_aws.collector import AwsCollector
from cloudscope_aws.services import HANDWRITTEN

REGION = "us-east-1"
HANDWRITTEN_TYPES = [doc.asset_type for unit in HANDWRITTEN for doc in unit.types]
"""Every type of the hand-written modules: as ``types``, it plans their scopes only (the
declarative types have tests of their own, test_seeded.py)."""


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """The URL of moto's server, on a free port of 127.0.0.1, for the whole session."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def reset_moto(endpoint: str) -> None:
    """Wipe every account's resources in moto (``POST /moto-api/reset``)."""
    request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST", data=b"")
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


def aws_environment(endpoint: str, home: Path) -> dict[str, str]:
    """Environment variables that send botocore to moto with fake credentials, and keep
    the developer's own AWS configuration (and the instance metadata service) out."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        **s3_control_environment(endpoint),
        "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": str(home / "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }


_CLEARED = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_REGION",
            "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "CLOUDSCOPE_CONFIG", "CLOUDSCOPE_DB")
_PROXIES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


def apply_environment(monkeypatch: pytest.MonkeyPatch, values: Mapping[str, str]) -> None:
    """Set ``values`` and clear variables that would point botocore elsewhere."""
    import os

    for name in list(os.environ):
        if name in _CLEARED or name.lower() in _PROXIES or \
                name.startswith(("AWS_ENDPOINT_URL_", "CLOUDSCOPE_PLUGINS_")):
            monkeypatch.delenv(name)
    for name, value in values.items():
        monkeypatch.setenv(name, value)


@dataclass
class AwsWorld:
    """moto reset and reachable: its endpoint, the environment in use, a boto3 session."""

    endpoint: str
    environment: dict[str, str]
    session: boto3.Session = field(default_factory=lambda: boto3.Session(region_name=REGION))

    def account_session(self, account: str) -> boto3.Session:
        """A boto3 session acting in ``account`` (moto selects it by the assumed role's
        credentials)."""
        credentials = self.session.client("sts").assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/estate-builder",
            RoleSessionName="estate-builder")["Credentials"]
        return boto3.Session(aws_access_key_id=credentials["AccessKeyId"],
                             aws_secret_access_key=credentials["SecretAccessKey"],
                             aws_session_token=credentials["SessionToken"], region_name=REGION)


@pytest.fixture(scope="session")
def bytecode_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private bytecode cache for the CLI subprocesses: with PYTHONDONTWRITEBYTECODE (set
    on this machine) each one would compile botocore from source, seconds per process."""
    return tmp_path_factory.mktemp("pycache")


@pytest.fixture
def aws(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        bytecode_cache: Path) -> AwsWorld:
    """moto emptied, and this test's environment pointed at it."""
    reset_moto(moto_endpoint)
    environment = aws_environment(moto_endpoint, tmp_path)
    apply_environment(monkeypatch, environment)
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
    monkeypatch.setenv("PYTHONPYCACHEPREFIX", str(bytecode_cache))
    return AwsWorld(moto_endpoint, environment)


@dataclass
class Inventory:
    """What one in-process collection yielded, scope by scope."""

    scopes: list[ScopeKey]
    assets: dict[str, Asset]
    relationships: set[tuple[str, str, str]]
    errors: dict[str, str]
    counters: dict[str, int]

    def of_type(self, asset_type: str) -> list[Asset]:
        """The assets of ``asset_type``."""
        return [a for a in self.assets.values() if a.asset_type == asset_type]


def collect_in_process(options: Mapping[str, Any]) -> Inventory:
    """Plan and collect every scope serially with a fresh collector and context."""
    ctx = CollectContext("aws", limiter=RateLimiter("aws"), config={},
                         log=structlog.get_logger("tests.aws"))
    collector = AwsCollector(ctx, options)
    scopes = list(collector.plan())
    assets: dict[str, Asset] = {}
    relationships: set[tuple[str, str, str]] = set()
    errors: dict[str, str] = {}
    try:
        for scope in scopes:
            try:
                for item in collector.collect(scope):
                    if isinstance(item, Relationship):
                        relationships.add(item.key)
                    else:
                        assets[item.id] = item
            except Exception as error:  # recorded: a test asserts on scope errors
                errors[scope.key] = str(error)
    finally:
        collector.close()
    return Inventory(scopes, assets, relationships, errors, ctx.counters)


@pytest.fixture
def collect_aws(aws: AwsWorld) -> Callable[..., Inventory]:
    """Collect in process: ``collect_aws(region=["us-east-1"], types=["aws:ec2:vpc"])``."""
    return lambda **options: collect_in_process(options)


@dataclass
class Catalogue:
    """The full estate (one of every collected type) and its collected inventory."""

    estate: Estate
    inventory: Inventory


@pytest.fixture(scope="module")
def catalogue(moto_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Catalogue]:
    """The full estate built once for a module and collected once (every read-only test
    of the catalogue shares it: moto's first calls in a region cost seconds)."""
    reset_moto(moto_endpoint)
    with pytest.MonkeyPatch.context() as monkeypatch:
        apply_environment(monkeypatch, aws_environment(moto_endpoint,
                                                       tmp_path_factory.mktemp("aws")))
        estate = full_estate(boto3.Session(region_name=REGION))
        yield Catalogue(estate, collect_in_process({"region": [REGION, "eu-west-1"],
                                                    "types": HANDWRITTEN_TYPES}))


@pytest.fixture
def cloudscope_here(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str]]:
    """Run the real CLI in this process, for reading the store back (a subprocess costs
    seconds of imports on a loaded machine): ``code, stdout = cloudscope_here(...)``."""
    from cloudscope.cli.main import main

    def run(*args: str) -> tuple[int, str]:
        capsys.readouterr()
        code = main(list(args))
        return code, capsys.readouterr().out

    return run
