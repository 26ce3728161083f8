"""Change tracking on a subscription collected from the Resource Manager fake by the real
CLI: collect, assess, collect again with only the database's restore point moved, then
open the NSG to the internet, allow anonymous blob access, delete the virtual machine and
tag the key vault; collect, assess, and read the exact change stream.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from arm_fake import FakeAzure
from cloudscope.testing.change_log_contract import summarize
from estate import populate

from tests.azure.conftest import cli_environment

SUBSCRIPTION = "77777777-6666-4555-8444-333333333333"
GROUP = f"/subscriptions/{SUBSCRIPTION}/resourcegroups/rg-web/providers"
VM = f"{GROUP}/microsoft.compute/virtualmachines/vm1"
NSG = f"{GROUP}/microsoft.network/networksecuritygroups/nsg-web"
STORAGE = f"{GROUP}/microsoft.storage/storageaccounts/sto4445"
VAULT = f"{GROUP}/microsoft.keyvault/vaults/sample-vault"
NIC = f"{GROUP}/microsoft.network/networkinterfaces/nic1"


def body(fake: FakeAzure, name: str) -> dict[str, Any]:
    """The served body of the resource called ``name`` (edited in place by the story)."""
    return next(b for bodies in fake.collections.values() for b in bodies if b.get("name") == name)


def without(fake: FakeAzure, name: str) -> None:
    """Stop serving the resource called ``name``, as ARM does once it is deleted."""
    for bodies in fake.collections.values():
        bodies[:] = [b for b in bodies if b.get("name") != name]


@dataclass
class Story:
    """The changes read after the story."""

    unchanged: list[dict[str, Any]]
    changes: list[dict[str, Any]]


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Story]:
    """Collected, assessed, collected unchanged, changed, collected and assessed again."""
    home = tmp_path_factory.mktemp("changes-azure")
    db = f"sqlite:///{home / 'inventory.db'}"
    with FakeAzure(home) as fake:
        populate(fake, SUBSCRIPTION, "Changes")
        rule = body(fake, "nsg-web")["properties"]["securityRules"][0]["properties"]
        rule["sourceAddressPrefix"] = "10.0.0.0/8"
        body(fake, "sto4445")["properties"]["allowBlobPublicAccess"] = False
        database = body(fake, "testdb")["properties"]
        database["earliestRestoreDate"] = "2024-05-01T00:00:00Z"
        env = cli_environment(fake, home / "home")

        def cloudscope(*args: str) -> str:
            done = subprocess.run([sys.executable, "-m", "cloudscope", *args, "--db", db],
                                  env=env, cwd=home, capture_output=True, text=True,
                                  timeout=300, check=False)
            assert done.returncode == 0, done.stderr
            return done.stdout

        def changes(since: str) -> list[dict[str, Any]]:
            return [json.loads(line) for line in cloudscope(
                "changes", "--since", since, "--format", "jsonl").splitlines()]

        cloudscope("collect", "azure", "--subscription", SUBSCRIPTION)
        first = json.loads(cloudscope("assess", "--format", "json"))["run_id"]
        database["earliestRestoreDate"] = "2024-05-01T00:05:00Z"
        cloudscope("collect", "azure", "--subscription", SUBSCRIPTION)
        unchanged = changes(first)
        rule["sourceAddressPrefix"] = "*"
        body(fake, "sto4445")["properties"]["allowBlobPublicAccess"] = True
        without(fake, "vm1")
        body(fake, "sample-vault")["tags"] = {"owner": "alice"}
        cloudscope("collect", "azure", "--subscription", SUBSCRIPTION)
        cloudscope("assess")
        yield Story(unchanged, changes(first))


def test_a_moved_restore_point_is_no_change(story: Story) -> None:
    """earliestRestoreDate moves by itself (declared volatile): collecting again records
    nothing."""
    assert story.unchanged == []


def test_the_change_stream_is_exactly_what_was_done(story: Story) -> None:
    """The NSG rule, the storage flag and the vault's tag are modifications with their
    paths; the deleted VM is removed (its own relationships with it), and the relationships
    of others to it go (its resource group's, its network interface's); the assessment found
    the NSG
    and the storage account newly risky (the VM had no finding: its NSG was closed)."""
    collection = sorted(summarize(c) for c in story.changes
                        if not c["run_id"].startswith("assess-"))
    assert collection == sorted([
        ("modified", NSG, [("properties.properties.securityRules[0].properties.sourceAddressPrefix",
                            "10.0.0.0/8", "*")]),
        ("modified", STORAGE, [("properties.properties.allowBlobPublicAccess", False, True)]),
        ("modified", VAULT, [("tags.owner", None, "alice"),
                             ("properties.tags.owner", None, "alice")]),
        ("removed", VM, None),
        ("relationship-removed", GROUP.rsplit("/", 1)[0], ("CONTAINS", VM)),
        ("relationship-removed", NIC, ("ATTACHED_TO", VM))])
    findings = sorted((c["change"], c["asset_id"], c["finding"]["rule_id"])
                      for c in story.changes if c["finding"])
    assert findings == sorted([
        ("finding-new", NSG, "azure.network.nsg-admin-ports-open"),
        ("finding-new", STORAGE, "azure.storage.blob-public-access")])


def test_each_finding_change_names_its_cause(story: Story) -> None:
    """Each new finding cites the modification of its asset, and that modification names
    the finding it brought."""
    by_id = {c["id"]: c for c in story.changes}
    causes = {(c["change"], c["asset_id"]): sorted((by_id[i]["change"], by_id[i]["asset_id"])
                                                   for i in c["caused_by"])
              for c in story.changes if c["finding"]}
    assert causes[("finding-new", NSG)] == [("modified", NSG)]
    assert causes[("finding-new", STORAGE)] == [("modified", STORAGE)]
    brought = {c["asset_id"]: [f["rule_id"] for f in c["findings"]]
               for c in story.changes if c["change"] == "modified"}
    assert brought == {NSG: ["azure.network.nsg-admin-ports-open"],
                       STORAGE: ["azure.storage.blob-public-access"], VAULT: []}
