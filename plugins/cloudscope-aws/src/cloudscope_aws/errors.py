"""botocore errors as one readable line for a scope's ``error`` in the run summary.

``s3 ListBuckets: AccessDenied Access Denied`` says which call failed and why; nothing
from the request (credentials, signatures) is included, and the core redacts the line
again before storing it.
"""

from __future__ import annotations

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    ProfileNotFound,
)
from cloudscope.api import CollectionError

_NO_CREDENTIALS_HINT = ("set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, log in "
                        "with `aws sso login`, or pass --profile")


def collection_error(service: str, error: Exception) -> CollectionError:
    """A :class:`CollectionError` naming ``service``, the operation and the AWS error."""
    if isinstance(error, ClientError):
        details = error.response.get("Error") or {}
        code = details.get("Code") or "Unknown"
        message = " ".join(str(details.get("Message") or "").split())
        return CollectionError(f"{service} {error.operation_name}: {code} {message}".rstrip())
    if isinstance(error, NoCredentialsError):
        return CollectionError(f"{service}: no AWS credentials found", hint=_NO_CREDENTIALS_HINT)
    if isinstance(error, EndpointConnectionError):
        return CollectionError(f"{service}: cannot connect to {error.kwargs.get('endpoint_url')}")
    if isinstance(error, ProfileNotFound):
        return CollectionError(f"{service}: {error}")
    if isinstance(error, BotoCoreError):
        return CollectionError(f"{service}: {type(error).__name__}: {error}")
    return CollectionError(f"{service}: {type(error).__name__}: {error}")
