"""``cloudscope assess`` on an organization collected from the Cloud Asset fake by the real
CLI: the baseline GCP rules read the collector's ``resource.data`` and ``iamPolicy``, and
the exposure rule follows a collected instance to its service account's grant.

The fake serves the shared estate (``gcp_estate.standard_estate``: a bucket readable by
``allUsers``, a firewall opening SSH to 0.0.0.0/0 for the ``web-1`` instance, which has an
external address, a user-managed service-account key, Cloud SQL authorizing 0.0.0.0/0)
plus compliant counterparts and a project ``ops-shared`` where the instance's service
account is editor. One collection and one assessment per module.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from gcp_estate import ORG, StandardEstate, asset_body, self_link, standard_estate
from gcp_fake import FakeGcp, serve

from tests.gcp.conftest import collection_environment, write_key_file

EXPOSURE = "cloudscope.exposure.internet-to-admin"
APP_ACCOUNT = "serviceAccount:app@alpha-prod.iam.gserviceaccount.com"
OPS_PROJECT = "//cloudresourcemanager.googleapis.com/projects/100000000009"


def add_ops_project(fake: FakeGcp) -> str:
    """A project under the organization granting the ``app`` service account editor (as
    ``gcp_estate.add_project`` builds one, with this binding instead of a user's)."""
    fake.add_project("ops-shared", "100000000009")
    fake.add_asset(asset_body(
        OPS_PROJECT, "cloudresourcemanager.googleapis.com/Project",
        {"projectNumber": "100000000009", "projectId": "ops-shared", "lifecycleState": "ACTIVE",
         "name": "Ops Shared", "parent": {"type": "organization", "id": ORG.split("/")[1]}},
        location="global", ancestors=["projects/100000000009", ORG],
        parent=f"//cloudresourcemanager.googleapis.com/{ORG}",
        discovery=("cloudresourcemanager", "Project")),
        {"bindings": [{"role": "roles/editor", "members": [APP_ACCOUNT]}]})
    return OPS_PROJECT


def add_internal_instance(estate: StandardEstate, name: str, **data: Any) -> str:
    """An instance of ``alpha-prod`` on the ``web`` subnet without an external address."""
    p = estate.alpha.project_id
    return estate.alpha.compute("Instance", f"zones/us-central1-a/instances/{name}", {
        "status": "RUNNING", "networkInterfaces": [{
            "name": "nic0", "network": self_link(p, "global/networks/prod"),
            "subnetwork": self_link(p, "regions/us-central1/subnetworks/web")}], **data},
        location="us-central1-a")


def add_counterparts(estate: StandardEstate) -> None:
    """Compliant counterparts in ``alpha-prod``: a private-IP Cloud SQL instance, a
    Google-managed service-account key, and ``internal-1``, like ``web-1`` (SSH open by
    tag, the ``app`` account) but without an external address. ``batch-1`` runs as the
    default compute service account with full API access (``db-1`` without that scope)."""
    alpha, names = estate.alpha, estate.names
    p = alpha.project_id
    names["internal"] = add_internal_instance(
        estate, "internal-1", tags={"items": ["ssh"]},
        serviceAccounts=[{"email": APP_ACCOUNT.split(":", 1)[1]}])
    names["batch"] = add_internal_instance(estate, "batch-1", serviceAccounts=[{
        "email": "100000000001-compute@developer.gserviceaccount.com",
        "scopes": ["https://www.googleapis.com/auth/cloud-platform"]}])
    names["sql_private"] = alpha.add(
        "sqladmin.googleapis.com/Instance", f"projects/{p}/instances/ledger", {
            "name": "ledger", "databaseVersion": "POSTGRES_15", "region": "us-central1",
            "settings": {"ipConfiguration": {
                "ipv4Enabled": False, "authorizedNetworks": [],
                "privateNetwork": f"projects/{p}/global/networks/prod"}}},
        location="us-central1")
    account = f"projects/{p}/serviceAccounts/104000000000000000001"
    names["system_key"] = alpha.add(
        "iam.googleapis.com/ServiceAccountKey", f"{account}/keys/1f2e3d4c5b6a", {
            "keyType": "SYSTEM_MANAGED", "keyAlgorithm": "KEY_ALG_RSA_2048",
            "validAfterTime": "2023-02-01T00:00:00Z", "validBeforeTime": "2023-02-17T00:00:00Z",
            "name": f"projects/{p}/serviceAccounts/app@{p}.iam.gserviceaccount.com/keys/1f2e3d4c5b6a"},
        parent=f"//iam.googleapis.com/{account}")


@dataclass
class Assessed:
    """The estate's names, the collection summary and the assessment report."""

    names: dict[str, str]
    collection: dict[str, Any]
    report: dict[str, Any]

    def flagged(self, rule_id: str) -> dict[str, dict[str, Any]]:
        """The findings of ``rule_id`` by asset id."""
        return {f["asset_id"]: f for f in self.report["findings"] if f["rule_id"] == rule_id}


@pytest.fixture(scope="module")
def assessed(service_account_key: Any, tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[Assessed]:
    """The estate served, collected with ``collect gcp --scope ORG`` and assessed, once."""
    home = tmp_path_factory.mktemp("assess-gcp")
    database = f"sqlite:///{home / 'cloudscope.db'}"
    state = FakeGcp(public_keys={service_account_key.key_id: service_account_key.public_pem})
    with serve(state) as fake:
        estate = standard_estate(fake)
        add_counterparts(estate)
        estate.names["ops_project"] = add_ops_project(fake)
        key_file = write_key_file(home / "key.json", service_account_key, fake.token_uri)
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("CLOUDSCOPE_", "GOOGLE_", "CLOUDSDK_"))}
        env.update(collection_environment(fake, key_file, home))

        def cloudscope_json(*args: str) -> dict[str, Any]:
            done = subprocess.run([sys.executable, "-m", "cloudscope", *args, "--db", database,
                                   "--format", "json"], env=env, cwd=home, capture_output=True,
                                  text=True, timeout=300, check=False)
            assert done.returncode == 0, done.stderr
            return json.loads(done.stdout)  # type: ignore[no-any-return]

        collection = cloudscope_json("collect", "gcp", "--scope", ORG)
        yield Assessed(estate.names, collection, cloudscope_json("assess"))


def test_every_scope_and_every_rule_completes(assessed: Assessed) -> None:
    """The collection completes every scope and the assessment runs every rule."""
    assert assessed.collection["status"] == "ok"
    assert assessed.report["failed_rules"] == []


def test_exposure_path_reaches_the_service_accounts_editor_grant(assessed: Assessed) -> None:
    """An instance with an external address, SSH open to the world by a tag-targeted
    firewall, and a service account that is editor of a project is critical; the path runs
    instance -> service account -> project."""
    names = assessed.names
    finding = assessed.flagged(EXPOSURE)[names["web"]]
    assert finding["severity"] == "critical"
    assert finding["evidence"]["path"] == [names["web"], names["account"], names["ops_project"]]
    assert finding["evidence"]["open_ports"] == [22]
    assert names["fw_ssh"] in finding["evidence"]["protected_by"]


def test_exposure_needs_an_external_address(assessed: Assessed) -> None:
    """``internal-1``, with SSH open and the same admin service account but no external
    address, is not exposed: ``web-1`` is the only finding."""
    assert set(assessed.flagged(EXPOSURE)) == {assessed.names["web"]}


@pytest.mark.parametrize(("rule_id", "risky", "compliant"), [
    ("gcp.storage.bucket-public", "public_bucket", "private_bucket"),
    ("gcp.storage.public-access-prevention-off", "public_bucket", "private_bucket"),
    ("gcp.compute.firewall-admin-ports-open", "fw_ssh", "fw_internal"),
    ("gcp.compute.firewall-admin-ports-open", "fw_lab", "fw_disabled"),
    ("gcp.compute.firewall-admin-ports-open", "fw_lab", "fw_by_account"),
    ("gcp.compute.instance-public-ip", "web", "db"),
    ("gcp.compute.default-service-account-full-scope", "batch", "db"),
    ("gcp.iam.service-account-user-managed-key", "account_key", "system_key"),
    ("gcp.iam.service-account-key-older-than-90-days", "account_key", "system_key"),
    ("gcp.sql.instance-open-to-world", "sql", "sql_private"),
    ("gcp.sql.instance-public-ip", "sql", "sql_private"),
])
def test_rule_flags_the_risky_asset_and_not_its_counterpart(assessed: Assessed, rule_id: str,
                                                            risky: str, compliant: str) -> None:
    """Each baseline rule fires on the collected risky resource, not on the compliant one."""
    flagged = assessed.flagged(rule_id)
    assert assessed.names[risky] in flagged
    assert assessed.names[compliant] not in flagged


def test_service_account_with_editor_is_flagged_on_the_granting_project(
        assessed: Assessed) -> None:
    """The project granting a service account editor is flagged; the project granting a
    user editor is not."""
    flagged = assessed.flagged("gcp.iam.primitive-role-service-account")
    assert set(flagged) == {assessed.names["ops_project"]}
