"""Assets: the things an inventory holds."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Final

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from cloudscope.domain.serialization import (
    FROM_JSON,
    JsonDataError,
    check_text,
    dumps,
    json_data,
)
from cloudscope.domain.timestamps import UtcDatetime, isoformat

ASSET_TYPE_PATTERN: Final = r"^[a-z0-9]+(-[a-z0-9]+)*:[a-z0-9]+(-[a-z0-9]+)*:[a-z0-9]+(-[a-z0-9]+)*$"
"""``provider:service:kind``, lower case words joined by hyphens (``aws:ec2:instance``)."""

PROVIDER_PATTERN: Final = r"^[a-z0-9]+(-[a-z0-9]+)*$"

NonEmptyId = Annotated[str, StringConstraints(min_length=1, max_length=2048)]


class Asset(BaseModel):
    """One cloud (or file) asset. Added in API 1.0.

    ``id`` is global and stable: an AWS ARN, an Azure resource id in lower case, a GCP full
    resource name, or a file's own id. ``properties`` keeps the API's own field names; data
    from secondary calls nests under the name of the call's response element. ``first_seen``
    and ``last_seen`` are set by the repository when omitted.
    """

    model_config = ConfigDict(extra="forbid", frozen=False, str_strip_whitespace=False)

    id: NonEmptyId
    provider: Annotated[str, StringConstraints(pattern=PROVIDER_PATTERN)]
    asset_type: Annotated[str, StringConstraints(pattern=ASSET_TYPE_PATTERN)]
    native_type: str | None = None
    name: str | None = None
    account: str | None = None
    region: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    properties: dict[str, Any] = Field(default_factory=dict)
    first_seen: UtcDatetime | None = None
    last_seen: UtcDatetime | None = None

    @field_validator("id")
    @classmethod
    def _id_has_no_control_characters(cls, value: str) -> str:
        if value.strip() != value or _CONTROL.search(value):
            raise ValueError("id must not contain control characters or surrounding spaces")
        return value

    @model_validator(mode="after")
    def _asset_type_starts_with_provider(self) -> Asset:
        if not self.asset_type.startswith(self.provider + ":"):
            raise ValueError(
                f"asset_type {self.asset_type!r} must start with its provider {self.provider!r}"
            )
        return self

    @model_validator(mode="after")
    def _storable(self, info: ValidationInfo) -> Asset:
        # One validator for every value a store must read back as given (issue 12). The
        # common case (ASCII text without NUL) is decided inline: this runs for every asset.
        values, tags = self.__dict__, self.tags
        texts = "".join([values["id"], values["native_type"] or "", values["name"] or "",
                         values["account"] or "", values["region"] or ""])
        if "\0" in texts or not texts.isascii():
            for name in _TEXT_FIELDS:
                if values[name] is not None:
                    try:
                        check_text(values[name], nul=False)
                    except JsonDataError as error:
                        raise error.within(name) from None
        if tags and not "".join([*tags, *tags.values()]).isascii():
            check_tags(tags)
        try:
            values["properties"] = json_data(self.properties,
                                             from_json=info.context is FROM_JSON)
        except JsonDataError as error:
            raise error.within("properties") from None
        return self

    @property
    def service(self) -> str:
        """The middle part of ``asset_type`` (``ec2`` in ``aws:ec2:instance``)."""
        return self.asset_type.split(":", 2)[1]

    def seen(self, when: datetime) -> Asset:
        """A copy with ``last_seen`` set to ``when`` (and ``first_seen`` if it had none)."""
        return self.model_copy(update={"last_seen": when, "first_seen": self.first_seen or when})


_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f]")
_TEXT_FIELDS: Final = ("id", "native_type", "name", "account", "region")


def check_tags(tags: dict[str, str]) -> None:
    """Raise JsonDataError (path ``tags.KEY``) for a tag key or value that is not valid
    Unicode. U+0000 is allowed: every store keeps it."""
    for key, value in tags.items():
        if not (key.isascii() and value.isascii()):
            try:
                check_text(key)
                check_text(value)
            except JsonDataError as error:
                raise error.within("tags", key) from None


@dataclass(frozen=True, slots=True)
class AssetJson:
    """An asset as JSON pieces, as a store holds it: the text fields, ``tags`` and
    ``properties`` as JSON text, the times as :func:`~cloudscope.domain.timestamps.isoformat`
    writes them. What a listing answers without building (and encoding again) the model;
    the fields are the model's, in its order. Added in API 1.1."""

    id: str
    provider: str
    asset_type: str
    native_type: str | None
    name: str | None
    account: str | None
    region: str | None
    tags: str
    properties: str
    first_seen: str | None
    last_seen: str | None

    @classmethod
    def of(cls, asset: Asset) -> AssetJson:
        """The pieces of a model."""
        return cls(asset.id, asset.provider, asset.asset_type, asset.native_type, asset.name,
                   asset.account, asset.region, dumps(asset.tags), dumps(asset.properties),
                   isoformat(asset.first_seen) if asset.first_seen else None,
                   isoformat(asset.last_seen) if asset.last_seen else None)
