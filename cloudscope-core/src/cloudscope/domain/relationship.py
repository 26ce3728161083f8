"""Relationships between assets, in a small vocabulary shared by every cloud."""

from __future__ import annotations

from typing import Annotated, Any, Final

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from cloudscope.domain.asset import NonEmptyId
from cloudscope.domain.serialization import JsonDataError, check_text, json_data

IN_SUBNET: Final = "IN_SUBNET"
"""An instance, interface, database or load balancer placed in a subnet."""
IN_NETWORK: Final = "IN_NETWORK"
"""A subnet (or a gateway, a security group) in a VPC or virtual network."""
PROTECTED_BY: Final = "PROTECTED_BY"
"""An asset guarded by a security group, network security group or firewall rule."""
ATTACHED_TO: Final = "ATTACHED_TO"
"""A part attached to what it serves: volume -> instance, interface -> instance, IP -> interface."""
CONTAINS: Final = "CONTAINS"
"""A container holding an asset: resource group, project, folder, account."""
HAS_ROLE: Final = "HAS_ROLE"
"""A workload acting with an identity: Lambda -> role, instance -> service account."""
ASSUMES: Final = "ASSUMES"
"""A principal that may assume a role (trust policies)."""
HAS_POLICY: Final = "HAS_POLICY"
"""A principal with an attached policy: role, user or group -> policy."""
MEMBER_OF: Final = "MEMBER_OF"
"""A user in a group."""
ROUTES_TO: Final = "ROUTES_TO"
"""Traffic forwarding: load balancer -> listener -> target group -> instance, route -> gateway."""
ENCRYPTED_BY: Final = "ENCRYPTED_BY"
"""Data encrypted with a key: volume, bucket, database -> KMS key."""
EXPOSED_BY: Final = "EXPOSED_BY"
"""An asset reachable from the internet through a public address or load balancer."""
RELATED_TO: Final = "RELATED_TO"
"""A link found by a detection rule (same application tag, same name) without a stronger meaning."""

VOCABULARY: Final = frozenset({
    IN_SUBNET, IN_NETWORK, PROTECTED_BY, ATTACHED_TO, CONTAINS, HAS_ROLE, ASSUMES,
    HAS_POLICY, MEMBER_OF, ROUTES_TO, ENCRYPTED_BY, EXPOSED_BY, RELATED_TO,
})
"""The documented relationship types. Plugins may use others matching ``[A-Z][A-Z0-9_]*``."""

RELATIONSHIP_TYPE_PATTERN: Final = r"^[A-Z][A-Z0-9_]*$"


class Relationship(BaseModel):
    """A directed edge, read ``source_id -TYPE-> target_id``. Added in API 1.0.

    The target need not be collected yet: a repository keeps the edge and resolves it
    when the target arrives. ``properties`` follow the rules of ``Asset.properties``; the
    ids must be valid Unicode without U+0000.
    """

    model_config = ConfigDict(extra="forbid")

    source_id: NonEmptyId
    type: Annotated[str, StringConstraints(pattern=RELATIONSHIP_TYPE_PATTERN, max_length=64)]
    target_id: NonEmptyId
    properties: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _storable(self) -> Relationship:
        # The same rule as for assets: what a store accepts it reads back (issue 12).
        try:
            check_text(self.source_id, nul=False)
        except JsonDataError as error:
            raise error.within("source_id") from None
        try:
            check_text(self.target_id, nul=False)
        except JsonDataError as error:
            raise error.within("target_id") from None
        try:
            self.__dict__["properties"] = json_data(self.properties)
        except JsonDataError as error:
            raise error.within("properties") from None
        return self

    @property
    def key(self) -> tuple[str, str, str]:
        """The identity of an edge: two edges with the same key are the same edge."""
        return (self.source_id, self.type, self.target_id)
