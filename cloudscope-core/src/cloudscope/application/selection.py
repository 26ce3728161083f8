"""What a collection keeps of what its collector offers: services and asset types.

``--include-service``/``--exclude-service`` (a target's ``services:``) choose among the
planned scopes by their service; ``--include-type``/``--exclude-type`` (``types:``) among
the collected assets by their type. Patterns are shell-style (``aws:iam:*``,
``microsoft.network/*``), matched without regard to case. Any collector gets them, so a
plugin need not implement them.

Staleness follows: a scope left out is not collected, and keeps what it had; an asset type
left out of a scope that completes is no longer seen there, and is removed like an asset
deleted in the cloud, with its relationships.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from cloudscope.domain.asset import Asset
from cloudscope.domain.checks import Check
from cloudscope.domain.errors import UsageError
from cloudscope.domain.relationship import Relationship
from cloudscope.domain.scope import ScopeKey
from cloudscope.ports.collector import Collector


def _matches(value: str, patterns: Sequence[str]) -> bool:
    folded = value.lower()
    return any(fnmatch.fnmatchcase(folded, pattern.lower()) for pattern in patterns)


@dataclass(frozen=True, slots=True)
class Selection:
    """Include and exclude patterns for scope services and asset types."""

    include_services: tuple[str, ...] = ()
    exclude_services: tuple[str, ...] = ()
    include_types: tuple[str, ...] = ()
    exclude_types: tuple[str, ...] = ()

    @property
    def is_everything(self) -> bool:
        """True when nothing is left out."""
        return not (self.include_services or self.exclude_services or self.include_types
                    or self.exclude_types)

    def admits_service(self, service: str) -> bool:
        """Whether a scope of ``service`` is collected."""
        return (not self.include_services or _matches(service, self.include_services)) \
            and not _matches(service, self.exclude_services)

    def admits_type(self, asset_type: str) -> bool:
        """Whether an asset of ``asset_type`` is kept."""
        return (not self.include_types or _matches(asset_type, self.include_types)) \
            and not _matches(asset_type, self.exclude_types)


class SelectedCollector(Collector):
    """A collector whose plan, items and checks are narrowed to a :class:`Selection`."""

    def __init__(self, inner: Collector, selection: Selection) -> None:
        super().__init__(inner.ctx, inner.options)
        self.inner = inner
        self.selection = selection

    def plan(self) -> list[ScopeKey]:
        """The inner plan without the services left out; an include list that matches no
        planned service is a usage error naming the services there are."""
        planned = list(self.inner.plan())
        # Anything but a ScopeKey is kept for the collect use case to refuse with its message.
        kept = [scope for scope in planned
                if not isinstance(scope, ScopeKey) or self.selection.admits_service(scope.service)]
        if planned and not kept and self.selection.include_services:
            services = sorted({s.service for s in planned if isinstance(s, ScopeKey)})
            raise UsageError(f"services {', '.join(self.selection.include_services)} match none "
                             f"of the planned services: {', '.join(services)}")
        return kept

    def collect(self, scope: ScopeKey) -> Iterator[Asset | Relationship]:
        """The inner items without the asset types left out, nor their relationships."""
        left_out: set[str] = set()
        for item in self.inner.collect(scope):
            if isinstance(item, Asset) and not self.selection.admits_type(item.asset_type):
                left_out.add(item.id)
                continue
            if isinstance(item, Relationship) and \
                    (item.source_id in left_out or item.target_id in left_out):
                continue
            yield item

    def covers(self, scope: ScopeKey, other: ScopeKey) -> bool:
        """The inner collector's answer: an asset type left out of a completed scope is
        removed like a deleted one, from the scopes it covers too."""
        return self.inner.covers(scope, other)

    def check(self) -> Iterable[Check]:
        """The inner checks, without those of services left out."""
        for check in self.inner.check():
            if not isinstance(check, Check) or check.service is None or \
                    self.selection.admits_service(check.service):
                yield check

    def close(self) -> None:
        """Close the inner collector."""
        self.inner.close()
