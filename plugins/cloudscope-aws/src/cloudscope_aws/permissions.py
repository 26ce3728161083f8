"""The read-only IAM policy the collector needs: every action its calls use, read from the
catalogue (the same ``api_calls`` ``cloudscope types`` prints), and nothing else.

``python -m cloudscope_aws.permissions`` prints it; ``--max-size 6144`` prints a list of
documents, each within IAM's limit for a managed policy (6,144 characters without
whitespace), to attach together. docs/aws.md holds the output; a test fails when it drifts.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from typing import Any, Final

from cloudscope_aws.services import units

PLANNING: Final = ("sts:GetCallerIdentity", "ec2:DescribeRegions")
"""Who the credentials are, and which regions the account has enabled."""
ENDPOINT_DISCOVERY: Final = ("timestream:DescribeEndpoints",)
"""Timestream's clients ask for their endpoint before the first call."""
_RENAMED: Final = {
    "s3:ListBuckets": "s3:ListAllMyBuckets",
    "s3control:GetPublicAccessBlock": "s3:GetAccountPublicAccessBlock",
    "s3:GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
    "s3:GetBucketEncryption": "s3:GetEncryptionConfiguration",
}
"""API operations whose IAM action has another name (S3's, as the service authorization
reference lists them)."""
_BY_METHOD: Final = {"apigateway": "GET"}
"""Services whose IAM actions are HTTP methods on resource paths (API Gateway's
``apigateway:GET`` covers every Get* call of versions 1 and 2)."""


def iam_action(api_call: str) -> str:
    """The IAM action that authorizes ``api_call`` (``<service>:<Operation>``)."""
    if api_call in _RENAMED:
        return _RENAMED[api_call]
    service, _, operation = api_call.partition(":")
    method = _BY_METHOD.get(service)
    return f"{service}:{method}" if method and operation.startswith("Get") else api_call


def actions(asset_types: Iterable[str] | None = None) -> list[str]:
    """Every IAM action the collection of ``asset_types`` (default: all) calls, sorted."""
    wanted = set(asset_types) if asset_types is not None else None
    calls = {call for unit in units().values() for doc in unit.types
             if wanted is None or doc.asset_type in wanted for call in doc.api_calls}
    found = {iam_action(call) for call in calls} | set(PLANNING)
    if any(call.startswith("timestream:") for call in calls):
        found |= set(ENDPOINT_DISCOVERY)
    return sorted(found, key=str.lower)


def policy(granted: list[str], sid: str = "CloudScopeReadOnly") -> dict[str, Any]:
    """An identity policy allowing ``granted`` on every resource."""
    return {"Version": "2012-10-17",
            "Statement": [{"Sid": sid, "Effect": "Allow", "Action": granted, "Resource": "*"}]}


def split(granted: list[str], max_size: int) -> list[dict[str, Any]]:
    """Policies allowing ``granted`` together, each at most ``max_size`` characters
    without whitespace (IAM's measure)."""
    documents: list[list[str]] = [[]]
    for action in granted:
        trial = policy([*documents[-1], action], f"CloudScopeReadOnly{len(documents)}")
        if documents[-1] and _size(trial) > max_size:
            documents.append([])
        documents[-1].append(action)
    return [policy(chunk, f"CloudScopeReadOnly{number}")
            for number, chunk in enumerate(documents, start=1)]


def _size(document: dict[str, Any]) -> int:
    return len(json.dumps(document, separators=(",", ":")))


def main(argv: list[str] | None = None) -> int:
    """Print the policy (or, with ``--max-size``, the list of policies)."""
    parser = argparse.ArgumentParser(prog="python -m cloudscope_aws.permissions",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-size", type=int, metavar="CHARACTERS",
                        help="split into policies of at most this size (IAM: 6144)")
    args = parser.parse_args(argv)
    granted = actions()
    output: Any = split(granted, args.max_size) if args.max_size else policy(granted)
    json.dump(output, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
