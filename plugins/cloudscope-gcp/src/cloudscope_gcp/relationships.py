"""Relationships read from ``resource.data``, built while a scope's assets stream by.

Edges that one asset implies alone (instance IN_SUBNET subnetwork, disk ATTACHED_TO
instance, parent CONTAINS child for every type, from ``resource.parent`` or else the
closest of its ``ancestors``, a load balancer's forwarding rule -> target pool or backend
service -> instance group -> instance...) are emitted at once. Two kinds wait for the end of the
scope: HAS_ROLE, because Cloud Asset names service accounts by unique id while workloads
name them by email (the email index fills as the listing goes), and PROTECTED_BY, because
every firewall of the project must be known first. Firewalls are indexed by network, then
by target tag and target service account, so matching an instance costs a few dictionary
lookups, never a scan of the firewalls.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final

from cloudscope.api import Relationship

from cloudscope_gcp.catalogue import SERVICE_ACCOUNT_TYPE
from cloudscope_gcp.names import (
    compute_name,
    crypto_key_name,
    network_name,
    service_account_fallback,
)

Edge = tuple[str, str, str, dict[str, Any]]
"""(source id, type, target id, properties)."""


@dataclass(slots=True)
class _NetworkFirewalls:
    untargeted: list[str] = field(default_factory=list)
    by_tag: defaultdict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    by_account: defaultdict[str, list[str]] = field(default_factory=lambda: defaultdict(list))


@dataclass(frozen=True, slots=True)
class _Workload:
    name: str
    accounts: tuple[str, ...]
    networks: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


class RelationshipBuilder:
    """The relationships of one scope: feed it every listed asset, then call :meth:`finish`.

    ``project`` is the scope's project id (to complete bare network names and emails).
    """

    def __init__(self, project: str) -> None:
        self.project = project
        self._accounts: dict[str, str] = {}
        self._firewalls: defaultdict[str, _NetworkFirewalls] = defaultdict(_NetworkFirewalls)
        self._workloads: list[_Workload] = []

    def observe_lookup(self, raw: dict[str, Any]) -> None:
        """Remember what a reference-only asset resolves (a service account's email)."""
        if raw.get("assetType") == SERVICE_ACCOUNT_TYPE:
            email = ((raw.get("resource") or {}).get("data") or {}).get("email")
            if email:
                self._accounts[str(email)] = raw["name"]

    def add(self, raw: dict[str, Any]) -> Iterator[Relationship]:
        """The edges ``raw`` implies alone; what needs the whole scope is kept for later."""
        self.observe_lookup(raw)
        native = raw["assetType"]
        name = raw["name"]
        resource = raw.get("resource") or {}
        data = resource.get("data") or {}
        parent = resource.get("parent") or _derived_parent(native, name) or \
            _ancestor_parent(name, raw.get("ancestors"))
        if parent:
            yield _edge(parent, "CONTAINS", name)
        handler = _HANDLERS.get(native)
        if handler is not None:
            for source, kind, target, properties in handler(self, name, data):
                if source and target and source != target:
                    yield _edge(source, kind, target, properties)

    def finish(self) -> Iterator[Relationship]:
        """HAS_ROLE and PROTECTED_BY, once every asset of the scope has been seen."""
        for workload in self._workloads:
            accounts = [self._account_name(email) for email in workload.accounts]
            for account in dict.fromkeys(accounts):
                yield _edge(workload.name, "HAS_ROLE", account)
            for firewall, match in self._matching_firewalls(workload):
                yield _edge(workload.name, "PROTECTED_BY", firewall, {"match": match})

    def _account_name(self, email: str) -> str:
        return self._accounts.get(email) or service_account_fallback(email, self.project)

    def _matching_firewalls(self, workload: _Workload) -> Iterator[tuple[str, str]]:
        seen: set[str] = set()
        for network in workload.networks:
            rules = self._firewalls.get(network)
            if rules is None:
                continue
            candidates = [(rule, "all") for rule in rules.untargeted]
            candidates += [(rule, "tag") for tag in workload.tags
                           for rule in rules.by_tag.get(tag, ())]
            candidates += [(rule, "service-account") for email in workload.accounts
                           for rule in rules.by_account.get(email, ())]
            for rule, match in candidates:
                if rule not in seen:
                    seen.add(rule)
                    yield rule, match

    # Handlers, one per Cloud Asset type: (builder, name, data) -> edges ------------------
    def _instance(self, name: str, data: dict[str, Any]) -> Iterator[Edge]:
        networks: list[str] = []
        for interface in _list(data.get("networkInterfaces")):
            subnet = compute_name(interface.get("subnetwork"))
            network = compute_name(interface.get("network"))
            if subnet:
                yield name, "IN_SUBNET", subnet, {"interface": interface.get("name")}
            elif network:
                yield name, "IN_NETWORK", network, {"interface": interface.get("name")}
            if network:
                networks.append(network)
        for disk in _list(data.get("disks")):
            source = compute_name(disk.get("source"))
            if source:
                yield source, "ATTACHED_TO", name, {"boot": bool(disk.get("boot"))}
        group = managed_group(name, _metadata(data, "created-by"))
        if group:  # a managed group's instances name it; the group's own body lists none
            yield group, "ROUTES_TO", name, {"via": "created-by"}
        tags = (data.get("tags") or {}).get("items") or ()
        self._workloads.append(_Workload(name, _emails(
            account.get("email") for account in _list(data.get("serviceAccounts"))),
            tuple(networks), tuple(str(tag) for tag in tags)))

    def _firewall(self, name: str, data: dict[str, Any]) -> Iterator[Edge]:
        network = compute_name(data.get("network"))
        if network is None:
            return
        yield name, "IN_NETWORK", network, {}
        if data.get("disabled"):
            return  # a disabled rule protects nothing
        rules = self._firewalls[network]
        tags = data.get("targetTags") or ()
        accounts = data.get("targetServiceAccounts") or ()
        for tag in tags:
            rules.by_tag[str(tag)].append(name)
        for email in accounts:
            rules.by_account[str(email)].append(name)
        if not tags and not accounts:
            rules.untargeted.append(name)

    def _placed(self, name: str, data: dict[str, Any]) -> Iterator[Edge]:
        """Subnetworks, addresses and forwarding rules: their subnet or network, targets."""
        subnet = compute_name(data.get("subnetwork"))
        network = compute_name(data.get("network"))
        if subnet:
            yield name, "IN_SUBNET", subnet, {}
        elif network:
            yield name, "IN_NETWORK", network, {}
        for user in _list_of_str(data.get("users")):
            yield name, "ATTACHED_TO", compute_name(user) or user, {}
        for key in ("target", "backendService"):
            target = compute_name(data.get(key))
            if target:
                yield name, "ROUTES_TO", target, {}

    def _target_pool(self, name: str, data: dict[str, Any]) -> Iterator[Edge]:
        """A target pool forwards to the instances it lists."""
        for instance in _list_of_str(data.get("instances")):
            target = compute_name(instance)
            if target:
                yield name, "ROUTES_TO", target, {}

    def _backend_service(self, name: str, data: dict[str, Any]) -> Iterator[Edge]:
        """A backend service forwards to its backends' instance groups (or endpoint groups)."""
        network = compute_name(data.get("network"))
        if network:
            yield name, "IN_NETWORK", network, {}
        for backend in _list(data.get("backends")):
            group = compute_name(backend.get("group"))
            if group:
                yield name, "ROUTES_TO", group, {}

    def _encrypted(self, name: str, data: dict[str, Any]) -> Iterator[Edge]:
        """Disks, buckets, functions: the KMS key that encrypts them."""
        for reference in (_path(data, "diskEncryptionKey", "kmsKeyName"),
                          _path(data, "encryption", "defaultKmsKeyName"),
                          _path(data, "diskEncryptionConfiguration", "kmsKeyName"),
                          data.get("kmsKeyName")):
            key = crypto_key_name(reference)
            if key:
                yield name, "ENCRYPTED_BY", key, {}

    def _sql_instance(self, name: str, data: dict[str, Any]) -> Iterator[Edge]:
        yield from self._encrypted(name, data)
        network = network_name(_path(data, "settings", "ipConfiguration", "privateNetwork"),
                               self.project)
        if network:
            yield name, "IN_NETWORK", network, {}

    def _cluster(self, name: str, data: dict[str, Any]) -> Iterator[Edge]:
        subnet = compute_name(_path(data, "networkConfig", "subnetwork"))
        network = network_name(_path(data, "networkConfig", "network") or data.get("network"),
                               self.project)
        if subnet:
            yield name, "IN_SUBNET", subnet, {}
        if network:
            yield name, "IN_NETWORK", network, {}
        pools = [pool.get("config") or {} for pool in _list(data.get("nodePools"))]
        # "default" means the project's Compute Engine default account, whose email the
        # cluster does not give; it is left out rather than guessed.
        emails = [config.get("serviceAccount") for config in [data.get("nodeConfig") or {}, *pools]]
        self._workloads.append(_Workload(name, _emails(e for e in emails if e != "default")))

    def _serverless(self, name: str, data: dict[str, Any]) -> Iterator[Edge]:
        """Cloud Run services and Cloud Functions: their runtime service account."""
        emails = (_path(data, "spec", "template", "spec", "serviceAccountName"),
                  _path(data, "template", "serviceAccount"), data.get("serviceAccountEmail"),
                  _path(data, "serviceConfig", "serviceAccountEmail"))
        self._workloads.append(_Workload(name, _emails(emails)))
        yield from self._encrypted(name, data)

    def _service_account_key(self, name: str, data: dict[str, Any]) -> Iterator[Edge]:
        account, separator, _key = name.partition("/keys/")
        if separator:
            yield name, "ATTACHED_TO", account, {}


Handler = Callable[[RelationshipBuilder, str, dict[str, Any]], Iterable[Edge]]

_HANDLERS: Final[dict[str, Handler]] = {
    "compute.googleapis.com/Instance": RelationshipBuilder._instance,
    "compute.googleapis.com/Firewall": RelationshipBuilder._firewall,
    "compute.googleapis.com/Subnetwork": RelationshipBuilder._placed,
    "compute.googleapis.com/Address": RelationshipBuilder._placed,
    "compute.googleapis.com/GlobalAddress": RelationshipBuilder._placed,
    "compute.googleapis.com/ForwardingRule": RelationshipBuilder._placed,
    "compute.googleapis.com/GlobalForwardingRule": RelationshipBuilder._placed,
    "compute.googleapis.com/InstanceGroup": RelationshipBuilder._placed,
    "compute.googleapis.com/TargetPool": RelationshipBuilder._target_pool,
    "compute.googleapis.com/BackendService": RelationshipBuilder._backend_service,
    "compute.googleapis.com/RegionBackendService": RelationshipBuilder._backend_service,
    "compute.googleapis.com/Disk": RelationshipBuilder._encrypted,
    "storage.googleapis.com/Bucket": RelationshipBuilder._encrypted,
    "sqladmin.googleapis.com/Instance": RelationshipBuilder._sql_instance,
    "container.googleapis.com/Cluster": RelationshipBuilder._cluster,
    "run.googleapis.com/Service": RelationshipBuilder._serverless,
    "cloudfunctions.googleapis.com/CloudFunction": RelationshipBuilder._serverless,
    "cloudfunctions.googleapis.com/Function": RelationshipBuilder._serverless,
    "iam.googleapis.com/ServiceAccountKey": RelationshipBuilder._service_account_key,
}


_CREATED_BY: Final = re.compile(
    r"^projects/[^/]+/(zones|regions)/([^/]+)/instanceGroupManagers/([^/]+)$")


def managed_group(instance: str, created_by: Any) -> str | None:
    """The instance group of the managed group that created an instance (its ``created-by``
    metadata, ``projects/NUMBER/zones/Z/instanceGroupManagers/M``): the group a manager
    runs has the manager's name and place, in the instance's project (named by id)."""
    match = _CREATED_BY.match(str(created_by or ""))
    project = instance.split("/projects/", 1)[-1].split("/", 1)[0] if "/projects/" in instance \
        else None
    if not match or not project:
        return None
    kind, place, group = match.groups()
    return f"//compute.googleapis.com/projects/{project}/{kind}/{place}/instanceGroups/{group}"


def _metadata(data: dict[str, Any], key: str) -> Any:
    items = (data.get("metadata") or {}).get("items")
    return next((item.get("value") for item in _list(items) if item.get("key") == key), None)


def _derived_parent(native: str, name: str) -> str | None:
    """The container Cloud Asset leaves implicit: a KMS key's key ring."""
    if native == "cloudkms.googleapis.com/CryptoKey" and "/cryptoKeys/" in name:
        return name.split("/cryptoKeys/", 1)[0]
    return None


def _ancestor_parent(name: str, ancestors: Any) -> str | None:
    """The closest hierarchy node above an asset that names no ``resource.parent``: the
    first of its ``ancestors`` (``projects/N``, ``folders/N``...) that is not itself."""
    for ancestor in ancestors if isinstance(ancestors, list) else ():
        if isinstance(ancestor, str) and ancestor and not name.endswith(f"/{ancestor}"):
            return f"//cloudresourcemanager.googleapis.com/{ancestor}"
    return None


def _edge(source: str, kind: str, target: str,
          properties: dict[str, Any] | None = None) -> Relationship:
    return Relationship(source_id=source, type=kind, target_id=target,
                        properties={k: v for k, v in (properties or {}).items() if v is not None})


def _path(data: dict[str, Any], *keys: str) -> Any:
    value: Any = data
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _list(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _list_of_str(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _emails(values: Iterable[Any]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(str(value) for value in values if isinstance(value, str) and value))
