"""The plugin guide's example builds, installs alone with pip, loads, collects, and passes its
own tests (the collector contract suite) where it is installed."""

from __future__ import annotations

import datetime
import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.core.conftest import ROOT, FreshVenv

EXAMPLE = ROOT / "examples" / "cloudscope-certificates"


def make_certificate(directory: Path) -> None:
    """A self-signed certificate in PEM, made with cryptography."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "example.test")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(key.public_key()).serial_number(1234)
                   .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=30))
                   .add_extension(x509.SubjectAlternativeName([x509.DNSName("example.test")]),
                                  critical=False)
                   .sign(key, hashes.SHA256()))
    (directory / "site.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))


@pytest.fixture(scope="module")
def example_venv(fresh_venv: Callable[..., FreshVenv]) -> FreshVenv:
    """A fresh environment where pip built and installed the core and the example (with
    its test extra), as a plugin's user would."""
    return fresh_venv(f"{EXAMPLE}[test]")


@pytest.mark.slow
def test_example_plugin_installs_in_a_fresh_venv_and_is_listed_loaded(
        example_venv: FreshVenv, tmp_path: Path) -> None:
    """pip installs core + example into a new venv; `cloudscope plugins` lists it loaded,
    and it collects."""
    cloudscope = example_venv.bin("cloudscope")
    listed = subprocess.run([str(cloudscope), "plugins", "--format", "json"], check=True,
                            capture_output=True, text=True)
    rows = {row["name"]: row for row in json.loads(listed.stdout)}
    assert rows["certificates"]["status"] == "loaded"
    assert rows["certificates"]["distribution"] == "cloudscope-certificates"
    assert rows["certificates"]["collectors"] == ["certificates"]

    certs = tmp_path / "certs"
    certs.mkdir()
    make_certificate(certs)
    db = f"sqlite:///{tmp_path / 'c.db'}"
    collected = subprocess.run([str(cloudscope), "collect", "certificates", str(certs), "--db", db,
                                "--format", "json"], capture_output=True, text=True, check=False)
    assert collected.returncode == 0, collected.stderr
    assert json.loads(collected.stdout)["assets"] == 1
    shown = subprocess.run([str(cloudscope), "assets", "list", "--db", db, "--format", "jsonl"],
                           capture_output=True, text=True, check=True)
    (asset,) = [json.loads(line) for line in shown.stdout.splitlines()]
    assert asset["properties"]["dnsNames"] == ["example.test"]


@pytest.mark.slow
def test_example_plugin_passes_its_own_tests_where_it_is_installed(
        example_venv: FreshVenv) -> None:
    """The example's tests (the collector contract suite) pass against the installed plugin."""
    completed = subprocess.run([str(example_venv.python), "-m", "pytest", "-q",
                                "-p", "no:cacheprovider", str(EXAMPLE / "tests")],
                               cwd=EXAMPLE, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]
    assert "14 passed" in completed.stdout
