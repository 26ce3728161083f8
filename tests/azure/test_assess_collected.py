"""``cloudscope assess`` on a subscription collected from the Resource Manager fake by the
real CLI: the baseline Azure rules read the collector's ARM bodies.

The fake serves the shared estate (``estate.populate``: a storage account open to
anonymous reads, an NSG allowing RDP from anywhere, a key vault without purge protection,
a public SQL server, vm1 behind a public IP whose user-assigned identity is Owner) plus a
compliant counterpart of each, an NSG allowing SSH from the ``Internet`` service tag, and
more public VMs behind the open NSG: one whose system-assigned identity is Contributor,
one whose identity holds only Reader, one with no role assignment at all. One collection
and one assessment per module.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from arm_fake import FakeAzure
from estate import (
    CONTRIBUTOR,
    READER,
    key_vault,
    network_interface,
    network_security_group,
    populate,
    public_ip,
    rid,
    role_assignment,
    sql_server,
    storage_account,
    virtual_machine,
)

from tests.azure.conftest import cli_environment

SUBSCRIPTION = "99999999-8888-4777-8666-555555555555"
GROUP = f"/subscriptions/{SUBSCRIPTION}/resourcegroups/rg-web/providers"


def renamed(build: Callable[[str], dict[str, Any]], provider_path: str,
            **properties: Any) -> dict[str, Any]:
    """A copy of the estate's resource under another name with ``properties`` changed."""
    body = copy.deepcopy(build(SUBSCRIPTION))
    body["id"] = rid(SUBSCRIPTION, provider_path)
    body["name"] = provider_path.rsplit("/", 1)[-1]
    body["properties"].update(properties)
    return body


def inbound(name: str, port: str, source: str) -> dict[str, Any]:
    """An inbound TCP allow rule of an NSG (NetworkSecurityGroupListAll.json shape)."""
    return {"name": name, "properties": {
        "protocol": "Tcp", "sourcePortRange": "*", "destinationPortRange": port,
        "sourceAddressPrefix": source, "destinationAddressPrefix": "*", "access": "Allow",
        "priority": 100, "direction": "Inbound"}}


def add_counterparts(fake: FakeAzure) -> None:
    """Compliant copies of the risky resources, and an NSG open to SSH from ``Internet``."""
    base = f"/subscriptions/{SUBSCRIPTION}/providers"
    fake.add(f"{base}/Microsoft.Storage/storageAccounts", [renamed(
        storage_account, "Microsoft.Storage/storageAccounts/stosafe",
        allowBlobPublicAccess=False, supportsHttpsTrafficOnly=True, minimumTlsVersion="TLS1_2",
        networkAcls={"bypass": "AzureServices", "defaultAction": "Deny", "ipRules": []})])
    fake.add(f"{base}/Microsoft.KeyVault/vaults", [renamed(
        key_vault, "Microsoft.KeyVault/vaults/safe-vault", enablePurgeProtection=True)])
    fake.add(f"{base}/Microsoft.Sql/servers", [renamed(
        sql_server, "Microsoft.Sql/servers/sql-private", publicNetworkAccess="Disabled")])
    fake.add(f"{base}/Microsoft.Network/networkSecurityGroups", [
        renamed(network_security_group, "Microsoft.Network/networkSecurityGroups/nsg-ssh",
                securityRules=[inbound("ssh", "22", "Internet")], networkInterfaces=[]),
        renamed(network_security_group, "Microsoft.Network/networkSecurityGroups/nsg-office",
                securityRules=[inbound("ssh", "22", "203.0.113.0/24"),
                               inbound("https", "443", "*")], networkInterfaces=[]),
    ])


def add_default_access_twins(fake: FakeAzure) -> None:
    """Two storage accounts that never set allowBlobPublicAccess (ARM then omits it): one
    created before Azure's secure default (anonymous access allowed), one after (disallowed)."""
    base = f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Storage/storageAccounts"
    for name, created in (("stolegacy", "2019-03-01T08:00:00.1234567Z"),
                          ("stonew", "2024-02-01T08:00:00.1234567Z")):
        body = renamed(storage_account, f"Microsoft.Storage/storageAccounts/{name}",
                       creationTime=created)
        del body["properties"]["allowBlobPublicAccess"]
        fake.add(base, [body])


EXPOSURE = "cloudscope.exposure.internet-to-admin"
PRINCIPALS = {"vm-contributor": "a1b2c3d4-0000-4000-8000-000000000001",
              "vm-reader": "a1b2c3d4-0000-4000-8000-000000000002",
              "vm-unassigned": "a1b2c3d4-0000-4000-8000-000000000003"}
"""Public VMs with a system-assigned identity, each behind its own NIC and public IP, the
NIC guarded by nsg-web (RDP open to the world)."""


def add_public_machines(fake: FakeAzure) -> None:
    """The VMs of PRINCIPALS, and a Contributor and a Reader assignment on the group."""
    base = f"/subscriptions/{SUBSCRIPTION}/providers"
    for number, (name, principal) in enumerate(PRINCIPALS.items()):
        machine = virtual_machine(SUBSCRIPTION, name, f"{name}-nic", f"{name}-disk", None)
        machine["identity"] = {"type": "SystemAssigned", "principalId": principal,
                               "tenantId": fake.tenant_id}
        nic = network_interface(SUBSCRIPTION, f"{name}-nic", name)
        configuration = nic["properties"]["ipConfigurations"][0]
        configuration["properties"]["publicIPAddress"]["id"] = rid(
            SUBSCRIPTION, f"Microsoft.Network/publicIPAddresses/{name}-ip")
        fake.add(f"{base}/Microsoft.Compute/virtualMachines", [machine])
        fake.add(f"{base}/Microsoft.Network/networkInterfaces", [nic])
        fake.add(f"{base}/Microsoft.Network/publicIPAddresses",
                 [public_ip(SUBSCRIPTION, f"{name}-ip", configuration["id"])])
        if name != "vm-unassigned":
            fake.add(f"{base}/Microsoft.Authorization/roleAssignments", [role_assignment(
                SUBSCRIPTION, f"c0ffee00-0000-4000-8000-00000000000{number}", principal,
                CONTRIBUTOR if name == "vm-contributor" else READER,
                f"/subscriptions/{SUBSCRIPTION}/resourceGroups/RG-Web")])


@dataclass
class Assessed:
    """The collection summary and the assessment report."""

    collection: dict[str, Any]
    report: dict[str, Any]

    def flagged(self, rule_id: str) -> set[str]:
        """The ids of the assets ``rule_id`` flagged."""
        return {f["asset_id"] for f in self.report["findings"] if f["rule_id"] == rule_id}


@pytest.fixture(scope="module")
def assessed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assessed]:
    """The estate served, collected with ``collect azure`` and assessed, once."""
    home = tmp_path_factory.mktemp("assess-azure")
    database = f"sqlite:///{home / 'cloudscope.db'}"
    with FakeAzure(home) as fake:
        populate(fake, SUBSCRIPTION, "Assessed")
        add_counterparts(fake)
        add_public_machines(fake)
        add_default_access_twins(fake)
        env = cli_environment(fake, home)

        def cloudscope_json(*args: str) -> dict[str, Any]:
            done = subprocess.run([sys.executable, "-m", "cloudscope", *args, "--db", database,
                                   "--format", "json"], env=env, cwd=home, capture_output=True,
                                  text=True, timeout=300, check=False)
            assert done.returncode == 0, done.stderr
            return json.loads(done.stdout)  # type: ignore[no-any-return]

        collection = cloudscope_json("collect", "azure", "--subscription", SUBSCRIPTION)
        yield Assessed(collection, cloudscope_json("assess"))


def test_every_scope_and_every_rule_completes(assessed: Assessed) -> None:
    """The collection completes every scope and the assessment runs every rule."""
    assert assessed.collection["status"] == "ok"
    assert assessed.report["failed_rules"] == []


@pytest.mark.parametrize(("rule_id", "risky", "compliant"), [
    ("azure.storage.blob-public-access", "microsoft.storage/storageaccounts/sto4445",
     "microsoft.storage/storageaccounts/stosafe"),
    ("azure.storage.https-not-required", "microsoft.storage/storageaccounts/sto4445",
     "microsoft.storage/storageaccounts/stosafe"),
    ("azure.storage.tls-below-1-2", "microsoft.storage/storageaccounts/sto4445",
     "microsoft.storage/storageaccounts/stosafe"),
    ("azure.storage.network-default-allow", "microsoft.storage/storageaccounts/sto4445",
     "microsoft.storage/storageaccounts/stosafe"),
    ("azure.network.nsg-admin-ports-open", "microsoft.network/networksecuritygroups/nsg-web",
     "microsoft.network/networksecuritygroups/nsg-office"),
    ("azure.network.nsg-admin-ports-open", "microsoft.network/networksecuritygroups/nsg-ssh",
     "microsoft.network/networksecuritygroups/nsg-office"),
    ("azure.keyvault.purge-protection-disabled", "microsoft.keyvault/vaults/sample-vault",
     "microsoft.keyvault/vaults/safe-vault"),
    ("azure.sql.server-public-network-access", "microsoft.sql/servers/sqlcrudtest-4645",
     "microsoft.sql/servers/sql-private"),
])
def test_rule_flags_the_risky_asset_and_not_its_counterpart(assessed: Assessed, rule_id: str,
                                                            risky: str, compliant: str) -> None:
    """Each baseline rule fires on the collected risky resource, not on the compliant one."""
    flagged = assessed.flagged(rule_id)
    assert f"{GROUP}/{risky}" in flagged
    assert f"{GROUP}/{compliant}" not in flagged


def test_blob_access_left_unset_is_judged_by_the_accounts_age(assessed: Assessed) -> None:
    """allowBlobPublicAccess absent from the collected body: the account created before
    2023-11-30 is flagged (allowed by the old default), the one created after is not."""
    flagged = assessed.flagged("azure.storage.blob-public-access")
    assert f"{GROUP}/microsoft.storage/storageaccounts/stolegacy" in flagged
    assert f"{GROUP}/microsoft.storage/storageaccounts/stonew" not in flagged


def test_admin_port_findings_name_the_open_ports(assessed: Assessed) -> None:
    """RDP from ``*`` and SSH from the ``Internet`` tag are both read as open to the world."""
    ports = {f["asset_id"].rsplit("/", 1)[-1]: f["evidence"]["open_ports"]
             for f in assessed.report["findings"]
             if f["rule_id"] == "azure.network.nsg-admin-ports-open"}
    assert ports == {"nsg-web": [3389], "nsg-ssh": [22]}


def test_disk_rules_read_the_collected_disk(assessed: Assessed) -> None:
    """The attached, platform-key disk is flagged for its key, not as unattached."""
    disk = f"{GROUP}/microsoft.compute/disks/vm1_osdisk_1"
    assert disk in assessed.flagged("azure.compute.disk-platform-key-only")
    assert disk not in assessed.flagged("azure.compute.disk-unattached")


def test_public_vm_with_open_nsg_and_owner_identity_is_critical_with_its_path(
        assessed: Assessed) -> None:
    """vm1: public IP -> VM (through its NIC), nsg-web open on 3389, its user-assigned
    identity assigned Owner: one critical finding whose path ends at the assignment."""
    vm = f"{GROUP}/microsoft.compute/virtualmachines/vm1"
    (finding,) = [f for f in assessed.report["findings"]
                  if f["rule_id"] == EXPOSURE and f["asset_id"] == vm]
    assert finding["severity"] == "critical"
    assert finding["evidence"]["path"] == [
        f"{GROUP}/microsoft.network/publicipaddresses/pip1", vm,
        f"{GROUP}/microsoft.managedidentity/userassignedidentities/id-web",
        f"/subscriptions/{SUBSCRIPTION}/providers/microsoft.authorization/roleassignments/"
        "b0f43c54-e787-4862-89b1-a653fa9cf747"]
    assert finding["evidence"]["open_ports"] == [3389]
    assert "Owner" in finding["evidence"]["privilege"]


def test_system_assigned_identity_with_contributor_is_critical(assessed: Assessed) -> None:
    """A VM's own (system-assigned) identity holding Contributor on its resource group is an
    administrative identity: the path runs public IP -> VM -> role assignment."""
    vm = f"{GROUP}/microsoft.compute/virtualmachines/vm-contributor"
    paths = {f["asset_id"]: f["evidence"]["path"] for f in assessed.report["findings"]
             if f["rule_id"] == EXPOSURE}
    assert paths[vm] == [
        f"{GROUP}/microsoft.network/publicipaddresses/vm-contributor-ip", vm,
        f"/subscriptions/{SUBSCRIPTION}/resourcegroups/rg-web/providers/"
        "microsoft.authorization/roleassignments/c0ffee00-0000-4000-8000-000000000000"]


@pytest.mark.parametrize("name", ["vm-reader", "vm-unassigned"])
def test_same_vm_without_an_admin_role_assignment_is_not_exposed(assessed: Assessed,
                                                                 name: str) -> None:
    """Public IP and open NSG alike, but only Reader or no assignment: no exposure finding."""
    assert f"{GROUP}/microsoft.compute/virtualmachines/{name}" not in assessed.flagged(EXPOSURE)
    assert f"{GROUP}/microsoft.compute/virtualmachines/vm-contributor" in \
        assessed.flagged(EXPOSURE)
