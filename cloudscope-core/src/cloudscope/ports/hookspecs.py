"""The CloudScope hook specifications, API 1.1.

Each docstring is the contract of its hook and names the API version it was added in.
Specs evolve only by adding arguments (pluggy passes an implementation only the arguments
it names), and new hooks are optional (a plugin that does not implement one is never asked),
so a plugin written for API 1.0 keeps working with every 1.x core.

A ``register`` callable takes a name and a factory: either a callable or a
``"module:Attribute"`` string that the core imports only when the component is used, so
that a plugin's SDK is not imported by ``cloudscope --help`` or ``cloudscope plugins``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import pluggy

if TYPE_CHECKING:
    from cloudscope.ports.registration import Register

API_VERSION: Final = "1.1"
"""The plugin API these specs define. Plugins declare the range they accept
(``">=1.0,<2"``; one that needs a 1.1 feature declares ``">=1.1,<2"``). 1.1 added optional
hooks, methods and fields (secret resolvers, collector checks, run liveness, keyset
pagination and finding queries, covered scopes): an API-1.0 plugin keeps working."""
PROJECT_NAME: Final = "cloudscope"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def cloudscope_register_collectors(register: Register) -> None:
    """Register collectors: ``register(name, factory)``.

    ``name`` is what users type after ``cloudscope collect`` (``aws``, ``file``). The
    factory, called as ``factory(ctx, options)`` with a :class:`CollectContext` and the
    parsed provider options, returns a :class:`Collector`. Its class may define
    ``add_arguments(parser)`` for provider options. Added in API 1.0.
    """


@hookspec
def cloudscope_register_repositories(register: Register) -> None:
    """Register repositories: ``register(scheme, factory)``.

    ``scheme`` is the URL scheme users give to ``--db`` (``sqlite``, ``postgresql``). The
    factory, called as ``factory(url)`` with the whole URL, returns a :class:`Repository`
    that migrates itself on first use. Added in API 1.0.
    """


@hookspec
def cloudscope_register_exporters(register: Register) -> None:
    """Register exporters: ``register(format_name, factory)``.

    ``format_name`` is what users type after ``cloudscope export`` (``csv``, ``json``).
    The factory, called with no arguments, returns an :class:`Exporter`. Added in API 1.0.
    """


@hookspec
def cloudscope_register_rules(register: Register) -> None:
    """Register rules: ``register(rule_id, factory)``.

    Risk rules and relationship-detection rules both register here; the factory, called
    with no arguments, returns a :class:`Rule`. Rule ids are unique across plugins, dotted
    by convention (``aws.s3.bucket-public``). Added in API 1.0.
    """


@hookspec
def cloudscope_register_secret_resolvers(register: Register) -> None:
    """Register secret resolvers: ``register(scheme, resolver)``.

    A configuration value written ``SCHEME:REFERENCE`` (``vault:kv/cloudscope#token``) is
    replaced, when the configuration is loaded, by ``resolver(reference)``: the text after
    the first colon, and the resolver returns the secret as a string. A value whose
    reference starts with ``//`` is a URL and never resolved. The core registers ``env``
    (``env:NAME``) and ``file`` (``file:/run/secrets/x``). A resolver raises
    ``ConfigError`` when it cannot resolve, with a message that names the reference and
    never the secret. Optional: a plugin that does not implement it is never asked.
    Added in API 1.1.
    """


@hookspec(historic=True)
def cloudscope_configure(config: dict[str, Any]) -> None:
    """Receive the validated configuration once the plugins are loaded.

    ``config`` is the effective configuration as plain data (file, environment and flags
    merged), secrets included: a plugin must not log it. Historic: a plugin registered
    later still receives it. Added in API 1.0.
    """
