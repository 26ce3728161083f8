"""``cloudscope doctor`` for GCP: the credentials' account and a token, each hierarchy
scope resolved to its projects, and two Cloud Asset reads (the first asset, the first IAM
policy) in the first project.

A denied read (403) names what to grant: ``roles/cloudasset.viewer`` on the scope, and the
Cloud Asset API enabled in the quota project.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Final

from cloudscope.api import Check, CloudScopeError

from cloudscope_gcp.credentials import describe_auth_error
from cloudscope_gcp.transport import AssetApiError

if TYPE_CHECKING:
    from cloudscope_gcp.collector import GcpCollector

_VIEWER: Final = ("grant roles/cloudasset.viewer on the scope, and enable the Cloud Asset "
                  "API (cloudasset.googleapis.com) in the quota project")


def identity_check(collector: GcpCollector) -> Check:
    """The account of the credentials, and whether a token can be had for it."""
    from google.auth import exceptions
    from google.auth.transport.requests import Request

    credentials = collector.credentials
    who = getattr(credentials, "service_account_email", None) or \
        getattr(credentials, "signer_email", None) or type(credentials).__name__
    try:
        credentials.refresh(Request())
    except exceptions.GoogleAuthError as error:
        return Check.fail("identity", f"{who}: cannot obtain a Google access token: "
                                      f"{describe_auth_error(error)}",
                          "check GOOGLE_APPLICATION_CREDENTIALS or run `gcloud auth "
                          "application-default login`")
    return Check.ok("identity", f"{who}: access token obtained")


def project_checks(collector: GcpCollector) -> Iterator[Check | str]:
    """Each scope resolved; yields the projects found (strings) after its check."""
    for scope in collector.scopes:
        name = f"scope {scope.parent}"
        try:
            if scope.is_project:
                projects = [collector._project_id(scope.identifier)]
            else:
                projects = [project for project, _number in collector._projects_under(scope.parent)]
        except CloudScopeError as error:
            yield Check.fail(name, error.message, _VIEWER if _denied(error) else error.hint)
            continue
        yield Check.ok(name, f"{len(projects)} active project{'' if len(projects) == 1 else 's'}")
        yield from projects


def read_checks(collector: GcpCollector, project: str) -> Iterator[Check]:
    """One page of one asset of each content type the collection lists, in ``project``."""
    for content, name in (("RESOURCE", "read resources"), ("IAM_POLICY", "read IAM policies")):
        try:
            first = next(iter(collector.api.list_assets(f"projects/{project}", [], content,
                                                        page_size=1)), None)
        except CloudScopeError as error:
            yield Check.fail(name, error.message, _VIEWER if _denied(error) else error.hint,
                             service="cloudasset.googleapis.com")
        else:
            found = "assets found" if first is not None else "no asset yet"
            yield Check.ok(name, f"projects/{project}: {found}",
                           service="cloudasset.googleapis.com")


def _denied(error: CloudScopeError) -> bool:
    return isinstance(error, AssetApiError) and error.status_code == 403
