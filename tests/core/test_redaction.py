"""Secrets never reach a log line: redaction by key name and by value shape."""

from __future__ import annotations

import base64
import io
import json
import logging
from collections.abc import Callable, Iterator

import pytest
from cloudscope.domain.redaction import REDACTED, is_secret_key, redact, redact_text
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


@pytest.mark.parametrize("key", ["storageAccountKey", "StorageConnectionString", "agent_password",
                                 "managementToken", "image_pull_secret", "enable_secret",
                                 "AWS_SECRET_ACCESS_KEY", "x-api-key", "tls.key", "PGPASSWORD",
                                 "client-key-data", "SecretString", "password_hash"])
def test_secret_key_names_in_every_style(key: str) -> None:
    """camelCase, PascalCase, snake_case, kebab-case, dotted and glued names all count."""
    assert is_secret_key(key)


@pytest.mark.parametrize("key", ["PasswordLastUsed", "KeyId", "MaxSessionDuration", "TokenCount",
                                 "SecretArn", "passwordAuthentication", "DB_PASSWORD_FILE",
                                 "SshPublicKey", "SharedAccessKeyName", "token_uri", "HttpTokens"])
def test_names_of_facts_about_secrets_are_not_secret_names(key: str) -> None:
    """A name whose last word is not a secret (an id, a date, a count, a file) is kept."""
    assert not is_secret_key(key)


def test_numbers_under_secret_keys_are_redacted_and_counts_kept() -> None:
    """A numeric password is a secret; a token count or a duration is not."""
    value = {"password": 123456, "max_tokens": 4096, "MaxSessionDuration": 3600, "pin": True}
    assert redact(value) == {"password": REDACTED, "max_tokens": 4096,
                             "MaxSessionDuration": 3600, "pin": True}


def test_private_key_block_becomes_a_well_formed_block() -> None:
    """The armour lines stay, matched, around a [REDACTED] body; a truncated block is closed."""
    assert redact_text(f"key:\n{PEM}\nnext") == (
        f"key:\n-----BEGIN RSA PRIVATE KEY-----\n{REDACTED}\n-----END RSA PRIVATE KEY-----\nnext")
    truncated = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAA"
    assert redact_text(truncated) == (
        f"-----BEGIN OPENSSH PRIVATE KEY-----\n{REDACTED}\n-----END OPENSSH PRIVATE KEY-----")


def test_url_password_containing_at_signs_is_hidden_whole() -> None:
    """The user info runs to the last @ before the host, as URL parsers read it."""
    assert redact_text("postgresql://user:pa@ss@127.0.0.1:1/db") == \
        f"postgresql://user:{REDACTED}@127.0.0.1:1/db"


def test_json_in_a_string_keeps_its_text_when_nothing_is_secret() -> None:
    """A policy document stored as text comes back byte for byte."""
    text = '{"Statement": [{"Action": "secretsmanager:GetSecretValue", "Effect": "Allow"}]}'
    assert redact_text(text) == text


def test_json_in_a_string_is_redacted_as_structure() -> None:
    """Name/value pairs inside JSON text are found, and the text stays valid JSON."""
    text = json.dumps({"env": [{"name": "DB_PASSWORD", "value": "x1-secret"}]})
    assert json.loads(redact_text(text)) == {"env": [{"name": "DB_PASSWORD", "value": REDACTED}]}


def test_base64_user_data_is_encoded_again_after_redaction() -> None:
    """Base64 user data with a secret stays base64, of the redacted script."""
    script = "#!/bin/sh\nexport DB_PASSWORD=ud-secret-1\n"
    redacted = redact({"UserData": base64.b64encode(script.encode()).decode()})["UserData"]
    assert base64.b64decode(redacted).decode() == f"#!/bin/sh\nexport DB_PASSWORD={REDACTED}\n"


def test_references_to_secrets_are_kept_under_secret_keys() -> None:
    """An ARN or a Key Vault reference names where the secret is; it is not the secret."""
    value = {"password": "arn:aws:secretsmanager:us-east-1:1:secret:db",
             "client_secret": "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/x)"}
    assert redact(value) == value


def test_exceptions_in_log_lines_are_text_and_redacted(log_stream: Callable[[str], io.StringIO]) -> None:
    """A logged traceback, JSON or console, carries neither the message's secret nor locals."""
    for format_name in ("json", "console"):
        stream = log_stream(format_name)
        try:
            password = "Pl4nted-local-value"
            raise ValueError(f"cannot connect to postgresql://app:{password}@db/x")
        except ValueError:
            cloudscope_logging.get_logger("test").error("store.failed", exc_info=True)
        text = stream.getvalue()
        assert "cannot connect to postgresql://app:" in text and "Traceback" in text
        assert "Pl4nted-local-value" not in text


def test_standard_library_records_are_redacted(log_stream: Callable[[str], io.StringIO]) -> None:
    """A library's warning (urllib3, botocore, azure-core) is redacted on its way out."""
    stream = log_stream("json")
    logging.getLogger("urllib3.connectionpool").warning(
        "Retrying after error: %s", "https://acct.blob.core.windows.net/c?sv=1&sig=Pl4ntedSig")
    line = stream.getvalue()
    assert "urllib3.connectionpool: WARNING: Retrying after error" in line
    assert "Pl4ntedSig" not in line and f"sig={REDACTED}" in line


@pytest.fixture
def log_stream() -> Iterator[Callable[[str], io.StringIO]]:
    """``log_stream("json")``: logging configured (info) to a fresh stream, reset afterwards."""

    def configure(format_name: str) -> io.StringIO:
        stream = io.StringIO()
        cloudscope_logging.configure_logging(level="info", format=format_name, stream=stream)
        return stream

    yield configure
    cloudscope_logging.configure_logging()


def test_structures_too_deep_to_walk_are_hidden() -> None:
    """A value nested deeper than redaction walks is replaced, not shown unredacted."""
    value: object = {"password": "deep-secret-1"}
    for _ in range(100):
        value = {"nested": value}
    assert "deep-secret-1" not in json.dumps(redact(value))


def test_store_urls_are_shown_without_their_password() -> None:
    """A store URL in a message hides a password holding @ and spaces, as urlsplit reads it."""
    from cloudscope.application.storage import redact_url

    assert redact_url("postgresql://app:pa@ss w0rd@127.0.0.1:5432/db") == \
        f"postgresql://app:{REDACTED}@127.0.0.1:5432/db"
    assert redact_url("sqlite:///inventory.db") == "sqlite:///inventory.db"
