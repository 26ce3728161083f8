"""redact_json: stored JSON text answered as it is only when redaction could not change it."""

from __future__ import annotations

import sys
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

CORPUS = [(label, value) for label, value, _ in PLANTED] + list(HARMLESS)


def _document(value: Any) -> Any:
    """A corpus value as a store holds properties: an object (scalars wrapped)."""
    return value if isinstance(value, dict | list) else {"value": value, "note": value}


@pytest.mark.parametrize("value", [case[1] for case in CORPUS], ids=[c[0] for c in CORPUS])
def test_redact_json_equals_redacting_the_parsed_value(value: Any) -> None:
    """Over the whole redaction corpus, the text answered parses to what redact() gives."""
    text = dumps(_document(value))
    (answered,) = redact_json(text)
    assert loads(answered) == redact(_document(value))


@pytest.mark.parametrize("value", [case[1] for case in PLANTED], ids=[c[0] for c in PLANTED])
def test_no_planted_secret_is_plainly_clean(value: Any) -> None:
    """Every document holding a planted secret takes the full redaction."""
    assert not plainly_clean(dumps(_document(value)))


def test_ordinary_properties_are_answered_as_stored() -> None:
    """An instance's properties with nothing secret-like go out as the stored text."""
    text = dumps({"InstanceId": "i-0123456789abcdef0", "InstanceType": "m5.large",
                  "State": {"Code": 16, "Name": "running"}, "PrivateIpAddress": "10.0.3.7",
                  "SubnetId": "subnet-0a1b2c3d4e5f67890", "Monitoring": {"State": "disabled"},
                  "SecurityGroups": [{"GroupId": "sg-0123456789abcdef0"}]})
    assert plainly_clean(text)
    assert redact_json(text, '{"env":"prod"}') == [text, '{"env":"prod"}']


def test_a_pair_is_redacted_one_by_one_when_either_may_hold_a_secret() -> None:
    """Tags and properties tested together; when one may hold a secret each is judged
    alone, and the clean one is still answered as stored."""
    tags, properties = '{"env":"prod"}', dumps({"DbPassword": "hunter2-Pl4nted"})
    assert redact_json(tags, properties) == [tags, '{"DbPassword":"[REDACTED]"}']


def test_containers_deeper_than_the_walk_are_hidden_as_it_hides_them() -> None:
    """Nesting beyond the walk's depth limit is not answered as stored."""
    deep: Any = "x"
    for _ in range(70):
        deep = [deep]
    text = dumps({"deep": deep})
    assert not plainly_clean(text)
    assert loads(redact_json(text)[0]) == redact({"deep": deep})
    wide = dumps({"items": [[{"a": 1}] for _ in range(80)]})
    assert plainly_clean(wide)


def test_text_a_store_could_not_have_written_is_never_answered_as_stored() -> None:
    """NaN, escapes that do not decode, unbalanced quotes and NUL take the full path, which
    refuses what is not JSON."""
    for text in ('{"ratio":NaN}', '{"line":"a\\xb"}', '{"line":"\\ud800"}', '{"a":"b}',
                 '{"a\\"":"b\u0000"}'):
        assert not plainly_clean(text), text
        with pytest.raises(ValueError):
            redact_json(text)


def test_escapes_are_read_as_decoded() -> None:
    """A text with escapes is answered as stored when its decoded strings are clean, and
    walked when an escape spells a secret's word or a marker."""
    assert plainly_clean('{"line":"a\\nb","path":"C:\\\\x","quote":"say \\"hi\\""}')
    hidden = '{"db_\\u0070assword":"hunter2-Pl4nted","note":"x"}'
    assert not plainly_clean(hidden)
    assert "hunter2" not in redact_json(hidden)[0]
    url = '{"endpoint":"https:\\/\\/u:Pl4ntedPw@db.example\\/x"}'
    assert not plainly_clean(url)
    assert "Pl4ntedPw" not in redact_json(url)[0]


WORDS = st.sampled_from([
    "Name", "State", "UserData", "custom_data", "KeyName", "ConnectionString", "value",
    "Value", "DB_PASSWORD", "password", "tokens", "PasswordLastUsed", "SecretArn", "id",
    "https://u:pw@host/x", "Bearer abcdefghijk", "ghp_" + "A" * 36, "xoxb-1234567890-abc",
    "-----BEGIN RSA PRIVATE KEY-----", "AKIAIOSFODNN7EXAMPLE", "arn:aws:iam::1:role/r",
    "subnet-0a1b2c3d4e5f67890", "PASSWORD=hunter2", '{"password": "x"}', " [1]", "a b",
    "glpat-abcdefghijklmnopqrstu", "10.0.0.1", "eu-west-1", "sig", "dapi" + "a" * 32,
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abc_defghijklmnopqrstuvw", "é", "user-data", "Authorization",
])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | WORDS | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(WORDS | st.text(max_size=12), children, max_size=4),
    max_leaves=20)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(WORDS, JSON, max_size=5))
def test_generated_documents_redact_as_the_walk_does(document: dict[str, Any]) -> None:
    """For any document: the answer parses to redact()'s, and a plainly clean text is one
    redaction leaves unchanged."""
    text = dumps(document)
    assert loads(redact_json(text)[0]) == redact(document)
    if plainly_clean(text):
        assert redact(document) == document


def test_the_sample_estate_redacts_as_the_walk_does() -> None:
    """Every asset of the sample estate: the answer parses to redact()'s; those whose text
    names a secret's word only in a plain key or value (a volume's KmsKeyId ARN, an
    instance profile) or in a key whose scalar the walk keeps (HttpTokens, UserData) are
    answered as stored."""
    estate = loads((Path(__file__).parents[2] / "examples" / "estate" / "estate.json")
                   .read_text(encoding="utf-8"))
    by_type: dict[str, list[bool]] = {}
    for asset in estate["assets"]:
        for part in (asset.get("tags", {}), asset.get("properties", {})):
            text = dumps(part)
            assert loads(redact_json(text)[0]) == redact(part)
        text = dumps(asset.get("properties", {}))
        by_type.setdefault(asset["asset_type"], []).append(plainly_clean(text))
    encrypted = next(a for a in estate["assets"] if "KmsKeyId" in a.get("properties", {}))
    assert plainly_clean(dumps(encrypted["properties"]))
    assert all(by_type["aws:ec2:instance"])


@pytest.mark.parametrize("value", [case[1] for case in PLANTED], ids=[c[0] for c in PLANTED])
def test_an_answer_given_again_is_still_redacted(value: Any) -> None:
    """The second answer for the same texts (from the cache of recent answers) is the
    first one: every planted secret stays redacted, and the caller's list is its own."""
    tags, properties = '{"env":"prod"}', dumps(_document(value))
    first = redact_json(tags, properties)
    first.append("changed by the caller")
    again = redact_json(tags, properties)
    assert again == first[:2]
    assert loads(again[1]) == redact(_document(value))


def test_texts_split_differently_are_not_confused() -> None:
    """The cache tells the texts apart, not their concatenation: each call answers its
    own texts."""
    assert redact_json("[1]", "[2,3]") == ["[1]", "[2,3]"]
    assert redact_json("[1][2", ",3]") == ["[1][2", ",3]"]


def test_a_long_text_is_redacted_without_being_remembered() -> None:
    """Texts over the cache's length are tested every time (the cache stays small)."""
    from cloudscope.domain import redaction_json

    text = dumps({"Description": "x" * 2_000, "DbPassword": "hunter2-Pl4nted"})
    assert "hunter2" not in redact_json(text)[0]
    assert (text,) not in redaction_json._VERDICTS


def test_every_word_of_a_secret_key_is_one_the_text_test_looks_for() -> None:
    """plainly_clean answers without classifying a string that holds none of its words: every
    noun that names a secret, every plural collection and the glued forms must hold one."""
    from cloudscope.domain import secret_keys
    from cloudscope.domain.redaction_json import may_name_secret

    words = {*secret_keys.SECRET_NOUNS, *secret_keys._PLURAL_COLLECTIONS, "connectionstring",
             *(f"{qualifier}key" for qualifier in secret_keys.KEY_QUALIFIERS)}
    assert sorted(word for word in words if not may_name_secret(word)) == []


@pytest.mark.parametrize("value_key", ["value", "Value", "ParameterValue"])
def test_each_value_key_of_a_pair_naming_a_secret_is_hidden_and_never_plainly_clean(
        value_key: str) -> None:
    """The walk and the text test read the same value keys of a name/value pair."""
    from cloudscope.domain.redaction import REDACTED, VALUE_KEYS, redact

    document = {"Environment": [{"Name": "DB_PASSWORD", value_key: "hunter2-prod"}]}
    assert value_key in VALUE_KEYS
    assert redact(document)["Environment"][0][value_key] == REDACTED
    assert not plainly_clean(dumps(document))
