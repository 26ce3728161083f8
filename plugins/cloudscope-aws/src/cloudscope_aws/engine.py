"""Collecting one declarative :class:`Resource`: list it (per parent when it has one),
complete each element (describe), read its details, then turn it into an asset and edges.

The listing is the scope's truth: a listing error fails the scope (its stored assets stay),
while a denied describe or detail leaves that property unread under ``_unavailable``, as
everywhere in the plugin (docs/properties.md). Per-resource calls run on the scope's
detail workers (``calls.fan_out``), each worker on its own client.
"""

from __future__ import annotations

import json
import string
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from botocore import xform_name
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from cloudscope.api import CollectionError, FieldPath, Relationship

from cloudscope_aws.calls import Details, chunks, error_code, fan_out
from cloudscope_aws.catalogue import BATCH, Detail, Resource, Template
from cloudscope_aws.clients import AccountClients
from cloudscope_aws.services.kms import alias_keys
from cloudscope_aws.shapes import (
    Item,
    Kind,
    Location,
    is_kms_alias,
    kms_key_arn,
    plain,
    tag_map,
    with_unavailable,
)

POLICY: Final = "Policy"
_TOKENS: Final = (("NextToken", "NextToken"), ("nextToken", "nextToken"),
                  ("NextMarker", "Marker"), ("NextMarker", "NextMarker"), ("Marker", "Marker"),
                  ("nextMarker", "marker"),
                  ("LastEvaluatedGlobalTableName", "ExclusiveStartGlobalTableName"),
                  ("position", "position"), ("NextPageToken", "PageToken"))
"""Next-page tokens of the responses (and the parameter taking each back) across APIs."""


class _Formatter(string.Formatter):
    """``str.format`` plus the conversions ``!b`` (what follows the last ``/``) and ``!l``
    (without leading ``/``), and optional fields ``{Field?}`` (``/`` and the value when the
    element has it, else nothing)."""

    def get_value(self, key: int | str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
        if isinstance(key, str) and key.endswith("?"):
            value = kwargs.get(key[:-1])
            return "" if value in (None, "") else f"/{value}"
        return super().get_value(key, args, kwargs)

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        if conversion == "b":
            return str(value).rstrip("/").rsplit("/", 1)[-1]
        if conversion == "l":
            return str(value).lstrip("/")
        return super().convert_field(value, conversion)


_FORMATTER: Final = _Formatter()


@dataclass(slots=True)
class Entry:
    """A listed element, its parent's element, and what was read about it."""

    element: dict[str, Any]
    parent: dict[str, Any] | None = None
    values: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, str] | None = None
    unavailable: dict[str, str] = field(default_factory=dict)


def collect(resource: Resource, clients: AccountClients, location: Location) -> Iterator[Item]:
    """Every resource of ``resource``'s type in ``location`` (the home region's endpoint for
    a global type), with its relationships."""
    here = location.in_region(None) if resource.is_global else location
    region = None if resource.is_global else location.region

    def client() -> BaseClient:
        return clients.client(resource.client, region)

    entries: Iterable[Entry] = listed(resource, client(), here)
    if resource.describe and resource.describe.batch:
        entries = described_batches(resource, client(), here, entries, clients.details)

    def read(entry: Entry) -> Entry | None:
        return read_entry(resource, client(), here, entry, clients.details())

    per_element = bool(resource.details or isinstance(resource.tags, Detail) or
                       isinstance(resource.policy, Detail) or
                       (resource.describe and not resource.describe.batch))
    for entry in fan_out(read, entries) if per_element else map(read, entries):
        if entry is None:
            continue
        aliases: Mapping[str, str] = {}
        if region and any(is_kms_alias(value) for value in kms_references(resource, entry)):
            aliases = alias_keys(clients, here)
        yield from transform(resource, here, entry, aliases)


def listed(resource: Resource, client: BaseClient, location: Location) -> Iterator[Entry]:
    """The listing's elements (for each parent element when there is a parent)."""
    if resource.parent is None:
        for element in elements(resource, client, location):
            yield Entry(element)
        return
    for parent in elements(resource.parent, client, location):
        params = fill(resource.parent_params, context(parent, location))
        for element in elements(resource, client, location, params):
            yield Entry(element, parent)


def elements(resource: Resource, client: BaseClient, location: Location,
             extra: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
    """Every element of one listing call (its own parameters, then ``extra``), paged,
    wrapped and filtered."""
    method = xform_name(resource.listing)
    arguments = {**fill(resource.params, context({}, location)), **(extra or {})}
    try:
        if client.can_paginate(method):
            pages: Iterable[Any] = client.get_paginator(method).paginate(**arguments)
        else:
            pages = token_pages(client, resource, arguments)
        for page in pages:
            listed = at(page, resource.key) if resource.key else \
                [{k: v for k, v in page.items() if k != "ResponseMetadata"}]
            for element in listed or ():
                if not isinstance(element, dict):
                    element = {resource.element or "Value": element}
                for name in resource.omit:
                    element.pop(name, None)
                if resource.owner and str(element.get(resource.owner)) != location.account:
                    continue
                if resource.keep is None or resource.keep(element):
                    yield element
    except ClientError as error:
        # The feature is not turned on (Organizations outside an organization, a parent
        # deleted since it was listed): nothing to list, and the scope is complete.
        if error_code(error) not in resource.absent:
            raise


def token_pages(client: BaseClient, resource: Resource,
                arguments: dict[str, Any]) -> Iterator[Any]:
    """The pages of an operation botocore has no paginator for, following its next-page
    token (``NextToken``, ``NextMarker`` -> ``Marker``...) at the top of the response or
    beside the listed key (CloudFront's ``CachePolicyList.NextMarker``), or, for a listing
    that only says it has more (``HasMoreDeliveryStreams``), resuming after its last
    element (``resume``)."""
    shape = client.meta.service_model.operation_model(resource.listing).input_shape
    accepted = set(shape.members) if shape else set()
    container = resource.key.rsplit(".", 1)[0] if "." in resource.key else ""
    seen: set[str] = set()
    while True:
        page = getattr(client, xform_name(resource.listing))(**arguments)
        yield page
        token = None
        listed = at(page, resource.key) if resource.key else None
        if resource.resume and listed and any(
                name.startswith("HasMore") and value for name, value in page.items()):
            token = (resource.resume, str(listed[-1]))
        for holder in (page, at(page, container) if container else None):
            for out_name, in_name in _TOKENS if token is None else ():
                if isinstance(holder, Mapping) and holder.get(out_name) and in_name in accepted:
                    token = (in_name, str(holder[out_name]))
                    break
            if token:
                break
        if token is None or token[1] in seen:
            return
        seen.add(token[1])
        arguments = {**arguments, token[0]: token[1]}


def described_batches(resource: Resource, client: BaseClient, location: Location,
                      entries: Iterable[Entry], details: Any) -> Iterator[Entry]:
    """Batch describes (``DescribeClusters`` of up to 100): the described elements, or the
    listed ones with ``_unavailable`` when AWS denied the call."""
    describe = resource.describe
    assert describe is not None
    by_parent: dict[str, list[Entry]] = {}
    for entry in entries:
        by_parent.setdefault(json.dumps(entry.parent, sort_keys=True, default=str), []
                             ).append(entry)
    for group in by_parent.values():
        for chunk in chunks(group, describe.batch):
            first = context(chunk[0].element, location, chunk[0].parent)
            params = {name: [render(describe.id, context(e.element, location, e.parent))
                             for e in chunk] if value == BATCH else fill(value, first)
                      for name, value in describe.params.items()}
            reader = details()
            response = reader.read(describe.key, client, xform_name(describe.operation),
                                   *describe.absent, **params)
            if response is None:
                for entry in chunk if reader.unavailable else ():
                    entry.unavailable.update(reader.unavailable)
                    yield entry
                continue
            for element in at(response, describe.key) or ():
                yield Entry(element, chunk[0].parent)


def read_entry(resource: Resource, client: BaseClient, location: Location, entry: Entry,
               details: Details) -> Entry | None:
    """Describe one element (None when it vanished since it was listed) and read its
    details, tags and policy; denials are recorded, not raised."""
    describe = resource.describe
    if describe and not describe.batch:
        params = fill(describe.params, context(entry.element, location, entry.parent))
        response = details.read(describe.key or describe.operation, client,
                                xform_name(describe.operation), *describe.absent, **params)
        denied = describe.key or describe.operation
        if response is None and denied not in details.unavailable:
            return None
        found = at(response, describe.key) if describe.key else response
        entry.element = {**entry.element, **{name: value for name, value in (found or {}).items()
                                             if name != "ResponseMetadata"}}
        for name in describe.keep:
            if response and name in response:
                entry.element[name] = response[name]
    arn = render(resource.arn, context(entry.element, location, entry.parent))
    here = context(entry.element, location, entry.parent, arn)
    for detail in resource.details:
        value = read_detail(detail, client, here, details)
        if value is not None:
            entry.values[detail.property] = value
    if isinstance(resource.tags, Detail):
        entry.tags = tag_map(read_detail(resource.tags, client, here, details))
    if isinstance(resource.policy, Detail):
        text = read_detail(resource.policy, client, here, details)
        if text:
            entry.values[POLICY] = decoded(text)
    entry.unavailable.update(details.unavailable)
    return entry


def read_detail(detail: Detail, client: BaseClient, here: Mapping[str, Any],
                details: Details) -> Any:
    """One detail call's kept value, or None (not configured, or denied)."""
    params = fill(detail.params, here)
    method = xform_name(detail.operation)
    if detail.paginate:
        return details.read_all(detail.property, client, method, detail.key or "", **params)
    response = details.read(detail.property, client, method, *detail.absent, **params)
    if response is None:
        return None
    response.pop("ResponseMetadata", None)
    return at(response, detail.key) if detail.key else response


def transform(resource: Resource, location: Location, entry: Entry,
              aliases: Mapping[str, str] | None = None) -> list[Item]:
    """One resource as an asset (the element, its details under their property, the policy
    decoded under ``Policy``, ``_unavailable``) and its edges."""
    arn = render(resource.arn, context(entry.element, location, entry.parent))
    properties = plain({**entry.element, **entry.values})
    unavailable = dict(entry.unavailable)
    if isinstance(resource.policy, str):
        move_policy(properties, resource.policy, unavailable)
    tags = entry.tags
    if isinstance(resource.tags, str):
        tags = tag_map(FieldPath(resource.tags).first(entry.element))
    name = arn.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    if resource.name:
        try:
            name = render(resource.name, context(entry.element, location, entry.parent, arn))
        except CollectionError:
            pass  # a resource without the field its name is read from keeps its id's tail
    kind = Kind(resource.asset_type, resource.native_type)
    items: list[Item] = [location.asset(kind, arn, with_unavailable(properties, unavailable),
                                       name=name, tags=tags)]
    seen: set[tuple[str, str, str]] = set()
    if resource.parent is not None and resource.contained and entry.parent is not None:
        parent_arn = render(resource.parent.arn, context(entry.parent, location))
        seen.add((parent_arn, "CONTAINS", arn))
    for edge in resource.edges:
        for value in FieldPath(edge.path).values(properties):
            for part in str(value).split(edge.split) if edge.split else [value]:
                if not isinstance(part, str) or not part.strip():
                    continue
                part = part.strip()
                if edge.only and not part.startswith(edge.only):
                    continue
                if edge.kms:
                    other = kms_key_arn(location, part, aliases)
                elif edge.target == "{value}":
                    other = part if part.startswith("arn:") else None  # an ARN, or nothing
                else:
                    other = _FORMATTER.vformat(edge.target, (), {
                        **context(entry.element, location, entry.parent), "value": part})
                if other and other != arn:
                    seen.add((other, edge.type, arn) if edge.inbound else (arn, edge.type, other))
    items += [Relationship(source_id=s, type=t, target_id=d) for s, t, d in sorted(seen)]
    return items


def kms_references(resource: Resource, entry: Entry) -> Iterator[Any]:
    """The KMS references of an entry's ENCRYPTED_BY edges (to resolve aliases)."""
    data = {**entry.element, **entry.values}
    for edge in resource.edges:
        if edge.kms:
            yield from FieldPath(edge.path).values(data)


def move_policy(properties: dict[str, Any], path: str, unavailable: dict[str, str]) -> None:
    """Move the policy's JSON text at ``path`` to ``Policy``, decoded; a policy inside a
    denied detail is unavailable for the same reason."""
    *parents, last = path.split(".")
    holder: Any = properties
    for part in parents:
        holder = holder.get(part) if isinstance(holder, dict) else None
    if parents and parents[0] in unavailable:
        unavailable[POLICY] = unavailable[parents[0]]
    if isinstance(holder, dict) and holder.get(last):
        properties[POLICY] = decoded(holder.pop(last))


def decoded(text: Any) -> Any:
    """A policy document from its JSON text; API Gateway escapes the quotes inside it."""
    if not isinstance(text, str):
        return text
    for candidate in (text, text.replace('\\"', '"')):
        try:
            return json.loads(candidate)
        except ValueError:
            continue
    return text


def context(element: Mapping[str, Any], location: Location,
            parent: Mapping[str, Any] | None = None, arn: str = "") -> dict[str, Any]:
    """The names a template may use."""
    return {**element, "parent": parent or {}, "partition": location.partition,
            "region": location.region or "", "account": location.account, "arn": arn}


def render(template: Template, values: Mapping[str, Any]) -> str:
    """A template or field name filled from ``values`` (the first of a tuple that can be);
    a missing field is a one-line error."""
    if isinstance(template, tuple):
        for each in template[:-1]:
            try:
                return render(each, values)
            except CollectionError:
                continue
        return render(template[-1], values)
    if "{" not in template:
        template = "{" + template + "}"
    try:
        text = _FORMATTER.vformat(template, (), values)
    except (KeyError, IndexError, TypeError) as error:
        raise CollectionError(f"cannot make {template!r}: the element has no {error}") from None
    if not text:
        raise CollectionError(f"cannot make {template!r}: the element's field is empty")
    return text


def fill(value: Any, values: Mapping[str, Any]) -> Any:
    """Parameters with their templates filled; a parameter that is one whole ``{field}``
    keeps the field's own value (a list stays a list)."""
    if isinstance(value, str):
        if "{" not in value:
            return value
        fields = list(_FORMATTER.parse(value))
        if len(fields) == 1 and fields[0][0] == "" and fields[0][1] and not fields[0][2] \
                and fields[0][3] is None:
            try:
                return _FORMATTER.get_field(fields[0][1], (), values)[0]
            except (KeyError, IndexError, TypeError) as error:
                raise CollectionError(f"cannot fill {value!r}: the element has no "
                                      f"{error}") from None
        return render(value, values)
    if isinstance(value, list):
        return [fill(item, values) for item in value]
    if isinstance(value, Mapping):
        return {name: fill(item, values) for name, item in value.items()}
    return value


def at(data: Any, path: str) -> Any:
    """The value at a dotted ``path`` of a response, or None."""
    for part in path.split("."):
        data = data.get(part) if isinstance(data, Mapping) else None
    return data
