"""Names of the ARM types that no hand mapping covers, and the types known by name.

DESIGN.md section 3: ``azure:<service>:<kind>``, the service being the resource provider
namespace without ``Microsoft.`` in lower case (another publisher's namespace keeps its
name, dots as hyphens: ``Dynatrace.Observability`` -> ``dynatrace-observability``), the kind
the type's segments in the singular, lower case with hyphens, a child type joined to its
parent's kind: ``Microsoft.Sql/servers/databases`` -> ``azure:sql:server-database``.

The rule reads word boundaries from the camel case of the type as its provider registers it
(``virtualMachines``); Resource Graph and some list calls answer in lower case
(``microsoft.compute/virtualmachines``), so a type is first put back in its registered case
(:data:`KNOWN_TYPES`, else the ``/providers`` metadata of the run) and then named.
"""

from __future__ import annotations

import re
from typing import Final

_BOUNDARY: Final = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_ARM_TYPE: Final = re.compile(r"^[A-Za-z0-9]+(\.[A-Za-z0-9]+)+(/[A-Za-z0-9_-]+)+$")
#: Plural endings that are not plurals (``Redis``, ``status``, ``analysis``).
_NOT_PLURAL: Final = ("ss", "us", "is")

KNOWN_TYPES: Final[tuple[str, ...]] = (
    # Compute
    "Microsoft.Compute/availabilitySets", "Microsoft.Compute/snapshots",
    "Microsoft.Compute/images", "Microsoft.Compute/sshPublicKeys",
    "Microsoft.Compute/proximityPlacementGroups", "Microsoft.Compute/diskEncryptionSets",
    "Microsoft.Compute/galleries", "Microsoft.Compute/galleries/images",
    "Microsoft.Compute/virtualMachines/extensions", "Microsoft.Compute/hostGroups",
    # Network
    "Microsoft.Network/routeTables", "Microsoft.Network/natGateways",
    "Microsoft.Network/privateEndpoints", "Microsoft.Network/bastionHosts",
    "Microsoft.Network/azureFirewalls", "Microsoft.Network/firewallPolicies",
    "Microsoft.Network/dnszones", "Microsoft.Network/privateDnsZones",
    "Microsoft.Network/privateDnsZones/virtualNetworkLinks", "Microsoft.Network/networkWatchers",
    "Microsoft.Network/applicationSecurityGroups", "Microsoft.Network/ddosProtectionPlans",
    "Microsoft.Network/virtualNetworkGateways", "Microsoft.Network/localNetworkGateways",
    "Microsoft.Network/connections", "Microsoft.Network/trafficManagerProfiles",
    "Microsoft.Network/frontDoors",
    # Databases and caches
    "Microsoft.DocumentDB/databaseAccounts", "Microsoft.DBforPostgreSQL/flexibleServers",
    "Microsoft.DBforMySQL/flexibleServers", "Microsoft.Cache/Redis",
    "Microsoft.Sql/servers/elasticPools", "Microsoft.Sql/managedInstances",
    # Web, containers
    "Microsoft.Web/serverFarms", "Microsoft.Web/sites/slots", "Microsoft.Web/staticSites",
    "Microsoft.App/containerApps", "Microsoft.App/managedEnvironments",
    "Microsoft.ContainerInstance/containerGroups", "Microsoft.ContainerRegistry/registries",
    # Messaging, integration
    "Microsoft.ServiceBus/namespaces", "Microsoft.EventHub/namespaces",
    "Microsoft.EventGrid/topics", "Microsoft.Logic/workflows", "Microsoft.ApiManagement/service",
    # Data and analytics
    "Microsoft.DataFactory/factories", "Microsoft.Synapse/workspaces",
    "Microsoft.Databricks/workspaces", "Microsoft.Kusto/clusters",
    # Monitoring
    "Microsoft.Insights/components", "Microsoft.Insights/actionGroups",
    "Microsoft.Insights/metricAlerts", "Microsoft.OperationalInsights/workspaces",
    # AI, security, management
    "Microsoft.CognitiveServices/accounts", "Microsoft.Search/searchServices",
    "Microsoft.Automation/automationAccounts", "Microsoft.RecoveryServices/vaults",
    "Microsoft.KeyVault/managedHSMs",
)
"""ARM types without a hand mapping that ``cloudscope types`` lists by name (in the case
their providers register them). Any other type is collected and named all the same."""

_CANONICAL: Final = {known.lower(): known for known in KNOWN_TYPES}


def is_arm_type(text: str) -> bool:
    """True for ``Namespace.Provider/type[/child...]`` (``--type`` takes any such type)."""
    return bool(_ARM_TYPE.match(text))


def canonical(native_type: str, registered: dict[str, str] | None = None) -> str:
    """``native_type`` in its registered case: from :data:`KNOWN_TYPES`, else from
    ``registered`` (lower-case type -> registered type, the ``/providers`` metadata), else
    as given."""
    lower = native_type.lower()
    return _CANONICAL.get(lower) or (registered or {}).get(lower) or native_type


def singular(word: str) -> str:
    """The singular of a lower-case English plural as ARM names its types."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(_NOT_PLURAL):
        return word[:-1]
    return word


def _kind_word(segment: str) -> str:
    # An acronym's plural (managedHSMs) loses its s before the words are split.
    if len(segment) > 2 and segment.endswith("s") and segment[-2].isupper():
        segment = segment[:-1]
    words = _BOUNDARY.sub("-", segment).lower().replace("_", "-").split("-")
    words[-1] = singular(words[-1])
    return "-".join(word for word in words if word)


def asset_type_for(native_type: str) -> str:
    """The asset type of an ARM type by the rule (see the module's docstring)."""
    namespace, _, path = native_type.partition("/")
    service = namespace.lower()
    service = service[len("microsoft."):] if service.startswith("microsoft.") else service
    kind = "-".join(_kind_word(segment) for segment in path.split("/") if segment)
    return f"azure:{service.replace('.', '-')}:{kind}"
