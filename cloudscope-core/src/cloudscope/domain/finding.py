"""Findings: what a risk rule says about an asset."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from cloudscope.domain.asset import NonEmptyId
from cloudscope.domain.serialization import JsonDataError, check_text, json_data


class Severity(StrEnum):
    """How bad a finding is, most severe first. Added in API 1.0."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 for critical up to 4 for info, for sorting most severe first."""
        return _RANKS[self]


# Looked up per finding stored and sorted: a dict, not a walk of the enum each time.
_RANKS: dict[Severity, int] = {severity: rank for rank, severity in enumerate(Severity)}


class Finding(BaseModel):
    """A rule's verdict on one asset. Added in API 1.0.

    An exposure finding belongs to the exposed asset, and ``evidence["path"]`` lists the
    asset ids from the internet to the privilege. ``evidence`` follows the rules of
    ``Asset.properties``; text fields must be valid Unicode without U+0000.
    """

    model_config = ConfigDict(extra="forbid")

    rule_id: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    asset_id: NonEmptyId
    severity: Severity
    title: str
    detail: str = ""
    remediation: str = ""
    evidence: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _storable(self) -> Finding:
        # Rules write evidence from what they read: the same rule as for assets (issue 12).
        values = self.__dict__
        for name in ("rule_id", "asset_id", "title", "detail", "remediation"):
            try:
                check_text(values[name], nul=False)
            except JsonDataError as error:
                raise error.within(name) from None
        try:
            values["evidence"] = json_data(self.evidence)
        except JsonDataError as error:
            raise error.within("evidence") from None
        return self
