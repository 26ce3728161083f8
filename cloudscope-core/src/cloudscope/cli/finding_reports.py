"""``assess --format sarif`` and ``--format ocsf``: findings for CI gates and security lakes.

SARIF 2.1.0 (GitHub code scanning, Azure DevOps, any SARIF viewer): one run, the rules of
the catalogue as ``tool.driver.rules``, one result per finding. A result names its asset
twice: as a logical location (``kind: resource``, the asset id), as the specification
intends for things that are not files, and as a physical location whose URI is the asset
id made into a relative path, because GitHub code scanning rejects a result without one.

OCSF: one Detection Finding (class 2004, OCSF 1.5.0) per line, the asset as the affected
resource and its cloud, account and region; the evidence under ``unmapped.evidence``.

Both stream: findings are read in batches, each batch's assets looked up at once.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator, Sequence
from typing import Any, Final, TextIO
from urllib.parse import quote

from cloudscope import __version__
from cloudscope.domain.asset import Asset
from cloudscope.domain.finding import Finding, Severity
from cloudscope.domain.query import AssetQuery

SARIF_SCHEMA: Final = ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
                       "sarif-schema-2.1.0.json")
OCSF_VERSION: Final = "1.5.0"
PRODUCT: Final = "CloudScope"
INFORMATION_URI: Final = "https://pypi.org/project/cloudscope-core/"
BATCH: Final = 500
# SARIF levels, and GitHub's security-severity (a CVSS-like score that GitHub buckets
# into critical >= 9.0, high >= 7.0, medium >= 4.0, low above 0).
_LEVEL: Final = {Severity.CRITICAL: "error", Severity.HIGH: "error",
                 Severity.MEDIUM: "warning", Severity.LOW: "note", Severity.INFO: "note"}
_SECURITY_SEVERITY: Final = {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0",
                             Severity.MEDIUM: "5.5", Severity.LOW: "3.0", Severity.INFO: "0.0"}
_OCSF_SEVERITY: Final = {Severity.CRITICAL: (5, "Critical"), Severity.HIGH: (4, "High"),
                         Severity.MEDIUM: (3, "Medium"), Severity.LOW: (2, "Low"),
                         Severity.INFO: (1, "Informational")}
# OCSF account type ids: 10 AWS Account, 5 GCP Account; 99 Other, named by `type`.
_ACCOUNT_TYPES: Final = {"aws": (10, "AWS Account"), "gcp": (5, "GCP Account"),
                         "azure": (99, "Azure Subscription")}


def fingerprint(finding: Finding) -> str:
    """A stable id of a finding: the same rule on the same asset, run after run."""
    return hashlib.sha256(f"{finding.rule_id}\0{finding.asset_id}".encode()).hexdigest()


def with_assets(findings: Iterator[Finding], repository: Any) -> Iterator[tuple[Finding, Asset | None]]:
    """Each finding with its asset (None if it is no longer stored), a batch at a time."""
    batch: list[Finding] = []

    def flush() -> Iterator[tuple[Finding, Asset | None]]:
        ids = tuple(sorted({finding.asset_id for finding in batch}))
        assets = {asset.id: asset for asset in repository.iter_assets(AssetQuery(ids=ids))}
        for finding in batch:
            yield finding, assets.get(finding.asset_id)

    for finding in findings:
        batch.append(finding)
        if len(batch) >= BATCH:
            yield from flush()
            batch = []
    if batch:
        yield from flush()


# SARIF -------------------------------------------------------------------------------
def write_sarif(out: TextIO, rules: Sequence[Any], result: Any, repository: Any) -> None:
    """The assessment as one SARIF 2.1.0 log, the results written as the findings stream.

    The run's ``results`` come before its ``tool`` (members of a JSON object have no
    order), so that the rules of findings kept from a rule that could not be built can
    still be described without holding the results."""
    summary = result.summary
    descriptors = [_sarif_rule(rule) for rule in rules if getattr(rule, "kind", "") == "risk"]
    index = {descriptor["id"]: position for position, descriptor in enumerate(descriptors)}
    out.write(f'{{\n  "$schema": {json.dumps(SARIF_SCHEMA)},\n  "version": "2.1.0",\n'
              '  "runs": [\n    {\n      "results": [')
    for count, (finding, asset) in enumerate(with_assets(result.findings(), repository)):
        if finding.rule_id not in index:
            index[finding.rule_id] = len(descriptors)
            descriptors.append({"id": finding.rule_id, "shortDescription": {
                "text": finding.title or finding.rule_id}})
        line = json.dumps(_sarif_result(finding, asset, index[finding.rule_id]))
        out.write(("," if count else "") + "\n        " + line)
    notifications = [{"level": "error", "descriptor": {"id": failure.rule_id},
                      "message": {"text": f"rule {failure.rule_id} failed ({failure.stage}): "
                                          f"{failure.error}"}}
                     for failure in summary.failures]
    rest = {
        "tool": {"driver": {"name": PRODUCT, "version": __version__,
                            "semanticVersion": __version__, "informationUri": INFORMATION_URI,
                            "rules": descriptors}},
        "invocations": [{"executionSuccessful": summary.complete,
                         "toolExecutionNotifications": notifications}],
        "columnKind": "unicodeCodePoints",
    }
    out.write("\n      ],\n      " + json.dumps(rest)[1:-1] + "\n    }\n  ]\n}\n")


def _sarif_rule(rule: Any) -> dict[str, Any]:
    severity = Severity(rule.severity)
    descriptor: dict[str, Any] = {
        "id": rule.rule_id,
        "shortDescription": {"text": rule.title or rule.rule_id},
        "defaultConfiguration": {"level": _LEVEL[severity]},
        "properties": {"security-severity": _SECURITY_SEVERITY[severity],
                       "severity": severity.value, "tags": ["security", "cloud"]},
    }
    references = list(rule.references)
    if rule.remediation or references:
        see = f" See: {'; '.join(references)}." if references else ""
        descriptor["help"] = {"text": f"{rule.remediation or rule.title}{see}".strip()}
    links = [reference for reference in references if reference.startswith("https://")]
    if links:  # helpUri is a URI; references such as "CIS Azure 3.7" stay in the help text
        descriptor["helpUri"] = links[0]
    return descriptor


def _sarif_result(finding: Finding, asset: Asset | None, rule_index: int) -> dict[str, Any]:
    text = finding.title + (f": {finding.detail}" if finding.detail else "")
    properties: dict[str, Any] = {"severity": finding.severity.value, "evidence": finding.evidence}
    if asset is not None:
        properties.update(asset_type=asset.asset_type, provider=asset.provider,
                          account=asset.account, region=asset.region)
    return {
        "ruleId": finding.rule_id, "ruleIndex": rule_index, "level": _LEVEL[finding.severity],
        "message": {"text": text or finding.rule_id},
        "locations": [{
            "physicalLocation": {"artifactLocation": {"uri": artifact_uri(finding.asset_id)}},
            "logicalLocations": [{"fullyQualifiedName": finding.asset_id, "kind": "resource"}],
        }],
        "partialFingerprints": {"cloudscopeFinding/v1": fingerprint(finding)},
        "properties": properties,
    }


def artifact_uri(asset_id: str) -> str:
    """The asset id as a relative URI reference: leading slashes removed (an Azure id, a
    GCP ``//service/...`` name) and everything but path characters percent-encoded (an
    ARN's colons), so that no id reads as a scheme or an authority."""
    return quote(asset_id.lstrip("/"), safe="/-._~") or "-"


# OCSF --------------------------------------------------------------------------------
def write_ocsf(out: TextIO, rules: Sequence[Any], result: Any, repository: Any) -> None:
    """One OCSF Detection Finding per line."""
    references = {rule.rule_id: list(rule.references) for rule in rules}
    now = int(time.time() * 1000)
    for finding, asset in with_assets(result.findings(), repository):
        out.write(json.dumps(ocsf_finding(finding, asset, references.get(finding.rule_id, []),
                                          now), separators=(",", ":")) + "\n")


def ocsf_finding(finding: Finding, asset: Asset | None, references: list[str],
                 now_ms: int) -> dict[str, Any]:
    """A finding as an OCSF Detection Finding (class_uid 2004, activity Create)."""
    severity_id, severity = _OCSF_SEVERITY[finding.severity]
    event: dict[str, Any] = {
        "activity_id": 1, "activity_name": "Create",
        "category_uid": 2, "category_name": "Findings",
        "class_uid": 2004, "class_name": "Detection Finding",
        "type_uid": 200401, "type_name": "Detection Finding: Create",
        "severity_id": severity_id, "severity": severity,
        "status_id": 1, "status": "New",
        "time": now_ms,
        "message": finding.title,
        "metadata": {"version": OCSF_VERSION, "product": {
            "name": PRODUCT, "vendor_name": PRODUCT, "version": __version__}},
        "finding_info": {
            "uid": fingerprint(finding), "title": finding.title or finding.rule_id,
            "desc": finding.detail or finding.title, "created_time": now_ms,
            "types": [finding.rule_id],
            "analytic": {"uid": finding.rule_id, "name": finding.rule_id, "type_id": 1,
                         "type": "Rule"},
        },
        "resources": [_resource(finding.asset_id, asset)],
        "unmapped": {"evidence": finding.evidence},
    }
    if finding.remediation or references:
        event["remediation"] = {"desc": finding.remediation or finding.title,
                                "references": references}
    if asset is not None:
        event["cloud"] = _cloud(asset)
    return event


def _resource(asset_id: str, asset: Asset | None) -> dict[str, Any]:
    if asset is None:
        return {"uid": asset_id}
    resource: dict[str, Any] = {"uid": asset.id, "type": asset.asset_type}
    if asset.native_type:
        resource["data"] = {"native_type": asset.native_type}
    if asset.name:
        resource["name"] = asset.name
    if asset.region:
        resource["region"] = asset.region
    if asset.tags:
        resource["labels"] = [f"{key}={value}" for key, value in sorted(asset.tags.items())]
    return resource


def _cloud(asset: Asset) -> dict[str, Any]:
    cloud: dict[str, Any] = {"provider": asset.provider}
    if asset.region:
        cloud["region"] = asset.region
    if asset.account:
        type_id, kind = _ACCOUNT_TYPES.get(asset.provider, (99, f"{asset.provider} account"))
        cloud["account"] = {"uid": asset.account, "name": asset.account, "type_id": type_id,
                            "type": kind}
    return cloud
