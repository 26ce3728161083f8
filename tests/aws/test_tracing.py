"""OpenTelemetry spans of an AWS collection: the run, each scope, each API request."""

from __future__ import annotations

from typing import Any


def test_each_aws_request_is_a_span_inside_its_scope(aws: Any, otel_spans: Any,
                                                     cloudscope_here: Any,
                                                     sqlite_url: str) -> None:
    """``collect aws`` traced: one run span; a scope span per scope, its child; and the
    botocore span of every API request under the scope that sent it."""
    aws.session.client("s3").create_bucket(Bucket="traced-bucket")
    code, _ = cloudscope_here("collect", "aws", "--region", "us-east-1", "--service", "s3",
                              "--db", sqlite_url, "--format", "json")
    assert code == 0
    spans = otel_spans.get_finished_spans()
    (run,) = [s for s in spans if s.name == "cloudscope.collect"]
    scopes = [s for s in spans if s.name == "cloudscope.scope"]
    assert scopes and all(s.parent.span_id == run.context.span_id for s in scopes)
    assert all(s.context.trace_id == run.context.trace_id for s in spans)
    requests = [s for s in spans if s.attributes.get("rpc.system") == "aws-api"]
    assert {s.attributes["rpc.method"] for s in requests} >= {"ListBuckets"}
    scope_ids = {s.context.span_id for s in scopes}
    by_method = {s.attributes["rpc.method"]: s for s in requests}
    # Planning (who am I?) belongs to the run; the listing and its details to the scope.
    assert by_method["GetCallerIdentity"].parent.span_id == run.context.span_id
    assert all(s.parent.span_id in scope_ids for s in requests
               if s.attributes["rpc.method"] != "GetCallerIdentity")
    assert by_method["ListBuckets"].parent.span_id in scope_ids
    assert run.attributes["cloudscope.status"] == "ok"
    assert sum(s.attributes["cloudscope.assets"] for s in scopes) >= 1
