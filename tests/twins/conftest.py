"""Fixtures of the twin suite: each cloud's estate collected by the real CLI and assessed by
it (the machinery is in twin_runs.py)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

# The builders, fakes and estates of the cloud test folders are plain modules; with
# --import-mode=importlib their folders are not on sys.path by themselves. This folder goes
# first: every folder has a conftest.py, and the plain modules' names are distinct.
sys.path.insert(0, str(Path(__file__).parents[1] / "gcp"))
sys.path.insert(0, str(Path(__file__).parents[1] / "azure"))
sys.path.insert(0, str(Path(__file__).parents[1] / "aws"))
sys.path.insert(0, str(Path(__file__).parent))

from twin_runs import Verdict, cloudscope, environment, stand_in, verdicts


@pytest.fixture(scope="session")
def service_account_key() -> tuple[str, str, str]:
    """(key id, private PEM, public PEM) of an RSA key made for the run."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return "3c9e7f1a2b4d6f8091a2b3c4d5e6f708192a3b4c", private, public


@pytest.fixture(scope="module")
def assess_estate(tmp_path_factory: pytest.TempPathFactory,
                  service_account_key: tuple[str, str, str]) -> Callable[..., dict[str, Any]]:
    """``assess_estate(cloud, build)``: start the cloud's stand-in, let ``build(stand_in)``
    fill it (moto through boto3 and the environment; the fakes directly) and return its
    sides, collect with the real CLI, assess, and return each side's :class:`Verdict`."""

    def run(cloud: str, build: Callable[[Any], dict[str, Any]]) -> dict[str, Verdict]:
        home = tmp_path_factory.mktemp(f"twins-{cloud}")
        database = f"sqlite:///{home / 'twins.db'}"
        with stand_in(cloud, home, service_account_key) as (stand, values, command), \
                environment(values, home):
            sides = build(stand)
            collection = cloudscope(*command, "--db", database)
            assert collection["status"] == "ok", collection
            return verdicts(cloudscope("assess", "--db", database), sides)

    return run
