"""Write ``estate-next-week.json``: the sample estate a week later, for change tracking.

    python examples/estate/next_week.py     # rewrites examples/estate/estate-next-week.json

Four things happened (README, "Change tracking"): the ``web-https`` security group was
opened to RDP from anywhere, the ``acme-orders-exports`` bucket was made readable by
everyone, the ``bastion-prod`` instance was decommissioned, and ``vm-app-01`` was given an
``owner`` tag. Collect ``estate.json``, assess, then collect this file at the same path and
assess again: ``cloudscope changes`` tells the story, with the risk that came and went.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
BASTION = "arn:aws:ec2:us-east-1:111122223333:instance/i-0a1b2c3d4e5f60001"
WEB_HTTPS = "arn:aws:ec2:us-east-1:111122223333:security-group/sg-0a1b2c3d4e5f60002"
EXPORTS = "arn:aws:s3:::acme-orders-exports"
VM_APP = ("/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourcegroups/rg-prod-eastus/"
          "providers/microsoft.compute/virtualmachines/vm-app-01")
EVERYONE = {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"},
            "Permission": "READ"}


def next_week(estate: dict[str, Any]) -> dict[str, Any]:
    """The estate with the week's four changes."""
    document = copy.deepcopy(estate)
    by_id = {asset["id"]: asset for asset in document["assets"]}
    by_id[WEB_HTTPS]["properties"]["IpPermissions"].append({
        "IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389,
        "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "vendor support"}],
        "Ipv6Ranges": [], "UserIdGroupPairs": [], "PrefixListIds": []})
    bucket = by_id[EXPORTS]["properties"]
    bucket["Acl"]["Grants"].append(EVERYONE)
    bucket["PublicAccessBlockConfiguration"].update(BlockPublicAcls=False,
                                                    IgnorePublicAcls=False)
    by_id[VM_APP]["tags"]["owner"] = "data-platform"
    document["assets"] = [asset for asset in document["assets"] if asset["id"] != BASTION]
    document["relationships"] = [edge for edge in document["relationships"]
                                 if BASTION not in (edge["source_id"], edge["target_id"])]
    return document


def main() -> None:
    """Rewrite estate-next-week.json from estate.json."""
    estate = json.loads((HERE / "estate.json").read_text(encoding="utf-8"))
    (HERE / "estate-next-week.json").write_text(
        json.dumps(next_week(estate), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
