"""Secrets never reach a log line: redaction by key name and by value shape."""

from __future__ import annotations

import io
import json

import pytest
from cloudscope.domain.redaction import REDACTED, redact, redact_text
from cloudscope.infrastructure import logging as cloudscope_logging

AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\n-----END RSA PRIVATE KEY-----"
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXBhcnQ"


@pytest.mark.parametrize("key", ["password", "client_secret", "AccessToken", "private_key",
                                 "SecretAccessKey", "credentials", "api_key", "Authorization"])
def test_values_under_secret_keys_are_redacted(key: str) -> None:
    """A key named like a secret hides its value."""
    assert redact({key: "s3cr3t-value"}) == {key: REDACTED}


@pytest.mark.parametrize("key", ["AccessKeyId", "token_uri", "PasswordLastUsed", "KeyRotationEnabled",
                                 "HttpTokens", "CreateDate"])
def test_harmless_keys_that_look_secret_are_kept(key: str) -> None:
    """Ids, dates and settings about secrets are not secrets."""
    assert redact({key: "AKIAIOSFODNN7EXAMPLE"}) == {key: "AKIAIOSFODNN7EXAMPLE"}


@pytest.mark.parametrize(("text", "leak"), [
    (f"Authorization: Bearer {JWT}", JWT),
    (f"key file {PEM}", "MIIEowIBAAKCAQEA7"),
    (f"aws_secret_access_key = {AWS_SECRET}", AWS_SECRET),
    ("postgresql://app:hunter2@db.example/prod", "hunter2"),
    ("DefaultEndpointsProtocol=https;AccountName=x;AccountKey=abc123==;", "abc123=="),
    (f"token {JWT} here", JWT),
])
def test_secret_shaped_values_are_redacted_anywhere(text: str, leak: str) -> None:
    """Bearer tokens, PEM keys, AWS secret keys, URL passwords and JWTs are removed from text."""
    assert leak not in redact_text(text)
    assert REDACTED in redact_text(text)


def test_nested_structures_are_redacted_recursively() -> None:
    """Secrets deep in lists and mappings are found."""
    data = {"a": [{"b": {"client_secret": "x"}}, f"Bearer {JWT}"]}
    assert redact(data) == {"a": [{"b": {"client_secret": REDACTED}}, redact_text(f"Bearer {JWT}")]}
    assert JWT not in json.dumps(redact(data))


def test_log_lines_are_json_and_redacted_when_not_a_terminal() -> None:
    """Logs to a non-terminal stream are JSON lines with secrets redacted."""
    stream = io.StringIO()
    cloudscope_logging.configure_logging(level="info", format="auto", stream=stream)
    try:
        log = cloudscope_logging.get_logger("test")
        log.info("token.received", client_secret="abc", header=f"Bearer {JWT}", count=3)
        log.debug("hidden", value=1)
    finally:
        cloudscope_logging.configure_logging()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    event = json.loads(lines[0])
    assert event["event"] == "token.received" and event["count"] == 3
    assert event["client_secret"] == REDACTED
    assert JWT not in lines[0] and event["level"] == "info"
