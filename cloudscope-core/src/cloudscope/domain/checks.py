"""Checks: what ``cloudscope doctor`` reports, one line each, with the way out."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class CheckStatus(StrEnum):
    """The verdict of one check, worst last. Added in API 1.1."""

    OK = "ok"
    WARN = "warn"
    FAIL = "fail"

    @property
    def rank(self) -> int:
        """0 for ok, 1 for warn, 2 for fail: the worst of several checks is the max."""
        return list(CheckStatus).index(self)


@dataclass(frozen=True, slots=True)
class Check:
    """One line of ``cloudscope doctor``. Added in API 1.1.

    ``name`` says what was checked (``identity``, ``read ec2 us-east-1``), ``detail`` what
    was found (who the credentials are, how many items a read returned, the error), and
    ``hint`` what to do when the status is not ``ok`` (the permission to grant, the
    variable to set). Neither may hold a secret. ``service`` is the scope service a read
    is about, so that the checks of services a target excludes are left out.
    """

    name: str
    status: CheckStatus
    detail: str
    hint: str | None = None
    service: str | None = None

    @classmethod
    def ok(cls, name: str, detail: str, *, service: str | None = None) -> Check:
        """A check that passed."""
        return cls(name, CheckStatus.OK, detail, None, service)

    @classmethod
    def warn(cls, name: str, detail: str, hint: str | None = None, *,
             service: str | None = None) -> Check:
        """A check that passed with a caveat the user should read."""
        return cls(name, CheckStatus.WARN, detail, hint, service)

    @classmethod
    def fail(cls, name: str, detail: str, hint: str | None = None, *,
             service: str | None = None) -> Check:
        """A check that failed: ``doctor`` exits 3."""
        return cls(name, CheckStatus.FAIL, detail, hint, service)

    def as_json(self) -> dict[str, Any]:
        """Plain data: ``check``, ``status``, ``detail``, ``hint``."""
        return {"check": self.name, "status": self.status.value, "detail": self.detail,
                "hint": self.hint}
