"""moto builders: Databases, secrets, monitoring, storage, analytics and streaming (registered in ``aws_seed.SEEDERS``)."""

from __future__ import annotations

import json
from typing import Any

from aws_seed import ACCOUNT, TWO, Shared, not_seeded, seeds


# Databases --------------------------------------------------------------------------------
@seeds("aws:dynamodb:table")
def _tables(s: Shared) -> list[str]:
    dynamodb = s.client("dynamodb")
    return [dynamodb.create_table(
        TableName=f"seed-{n}", BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])["TableDescription"]["TableArn"]
        for n in TWO]


@seeds("aws:dynamodb:backup")
def _backups(s: Shared) -> list[str]:
    dynamodb = s.client("dynamodb")
    dynamodb.create_table(
        TableName="seed-backed-up", BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
    return [dynamodb.create_backup(TableName="seed-backed-up", BackupName=f"seed-{n}"
                                   )["BackupDetails"]["BackupArn"] for n in TWO]


@seeds("aws:elasticache:cache-cluster")
def _cache_clusters(s: Shared) -> list[str]:
    elasticache = s.client("elasticache")
    return [elasticache.create_cache_cluster(
        CacheClusterId=f"seed-{n}", Engine="redis", CacheNodeType="cache.t3.micro",
        NumCacheNodes=1)["CacheCluster"]["ARN"] for n in TWO]


@seeds("aws:elasticache:replication-group")
def _replication_groups(s: Shared) -> list[str]:
    elasticache = s.client("elasticache")
    return [elasticache.create_replication_group(
        ReplicationGroupId=f"seed-rg-{n}", ReplicationGroupDescription="seed", Engine="redis",
        CacheNodeType="cache.t3.micro")["ReplicationGroup"]["ARN"] for n in TWO]


@seeds("aws:elasticache:subnet-group")
def _cache_subnet_groups(s: Shared) -> list[str]:
    elasticache = s.client("elasticache")
    return [elasticache.create_cache_subnet_group(
        CacheSubnetGroupName=f"seed-{n}", CacheSubnetGroupDescription="seed",
        SubnetIds=s.subnets)["CacheSubnetGroup"]["ARN"] for n in TWO]


@seeds("aws:elasticache:user")
def _cache_users(s: Shared) -> list[str]:
    elasticache = s.client("elasticache")
    return [elasticache.create_user(UserId=f"seed-{n}", UserName=f"seed-{n}", Engine="redis",
                                    AccessString="on ~* +@all", NoPasswordRequired=True)["ARN"]
            for n in TWO]


@seeds("aws:memorydb:cluster")
def _memorydb_clusters(s: Shared) -> list[str]:
    memorydb = s.client("memorydb")
    return [memorydb.create_cluster(ClusterName=f"seed-{n}", NodeType="db.t4g.small",
                                    ACLName="open-access")["Cluster"]["ARN"] for n in TWO]


@seeds("aws:memorydb:subnet-group")
def _memorydb_subnet_groups(s: Shared) -> list[str]:
    memorydb = s.client("memorydb")
    return [memorydb.create_subnet_group(SubnetGroupName=f"seed-{n}", SubnetIds=s.subnets
                                         )["SubnetGroup"]["ARN"] for n in TWO]


@seeds("aws:dax:cluster")
def _dax_clusters(s: Shared) -> list[str]:
    dax = s.client("dax")
    return [dax.create_cluster(ClusterName=f"seed-{n}", NodeType="dax.t3.small",
                               ReplicationFactor=1, IamRoleArn=s.role)["Cluster"]["ClusterArn"]
            for n in TWO]


@seeds("aws:redshift:cluster")
def _redshift_clusters(s: Shared) -> list[str]:
    redshift = s.client("redshift")
    for n in TWO:
        redshift.create_cluster(ClusterIdentifier=f"seed-{n}", NodeType="dc2.large",
                                MasterUsername="admin", MasterUserPassword="Seedpassword1",
                                ClusterType="single-node")
    return [s.arn("redshift", f"cluster:seed-{n}") for n in TWO]


@seeds("aws:redshift:cluster-subnet-group")
def _redshift_subnet_groups(s: Shared) -> list[str]:
    redshift = s.client("redshift")
    for n in TWO:
        redshift.create_cluster_subnet_group(ClusterSubnetGroupName=f"seed-{n}",
                                             Description="seed", SubnetIds=s.subnets)
    return [s.arn("redshift", f"subnetgroup:seed-{n}") for n in TWO]


@seeds("aws:redshift:cluster-parameter-group")
def _redshift_parameter_groups(s: Shared) -> list[str]:
    redshift = s.client("redshift")
    for n in TWO:
        redshift.create_cluster_parameter_group(ParameterGroupName=f"seed-{n}",
                                                ParameterGroupFamily="redshift-1.0",
                                                Description="seed")
    return [s.arn("redshift", f"parametergroup:seed-{n}") for n in TWO]


@not_seeded("aws:timestream:database")
def _timestream_databases(s: Shared) -> list[str]:
    timestream = s.client("timestream-write")
    return [timestream.create_database(DatabaseName=f"seed-{n}")["Database"]["Arn"]
            for n in TWO]


@not_seeded("aws:timestream:table")
def _timestream_tables(s: Shared) -> list[str]:
    timestream = s.client("timestream-write")
    timestream.create_database(DatabaseName="seed-tables")
    return [timestream.create_table(DatabaseName="seed-tables", TableName=f"seed-{n}"
                                    )["Table"]["Arn"] for n in TWO]


def _rds_instance(s: Shared, name: str) -> str:
    return str(s.client("rds").create_db_instance(
        DBInstanceIdentifier=name, DBInstanceClass="db.t3.micro", Engine="postgres",
        MasterUsername="admin", MasterUserPassword="seedpassword1", AllocatedStorage=20
    )["DBInstance"]["DBInstanceIdentifier"])


@seeds("aws:rds:db-cluster")
def _db_clusters(s: Shared) -> list[str]:
    rds = s.client("rds")
    return [rds.create_db_cluster(DBClusterIdentifier=f"seed-{n}", Engine="aurora-postgresql",
                                  MasterUsername="admin", MasterUserPassword="seedpassword1"
                                  )["DBCluster"]["DBClusterArn"] for n in TWO]


@seeds("aws:rds:db-snapshot")
def _db_snapshots(s: Shared) -> list[str]:
    rds = s.client("rds")
    instance = _rds_instance(s, "seed-snapshotted")
    return [rds.create_db_snapshot(DBSnapshotIdentifier=f"seed-{n}",
                                   DBInstanceIdentifier=instance)["DBSnapshot"]["DBSnapshotArn"]
            for n in TWO]


@seeds("aws:rds:db-parameter-group")
def _db_parameter_groups(s: Shared) -> list[str]:
    rds = s.client("rds")
    return [rds.create_db_parameter_group(
        DBParameterGroupName=f"seed-{n}", DBParameterGroupFamily="postgres16", Description="seed"
    )["DBParameterGroup"]["DBParameterGroupArn"] for n in TWO]


@not_seeded("aws:rds:option-group")
def _option_groups(s: Shared) -> list[str]:
    rds = s.client("rds")
    return [rds.create_option_group(
        OptionGroupName=f"seed-{n}", EngineName="mysql", MajorEngineVersion="8.0",
        OptionGroupDescription="seed")["OptionGroup"]["OptionGroupArn"] for n in TWO]


@seeds("aws:rds:event-subscription")
def _event_subscriptions(s: Shared) -> list[str]:
    rds = s.client("rds")
    return [rds.create_event_subscription(SubscriptionName=f"seed-{n}", SnsTopicArn=s.topic
                                          )["EventSubscription"]["EventSubscriptionArn"]
            for n in TWO]


# Secrets and monitoring ---------------------------------------------------------------------
@seeds("aws:secretsmanager:secret")
def _secrets(s: Shared) -> list[str]:
    secrets = s.client("secretsmanager")
    return [secrets.create_secret(Name=f"seed-{n}", SecretString="not-a-real-secret")["ARN"]
            for n in TWO]


@seeds("aws:ssm:parameter")
def _parameters(s: Shared) -> list[str]:
    ssm = s.client("ssm")
    for n in TWO:
        ssm.put_parameter(Name=f"/seed/{n}", Value="v", Type="String")
    return [s.arn("ssm", f"parameter/seed/{n}") for n in TWO]


@seeds("aws:acm:certificate")
def _certificates(s: Shared) -> list[str]:
    acm = s.client("acm")
    return [acm.request_certificate(DomainName=f"{n}.example.com")["CertificateArn"]
            for n in TWO]


@seeds("aws:acm-pca:certificate-authority")
def _authorities(s: Shared) -> list[str]:
    pca = s.client("acm-pca")
    return [pca.create_certificate_authority(
        CertificateAuthorityConfiguration={"KeyAlgorithm": "RSA_2048",
                                           "SigningAlgorithm": "SHA256WITHRSA",
                                           "Subject": {"CommonName": f"{n}.example.com"}},
        CertificateAuthorityType="ROOT")["CertificateAuthorityArn"] for n in TWO]


@seeds("aws:logs:log-group")
def _log_groups(s: Shared) -> list[str]:
    logs = s.client("logs")
    for n in TWO:
        logs.create_log_group(logGroupName=f"/seed/{n}")
    return [s.arn("logs", f"log-group:/seed/{n}") for n in TWO]


@seeds("aws:logs:metric-filter")
def _metric_filters(s: Shared) -> list[str]:
    logs = s.client("logs")
    logs.create_log_group(logGroupName="/seed/filtered")
    for n in TWO:
        logs.put_metric_filter(logGroupName="/seed/filtered", filterName=f"seed-{n}",
                               filterPattern="ERROR", metricTransformations=[{
                                   "metricName": n, "metricNamespace": "seed",
                                   "metricValue": "1"}])
    return [s.arn("logs", f"log-group:/seed/filtered:metric-filter:seed-{n}") for n in TWO]


@seeds("aws:logs:destination")
def _log_destinations(s: Shared) -> list[str]:
    logs = s.client("logs")
    return [logs.put_destination(destinationName=f"seed-{n}", roleArn=s.role,
                                 targetArn=s.arn("kinesis", "stream/seed"))["destination"]["arn"]
            for n in TWO]


@seeds("aws:cloudwatch:alarm")
def _alarms(s: Shared) -> list[str]:
    cloudwatch = s.client("cloudwatch")
    for n in TWO:
        cloudwatch.put_metric_alarm(AlarmName=f"seed-{n}", MetricName="CPUUtilization",
                                    Namespace="AWS/EC2", Statistic="Average", Period=60,
                                    EvaluationPeriods=1, Threshold=90,
                                    ComparisonOperator="GreaterThanThreshold",
                                    AlarmActions=[s.topic])
    return [s.arn("cloudwatch", f"alarm:seed-{n}") for n in TWO]


@not_seeded("aws:cloudwatch:composite-alarm")
def _composite_alarms(s: Shared) -> list[str]:
    cloudwatch = s.client("cloudwatch")
    for n in TWO:
        cloudwatch.put_composite_alarm(AlarmName=f"seed-composite-{n}",
                                       AlarmRule="ALARM(seed-one)")
    return [s.arn("cloudwatch", f"alarm:seed-composite-{n}") for n in TWO]


@seeds("aws:cloudwatch:dashboard")
def _dashboards(s: Shared) -> list[str]:
    cloudwatch = s.client("cloudwatch")
    for n in TWO:
        cloudwatch.put_dashboard(DashboardName=f"seed-{n}", DashboardBody='{"widgets": []}')
    return [s.arn("cloudwatch", f"dashboard/seed-{n}", region="") for n in TWO]


@not_seeded("aws:xray:group")
def _xray_groups(s: Shared) -> list[str]:
    xray = s.client("xray")
    return [xray.create_group(GroupName=f"seed-{n}", FilterExpression="service(\"x\")"
                              )["Group"]["GroupARN"] for n in TWO]


# Storage ----------------------------------------------------------------------------------
def _file_system(s: Shared, token: str) -> dict[str, Any]:
    return dict(s.client("efs").create_file_system(CreationToken=token))


@seeds("aws:elasticfilesystem:file-system")
def _file_systems(s: Shared) -> list[str]:
    return [_file_system(s, f"seed-{n}")["FileSystemArn"] for n in TWO]


@seeds("aws:elasticfilesystem:mount-target")
def _mount_targets(s: Shared) -> list[str]:
    efs = s.client("efs")
    system = _file_system(s, "seed-mounted")["FileSystemId"]
    targets = [efs.create_mount_target(FileSystemId=system, SubnetId=subnet,
                                       SecurityGroups=[s.group])["MountTargetId"]
               for subnet in s.subnets]
    return [s.arn("elasticfilesystem", f"file-system/{system}/mount-target/{target}")
            for target in targets]


@seeds("aws:elasticfilesystem:access-point")
def _access_points(s: Shared) -> list[str]:
    efs = s.client("efs")
    system = _file_system(s, "seed-access")["FileSystemId"]
    return [efs.create_access_point(ClientToken=f"seed-{n}", FileSystemId=system
                                    )["AccessPointArn"] for n in TWO]


@seeds("aws:backup:backup-vault")
def _vaults(s: Shared) -> list[str]:
    backup = s.client("backup")
    return [backup.create_backup_vault(BackupVaultName=f"seed-{n}")["BackupVaultArn"]
            for n in TWO]


@seeds("aws:backup:backup-plan")
def _plans(s: Shared) -> list[str]:
    backup = s.client("backup")
    return [backup.create_backup_plan(BackupPlan={
        "BackupPlanName": f"seed-{n}", "Rules": [{"RuleName": "daily",
                                                 "TargetBackupVaultName": "Default"}]}
    )["BackupPlanArn"] for n in TWO]


@seeds("aws:glacier:vault")
def _glacier_vaults(s: Shared) -> list[str]:
    glacier = s.client("glacier")
    for n in TWO:
        glacier.create_vault(accountId="-", vaultName=f"seed-{n}")
    return [s.arn("glacier", f"vaults/seed-{n}") for n in TWO]


@seeds("aws:fsx:file-system")
def _fsx_file_systems(s: Shared) -> list[str]:
    fsx = s.client("fsx")
    return [fsx.create_file_system(FileSystemType="LUSTRE", StorageCapacity=1200,
                                   SubnetIds=s.subnets[:1])["FileSystem"]["ResourceARN"]
            for _ in TWO]


# Analytics and streaming ------------------------------------------------------------------
@seeds("aws:glue:database")
def _glue_databases(s: Shared) -> list[str]:
    glue = s.client("glue")
    for n in TWO:
        glue.create_database(DatabaseInput={"Name": f"seed_{n}"})
    return [s.arn("glue", f"database/seed_{n}") for n in TWO]


@seeds("aws:glue:table")
def _glue_tables(s: Shared) -> list[str]:
    glue = s.client("glue")
    glue.create_database(DatabaseInput={"Name": "seed_tables"})
    for n in TWO:
        glue.create_table(DatabaseName="seed_tables", TableInput={"Name": f"seed_{n}"})
    return [s.arn("glue", f"table/seed_tables/seed_{n}") for n in TWO]


@seeds("aws:glue:crawler")
def _crawlers(s: Shared) -> list[str]:
    glue = s.client("glue")
    for n in TWO:
        glue.create_crawler(Name=f"seed-{n}", Role=s.role, Targets={"S3Targets": [
            {"Path": "s3://seed-bucket/"}]})
    return [s.arn("glue", f"crawler/seed-{n}") for n in TWO]


@seeds("aws:glue:job")
def _jobs(s: Shared) -> list[str]:
    glue = s.client("glue")
    for n in TWO:
        glue.create_job(Name=f"seed-{n}", Role=s.role, Command={
            "Name": "glueetl", "ScriptLocation": "s3://seed-bucket/job.py"})
    return [s.arn("glue", f"job/seed-{n}") for n in TWO]


@seeds("aws:glue:connection")
def _glue_connections(s: Shared) -> list[str]:
    glue = s.client("glue")
    for n in TWO:
        glue.create_connection(ConnectionInput={
            "Name": f"seed-{n}", "ConnectionType": "JDBC", "ConnectionProperties": {
                "JDBC_CONNECTION_URL": "jdbc:postgresql://db:5432/x", "USERNAME": "u",
                "PASSWORD": "not-a-real-password"}})
    return [s.arn("glue", f"connection/seed-{n}") for n in TWO]


@seeds("aws:glue:trigger")
def _triggers(s: Shared) -> list[str]:
    glue = s.client("glue")
    for n in TWO:
        glue.create_trigger(Name=f"seed-{n}", Type="ON_DEMAND", Actions=[{"JobName": "x"}])
    return [s.arn("glue", f"trigger/seed-{n}") for n in TWO]


@seeds("aws:glue:registry")
def _registries(s: Shared) -> list[str]:
    glue = s.client("glue")
    return [glue.create_registry(RegistryName=f"seed-{n}")["RegistryArn"] for n in TWO]


@not_seeded("aws:athena:work-group")
def _work_groups(s: Shared) -> list[str]:
    athena = s.client("athena")
    for n in TWO:
        athena.create_work_group(Name=f"seed-{n}")
    return [s.arn("athena", f"workgroup/{name}") for name in ("seed-one", "seed-two")]


@not_seeded("aws:athena:data-catalog")
def _data_catalogs(s: Shared) -> list[str]:
    athena = s.client("athena")
    for n in TWO:
        athena.create_data_catalog(Name=f"seed-{n}", Type="GLUE", Parameters={
            "catalog-id": ACCOUNT})
    return [s.arn("athena", f"datacatalog/seed-{n}") for n in TWO]


@seeds("aws:elasticmapreduce:cluster")
def _emr_clusters(s: Shared) -> list[str]:
    emr = s.client("emr")
    return [emr.run_job_flow(Name=f"seed-{n}", ReleaseLabel="emr-6.15.0", Instances={
        "InstanceCount": 1, "MasterInstanceType": "m5.xlarge",
        "KeepJobFlowAliveWhenNoSteps": True}, JobFlowRole="EMR_EC2_DefaultRole",
        ServiceRole="EMR_DefaultRole")["ClusterArn"] for n in TWO]


@not_seeded("aws:elasticmapreduce:security-configuration")
def _emr_security_configurations(s: Shared) -> list[str]:
    emr = s.client("emr")
    for n in TWO:
        emr.create_security_configuration(Name=f"seed-{n}", SecurityConfiguration=json.dumps(
            {"EncryptionConfiguration": {"EnableInTransitEncryption": False,
                                         "EnableAtRestEncryption": False}}))
    return [s.arn("elasticmapreduce", f"security-configuration/seed-{n}") for n in TWO]


@seeds("aws:es:domain")
def _domains(s: Shared) -> list[str]:
    opensearch = s.client("opensearch")
    return [opensearch.create_domain(DomainName=f"seed-{n}")["DomainStatus"]["ARN"]
            for n in TWO]


@seeds("aws:kinesis:stream")
def _streams(s: Shared) -> list[str]:
    kinesis = s.client("kinesis")
    for n in TWO:
        kinesis.create_stream(StreamName=f"seed-{n}", ShardCount=1)
    return [s.arn("kinesis", f"stream/seed-{n}") for n in TWO]


@seeds("aws:firehose:delivery-stream")
def _delivery_streams(s: Shared) -> list[str]:
    firehose = s.client("firehose")
    return [firehose.create_delivery_stream(
        DeliveryStreamName=f"seed-{n}", ExtendedS3DestinationConfiguration={
            "RoleARN": s.role, "BucketARN": "arn:aws:s3:::seed-bucket"})["DeliveryStreamARN"]
        for n in TWO]


@seeds("aws:kinesisvideo:stream")
def _video_streams(s: Shared) -> list[str]:
    video = s.client("kinesisvideo")
    return [video.create_stream(StreamName=f"seed-{n}")["StreamARN"] for n in TWO]


@seeds("aws:kafka:cluster")
def _kafka_clusters(s: Shared) -> list[str]:
    kafka = s.client("kafka")
    return [kafka.create_cluster_v2(ClusterName=f"seed-{n}", Serverless={"VpcConfigs": [
        {"SubnetIds": s.subnets, "SecurityGroupIds": [s.group]}]})["ClusterArn"] for n in TWO]
