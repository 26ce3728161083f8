"""`cloudscope doctor` with a GCP target against the fake: the service account and a token,
the scope's projects, one Cloud Asset read per content type; a denied scope names the role."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gcp_estate import ORG

from tests.gcp.conftest import CLIENT_EMAIL


def doctor(run_cloudscope: Any, gcp_env: dict[str, str], tmp_path: Path,
           **target: Any) -> tuple[int, dict[str, Any]]:
    """Run doctor with one GCP target; (exit code, {check: check}) of the target."""
    config = tmp_path / "config.yaml"
    config.write_text(json.dumps({"targets": [{"name": "org", "provider": "gcp", **target}]}),
                      encoding="utf-8")
    result = run_cloudscope("--config", str(config), "doctor", "--db",
                            f"sqlite:///{tmp_path / 'doctor.db'}", "--format", "json",
                            env={**gcp_env, "CLOUDSCOPE_LOAD_PLUGINS": "gcp"})
    report = json.loads(result.stdout)
    return result.exit_code, {c["check"]: c for c in report["checks"] if c["section"] == "target org"}


def test_doctor_reads_the_scope_resources_and_policies(run_cloudscope: Any, gcp_env: dict[str, str],
                                                  estate: Any, tmp_path: Path) -> None:
    """The key's account with a token, the organization's projects, one ok read of the
    resources and one of the IAM policies (what the collection lists)."""
    code, checks = doctor(run_cloudscope, gcp_env, tmp_path, scope=ORG)
    assert code == 0
    assert checks["identity"]["detail"] == f"{CLIENT_EMAIL}: access token obtained"
    assert checks[f"scope {ORG}"]["status"] == "ok"
    assert "active project" in checks[f"scope {ORG}"]["detail"]
    reads = {name for name in checks if name.startswith("read ")}
    assert reads == {"read resources", "read IAM policies"}
    assert {checks[name]["status"] for name in reads} == {"ok"}


def test_a_denied_scope_names_the_role_to_grant(run_cloudscope: Any, gcp_env: dict[str, str],
                                                estate: Any, fake: Any, tmp_path: Path) -> None:
    """A project the caller may not read: its scope check fails with roles/cloudasset.viewer."""
    fake.denied.add("projects/alpha-prod")
    code, checks = doctor(run_cloudscope, gcp_env, tmp_path, scope="projects/alpha-prod")
    assert code == 3
    failed = [c for c in checks.values() if c["status"] == "fail"]
    assert failed and all("roles/cloudasset.viewer" in c["hint"] for c in failed)
