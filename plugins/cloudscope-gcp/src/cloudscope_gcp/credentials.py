"""Credentials: Google application default credentials, optionally impersonating an account.

``google.auth.default`` covers a service-account key file (``GOOGLE_APPLICATION_CREDENTIALS``),
gcloud user credentials, workload identity federation configurations and the metadata
server. Key material stays inside google-auth: errors are reduced to their first line and
redacted before they reach a message.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

from cloudscope.api import ConfigError, UsageError, redact_text

if TYPE_CHECKING:
    from google.auth.credentials import Credentials

CLOUD_PLATFORM: Final = "https://www.googleapis.com/auth/cloud-platform"
_EMAIL: Final = re.compile(r"^[^@\s/]+@[^@\s/]+\.[a-z]{2,}$")


def load_credentials(impersonate: str | None = None,
                     iam_credentials_endpoint: str | None = None) -> Credentials:
    """Application default credentials scoped to ``cloud-platform``.

    ``impersonate`` (a service account email) wraps them in impersonated credentials: the
    caller needs ``roles/iam.serviceAccountTokenCreator`` on that account. No network call
    is made here (tokens are fetched on the first API request), except the metadata
    server probe that ``google.auth.default`` does when nothing else is configured.
    """
    import google.auth
    from google.auth import exceptions

    try:
        credentials, _project = google.auth.default(scopes=[CLOUD_PLATFORM])
    except exceptions.DefaultCredentialsError as error:
        raise ConfigError(
            f"no usable Google application default credentials: {describe_auth_error(error)}",
            hint="set GOOGLE_APPLICATION_CREDENTIALS to a key or federation file, or run "
                 "`gcloud auth application-default login`") from None
    if impersonate is None:
        return credentials
    if not _EMAIL.match(impersonate):
        raise UsageError(f"--impersonate-service-account {impersonate!r}: expected a service "
                         "account email such as reader@my-project.iam.gserviceaccount.com")
    from google.auth import impersonated_credentials

    override = None
    if iam_credentials_endpoint:
        override = (f"{iam_credentials_endpoint}/v1/projects/-/serviceAccounts/"
                    f"{impersonate}:generateAccessToken")
    return impersonated_credentials.Credentials(
        source_credentials=credentials, target_principal=impersonate,
        target_scopes=[CLOUD_PLATFORM], iam_endpoint_override=override)


def default_project() -> str | None:
    """The project of the application default credentials, if they name one."""
    import google.auth
    from google.auth import exceptions

    try:
        return google.auth.default(scopes=[CLOUD_PLATFORM])[1]
    except exceptions.DefaultCredentialsError:
        return None


def describe_auth_error(error: BaseException) -> str:
    """One redacted line for a google-auth error (its arguments may carry response bodies)."""
    text = " ".join(str(part) for part in getattr(error, "args", ()) if part).strip()
    first = text.splitlines()[0] if text else type(error).__name__
    return redact_text(first)[:300]
