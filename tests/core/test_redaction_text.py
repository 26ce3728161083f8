"""plainly_clean is one-way: a text it answers is one that redaction leaves unchanged.

The rule under test, for every JSON text a store (or any writer) could hold:
``plainly_clean(text) => redact(loads(text)) == loads(text)``; and ``redact_json`` always
answers what the walk gives. Documents mix the redaction corpus's secrets and look-alikes,
escapes, user data (text, base64, gzip), name/value pairs, JSON held in strings, keys of
every class and deep nesting, each written compact (as stores write it), ASCII-escaped
(``\\uXXXX``) and indented.
"""

from __future__ import annotations

import base64
import gzip
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cloudscope.domain.redaction import redact
from cloudscope.domain.redaction_json import plainly_clean, redact_json
from cloudscope.domain.serialization import dumps, loads
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
from redaction_corpus import HARMLESS, PLANTED

WRITERS: dict[str, Callable[[Any], str]] = {
    "compact": dumps,
    "ascii": lambda value: json.dumps(value, ensure_ascii=True),
    "indented": lambda value: json.dumps(value, ensure_ascii=False, indent=1),
}


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _gzip64(text: str) -> str:
    return base64.b64encode(gzip.compress(text.encode())).decode()


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [*value, *(s for item in value.values() for s in _strings(item))]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return [value] if isinstance(value, str) else []


SECRETS = sorted({secret for _, _, secret in PLANTED})
CORPUS_STRINGS = sorted({s for _, value, _ in PLANTED for s in _strings(value)}
                        | {s for _, value in HARMLESS for s in _strings(value)})
KEYS = st.sampled_from([
    # plain, secret, collection, about, user data, name and value keys
    "Name", "State", "InstanceId", "KeyName", "KmsKeyId", "PasswordLastUsed", "SecretArn",
    "password", "DbPassword", "client_secret", "x-api-key", "PGPASSWORD", "SecretString",
    "HttpTokens", "tokens", "apiKeys", "keys", "TokenValidityUnits", "secretKeyRef",
    "UserData", "customData", "user_data", "name", "Name", "key", "Key", "ParameterKey",
    "value", "Value", "ParameterValue", "Environment", "Variables", "Tags", "data",
    # escapes in keys: a secret's word spelt with an escape, a line break, a quote
    "db_\u0070assword", "user\ndata", 'say "key"', "back\\slash", "é", "",
]) | st.text(max_size=10)
SCALARS = (
    st.sampled_from(SECRETS) | st.sampled_from(CORPUS_STRINGS)
    | st.sampled_from([
        "", "arn:aws:secretsmanager:us-east-1:1:secret:db", "true", "16", "a\nb", 'q"uote',
        "C:\\temp\\x", "tab\there", "\u2028", "\x01", "é", "https:/" + "/u:Pl4ntedPw@h/x",
        "#!/bin/bash\nyum install -y nginx\n", _b64("#!/bin/bash\nyum install -y httpd\n"),
        _b64("#!/bin/bash\nexport DB_PASSWORD=b64-Pl4nted\n"),
        _gzip64("#!/bin/bash\nexport API_TOKEN=gz-Pl4nted\n"), _gzip64("echo hello world\n"),
        json.dumps({"password": "json-Pl4nted"}), json.dumps([{"Key": "a", "Value": "b"}]),
        " [1]", "\n{\"a\": 1}", "DB_PASSWORD", "API_TOKEN", "ops-keypair",
        "vol-00000000000002710", "HttpPutResponseHopLimitX",
    ])
    | st.none() | st.booleans() | st.integers(-10**6, 10**6)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20)
)


def _pairs(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Name/value pairs as AWS tags, ECS env and CloudFormation parameters write them."""
    return st.builds(
        lambda name_key, name, value_key, value: {name_key: name, value_key: value},
        st.sampled_from(["name", "Name", "Key", "key", "ParameterKey"]),
        st.sampled_from(["DB_PASSWORD", "db-password", "env", "API_TOKEN", "Team"]),
        st.sampled_from(["value", "Value", "ParameterValue"]), children)


DOCUMENTS = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(KEYS, children, max_size=5) | _pairs(children),
    max_leaves=24)


def _deep(value: Any, levels: int) -> Any:
    for _ in range(levels):
        value = [value]
    return value


def _check(document: Any, write: Callable[[Any], str]) -> None:
    text = write(document)
    expected = redact(document)
    if plainly_clean(text):
        assert expected == document, text
    assert loads(redact_json(text)[0]) == expected


@pytest.mark.parametrize("writer", sorted(WRITERS))
@settings(max_examples=600, deadline=None)
@given(document=st.dictionaries(KEYS, DOCUMENTS, max_size=6))
def test_a_plainly_clean_text_is_one_redaction_keeps(writer: str, document: Any) -> None:
    """For generated documents, written in every style: plainly clean implies unchanged by
    the walk, and redact_json answers what the walk gives."""
    _check(document, WRITERS[writer])


@pytest.mark.parametrize("writer", sorted(WRITERS))
@settings(max_examples=150, deadline=None)
@given(document=DOCUMENTS, levels=st.integers(55, 70))
def test_deep_documents_are_judged_as_the_walk_judges_them(writer: str, document: Any,
                                                           levels: int) -> None:
    """Nesting around the walk's depth limit: containers it hides are never answered."""
    _check({"deep": _deep(document, levels)}, WRITERS[writer])


@pytest.mark.parametrize("writer", sorted(WRITERS))
@pytest.mark.parametrize(("value", "secret"), [case[1:] for case in PLANTED],
                         ids=[case[0] for case in PLANTED])
def test_no_planted_secret_is_answered_in_any_writing(writer: str, value: Any,
                                                      secret: str) -> None:
    """Every planted secret of the corpus, in every style of writing and beside a user data
    script with line breaks (escapes), is walked and redacted."""
    document = {"UserData": "#!/bin/bash\nyum install -y nginx\n", "HttpTokens": "required",
                "item": value}
    text = WRITERS[writer](document)
    assert not plainly_clean(text)
    assert secret not in redact_json(text)[0]


@pytest.mark.parametrize("writer", sorted(WRITERS))
@pytest.mark.parametrize("value", [case[1] for case in HARMLESS],
                         ids=[case[0] for case in HARMLESS])
def test_look_alikes_are_answered_as_the_walk_answers(writer: str, value: Any) -> None:
    """Every harmless look-alike of the corpus: the answer is the walk's (unchanged)."""
    _check({"UserData": "#!/bin/bash\nyum install -y nginx\n", "item": value},
           WRITERS[writer])


@pytest.mark.parametrize(("document", "clean"), [
    ({"HttpTokens": "required", "HttpPutResponseHopLimit": 2}, True),
    ({"HttpTokens": ["ghp-like-Pl4nted"]}, False),  # items of a collection are secrets
    ({"tokens": {"value": "x"}}, False),
    ({"UserData": _b64("#!/bin/bash\nyum install -y httpd\n")}, True),
    ({"UserData": _b64("#!/bin/bash\nexport DB_PASSWORD=b64-Pl4nted\n")}, False),
    ({"UserData": _gzip64("#!/bin/bash\nexport API_TOKEN=gz-Pl4nted\n")}, False),
    ({"UserData": ["echo a", "echo b"]}, False),
    ({"password": ""}, True),
    ({"password": "arn:aws:secretsmanager:us-east-1:1:secret:db"}, True),
    ({"password": None, "DbPassword": False}, True),
    ({"password": 1234}, False),
    ({"password": "true"}, False),  # a string, not the literal: hidden
    ({"Tags": [{"Key": "Name", "Value": "web-1"}]}, True),
    ({"Tags": [{"Key": "db-password", "Value": "tag-Pl4nted"}]}, False),
    ({"TokenValidityUnits": {"AccessToken": "hours"}}, False),  # walked: ABOUT over a mapping
    ({"KeyName": "ops-keypair", "KmsKeyId": "arn:aws:kms:us-east-1:1:key/1"}, True),
])
def test_each_branch_of_the_walk(document: dict[str, Any], clean: bool) -> None:
    """Each class of key over each kind of value, answered as the walk answers it."""
    for write in WRITERS.values():
        text = write(document)
        assert plainly_clean(text) is clean, text
        assert loads(redact_json(text)[0]) == redact(document)
