"""The plugin as the host sees it: registered, light to load, strict about its options."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from typing import Any

import pytest
from cloudscope.api import CollectContext, RateLimiter, UsageError
from cloudscope_aws.collector import AwsCollector

PROBE = """
import json, sys
from cloudscope.cli.main import main
code = main(["plugins", "--format", "json"])
print(json.dumps({"code": code, "sdk": sorted(m for m in sys.modules
                                              if m.split(".")[0] in ("boto3", "botocore"))}))
"""


def test_plugins_command_lists_aws_without_importing_the_sdk() -> None:
    """``cloudscope plugins`` loads the aws plugin and its collector name, yet neither
    boto3 nor botocore is imported."""
    completed = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                               timeout=60, check=False)
    *listing, probe = completed.stdout.strip().splitlines()
    result = json.loads(probe)
    assert result == {"code": 0, "sdk": []}
    aws = next(p for p in json.loads("\n".join(listing)) if p["name"] == "aws")
    assert aws["status"] == "loaded" and aws["collectors"] == ["aws"]


def test_malformed_region_is_a_usage_error_on_one_line(aws: Any, run_cloudscope: Any,
                                                       sqlite_url: str) -> None:
    """Bad ``--region`` values fail with exit 2 and one line naming all of them."""
    result = run_cloudscope("collect", "aws", "--region", "moon-1", "--region", "EU",
                            "--db", sqlite_url)
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0
    assert "--region 'moon-1', 'EU': expected a region name" in result.stderr


@pytest.mark.parametrize(("options", "message"), [
    ({"role_arn": ["arn:aws:iam::12:user/x"]}, "--role-arn 'arn:aws:iam::12:user/x': expected"),
    ({"profile": "nowhere"}, "--profile 'nowhere': no such profile"),
    ({"max_attempts": -1}, "--max-attempts -1: must be at least 1"),
])
def test_malformed_options_are_usage_errors(aws: Any, options: dict[str, Any],
                                            message: str) -> None:
    """Role ARNs, profiles and attempts are checked when the collector is built."""
    ctx = CollectContext("aws", limiter=RateLimiter("aws"), config={}, log=None)
    with pytest.raises(UsageError, match=re.escape(message)):
        AwsCollector(ctx, options)
