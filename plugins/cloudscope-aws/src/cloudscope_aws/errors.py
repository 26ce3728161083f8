"""botocore errors as one readable line for a scope's ``error`` in the run summary.

``s3 ListBuckets: AccessDenied Access Denied`` says which call failed and why; nothing
from the request (credentials, signatures) is included, and the core redacts the line
again before storing it. EC2's ``Encoded authorization failure message`` (kilobytes of
base64 that only ``sts:DecodeAuthorizationMessage`` can read) is left out.
"""

from __future__ import annotations

import re
from typing import Final

from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    ProfileNotFound,
)
from botocore.retries.standard import ThrottledRetryableChecker
from cloudscope.api import CollectionError

_NO_CREDENTIALS_HINT = ("set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, log in "
                        "with `aws sso login`, or pass --profile")
DENIED_CODES: Final = frozenset({
    "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError",
    "AllAccessDisabled",
})
"""Error codes meaning "these credentials may not do this" across AWS's services (S3 and
IAM, the JSON services, EC2, SNS-style query services, a disabled S3 account)."""
AUTHENTICATION_CODES: Final = frozenset({
    "ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "UnrecognizedClientException",
    "AuthFailure", "SignatureDoesNotMatch", "InvalidAccessKeyId", "RequestExpired",
    "InvalidToken", "TokenRefreshRequired",
})
"""Error codes meaning the credentials themselves are refused: every call of the account
will fail the same way (the core's circuit breaker then fails the account's other scopes)."""
# botocore's own list of throttling codes, so that the breaker and the SDK's retries agree.
THROTTLING_CODES: Final = frozenset(getattr(ThrottledRetryableChecker, "_THROTTLED_ERROR_CODES",
                                            ("Throttling", "ThrottlingException",
                                             "RequestLimitExceeded", "SlowDown")))
_ENCODED: Final = re.compile(r"\s*Encoded authorization failure message:.*$", re.S | re.I)
_SCP: Final = re.compile(r"service control polic", re.I)
_HTML: Final = re.compile(r"^\s*<(!doctype|html)", re.I)
_TITLE: Final = re.compile(r"<title>([^<]*)</title>", re.I)
_MAX_MESSAGE: Final = 300


def error_code(error: ClientError) -> str:
    """The AWS error code of a client error (``AccessDenied``)."""
    return str(error.response.get("Error", {}).get("Code") or "Unknown")


def is_denied(error: BaseException) -> bool:
    """Whether ``error`` is AWS refusing the call to these credentials."""
    return isinstance(error, ClientError) and error_code(error) in DENIED_CODES


_UNSUPPORTED_CODES: Final = frozenset({"404", "501", "NotImplemented", "InvalidAction",
                                      "UnknownOperationException"})


def is_unsupported(error: BaseException) -> bool:
    """Whether ``error`` says the endpoint has no such operation: AWS's own codes for an
    unknown action, or a bare 404 or 501 without an AWS error body (an emulator, or a
    private endpoint of an older service version)."""
    return isinstance(error, ClientError) and error_code(error) in _UNSUPPORTED_CODES


def is_scp_denial(error: BaseException) -> bool:
    """Whether ``error`` is a denial that AWS attributes to a service control policy (its
    message says "explicit deny in a service control policy" or "no service control
    policy allows")."""
    return isinstance(error, ClientError) and is_denied(error) and \
        bool(_SCP.search(_message(error)))


def _message(error: ClientError) -> str:
    text = str((error.response.get("Error") or {}).get("Message") or "")
    if _HTML.match(text):
        # An HTML page instead of an AWS error (a proxy, an emulator): its title says enough.
        title = _TITLE.search(text)
        text = title.group(1) if title else ""
    return _short(" ".join(_ENCODED.sub("", text).split()))


def _short(text: str) -> str:
    return text if len(text) <= _MAX_MESSAGE else text[:_MAX_MESSAGE - 3] + "..."


def denial(service: str, error: ClientError) -> str:
    """A denied call in a few words, for ``properties._unavailable``:
    ``s3 GetBucketPolicy: AccessDenied``."""
    return f"{service} {error.operation_name}: {error_code(error)}"


def failure_kind(error: BaseException) -> str | None:
    """What the core's circuit breaker counts this failure as (docs/plugins.md), or None."""
    if isinstance(error, ClientError):
        code = error_code(error)
        status = int((error.response.get("ResponseMetadata") or {}).get("HTTPStatusCode") or 0)
        if code in AUTHENTICATION_CODES:
            return "authentication"
        if code in THROTTLING_CODES or status == 429:
            return "throttling"
        return "server-error" if status >= 500 else None
    if isinstance(error, NoCredentialsError):
        return "authentication"
    if isinstance(error, EndpointConnectionError):
        return "unreachable-endpoint"
    return None


def collection_error(service: str, error: Exception, *,
                     region: str | None = None) -> CollectionError:
    """A :class:`CollectionError` naming ``service``, the operation and the AWS error;
    a denial says in which region, and whether a service control policy denies it. Its
    ``failure_kind`` tells the core's circuit breaker what kind of failure it is."""
    failure = _collection_error(service, error, region=region)
    failure.failure_kind = failure_kind(error)  # type: ignore[attr-defined]
    return failure


def _collection_error(service: str, error: Exception, *,
                      region: str | None = None) -> CollectionError:
    if isinstance(error, ClientError):
        where = f" in {region}" if region and is_denied(error) else ""
        line = f"{service} {error.operation_name}{where}: {error_code(error)} {_message(error)}"
        hint = ("a service control policy of the organization denies it: leave the region "
                "out with --region" if region and is_scp_denial(error) else None)
        return CollectionError(line.rstrip(), hint=hint)
    if isinstance(error, NoCredentialsError):
        return CollectionError(f"{service}: no AWS credentials found", hint=_NO_CREDENTIALS_HINT)
    if isinstance(error, EndpointConnectionError):
        return CollectionError(f"{service}: cannot connect to {error.kwargs.get('endpoint_url')}")
    if isinstance(error, ProfileNotFound):
        return CollectionError(f"{service}: {error}")
    first = str(error).split("\n", 1)[0]
    return CollectionError(f"{service}: {type(error).__name__}: {_short(first)}")
