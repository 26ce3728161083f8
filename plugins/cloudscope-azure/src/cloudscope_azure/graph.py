"""``--via resource-graph``: one Azure Resource Graph query across the subscriptions.

``POST /providers/Microsoft.ResourceGraph/resources`` runs one query over up to 1,000
subscriptions, answered in pages of 1,000 rows followed by ``$skipToken``. The query reads
the ``resources`` table (every resource with its ``properties``, so no GET per resource),
subscriptions and resource groups from ``resourcecontainers``, and role assignments from
``authorizationresources``. The plan keeps the scopes of the default path (a scope per
subscription and type); the first scope collected runs the query, its rows are handed to the
scopes they belong to, and each scope takes its rows once. Role definitions and management
groups are still read from Resource Manager (their own scopes).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Final

from cloudscope.api import CollectionError

if TYPE_CHECKING:
    from cloudscope_azure.arm import ArmClient

GRAPH_PATH: Final = "/providers/Microsoft.ResourceGraph/resources"
GRAPH_API_VERSION: Final = "2022-10-01"
PAGE_ROWS: Final = 1000
#: Resource Graph takes at most 1,000 subscriptions in one query.
SUBSCRIPTIONS_PER_QUERY: Final = 1000
QUERY: Final = (
    "resources"
    " | union (resourcecontainers | where type in~ ('microsoft.resources/subscriptions',"
    " 'microsoft.resources/subscriptions/resourcegroups'))"
    " | union (authorizationresources | where type =~ 'microsoft.authorization/roleassignments')"
)
#: Columns of Resource Graph's own, not part of a Resource Manager body.
GRAPH_COLUMNS: Final = ("tenantId", "resourceGroup", "subscriptionId")
#: Resource Graph's names for types whose Resource Manager type differs.
ALIASES: Final = {"microsoft.resources/subscriptions/resourcegroups":
                  "microsoft.resources/resourcegroups"}

Route = Callable[[str], "str | None"]
"""Lower-case ARM type -> the service of the scope that collects it (None: not collected)."""


class GraphRows:
    """The rows of one query, held by (subscription, scope service) until taken."""

    def __init__(self, arm: ArmClient, subscriptions: Sequence[str], route: Route) -> None:
        self._arm = arm
        self._subscriptions = list(subscriptions)
        self._route = route
        self._lock = threading.Lock()
        self._rows: dict[tuple[str, str], list[dict[str, Any]]] | None = None
        self._error: CollectionError | None = None

    def take(self, subscription: str, service: str) -> list[dict[str, Any]]:
        """The rows of one scope (once: a second call answers none)."""
        with self._lock:
            if self._rows is None and self._error is None:
                try:
                    self._rows = self._query()
                except CollectionError as error:
                    # Every scope fails with the query's error; none asks again.
                    self._error = error
            if self._error is not None:
                raise CollectionError(f"Resource Graph: {self._error.message}",
                                      hint=self._error.hint)
            assert self._rows is not None
            return self._rows.pop((subscription.lower(), service), [])

    def _query(self) -> dict[tuple[str, str], list[dict[str, Any]]]:
        rows: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for start in range(0, len(self._subscriptions), SUBSCRIPTIONS_PER_QUERY):
            batch = self._subscriptions[start:start + SUBSCRIPTIONS_PER_QUERY]
            for row in self._pages(batch):
                native_type = str(row.get("type") or "").lower()
                service = self._route(ALIASES.get(native_type, native_type))
                subscription = str(row.get("subscriptionId") or "").lower()
                if service is not None and subscription and row.get("id"):
                    rows.setdefault((subscription, service), []).append(arm_body(row))
        return rows

    def _pages(self, subscriptions: list[str]) -> Any:
        options: dict[str, Any] = {"$top": PAGE_ROWS, "resultFormat": "objectArray"}
        while True:
            page = self._arm.post(GRAPH_PATH, GRAPH_API_VERSION, {
                "subscriptions": subscriptions, "query": QUERY, "options": options})
            yield from page.get("data") or ()
            token = page.get("$skipToken")
            if not token:
                return
            options = {**options, "$skipToken": token}


def arm_body(row: dict[str, Any]) -> dict[str, Any]:
    """A Resource Graph row in a Resource Manager body's shape: its own columns
    (``tenantId``, ``resourceGroup``, ``subscriptionId``) and empty columns dropped, so that
    both paths store the same fields (``type`` stays in Resource Graph's lower case)."""
    body = {key: value for key, value in row.items()
            if key not in GRAPH_COLUMNS and value not in (None, "", [], {})}
    if str(body.get("type") or "").lower() == "microsoft.resources/subscriptions":
        # resourcecontainers names a subscription by its display name; ARM's body has both.
        body.setdefault("subscriptionId", row.get("subscriptionId"))
        body.setdefault("displayName", row.get("name"))
    return body
