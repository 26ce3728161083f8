"""The domain model: validation rules and lossless JSON round trips."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from cloudscope.domain.asset import Asset
from cloudscope.domain.finding import Finding, Severity
from cloudscope.domain.relationship import Relationship
from cloudscope.domain.scope import ScopeKey
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

word = st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,2}", fullmatch=True)
# Valid Unicode only: a lone surrogate is not storable text (the models refuse it).
utf8 = st.characters(codec="utf-8")
json_scalars = st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.text(utf8, max_size=20)
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=4) |
                           st.dictionaries(st.text(utf8, max_size=8), inner, max_size=4), max_leaves=12)
# Text fields may hold anything valid but U+0000 (PostgreSQL's text cannot store it).
text_fields = st.characters(codec="utf-8", blacklist_characters="\x00")
utc_times = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
                         timezones=st.just(UTC))


@st.composite
def assets(draw: st.DrawFn) -> Asset:
    provider = draw(word)
    return Asset(
        id=draw(st.text(utf8, min_size=1, max_size=50).filter(
            lambda s: s.strip() == s and not any(ord(c) < 32 or ord(c) == 127 for c in s))),
        provider=provider, asset_type=f"{provider}:{draw(word)}:{draw(word)}",
        name=draw(st.none() | st.text(text_fields, max_size=30)),
        account=draw(st.none() | st.text(text_fields, max_size=12)),
        region=draw(st.none() | word),
        tags=draw(st.dictionaries(st.text(utf8, max_size=10), st.text(utf8, max_size=10), max_size=4)),
        properties=draw(st.dictionaries(st.text(utf8, max_size=8), json_values, max_size=4)),
        first_seen=draw(st.none() | utc_times), last_seen=draw(st.none() | utc_times),
    )


@settings(max_examples=200)
@given(assets())
def test_asset_json_round_trip_is_lossless(asset: Asset) -> None:
    """Any valid asset survives JSON serialisation unchanged."""
    assert Asset.model_validate_json(asset.model_dump_json()) == asset


@settings(max_examples=100)
@given(st.builds(Relationship, source_id=st.text(text_fields, min_size=1, max_size=20).map(lambda s: "s" + s.strip()),
                 type=st.sampled_from(["IN_SUBNET", "ROUTES_TO", "CUSTOM_2"]),
                 target_id=st.just("t"), properties=st.dictionaries(st.text(utf8, max_size=5), json_scalars)))
def test_relationship_json_round_trip_is_lossless(relationship: Relationship) -> None:
    """Any valid relationship survives JSON serialisation unchanged."""
    assert Relationship.model_validate_json(relationship.model_dump_json()) == relationship


@pytest.mark.parametrize(("field", "value"), [
    ("id", ""), ("id", " padded"), ("id", "nul\x00id"),
    ("asset_type", "aws:ec2"), ("asset_type", "AWS:EC2:Instance"), ("asset_type", "gcp:compute:instance"),
    ("provider", "Aws"), ("tags", {"k": 1}), ("last_seen", "2024-01-01T00:00:00"),
])
def test_invalid_asset_fields_are_rejected_naming_the_field(field: str, value: object) -> None:
    """Empty or malformed ids, bad asset types, non-string tags, naive times are refused."""
    values = {"id": "x", "provider": "aws", "asset_type": "aws:ec2:instance", field: value}
    with pytest.raises(ValidationError) as caught:
        Asset(**values)
    text = str(caught.value)
    assert field in text or "asset_type" in text


def test_timestamps_are_normalised_to_utc() -> None:
    """An aware time in another zone is stored as the same instant in UTC."""
    asset = Asset(id="x", provider="aws", asset_type="aws:ec2:instance",
                  first_seen=datetime(2024, 1, 1, 12, tzinfo=timezone(timedelta(hours=2))))
    assert asset.first_seen == datetime(2024, 1, 1, 10, tzinfo=UTC)
    assert asset.model_dump(mode="json")["first_seen"] == "2024-01-01T10:00:00Z"


def test_unknown_fields_are_rejected() -> None:
    """A misspelt field is an error, not silently dropped."""
    with pytest.raises(ValidationError, match="asset_typ"):
        Asset.model_validate({"id": "x", "provider": "aws", "asset_type": "aws:ec2:instance",
                              "asset_typ": "y"})


def test_relationship_type_must_be_upper_case() -> None:
    """Relationship types are upper case words with underscores."""
    with pytest.raises(ValidationError):
        Relationship(source_id="a", type="in_subnet", target_id="b")


def test_finding_severity_is_from_the_scale() -> None:
    """Severity is one of critical, high, medium, low, info."""
    finding = Finding(rule_id="r", asset_id="a", severity="high", title="t")
    assert finding.severity is Severity.HIGH and Severity.CRITICAL.rank < Severity.HIGH.rank
    with pytest.raises(ValidationError):
        Finding(rule_id="r", asset_id="a", severity="urgent", title="t")


def test_scope_shard_is_stable_and_in_range() -> None:
    """A scope hashes to the same shard everywhere, within 0..N-1, spread over shards."""
    scopes = [ScopeKey(provider="aws", account=str(i), region="eu-west-1", service="ec2")
              for i in range(300)]
    shards = [scope.shard(3) for scope in scopes]
    assert shards == [scope.shard(3) for scope in scopes]
    assert set(shards) == {0, 1, 2}
    assert ScopeKey(provider="aws", account="1", region=None, service="iam").key == "aws/1/-/iam"


def test_serialization_turns_sdk_types_into_json_and_refuses_huge_integers() -> None:
    """Stored JSON turns datetimes into UTC ISO strings and Decimals into numbers; an
    integer beyond 64 bits is refused rather than written in a form a store reads back
    differently."""
    from decimal import Decimal

    from cloudscope.domain.serialization import JsonDataError, dumps, loads

    value = {"when": datetime(2024, 5, 1, 12, 0, tzinfo=UTC), "big": 2**64 - 1,
             "price": Decimal("1.5"), "tags": {"é": "✓"}}
    assert loads(dumps(value)) == {"when": "2024-05-01T12:00:00Z", "big": 2**64 - 1,
                                   "price": 1.5, "tags": {"é": "✓"}}
    with pytest.raises(JsonDataError, match="64-bit"):
        dumps({"big": 2**64})


@settings(max_examples=100)
@given(assets())
def test_trusted_construction_equals_validated_models(asset: Asset) -> None:
    """construct_trusted builds the same model as validation, for every field set."""
    from cloudscope.domain.trusted import construct_trusted

    rebuilt = construct_trusted(Asset, dict(asset.__dict__))
    assert rebuilt == asset
    assert rebuilt.model_dump_json() == asset.model_dump_json()
    assert rebuilt.model_copy(update={"name": "x"}).name == "x"
