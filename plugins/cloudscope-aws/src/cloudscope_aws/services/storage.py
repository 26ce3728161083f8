"""Storage and backup: EFS file systems, mount targets and access points, FSx file systems
and backups, AWS Backup vaults and plans, Glacier vaults.

File system, backup vault and Glacier vault policies are ``Policy``, decoded: they decide
who outside the account may mount, restore or read.
"""

from __future__ import annotations

from typing import Final

from cloudscope_aws.catalogue import Detail, Edge, Resource, arn, groups, key, subnets, vpc

FILE_SYSTEM: Final = Resource(
    "AWS::EFS::FileSystem", "efs", "DescribeFileSystems", "FileSystems", service="elasticfilesystem",
    arn="FileSystemArn", name="{FileSystemId}",
    policy=Detail("Policy", "DescribeFileSystemPolicy", {"FileSystemId": "{FileSystemId}"},
                  key="Policy", absent=("PolicyNotFound", "FileSystemNotFound")),
    edges=(key("KmsKeyId"),),
    volatile=("SizeInBytes", "NumberOfMountTargets"),
)

MOUNT_TARGET: Final = Resource(
    "AWS::EFS::MountTarget", "efs", "DescribeMountTargets", "MountTargets",
    service="elasticfilesystem",
    arn="arn:{partition}:elasticfilesystem:{region}:{account}:file-system/{FileSystemId}/"
        "mount-target/{MountTargetId}",
    name="MountTargetId", parent=FILE_SYSTEM, parent_params={"FileSystemId": "{FileSystemId}"},
    absent=("FileSystemNotFound",),
    details=(Detail("SecurityGroups", "DescribeMountTargetSecurityGroups",
                    {"MountTargetId": "{MountTargetId}"}, key="SecurityGroups",
                    absent=("MountTargetNotFound",)),),
    edges=(subnets("SubnetId"), vpc("VpcId"), groups("SecurityGroups[]"),
           Edge("ATTACHED_TO", "NetworkInterfaceId", "aws:ec2:network-interface",
                "arn:{partition}:ec2:{region}:{account}:network-interface/{value}",
                inbound=True)),
)

ACCESS_POINT: Final = Resource(
    "AWS::EFS::AccessPoint", "efs", "DescribeAccessPoints", "AccessPoints",
    service="elasticfilesystem", arn="AccessPointArn", name="{AccessPointId}",
    parent=FILE_SYSTEM, parent_params={"FileSystemId": "{FileSystemId}"},
    absent=("FileSystemNotFound",),
)

FSX_FILE_SYSTEM: Final = Resource(
    "AWS::FSx::FileSystem", "fsx", "DescribeFileSystems", "FileSystems", arn="ResourceARN",
    name="FileSystemId",
    edges=(subnets("SubnetIds[]"), vpc("VpcId"), key("KmsKeyId")),
)

FSX_BACKUP: Final = Resource(
    "AWS::FSx::Backup", "fsx", "DescribeBackups", "Backups", arn="ResourceARN", name="BackupId",
    edges=(key("KmsKeyId"),
           arn("CONTAINS", "FileSystem.ResourceARN", "aws:fsx:file-system", inbound=True)),
    volatile=("ProgressPercent",),
)

BACKUP_VAULT: Final = Resource(
    "AWS::Backup::BackupVault", "backup", "ListBackupVaults", "BackupVaultList",
    arn="BackupVaultArn", name="BackupVaultName",
    tags=Detail("Tags", "ListTags", {"ResourceArn": "{BackupVaultArn}"}, key="Tags"),
    policy=Detail("Policy", "GetBackupVaultAccessPolicy",
                  {"BackupVaultName": "{BackupVaultName}"}, key="Policy",
                  absent=("ResourceNotFoundException",)),
    edges=(key("EncryptionKeyArn"),),
    volatile=("NumberOfRecoveryPoints",),
)

BACKUP_PLAN: Final = Resource(
    "AWS::Backup::BackupPlan", "backup", "ListBackupPlans", "BackupPlansList",
    arn="BackupPlanArn", name="BackupPlanName",
    tags=Detail("Tags", "ListTags", {"ResourceArn": "{BackupPlanArn}"}, key="Tags"),
    volatile=("LastExecutionDate",),
)

GLACIER_VAULT: Final = Resource(
    "AWS::Glacier::Vault", "glacier", "ListVaults", "VaultList", arn="VaultARN",
    name="VaultName", params={"accountId": "-"},
    policy=Detail("Policy", "GetVaultAccessPolicy", {"accountId": "-",
                                                     "vaultName": "{VaultName}"},
                  key="policy.Policy", absent=("ResourceNotFoundException",)),
    volatile=("NumberOfArchives", "SizeInBytes", "LastInventoryDate"),
)

RESOURCES: Final = (FILE_SYSTEM, MOUNT_TARGET, ACCESS_POINT, FSX_FILE_SYSTEM, FSX_BACKUP,
                    BACKUP_VAULT, BACKUP_PLAN, GLACIER_VAULT)
