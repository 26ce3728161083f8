"""Change tracking on a project collected from the Cloud Asset fake by the real CLI:
collect, assess, collect again with only the GKE cluster's node count moved, then open the
SSH firewall to the internet, grant ``allUsers`` on a bucket, delete an instance and label
another; collect, assess, and read the exact change stream.
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
from cloudscope.testing.change_log_contract import summarize
from gcp_estate import standard_estate
from gcp_fake import FakeGcp, serve

from tests.gcp.conftest import collection_environment, write_key_file

PROJECT = "projects/alpha-prod"


@dataclass
class Story:
    """The estate's names and the changes read after the story."""

    names: dict[str, str]
    unchanged: list[dict[str, Any]]
    changes: list[dict[str, Any]]


@pytest.fixture(scope="module")
def story(service_account_key: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Story]:
    """Collected, assessed, collected unchanged, changed, collected and assessed again."""
    home = tmp_path_factory.mktemp("changes-gcp")
    db = f"sqlite:///{home / 'inventory.db'}"
    state = FakeGcp(public_keys={service_account_key.key_id: service_account_key.public_pem})
    with serve(state) as fake:
        estate = standard_estate(fake)
        names = estate.names
        firewall = fake.served(names["fw_ssh"])["resource"]["data"]
        firewall["sourceRanges"] = ["10.0.0.0/8"]
        cluster = fake.served(names["cluster"])["resource"]["data"]
        cluster["currentNodeCount"] = 3
        key_file = write_key_file(home / "key.json", service_account_key, fake.token_uri)
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("CLOUDSCOPE_", "GOOGLE_", "CLOUDSDK_"))}
        env.update(collection_environment(fake, key_file, home))

        def cloudscope(*args: str) -> str:
            done = subprocess.run([sys.executable, "-m", "cloudscope", *args, "--db", db],
                                  env=env, cwd=home, capture_output=True, text=True,
                                  timeout=300, check=False)
            assert done.returncode == 0, done.stderr
            return done.stdout

        def changes(since: str) -> list[dict[str, Any]]:
            return [json.loads(line) for line in cloudscope(
                "changes", "--since", since, "--format", "jsonl").splitlines()]

        cloudscope("collect", "gcp", "--scope", PROJECT)
        first = json.loads(cloudscope("assess", "--format", "json"))["run_id"]
        cluster["currentNodeCount"] = 5
        cloudscope("collect", "gcp", "--scope", PROJECT)
        unchanged = changes(first)
        firewall["sourceRanges"] = ["0.0.0.0/0"]
        policy = fake.served(names["private_bucket"], iam_policy=True)["iamPolicy"]
        policy["bindings"].append({"role": "roles/storage.objectViewer", "members": ["allUsers"]})
        fake.remove_asset(names["db"])
        fake.served(names["web"])["resource"]["data"]["labels"]["owner"] = "alice"
        cloudscope("collect", "gcp", "--scope", PROJECT)
        cloudscope("assess")
        yield Story(names, unchanged, changes(first))


def test_a_moved_node_count_is_no_change(story: Story) -> None:
    """currentNodeCount moves by itself (declared volatile): collecting again records
    nothing."""
    assert story.unchanged == []


def test_the_change_stream_is_exactly_what_was_done(story: Story) -> None:
    """The firewall's source range, the bucket's policy and the label are modifications
    with their paths; the deleted instance is removed (its own relationships with it), and
    those of others to it go; the assessment found the firewall and the bucket newly
    risky."""
    n = story.names
    collection = sorted(summarize(c) for c in story.changes
                        if not c["run_id"].startswith("assess-"))
    assert collection == sorted([
        ("modified", n["fw_ssh"], [("properties.sourceRanges[0]", "10.0.0.0/8", "0.0.0.0/0")]),
        ("modified", n["web"], [("tags.owner", None, "alice"),
                                ("properties.labels.owner", None, "alice")]),
        ("modified", n["private_bucket"], [("properties.iamPolicy.bindings[1]", None, {
            "role": "roles/storage.objectViewer", "members": ["allUsers"]})]),
        ("removed", n["db"], None),
        ("relationship-removed", "//cloudresourcemanager.googleapis.com/projects/100000000001",
         ("CONTAINS", n["db"])),
        ("relationship-removed", n["db_disk"], ("ATTACHED_TO", n["db"])),
    ])
    findings = [(c["change"], c["asset_id"], c["finding"]["rule_id"], c["finding"]["severity"])
                for c in story.changes if c["finding"]]
    assert findings == [
        ("finding-new", n["fw_ssh"], "gcp.compute.firewall-admin-ports-open", "high"),
        ("finding-new", n["private_bucket"], "gcp.storage.bucket-public", "high")]


def test_each_finding_change_names_its_cause(story: Story) -> None:
    """Each new finding cites the modification of its asset, which names it back."""
    by_id = {c["id"]: c for c in story.changes}
    for finding in (c for c in story.changes if c["finding"]):
        (cause,) = [by_id[i] for i in finding["caused_by"]]
        assert (cause["change"], cause["asset_id"]) == ("modified", finding["asset_id"])
        assert [f["id"] for f in cause["findings"]] == [finding["id"]]
