"""Registration of the baseline rules, kept light: nothing is built until a rule is used.

Python rules register as ``"module:Class"`` strings; YAML rules as a small callable that
builds the rule from its pack on first use. Only the packs' ids are read here, by a line
pattern rather than a YAML parser: importing PyYAML and parsing four packs was a sixth of
``cloudscope plugins``'s start-up. A test checks the pattern against a real YAML parse.
"""

from __future__ import annotations

import re
from functools import cache, partial
from importlib import resources
from typing import Any, Final

from cloudscope.ports.registration import Register

PYTHON_RULES: Final = {
    "aws.ec2.security-group-admin-ports-open": "AwsSecurityGroupAdminPorts",
    "azure.network.nsg-admin-ports-open": "AzureNsgAdminPorts",
    "gcp.compute.firewall-admin-ports-open": "GcpFirewallAdminPorts",
    "aws.iam.policy-full-admin": "AwsPolicyFullAdmin",
    "cloudscope.exposure.internet-to-admin": "InternetToAdminExposure",
    "cloudscope.detect.references": "ReferenceDetection",
    "cloudscope.detect.network": "NetworkDetection",
    "cloudscope.detect.principals": "PrincipalDetection",
}
"""Rule id -> class name in :mod:`cloudscope.adapters.rules.baseline`."""
IDENTITY_RULES: Final = {
    "aws.iam.role-trust-any-principal": "AwsRoleTrustAnyPrincipal",
    "aws.iam.inline-policy-admin": "AwsInlinePolicyAdmin",
    "aws.iam.principal-admin": "AwsPrincipalAdmin",
    "azure.authorization.custom-admin-role": "AzureCustomAdminRole",
    "gcp.iam.custom-role-privileged": "GcpCustomRolePrivileged",
}
"""Rule id -> class name in :mod:`cloudscope.adapters.rules.identity`."""
PACKS: Final = ("aws.yaml", "azure.yaml", "gcp.yaml", "detection.yaml")
# A list item of `rules:` or `detections:` starts with its id (the packs' documented layout).
_RULE_ID: Final = re.compile(r"""^  - id:\s*["']?([^"'\s#]+)""", re.MULTILINE)


@cache
def pack_ids(pack: str) -> tuple[str, ...]:
    """The rule ids a built-in pack declares, in file order."""
    text = resources.files(__package__).joinpath(pack).read_text(encoding="utf-8")
    return tuple(match.group(1) for match in _RULE_ID.finditer(text))


def build_yaml_rule(pack: str, rule_id: str) -> Any:
    """Build one rule of a built-in pack (the registered factory)."""
    from cloudscope.adapters.rules.packs import builtin_rule

    return builtin_rule(pack, rule_id)


def register_baseline(register: Register) -> None:
    """Register every baseline rule under its id."""
    for module, rules in (("baseline", PYTHON_RULES), ("identity", IDENTITY_RULES)):
        for rule_id, class_name in rules.items():
            register(rule_id, f"cloudscope.adapters.rules.{module}:{class_name}")
    for pack in PACKS:
        for rule_id in pack_ids(pack):
            register(rule_id, partial(build_yaml_rule, pack, rule_id))
