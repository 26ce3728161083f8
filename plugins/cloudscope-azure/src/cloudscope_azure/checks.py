"""``cloudscope doctor`` for Azure: who signs in, the subscriptions in reach, and one read
(the first page) of each collected resource type in the first subscription.

A denied read (403, ``AuthorizationFailed``) names the role to grant: Reader on the
subscription covers every type collected.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Final

from cloudscope.api import Check, CloudScopeError

from cloudscope_azure.arm import ArmError
from cloudscope_azure.assets import normalise_id
from cloudscope_azure.catalogue import (
    PROVIDERS_API_VERSION,
    RESOURCES,
    SUBSCRIPTION,
    ResourceType,
)

if TYPE_CHECKING:
    from cloudscope_azure.collector import AzureCollector

_READER: Final = "grant the identity the Reader role on the subscription"
_SIGN_IN: Final = ("check the credentials: az login, the AZURE_* variables, or the azure: "
                   "section (tenant_id, client_id, client_secret or certificate_path)")


def identity_check(collector: AzureCollector) -> Check:
    """Sign in: a token for Resource Manager, and whom it names."""
    from azure.core.exceptions import ClientAuthenticationError

    from cloudscope_azure.arm import _sign_in_reason

    try:
        token = collector.credential.get_token(collector.arm.token_scope).token
    except ClientAuthenticationError as error:
        return Check.fail("identity", f"Azure sign-in failed: {_sign_in_reason(error)}",
                          _SIGN_IN)
    claims = _claims(token)
    who = claims.get("upn") or claims.get("unique_name") or claims.get("appid") or \
        claims.get("oid") or collector.settings.client_id
    tenant = claims.get("tid") or collector.settings.tenant_id
    detail = "signed in" + (f" as {who}" if who else "") + (f" (tenant {tenant})" if tenant else "")
    return Check.ok("identity", f"{detail} for {collector.resource_manager_url}")


def _claims(token: str) -> dict[str, Any]:
    """The claims of a JWT access token, unverified (only shown); {} if it is no JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    try:
        payload = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        claims = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        return {}
    return claims if isinstance(claims, dict) else {}


def read_checks(collector: AzureCollector, subscription: str,
                types: Sequence[ResourceType]) -> Iterator[Check]:
    """One first-page read of each resource type in ``subscription``."""
    base = f"/subscriptions/{subscription}"
    for resource_type in types:
        name = f"read {resource_type.service}"
        if resource_type is RESOURCES:
            # The generic path also reads the providers' api-versions.
            yield from _generic_check(collector, subscription)
        try:
            count = _first_page(collector, base, resource_type)
        except ArmError as error:
            yield Check.fail(name, error.message, _READER if error.status_code == 403 else
                             error.hint, service=resource_type.service)
        except CloudScopeError as error:
            yield Check.fail(name, error.message, error.hint, service=resource_type.service)
        else:
            yield Check.ok(name, f"{count} in the first page of {subscription}",
                           service=resource_type.service)


def _first_page(collector: AzureCollector, base: str, resource_type: ResourceType) -> int:
    arm = collector.arm
    if resource_type is SUBSCRIPTION:
        arm.get(base, resource_type.api_version)
        return 1
    parent = resource_type.parent
    if resource_type.tenant_level:
        path = resource_type.list_path
    elif parent is not None:
        first = next(iter(arm.list(base + parent.list_path, parent.api_version)), None)
        if first is None:
            return 0
        path = normalise_id(first["id"]) + resource_type.list_path
    else:
        path = base + resource_type.list_path
    # The first element is enough to know the call is allowed: the rest of the page was
    # read with it, and no further page is asked for.
    return sum(1 for _ in zip(range(1), arm.list(path, resource_type.api_version), strict=False))


def _generic_check(collector: AzureCollector, subscription: str) -> Iterator[Check]:
    name = "read microsoft.resources/providers"
    try:
        count = sum(1 for _ in collector.arm.list(f"/subscriptions/{subscription}/providers",
                                                  PROVIDERS_API_VERSION))
    except CloudScopeError as error:
        hint = _READER if isinstance(error, ArmError) and error.status_code == 403 else error.hint
        yield Check.fail(name, error.message, hint, service=RESOURCES.service)
    else:
        yield Check.ok(name, f"{count} resource providers registered in {subscription}",
                       service=RESOURCES.service)
