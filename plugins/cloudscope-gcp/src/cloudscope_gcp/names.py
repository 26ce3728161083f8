"""Full resource names: the ids of GCP assets, and the references that point at them.

Cloud Asset names assets by full resource name (``//compute.googleapis.com/projects/p/
zones/z/instances/i``) while the resources' own JSON points at each other with selfLinks
(``https://www.googleapis.com/compute/v1/projects/...``, also ``beta`` and ``alpha``) or
relative names (``projects/p/global/networks/n``). Relationships need the former.
"""

from __future__ import annotations

import re
from typing import Final

_SELF_LINK: Final = re.compile(
    r"^https://(?:www|compute)\.googleapis\.com/compute/(?:v1|beta|alpha)/(projects/.+)$")
_CRYPTO_KEY: Final = re.compile(
    r"^(?://cloudkms\.googleapis\.com/)?(projects/[^/]+/locations/[^/]+/keyRings/[^/]+/"
    r"cryptoKeys/[^/]+)")
_PROJECT_EMAIL: Final = re.compile(
    r"^[^@]+@([a-z][a-z0-9-]{4,28}[a-z0-9])\.iam\.gserviceaccount\.com$")


def compute_name(reference: str | None) -> str | None:
    """The full name of a Compute Engine reference (selfLink or relative), else None."""
    if not reference:
        return None
    match = _SELF_LINK.match(reference)
    if match:
        return f"//compute.googleapis.com/{match.group(1)}"
    if reference.startswith("//compute.googleapis.com/"):
        return reference
    if reference.startswith("projects/"):
        return f"//compute.googleapis.com/{reference}"
    return None


def network_name(reference: str | None, project: str) -> str | None:
    """A VPC network's full name from a selfLink, a relative name, or a bare name."""
    if reference and "/" not in reference:
        return f"//compute.googleapis.com/projects/{project}/global/networks/{reference}"
    return compute_name(reference)


def crypto_key_name(reference: str | None) -> str | None:
    """A KMS key's full name from a key or key version name (the version is dropped)."""
    match = _CRYPTO_KEY.match(reference or "")
    return f"//cloudkms.googleapis.com/{match.group(1)}" if match else None


def service_account_fallback(email: str, project: str) -> str:
    """The IAM name of a service account not seen in the listing, by its email.

    IAM accepts ``projects/P/serviceAccounts/EMAIL``; Cloud Asset names accounts by unique
    id, so this form is used only when the account was not listed (another project).
    """
    match = _PROJECT_EMAIL.match(email)
    owner = match.group(1) if match else project
    return f"//iam.googleapis.com/projects/{owner}/serviceAccounts/{email}"


def last_segment(name: str) -> str:
    """The last path segment of a resource name (its short name)."""
    return name.rstrip("/").rsplit("/", 1)[-1]
