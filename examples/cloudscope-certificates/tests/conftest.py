"""Certificates made for the tests with cryptography: a CA and a site it issued."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def certificate(common_name: str, issuer: tuple[x509.Name, ec.EllipticCurvePrivateKey] | None
                = None) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A certificate for ``common_name``, self-signed or issued by ``issuer``."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    issuer_name, issuer_key = issuer or (name, key)
    now = datetime.datetime.now(datetime.UTC)
    built = (x509.CertificateBuilder().subject_name(name).issuer_name(issuer_name)
             .public_key(key.public_key()).serial_number(x509.random_serial_number())
             .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=30))
             .add_extension(x509.SubjectAlternativeName([x509.DNSName(common_name)]),
                            critical=False)
             .sign(issuer_key, hashes.SHA256()))
    return built, key


def write_pem(path: Path, *certificates: x509.Certificate) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates))


@pytest.fixture
def certificate_directories(tmp_path: Path) -> list[Path]:
    """Two directories: a CA and a site it issued; another self-signed site."""
    ca, ca_key = certificate("Example CA")
    site, _ = certificate("www.example.test", (ca.subject, ca_key))
    other, _ = certificate("other.example.test")
    write_pem(tmp_path / "web" / "ca.pem", ca)
    write_pem(tmp_path / "web" / "site.crt", site)
    write_pem(tmp_path / "mail" / "nested" / "other.cer", other)
    return [tmp_path / "web", tmp_path / "mail"]
