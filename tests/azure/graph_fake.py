"""The fake's answers beyond list calls: the generic resources list, the providers'
metadata, a resource by id, management groups, Resource Graph, and the read action each
call needs (for a fake role).

Shapes follow the Azure REST API specification examples: ``Resources_List``
(resources/.../examples/GetResources.json: id, name, type, kind, location, tags, sku,
identity, managedBy, no properties), ``Providers_List`` (``namespace``, ``resourceTypes[]``
with ``resourceType`` and ``apiVersions``), ``ManagementGroups_List`` /
``ManagementGroups_Get`` with ``$expand=children`` (managementgroups/.../examples), and
Resource Graph's ``Resources`` (resourcegraph/.../examples/ResourcesBasicQuery.json:
``totalRecords``, ``count``, ``data``, ``facets``, ``resultTruncated``, ``$skipToken``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from arm_fake import FakeAzure

#: The fields of a generic list entry (Resources_List answers no properties).
LISTED = ("id", "name", "type", "kind", "location", "tags", "sku", "identity", "managedBy",
          "plan", "zones", "extendedLocation")
#: Types that the generic list and Resource Graph's resources table never hold.
NOT_LISTED = ("microsoft.authorization/", "microsoft.resources/")


def action_for(method: str, path: str) -> str:
    """The read action Azure RBAC checks for a GET (or a Resource Graph POST) of ``path``."""
    parts = [part for part in path.split("/") if part]
    lower = [part.lower() for part in parts]
    if method == "POST" and lower[:3] == ["providers", "microsoft.resourcegraph", "resources"]:
        return "Microsoft.ResourceGraph/resources/read"
    if "providers" in lower:
        at = len(lower) - 1 - lower[::-1].index("providers")
        after = parts[at + 1:]
        if lower[:1] == ["subscriptions"] and at == 2 and len(after) == 0:
            return "Microsoft.Resources/subscriptions/providers/read"
        if after:
            # namespace/type/name/childtype/name...: the namespace and the type segments.
            segments = [after[0], *after[1::2]]
            return "/".join(segments) + "/read"
    if lower[:1] == ["subscriptions"]:
        if len(lower) >= 4 and lower[3] == "resourcegroups":
            return "Microsoft.Resources/subscriptions/resourceGroups/read"
        if len(lower) == 4 and lower[3] == "resources":
            return "Microsoft.Resources/subscriptions/resources/read"
    return "Microsoft.Resources/subscriptions/read"


def is_allowed(actions: set[str] | None, action: str) -> bool:
    """Whether a role's ``actions`` (exact, or ``*/read``) grant ``action``."""
    if actions is None:
        return True
    lowered = {granted.lower() for granted in actions}
    return action.lower() in lowered or "*/read" in lowered


class GraphTables:
    """The fake's resources seen as the generic list, by id, and as Resource Graph tables."""

    def __init__(self, fake: FakeAzure) -> None:
        self.fake = fake

    def _listed_bodies(self, subscription: str) -> list[dict[str, Any]]:
        prefix = f"/subscriptions/{subscription.lower()}/"
        return [body for key, body in self.fake.resources.items() if key.startswith(prefix)
                and not str(body.get("type", "")).lower().startswith(NOT_LISTED)]

    def listed(self, subscription: str, query: dict[str, list[str]]) -> list[dict[str, Any]]:
        """``GET /subscriptions/{id}/resources``: short entries, ``$filter=resourceType eq``."""
        wanted = None
        text = query.get("$filter", [""])[0]
        if text:
            field, _, value = text.partition(" eq ")
            assert field.strip() == "resourceType", f"unsupported $filter {text!r}"
            wanted = value.strip().strip("'").lower()
        return [{key: body[key] for key in LISTED if key in body}
                for body in self._listed_bodies(subscription)
                if wanted is None or str(body.get("type", "")).lower() == wanted]

    def provider_metadata(self) -> list[dict[str, Any]]:
        """``GET /subscriptions/{id}/providers``: every registered namespace and type."""
        namespaces: dict[str, dict[str, Any]] = {}
        for native_type, versions in self.fake.providers.values():
            namespace, _, resource_type = native_type.partition("/")
            entry = namespaces.setdefault(namespace.lower(), {
                "id": f"/subscriptions/00000000/providers/{namespace}", "namespace": namespace,
                "registrationState": "Registered", "registrationPolicy": "RegistrationRequired",
                "resourceTypes": []})
            entry["resourceTypes"].append({"resourceType": resource_type,
                                           "locations": ["West Europe", "East US"],
                                           "apiVersions": versions,
                                           "capabilities": "SupportsTags, SupportsLocation"})
        return list(namespaces.values())

    @staticmethod
    def is_resource_id(key: str) -> bool:
        """A path naming one resource: namespace, then (type, name) pairs after providers."""
        parts = key.split("/")
        if "providers" not in parts:
            return False
        after = len(parts) - parts.index("providers") - 1
        return after >= 3 and after % 2 == 1

    def resource(self, key: str, version: str) -> tuple[int, dict[str, str], dict[str, Any]]:
        """``GET {id}``: 404 when absent, 400 NoRegisteredProviderFound at an api-version
        the type's provider does not register."""
        from arm_fake import arm_error

        body = self.fake.resources.get(key)
        if body is None:
            return 404, {}, arm_error("ResourceNotFound", f"the resource {key} was not found")
        registered = self.fake.providers.get(str(body.get("type", "")).lower())
        if registered is None or version not in registered[1]:
            return 400, {}, arm_error(
                "NoRegisteredProviderFound", f"No registered resource provider found for "
                f"API version '{version}' and type '{body.get('type')}'")
        return 200, {}, body

    # Management groups -------------------------------------------------------------
    def _group(self, name: str, expand: bool) -> dict[str, Any]:
        display, parent, subscriptions = self.fake.management_groups[name]
        group_id = f"/providers/Microsoft.Management/managementGroups/{name}"
        properties: dict[str, Any] = {"tenantId": self.fake.tenant_id, "displayName": display}
        if expand:
            properties["details"] = {
                "version": 1, "updatedTime": "2018-01-01T00:00:00.00Z", "updatedBy": "Test",
                "parent": {"id": f"/providers/Microsoft.Management/managementGroups/{parent}",
                           "name": parent, "displayName": parent} if parent else None}
            children = [{"type": "Microsoft.Management/managementGroups",
                         "id": f"/providers/Microsoft.Management/managementGroups/{child}",
                         "name": child, "displayName": info[0], "children": None}
                        for child, info in self.fake.management_groups.items()
                        if info[1] == name]
            children += [{"type": "/subscriptions", "id": f"/subscriptions/{s}", "name": s,
                          "displayName": self.fake.subscriptions.get(s.lower(), {}).get(
                              "displayName", s), "children": None} for s in subscriptions]
            properties["children"] = children
        return {"id": group_id, "type": "Microsoft.Management/managementGroups", "name": name,
                "properties": properties}

    def management_group(self, path: str, query: dict[str, list[str]]
                         ) -> tuple[int, dict[str, str], dict[str, Any]]:
        """ManagementGroups_List, or ManagementGroups_Get (``$expand=children``)."""
        from arm_fake import arm_error

        parts = [part for part in path.split("/") if part]
        if len(parts) == 3:
            return 200, {}, self.fake._page(path, query, [
                self._group(name, False) for name in self.fake.management_groups])
        name = next((n for n in self.fake.management_groups if n.lower() == parts[3].lower()),
                    None)
        if name is None:
            return 404, {}, arm_error("NotFound", f"no management group {parts[3]}")
        return 200, {}, self._group(name, query.get("$expand", [""])[0] == "children")

    # Resource Graph ----------------------------------------------------------------
    def _rows(self, subscriptions: list[str], query: str) -> list[dict[str, Any]]:
        wanted = {s.lower() for s in subscriptions}
        rows: list[dict[str, Any]] = []
        for key, body in self.fake.resources.items():
            subscription = key.split("/")[2]
            native_type = str(body.get("type", "")).lower()
            if subscription not in wanted:
                continue
            if native_type == "microsoft.authorization/roleassignments":
                if "authorizationresources" not in query:
                    continue
            elif native_type.startswith(NOT_LISTED) or not query.startswith("resources"):
                continue
            rows.append(self._row(body, subscription))
        if "resourcecontainers" in query:
            for subscription in sorted(wanted & set(self.fake.subscriptions)):
                body = self.fake.subscriptions[subscription]
                rows.append({"id": body["id"], "name": body["displayName"],
                             "type": "microsoft.resources/subscriptions",
                             "tenantId": self.fake.tenant_id,
                             "subscriptionId": body["subscriptionId"], "tags": body["tags"],
                             "properties": {"state": body["state"], "subscriptionPolicies":
                                            body["subscriptionPolicies"]}})
                groups = self.fake.collections.get(f"/subscriptions/{subscription}/resourcegroups")
                rows += [{**self._row(group, subscription),
                          "type": "microsoft.resources/subscriptions/resourcegroups"}
                         for group in groups or ()]
        return rows

    def _row(self, body: dict[str, Any], subscription: str) -> dict[str, Any]:
        parts = body["id"].split("/")
        group = parts[4].lower() if len(parts) > 4 and parts[3].lower() == "resourcegroups" \
            else ""
        row = {column: None for column in LISTED}
        row.update({**body, "type": str(body.get("type", "")).lower(),
                    "tenantId": self.fake.tenant_id, "resourceGroup": group,
                    "subscriptionId": subscription, "properties": body.get("properties", {})})
        return row

    def query(self, request: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
        """``POST /providers/Microsoft.ResourceGraph/resources``: the tables the query names,
        ``$top`` rows a page (at most 1,000), then ``$skipToken``."""
        options = request.get("options") or {}
        rows = self._rows(request.get("subscriptions") or [], str(request.get("query", "")))
        top = min(int(options.get("$top") or 100), 1000, self.fake.graph_page_size)
        start = int(options.get("$skipToken") or 0)
        page = rows[start:start + top]
        answer: dict[str, Any] = {"totalRecords": len(rows), "count": len(page), "data": page,
                                  "facets": [], "resultTruncated": "false"}
        if start + top < len(rows):
            answer["$skipToken"] = str(start + top)
        return 200, {}, answer
