"""RDS DB instances and DB subnet groups (regional scope service ``rds``).

Both APIs return ARNs (``DBInstanceArn``, ``DBSubnetGroupArn``) and DB instances carry
their tags (``TagList``), so collection is one paginated call per type.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final

from cloudscope_aws.calls import each
from cloudscope_aws.clients import AccountClients
from cloudscope_aws.shapes import Item, Kind, Location, edges, kms_key_arn

DB_INSTANCE: Final = Kind("aws:rds:db-instance", "AWS::RDS::DBInstance")
DB_SUBNET_GROUP: Final = Kind("aws:rds:db-subnet-group", "AWS::RDS::DBSubnetGroup")


def collect(clients: AccountClients, location: Location) -> Iterator[Item]:
    """Every DB instance and DB subnet group of the region."""
    rds = clients.client("rds", location.region)
    for instance in each(rds, "describe_db_instances", "DBInstances"):
        yield from transform_db_instance(location, instance)
    for group in each(rds, "describe_db_subnet_groups", "DBSubnetGroups"):
        yield from transform_db_subnet_group(location, group)


def _subnets(location: Location, group: Mapping[str, Any]) -> Iterator[str]:
    for subnet in group.get("Subnets") or ():
        if subnet.get("SubnetIdentifier"):
            yield location.ec2_arn("subnet", subnet["SubnetIdentifier"])


def transform_db_instance(location: Location, instance: Mapping[str, Any]) -> list[Item]:
    """A DB instance: IN_SUBNET its subnet group's subnets, IN_NETWORK its VPC,
    PROTECTED_BY its VPC security groups, ENCRYPTED_BY its KMS key, HAS_ROLE its
    associated roles."""
    arn = instance["DBInstanceArn"]
    group = instance.get("DBSubnetGroup") or {}
    return [location.asset(DB_INSTANCE, arn, instance, name=instance["DBInstanceIdentifier"]),
            *edges(arn, "IN_SUBNET", _subnets(location, group)),
            *edges(arn, "IN_NETWORK", [location.ec2_arn("vpc", group["VpcId"])
                                       if group.get("VpcId") else None]),
            *edges(arn, "PROTECTED_BY", (location.ec2_arn("security-group", g["VpcSecurityGroupId"])
                                         for g in instance.get("VpcSecurityGroups") or ())),
            *edges(arn, "ENCRYPTED_BY", [kms_key_arn(location, instance.get("KmsKeyId"))]),
            *edges(arn, "HAS_ROLE", (role.get("RoleArn")
                                     for role in instance.get("AssociatedRoles") or ()))]


def transform_db_subnet_group(location: Location, group: Mapping[str, Any]) -> list[Item]:
    """A DB subnet group: IN_NETWORK its VPC, CONTAINS its subnets."""
    arn = group["DBSubnetGroupArn"]
    return [location.asset(DB_SUBNET_GROUP, arn, group, name=group["DBSubnetGroupName"]),
            *edges(arn, "IN_NETWORK", [location.ec2_arn("vpc", group["VpcId"])
                                       if group.get("VpcId") else None]),
            *edges(arn, "CONTAINS", _subnets(location, group))]
