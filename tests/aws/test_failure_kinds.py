"""AWS errors tell the core's circuit breaker their kind, so that an account whose
credentials expired fails its other scopes at once instead of each retrying."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError
from cloudscope.application.circuit_breaker import FailureKind, classify
from cloudscope_aws.errors import collection_error


def client_error(code: str, status: int) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "m"},
                        "ResponseMetadata": {"HTTPStatusCode": status}}, "DescribeInstances")


@pytest.mark.parametrize(("error", "kind"), [
    (client_error("ExpiredToken", 400), FailureKind.AUTHENTICATION),
    (client_error("InvalidClientTokenId", 403), FailureKind.AUTHENTICATION),
    (client_error("AuthFailure", 401), FailureKind.AUTHENTICATION),
    (client_error("RequestLimitExceeded", 503), FailureKind.THROTTLING),
    (client_error("ThrottlingException", 400), FailureKind.THROTTLING),
    (client_error("InternalError", 500), FailureKind.SERVER_ERROR),
    (client_error("ServiceUnavailable", 503), FailureKind.SERVER_ERROR),
    (NoCredentialsError(), FailureKind.AUTHENTICATION),
    (EndpointConnectionError(endpoint_url="https://ec2.eu-west-1.amazonaws.com"),
     FailureKind.UNREACHABLE),
])
def test_each_failure_is_classified_for_the_breaker(error: Exception, kind: FailureKind) -> None:
    """Credentials refused, throttling left after retries, 5xx and no connection each count."""
    assert classify(collection_error("ec2", error)) is kind


@pytest.mark.parametrize("error", [client_error("AccessDenied", 403),
                                   client_error("UnauthorizedOperation", 403),
                                   client_error("InvalidParameterValue", 400)])
def test_a_denial_or_a_bad_request_is_not_counted(error: Exception) -> None:
    """A denial is specific to one call (an SCP, a policy): it must not fail other scopes."""
    assert classify(collection_error("ec2", error)) is None
