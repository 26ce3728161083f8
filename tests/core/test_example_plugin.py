"""The plugin guide's example builds, installs alone with pip, loads and collects."""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


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


@pytest.mark.slow
def test_example_plugin_installs_in_a_fresh_venv_and_is_listed_loaded(tmp_path: Path) -> None:
    """pip installs core + example into a new venv; `cloudscope plugins` lists it loaded."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    # pip, as a plugin's user would: it builds both wheels from source and installs them.
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    str(ROOT / "cloudscope-core"), str(ROOT / "examples" / "cloudscope-certificates")],
                   check=True, capture_output=True)
    cloudscope = venv / "bin" / "cloudscope"
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
