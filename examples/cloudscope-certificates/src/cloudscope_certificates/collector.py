"""The `certificates` collector: one scope per directory, one asset per certificate."""

from __future__ import annotations

import argparse
import hashlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from cloudscope.api import Asset, CollectionError, Collector, InputError, Relationship, ScopeKey
from cryptography import x509
from cryptography.hazmat.primitives import hashes

PEM_SUFFIXES = (".pem", ".crt", ".cer")


class CertificateCollector(Collector):
    """Inventory X.509 certificates from PEM files in the given directories."""

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        """`cloudscope collect certificates DIR [DIR...]`."""
        parser.add_argument("directories", nargs="+", metavar="DIR",
                            help="directories searched recursively for *.pem, *.crt, *.cer")

    def plan(self) -> Iterable[ScopeKey]:
        """One scope per directory, so that each is pruned on its own."""
        scopes = []
        for directory in self.options["directories"]:
            path = Path(directory).resolve()
            if not path.is_dir():
                raise InputError("not a directory", location=directory)
            scopes.append(ScopeKey(provider="x509", account=str(path), service="certificates"))
        return scopes

    def collect(self, scope: ScopeKey) -> Iterator[Asset | Relationship]:
        """Yield each certificate, and ISSUED_BY edges to issuers found in the same scope."""
        directory = Path(scope.account)
        if not directory.is_dir():
            # Ending normally would complete the scope empty and delete its certificates.
            raise CollectionError(f"{directory}: the directory is gone")
        for path in sorted(directory.rglob("*")):
            if self.ctx.cancelled:
                return
            if path.suffix.lower() not in PEM_SUFFIXES or not path.is_file():
                continue
            self.ctx.limiter.acquire(scope="files")
            try:
                certificates = x509.load_pem_x509_certificates(path.read_bytes())
            except ValueError as error:
                raise CollectionError(f"{path}: not a PEM certificate ({error})") from None
            for certificate in certificates:
                asset = to_asset(certificate, path)
                yield asset
                issuer = asset.properties["issuer"]
                if issuer != asset.properties["subject"]:
                    yield Relationship(source_id=asset.id, type="ISSUED_BY",
                                       target_id=subject_id(issuer))


def subject_id(subject: str) -> str:
    """A stable id for the certificate identified by its subject's name."""
    return "x509:subject:" + hashlib.sha256(subject.encode()).hexdigest()[:16]


def to_asset(certificate: x509.Certificate, path: Path) -> Asset:
    """Transform a parsed certificate into an asset (pure, no I/O)."""
    subject = certificate.subject.rfc4514_string()
    names: list[str] = []
    try:
        extension = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        names = extension.value.get_values_for_type(x509.DNSName)
    except x509.ExtensionNotFound:
        pass
    return Asset(
        id=subject_id(subject), provider="x509", asset_type="x509:certificates:certificate",
        native_type="X.509", name=subject, account=str(path.parent), region=None,
        properties={
            "subject": subject, "issuer": certificate.issuer.rfc4514_string(),
            "serialNumber": format(certificate.serial_number, "x"),
            "notValidBefore": certificate.not_valid_before_utc.isoformat(),
            "notValidAfter": certificate.not_valid_after_utc.isoformat(),
            "signatureAlgorithm": certificate.signature_hash_algorithm.name
            if certificate.signature_hash_algorithm else None,
            "publicKeyBits": getattr(certificate.public_key(), "key_size", None),
            "dnsNames": names, "file": str(path),
            "sha256": certificate.fingerprint(hashes.SHA256()).hex(),
        },
    )
