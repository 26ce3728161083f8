"""The twin suite's machinery: the three clouds' local stand-ins (moto's server, the
Resource Manager fake, the Cloud Asset fake), the real CLI run in this process (a
subprocess costs seconds of imports per command), and the verdicts read from its report."""

from __future__ import annotations

import io
import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

EXPOSURE = "cloudscope.exposure.internet-to-admin"
ADMIN_PORT_RULES = frozenset({"aws.ec2.security-group-admin-ports-open",
                              "azure.network.nsg-admin-ports-open",
                              "gcp.compute.firewall-admin-ports-open"})


def cloudscope(*args: str) -> dict[str, Any]:
    """Run the real CLI in this process with ``--format json``; its parsed output."""
    from cloudscope.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main([*args, "--format", "json"])
    assert code == 0, f"cloudscope {' '.join(args)}: exit {code}: {err.getvalue()}"
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


@contextmanager
def environment(values: dict[str, str], home: Path) -> Iterator[None]:
    """``values`` set, no user configuration, no variables pointing elsewhere; restored after."""
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith(("AWS_", "AZURE_", "CLOUDSCOPE_", "GOOGLE_", "CLOUDSDK_")):
                patch.delenv(name)
        patch.setenv("HOME", str(home))
        patch.setenv("XDG_CONFIG_HOME", str(home / "config"))
        for name, value in values.items():
            patch.setenv(name, value)
        yield


@dataclass(frozen=True)
class Verdict:
    """What the assessment said about one side: its exposure finding (None: no finding) and
    the roles of its controls that an admin-port rule flagged."""

    exposure: dict[str, Any] | None
    flagged: frozenset[str]


def verdicts(report: dict[str, Any], sides: dict[str, Any]) -> dict[str, Verdict]:
    """Each side's verdict, read from an ``assess --format json`` report."""
    assert report["failed_rules"] == [], report["failed_rules"]
    exposures = {f["asset_id"]: f for f in report["findings"] if f["rule_id"] == EXPOSURE}
    flagged = {f["asset_id"] for f in report["findings"] if f["rule_id"] in ADMIN_PORT_RULES}
    return {key: Verdict(exposures.get(side.machine),
                         frozenset(role for role, control in side.controls.items()
                                   if control in flagged))
            for key, side in sides.items()}


@contextmanager
def stand_in(cloud: str, home: Path, key: tuple[str, str, str]
              ) -> Iterator[tuple[Any, dict[str, str], list[str]]]:
    """The cloud's stand-in, the environment that reaches it, and the collect command."""
    if cloud == "aws":
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        values = {"AWS_ENDPOINT_URL": f"http://{host}:{port}",
                  "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
                  "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                  "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
                  "AWS_CONFIG_FILE": str(home / "aws-config"),
                  "AWS_SHARED_CREDENTIALS_FILE": str(home / "aws-credentials")}
        try:
            yield values["AWS_ENDPOINT_URL"], values, ["collect", "aws", "--region", "us-east-1",
                                                       *_handwritten_types("ec2", "elasticloadbalancing",
                                                                           "iam")]
        finally:
            server.stop()
    elif cloud == "azure":
        from arm_fake import FakeAzure

        with FakeAzure(home) as fake:
            yield fake, {
                "REQUESTS_CA_BUNDLE": str(fake.ca_path), "AZURE_AUTHORITY_HOST": fake.url,
                "CLOUDSCOPE_AZURE_TENANT_ID": fake.tenant_id,
                "CLOUDSCOPE_AZURE_CLIENT_ID": fake.client_id,
                "CLOUDSCOPE_AZURE_CLIENT_SECRET": fake.client_secret,
                "CLOUDSCOPE_AZURE_RESOURCE_MANAGER_URL": fake.url,
                "CLOUDSCOPE_AZURE_DISABLE_INSTANCE_DISCOVERY": "true",
                "CLOUDSCOPE_AZURE_RETRY_BACKOFF_S": "0.01"}, ["collect", "azure"]
    else:
        from gcp_fake import FakeGcp, serve

        key_id, private, public = key
        with serve(FakeGcp(public_keys={key_id: public})) as fake:
            key_file = home / "key.json"
            key_file.write_text(json.dumps({
                "type": "service_account", "project_id": "ops-tools", "private_key_id": key_id,
                "private_key": private, "token_uri": fake.token_uri,
                "client_email": "collector@ops-tools.iam.gserviceaccount.com"}), encoding="utf-8")
            yield fake, {
                "GOOGLE_APPLICATION_CREDENTIALS": str(key_file),
                "CLOUDSCOPE_GCP_API_ENDPOINT": fake.root,
                "CLOUDSCOPE_GCP_IAM_CREDENTIALS_ENDPOINT": fake.root,
                "CLOUDSCOPE_GCP_RETRY_BACKOFF_S": "0.01", "CLOUDSDK_CONFIG": str(home / "gcloud"),
                "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
            }, ["collect", "gcp", "--scope", "projects/twins-prod"]


def _handwritten_types(*units: str) -> list[str]:
    """``--type`` arguments for the hand-written types of these AWS units (``--service``
    would add every declarative type of the service, some of which moto cannot list)."""
    from cloudscope_aws.services import HANDWRITTEN

    return [arg for unit in HANDWRITTEN if unit.name in units
            for doc in unit.types for arg in ("--type", doc.asset_type)]
