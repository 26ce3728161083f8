"""The read-only permissions the GCP collector uses, for a custom role (docs/gcp.md).

``roles/cloudasset.viewer`` on the ``--scope`` node holds both; a custom role with exactly
these is enough (tests/gcp/test_hierarchy.py runs a collection with nothing more).

    python -m cloudscope_gcp.permissions    # the custom role, as gcloud takes it (YAML)
"""

from __future__ import annotations

from typing import Final

ROLE: Final = "roles/cloudasset.viewer"

PERMISSIONS: Final = (
    # assets.list with contentType=RESOURCE: the resources and the project list of plan().
    "cloudasset.assets.listResource",
    # assets.list with contentType=IAM_POLICY: without it, resources are still collected
    # and their policies recorded as unavailable.
    "cloudasset.assets.listIamPolicy",
)
"""What every collection calls, on the organization, folder or project given to --scope."""

IMPERSONATION_PERMISSION: Final = "iam.serviceAccounts.getAccessToken"
"""Only with --impersonate-service-account, on that account
(``roles/iam.serviceAccountTokenCreator``)."""


def custom_role() -> str:
    """A custom role definition for ``gcloud iam roles create --file``."""
    lines = ["title: CloudScope reader", "description: Read-only inventory through Cloud Asset",
             "stage: GA", "includedPermissions:"]
    lines += [f"- {permission}" for permission in PERMISSIONS]
    return "\n".join(lines)


if __name__ == "__main__":
    print(custom_role())
