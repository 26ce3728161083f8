"""EC2 compute: instances, EBS volumes, network interfaces and Elastic IPs (scope service
``ec2``).

ARNs: ``instance/ID``, ``volume/ID``, ``network-interface/ID`` and ``elastic-ip/ALLOCATION``
under ``arn:PARTITION:ec2:REGION:ACCOUNT:``. An instance HAS_ROLE the roles of its
instance profile, read once per account from IAM ``ListInstanceProfiles``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final

from botocore.exceptions import BotoCoreError, ClientError
from cloudscope.api import Relationship

from cloudscope_aws.calls import each, each_transformed, error_code
from cloudscope_aws.clients import AccountClients
from cloudscope_aws.shapes import Item, Kind, Location, edges, kms_key_arn

INSTANCE: Final = Kind("aws:ec2:instance", "AWS::EC2::Instance")
VOLUME: Final = Kind("aws:ec2:volume", "AWS::EC2::Volume")
NETWORK_INTERFACE: Final = Kind("aws:ec2:network-interface", "AWS::EC2::NetworkInterface")
ELASTIC_IP: Final = Kind("aws:ec2:elastic-ip", "AWS::EC2::EIP")

Element = Mapping[str, Any]
ProfileRoles = Mapping[str, list[str]]
"""Instance profile ARN -> the ARNs of its roles."""


def collect(clients: AccountClients, location: Location) -> Iterator[Item]:
    """Every instance, volume, network interface and Elastic IP of the region."""
    ec2 = clients.client("ec2", location.region)
    profile_roles: ProfileRoles | None = None
    for reservation in each(ec2, "describe_instances", "Reservations"):
        for instance in reservation.get("Instances") or ():
            if profile_roles is None and instance.get("IamInstanceProfile"):
                profile_roles = instance_profile_roles(clients)
            yield from transform_instance(location, instance, profile_roles or {})
    yield from each_transformed(ec2, (
        ("describe_volumes", "Volumes", transform_volume),
        ("describe_network_interfaces", "NetworkInterfaces", transform_network_interface),
        ("describe_addresses", "Addresses", transform_elastic_ip),
    ), location)


def instance_profile_roles(clients: AccountClients) -> ProfileRoles:
    """The account's instance profiles and their roles, listed once per run.

    Without IAM read access the instances are still collected, only without HAS_ROLE:
    the gap is logged and counted (``instance_profiles_unresolved``), not fatal.
    """
    def list_profiles() -> ProfileRoles:
        try:
            return {profile["Arn"]: [role["Arn"] for role in profile.get("Roles") or ()]
                    for profile in each(clients.client("iam"), "list_instance_profiles",
                                        "InstanceProfiles")}
        except (ClientError, BotoCoreError) as error:
            code = error_code(error) if isinstance(error, ClientError) else type(error).__name__
            clients.warn("aws.instance_profiles_unresolved", error=code)
            clients.count("instance_profiles_unresolved")
            return {}

    return clients.memo("iam:instance-profile-roles", list_profiles)


def transform_instance(location: Location, instance: Element,
                       profile_roles: ProfileRoles) -> list[Item]:
    """An instance: IN_SUBNET, IN_NETWORK, PROTECTED_BY its security groups, HAS_ROLE the
    roles of its instance profile (the edge's ``instance_profile`` property names it)."""
    arn = location.ec2_arn("instance", instance["InstanceId"])
    items: list[Item] = [location.asset(INSTANCE, arn, instance, name=instance["InstanceId"])]
    items += _placement(location, arn, instance.get("SubnetId"), instance.get("VpcId"))
    items += edges(arn, "PROTECTED_BY", (location.ec2_arn("security-group", g["GroupId"])
                                         for g in instance.get("SecurityGroups") or ()))
    profile = (instance.get("IamInstanceProfile") or {}).get("Arn")
    for role in profile_roles.get(profile, ()) if profile else ():
        items.append(Relationship(source_id=arn, type="HAS_ROLE", target_id=role,
                                  properties={"instance_profile": profile}))
    return items


def _placement(location: Location, arn: str, subnet: str | None,
               vpc: str | None) -> list[Item]:
    """``IN_SUBNET`` and ``IN_NETWORK`` edges for what sits in a subnet of a VPC."""
    items: list[Item] = []
    if subnet:
        items += edges(arn, "IN_SUBNET", [location.ec2_arn("subnet", subnet)])
    if vpc:
        items += edges(arn, "IN_NETWORK", [location.ec2_arn("vpc", vpc)])
    return items


def transform_volume(location: Location, volume: Element) -> list[Item]:
    """An EBS volume: ATTACHED_TO its instances, ENCRYPTED_BY its KMS key."""
    arn = location.ec2_arn("volume", volume["VolumeId"])
    instances = (location.ec2_arn("instance", a["InstanceId"])
                 for a in volume.get("Attachments") or () if a.get("InstanceId"))
    return [location.asset(VOLUME, arn, volume, name=volume["VolumeId"]),
            *edges(arn, "ATTACHED_TO", instances),
            *edges(arn, "ENCRYPTED_BY", [kms_key_arn(location, volume.get("KmsKeyId"))])]


def transform_network_interface(location: Location, interface: Element) -> list[Item]:
    """A network interface: ATTACHED_TO its instance, IN_SUBNET, IN_NETWORK, PROTECTED_BY
    its security groups."""
    arn = location.ec2_arn("network-interface", interface["NetworkInterfaceId"])
    instance = (interface.get("Attachment") or {}).get("InstanceId")
    items: list[Item] = [location.asset(NETWORK_INTERFACE, arn, interface,
                                        name=interface["NetworkInterfaceId"])]
    if instance:
        items += edges(arn, "ATTACHED_TO", [location.ec2_arn("instance", instance)])
    items += _placement(location, arn, interface.get("SubnetId"), interface.get("VpcId"))
    items += edges(arn, "PROTECTED_BY", (location.ec2_arn("security-group", g["GroupId"])
                                         for g in interface.get("Groups") or ()))
    return items


def transform_elastic_ip(location: Location, address: Element) -> list[Item]:
    """An Elastic IP (``elastic-ip/ALLOCATION_ID``, or the address itself when it has no
    allocation id): ATTACHED_TO its network interface, else its instance."""
    arn = location.ec2_arn("elastic-ip", address.get("AllocationId") or address["PublicIp"])
    if address.get("NetworkInterfaceId"):
        target = location.ec2_arn("network-interface", address["NetworkInterfaceId"])
    elif address.get("InstanceId"):
        target = location.ec2_arn("instance", address["InstanceId"])
    else:
        target = None
    return [location.asset(ELASTIC_IP, arn, address, name=address.get("PublicIp")),
            *edges(arn, "ATTACHED_TO", [target])]
