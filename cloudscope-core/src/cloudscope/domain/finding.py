"""Findings: what a risk rule says about an asset."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from cloudscope.domain.asset import NonEmptyId


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
        return list(Severity).index(self)


class Finding(BaseModel):
    """A rule's verdict on one asset. Added in API 1.0.

    An exposure finding belongs to the exposed asset, and ``evidence["path"]`` lists the
    asset ids from the internet to the privilege.
    """

    model_config = ConfigDict(extra="forbid")

    rule_id: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    asset_id: NonEmptyId
    severity: Severity
    title: str
    detail: str = ""
    remediation: str = ""
    evidence: dict[str, Any] = Field(default_factory=dict)
