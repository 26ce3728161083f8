"""`cloudscope doctor` with an Azure target against the fake: sign-in, the subscriptions and
one read per resource type; a denied read names the role; a bad secret fails sign-in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cloudscope_azure.catalogue import CATALOGUE

from tests.azure.conftest import PRODUCTION


def doctor(cloudscope: Any, tmp_path: Path, *, env: dict[str, str] | None = None,
           **target: Any) -> tuple[int, dict[str, Any]]:
    """Run doctor with one Azure target; (exit code, {check: check}) of the target."""
    config = tmp_path / "config.yaml"
    config.write_text(json.dumps({"targets": [{"name": "corp", "provider": "azure",
                                               "subscriptions": [PRODUCTION], **target}]}),
                      encoding="utf-8")
    done = cloudscope("--config", str(config), "doctor", "--db",
                      f"sqlite:///{tmp_path / 'doctor.db'}", "--format", "json", env=env)
    report = json.loads(done.stdout)
    return done.code, {c["check"]: c for c in report["checks"] if c["section"] == "target corp"}


def test_doctor_signs_in_and_reads_every_resource_type(cloudscope: Any, tmp_path: Path) -> None:
    """Sign-in ok, the subscription listed, one ok read per collected resource type."""
    code, checks = doctor(cloudscope, tmp_path)
    assert code == 0
    assert checks["identity"]["status"] == "ok"
    assert checks["subscriptions"]["detail"] == f"1: {PRODUCTION}"
    reads = {name for name in checks if name.startswith("read ")}
    assert reads == {f"read {t.service}" for t in CATALOGUE if not t.tenant_level} | {
        "read microsoft.resources/resources", "read microsoft.resources/providers"}
    assert {checks[name]["status"] for name in reads} == {"ok"}


def test_a_denied_read_names_the_reader_role(cloudscope: Any, tmp_path: Path,
                                             trust_fake: Any) -> None:
    """A 403 on one type's listing fails that read with the role to grant; exit 3."""
    trust_fake.deny(f"/subscriptions/{PRODUCTION}/providers/Microsoft.KeyVault/vaults")
    code, checks = doctor(cloudscope, tmp_path)
    assert code == 3
    vaults = checks["read microsoft.keyvault/vaults"]
    assert vaults["status"] == "fail" and "HTTP 403" in vaults["detail"]
    assert vaults["hint"] == "grant the identity the Reader role on the subscription"
    assert checks["read microsoft.compute/virtualmachines"]["status"] == "ok"


def test_a_wrong_secret_fails_sign_in_without_showing_it(cloudscope: Any, tmp_path: Path,
                                                        cli_env: dict[str, str]) -> None:
    """A rejected client secret: identity fails with Entra ID's reason and the way out,
    no read is tried, and the secret is not printed."""
    code, checks = doctor(cloudscope, tmp_path, env={
        **cli_env, "CLOUDSCOPE_AZURE_CLIENT_SECRET": "wrong-secret-value-123"})
    assert code == 3
    assert checks["identity"]["status"] == "fail"
    assert "az login" in checks["identity"]["hint"]
    assert not any(name.startswith("read ") for name in checks)
    assert "wrong-secret-value-123" not in json.dumps(checks)
