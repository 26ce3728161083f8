"""The privilege twin suite: each row is a real path to administrative rights (or an
identity finding) and the same estate with the one setting that blocks it.

Every side is built in the cloud's stand-in (moto for AWS with its managed policies loaded,
the Resource Manager fake for Azure, the Cloud Asset fake for GCP; privilege_twins.py),
collected by the real ``cloudscope collect`` and assessed by ``cloudscope assess`` into one
SQLite store. A risky side must carry every expected finding (no false negative); the
blocked side must carry no finding of a privilege rule at all on its assets, except the
lesser one the row names (no false positive).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from cloudscope.cli.main import main
from moto.server import ThreadedMotoServer

# By the names pytest registered (tests/ folders are not packages on sys.path).
from tests.assess.privilege_twins import (
    REGION,
    AwsTwins,
    AzureTwins,
    FakeAzure,
    FakeGcp,
    GcpTwins,
    aws_default_version,
    aws_explicit_deny,
    aws_group_admin,
    aws_iam_star,
    aws_inline_admin,
    aws_managed_admin,
    aws_not_action,
    aws_pass_role,
    aws_star_colon_star,
    aws_trust_aws_star,
    aws_trust_star,
    aws_user_inline,
    azure_access_administrator,
    azure_contributor_scope,
    azure_custom_authorization,
    azure_custom_star,
    azure_owner_management_group,
    gcp_custom_act_as,
    gcp_custom_set_iam,
    gcp_owner,
    gcp_project_iam_admin,
    gcp_vm_scopes,
    serve,
)
from tests.aws.conftest import apply_environment, aws_environment, reset_moto

EXPOSURE = "cloudscope.exposure.internet-to-admin"
ATTACHED = "aws.iam.admin-policy-attached"
POLICY = "aws.iam.policy-full-admin"
INLINE = "aws.iam.inline-policy-admin"
PRINCIPAL = "aws.iam.principal-admin"
TRUST = "aws.iam.role-trust-any-principal"
AZURE_CUSTOM = "azure.authorization.custom-admin-role"
GCP_CUSTOM = "gcp.iam.custom-role-privileged"
PRIVILEGE_RULES = {EXPOSURE, ATTACHED, POLICY, INLINE, PRINCIPAL, TRUST, AZURE_CUSTOM,
                   GCP_CUSTOM, "gcp.iam.primitive-role-service-account"}
"""Every rule that claims administrative rights: none may fire on a blocked side's assets."""
SUBSCRIPTION = "22222222-3333-4444-8555-666666666666"

Expected = tuple[tuple[str, str, str], ...]
"""(rule id, the side's asset by role, severity)."""


@dataclass(frozen=True)
class Twin:
    """A risky estate and the one setting that blocks it."""

    name: str
    cloud: str
    build: Callable[[Any, str, bool], dict[str, str]]
    blocked_by: str
    expect: Expected
    blocked_expect: Expected = ()
    """A lesser finding the blocked side keeps (an admin of one resource group)."""


def exposed(key: str, *more: tuple[str, str, str]) -> Expected:
    return ((EXPOSURE, key, "critical"), *more)


TWINS = [
    Twin("aws-managed-administrator-access", "aws", aws_managed_admin,
         "a customer policy merely named AdministratorAccess (reads only) instead of AWS's",
         exposed("instance", (ATTACHED, "role", "high"), (PRINCIPAL, "role", "info"))),
    Twin("aws-inline-admin-policy", "aws", aws_inline_admin,
         "the inline Allow of * covers one bucket's objects, not every resource",
         exposed("instance", (INLINE, "role", "high"), (PRINCIPAL, "role", "info"))),
    Twin("aws-policy-default-version", "aws", aws_default_version,
         "the admin version v2 exists but v1 (reads) stays the default",
         exposed("instance", (POLICY, "policy", "high"))),
    Twin("aws-explicit-deny", "aws", aws_explicit_deny,
         "an inline Deny of * beside the attached Allow of *",
         exposed("instance", (PRINCIPAL, "role", "info"))),
    Twin("aws-star-colon-star", "aws", aws_star_colon_star, 's3:* instead of "*:*"',
         exposed("instance", (POLICY, "policy", "high"))),
    Twin("aws-not-action", "aws", aws_not_action,
         "NotAction lists iam:* (the PowerUser shape) instead of s3:*",
         exposed("instance", (INLINE, "role", "high"))),
    Twin("aws-pass-role-with-compute", "aws", aws_pass_role,
         "iam:PassRole on one role instead of every role", exposed("instance", (INLINE, "role", "high"))),
    Twin("aws-iam-star", "aws", aws_iam_star, "iam:Get* and iam:List* instead of iam:*",
         exposed("instance", (INLINE, "role", "high"))),
    Twin("aws-trust-principal-star", "aws", aws_trust_star,
         "a Condition pinning aws:PrincipalOrgID", ((TRUST, "role", "critical"),)),
    Twin("aws-trust-aws-star", "aws", aws_trust_aws_star,
         'Principal {"AWS": one account} instead of {"AWS": "*"}', ((TRUST, "role", "critical"),)),
    Twin("aws-user-admin-through-group", "aws", aws_group_admin,
         "the user's own inline Deny of *", ((PRINCIPAL, "user", "info"),)),
    Twin("aws-user-inline-admin", "aws", aws_user_inline, "the user's inline policy allows reads",
         ((INLINE, "user", "high"), (PRINCIPAL, "user", "info"))),
    Twin("azure-contributor-scope", "azure", azure_contributor_scope,
         "Contributor on one resource group instead of the subscription", exposed("vm"),
         ((EXPOSURE, "vm", "high"),)),
    Twin("azure-custom-role-star", "azure", azure_custom_star,
         "the custom role allows compute reads instead of *",
         exposed("vm", (AZURE_CUSTOM, "role", "medium"))),
    Twin("azure-custom-role-authorization", "azure", azure_custom_authorization,
         "Microsoft.Authorization/*/Write in the role's notActions",
         exposed("vm", (AZURE_CUSTOM, "role", "medium"))),
    Twin("azure-owner-from-management-group", "azure", azure_owner_management_group,
         "Owner on the VM alone instead of inherited from a management group", exposed("vm"),
         ((EXPOSURE, "vm", "high"),)),
    Twin("azure-user-access-administrator", "azure", azure_access_administrator,
         "Reader instead of User Access Administrator", exposed("vm")),
    Twin("gcp-vm-access-scopes", "gcp", gcp_vm_scopes,
         "the VM's default access scopes instead of cloud-platform", exposed("instance")),
    Twin("gcp-custom-role-set-iam-policy", "gcp", gcp_custom_set_iam,
         "the custom role reads instances instead of holding setIamPolicy",
         exposed("instance", (GCP_CUSTOM, "role", "medium"))),
    Twin("gcp-custom-role-act-as", "gcp", gcp_custom_act_as,
         "the custom role reads service accounts instead of acting as them",
         exposed("instance", (GCP_CUSTOM, "role", "medium"))),
    Twin("gcp-owner", "gcp", gcp_owner, "roles/viewer instead of roles/owner", exposed("instance")),
    Twin("gcp-project-iam-admin", "gcp", gcp_project_iam_admin,
         "roles/iam.securityReviewer instead of roles/resourcemanager.projectIamAdmin",
         exposed("instance")),
]


@dataclass
class Assessed:
    """The sides' asset ids and the stored findings as (rule, asset, severity)."""

    ids: dict[tuple[str, bool], dict[str, str]] = field(default_factory=dict)
    findings: set[tuple[str, str, str]] = field(default_factory=set)

    def misses(self, twin: Twin) -> list[tuple[str, str, str]]:
        """Expected findings absent from the risky side (false negatives)."""
        risky, blocked = self.ids[(twin.name, False)], self.ids[(twin.name, True)]
        return [(rule, risky[key], severity) for rule, key, severity in twin.expect
                if (rule, risky[key], severity) not in self.findings] + \
               [(rule, blocked[key], severity) for rule, key, severity in twin.blocked_expect
                if (rule, blocked[key], severity) not in self.findings]

    def extras(self, twin: Twin) -> list[tuple[str, str, str]]:
        """Privilege findings on the blocked side's assets it should not have (false
        positives)."""
        blocked = self.ids[(twin.name, True)]
        allowed = {(rule, blocked[key], severity) for rule, key, severity in twin.blocked_expect}
        assets = set(blocked.values())
        return sorted(f for f in self.findings
                      if f[0] in PRIVILEGE_RULES and f[1] in assets and f not in allowed)


def side(twin: Twin, blocked: bool) -> str:
    """A short name for one side (GCP service accounts take at most 30 characters)."""
    return f"{twin.cloud}{TWINS.index(twin):02d}-{'blocked' if blocked else 'risky'}"


def build(cloud: str, estate: Any, assessed: Assessed) -> None:
    """Build both sides of every twin of ``cloud`` in ``estate``."""
    for twin in (t for t in TWINS if t.cloud == cloud):
        for blocked in (False, True):
            assessed.ids[(twin.name, blocked)] = twin.build(estate, side(twin, blocked), blocked)


def cloudscope(*args: str) -> dict[str, Any]:
    """Run the real CLI in this process and parse its JSON (collect and assess print it)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main([*args, "--format", "json"])
    assert code == 0, (args, out.getvalue())
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


def gcp_key(directory: Path, fake: FakeGcp) -> Path:
    """A service-account key made here, trusted by the fake, its token_uri the fake's."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    fake.public_keys["twins-key"] = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    path = directory / "gcp-key.json"
    path.write_text(json.dumps({
        "type": "service_account", "project_id": "twins-prod", "private_key_id": "twins-key",
        "private_key": key.private_bytes(serialization.Encoding.PEM,
                                         serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption()).decode(),
        "client_email": "collector@twins-prod.iam.gserviceaccount.com",
        "client_id": "1", "token_uri": fake.token_uri}), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def assessed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assessed]:
    """Every twin built in the three stand-ins, collected by the CLI into one store, assessed."""
    home = tmp_path_factory.mktemp("twins")
    database = f"sqlite:///{home / 'cloudscope.db'}"
    result = Assessed()
    with contextlib.ExitStack() as stack:
        monkeypatch = stack.enter_context(pytest.MonkeyPatch.context())
        for name in [n for n in os.environ if n.startswith(("AZURE_", "CLOUDSCOPE_"))]:
            monkeypatch.delenv(name)
        monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
        # moto in this process loads AWS managed policies when its IAM backend is rebuilt.
        monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        stack.callback(server.stop)
        endpoint = "http://{}:{}".format(*server.get_host_and_port())
        reset_moto(endpoint)
        stack.callback(reset_moto, endpoint)  # leave no managed policies for other modules
        apply_environment(monkeypatch, aws_environment(endpoint, home))
        build("aws", AwsTwins(boto3.Session(region_name=REGION)), result)
        cloudscope("collect", "aws", "--region", REGION, "--type", "aws:ec2:instance",
                   "--type", "aws:iam:role", "--db", database)

        azure = stack.enter_context(FakeAzure(home))
        build("azure", AzureTwins(azure, SUBSCRIPTION), result)
        for name, value in {"REQUESTS_CA_BUNDLE": str(azure.ca_path),
                            "AZURE_AUTHORITY_HOST": azure.url,
                            "CLOUDSCOPE_AZURE_TENANT_ID": azure.tenant_id,
                            "CLOUDSCOPE_AZURE_CLIENT_ID": azure.client_id,
                            "CLOUDSCOPE_AZURE_CLIENT_SECRET": azure.client_secret,
                            "CLOUDSCOPE_AZURE_RESOURCE_MANAGER_URL": azure.url,
                            "CLOUDSCOPE_AZURE_DISABLE_INSTANCE_DISCOVERY": "true"}.items():
            monkeypatch.setenv(name, value)
        cloudscope("collect", "azure", "--subscription", SUBSCRIPTION, "--db", database)

        gcp = stack.enter_context(serve(FakeGcp()))
        gcp_estate = GcpTwins(gcp)
        build("gcp", gcp_estate, result)
        gcp_estate.finish()
        for name, value in {"GOOGLE_APPLICATION_CREDENTIALS": str(gcp_key(home, gcp)),
                            "CLOUDSCOPE_GCP_API_ENDPOINT": gcp.root,
                            "CLOUDSCOPE_GCP_IAM_CREDENTIALS_ENDPOINT": gcp.root,
                            "CLOUDSDK_CONFIG": str(home / "gcloud"),
                            "NO_PROXY": "127.0.0.1,localhost"}.items():
            monkeypatch.setenv(name, value)
        cloudscope("collect", "gcp", "--scope", "projects/twins-prod", "--db", database)

        report = cloudscope("assess", "--db", database)
        assert report["failed_rules"] == []
        result.findings = {(f["rule_id"], f["asset_id"], f["severity"]) for f in report["findings"]}
        yield result


@pytest.mark.parametrize("twin", TWINS, ids=[t.name for t in TWINS])
def test_the_risky_side_is_found_and_the_blocked_side_is_not(assessed: Assessed, twin: Twin) -> None:
    """The risky estate has every expected finding; the same estate with the one blocking
    setting has no privilege finding on its assets (bar the lesser one the row names)."""
    assert assessed.misses(twin) == [], f"false negative; blocked by: {twin.blocked_by}"
    assert assessed.extras(twin) == [], f"false positive despite: {twin.blocked_by}"


def test_the_suite_counts_no_false_positive_and_no_false_negative(assessed: Assessed) -> None:
    """At least 14 pairs over the three clouds; 0 false negatives, 0 false positives."""
    negatives = [miss for twin in TWINS for miss in assessed.misses(twin)]
    positives = [extra for twin in TWINS for extra in assessed.extras(twin)]
    assert len(TWINS) >= 14 and {t.cloud for t in TWINS} == {"aws", "azure", "gcp"}
    assert (len(negatives), len(positives)) == (0, 0), (negatives, positives)
