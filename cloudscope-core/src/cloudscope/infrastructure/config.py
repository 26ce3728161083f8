"""Configuration: a YAML file validated by pydantic, overridden by the environment.

Precedence: command-line flag > environment > config file > default. Every key has an
environment variable ``CLOUDSCOPE_<SECTION>_<KEY>`` (nested keys joined by ``_``). A
top-level section named after a plugin (``azure:``) belongs to that plugin, which validates
it with its own model through :meth:`Config.plugin_settings`. Values may be secrets by
reference (``env:NAME``, ``file:/path``, a plugin's scheme: ``secret_references``), and
``targets:`` lists the collections ``cloudscope collect`` runs without a provider.
"""

from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Final, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from cloudscope.domain.documents import (
    check_nesting,
    decode_text,
    load_yaml,
    parse_json,
    read_regular_file,
)
from cloudscope.domain.errors import ConfigError, InputError
from cloudscope.infrastructure.secret_references import ReferenceResolver, Resolver

SCHEMA_VERSION: Final = 1
ENV_PREFIX: Final = "CLOUDSCOPE_"
# Variables that are switches of their own, not config keys.
_RESERVED_ENV: Final = {"CONFIG", "LOAD_PLUGINS", "TRACE_PLUGINS"}
MAX_CONFIG_BYTES: Final = 1_000_000

Model = TypeVar("Model", bound=BaseModel)


class _Section(BaseModel):
    # NaN or Infinity (``.inf`` in YAML, ``inf`` in a variable) is never a sensible setting.
    model_config = ConfigDict(extra="forbid", validate_default=True, allow_inf_nan=False)


class ScopeRateLimitSettings(_Section):
    """A rate limit for one scope (service, region) of a plugin."""

    per_second: float = Field(gt=0)
    burst: float | None = Field(default=None, ge=1)


class RateLimitSettings(_Section):
    """A plugin's rate limit: tokens per second and burst; per scope optionally."""

    per_second: float | None = Field(default=None, gt=0)
    burst: float | None = Field(default=None, ge=1)
    scopes: dict[str, ScopeRateLimitSettings] = Field(default_factory=dict)


class PluginSettings(_Section):
    """What the core itself applies to a plugin."""

    rate_limit: RateLimitSettings = Field(default_factory=RateLimitSettings)


class CollectSettings(_Section):
    """How ``cloudscope collect`` runs."""

    concurrency: int | None = Field(default=None, ge=1, le=256)
    batch_size: int = Field(default=1000, ge=1, le=100_000)
    queue_batches: int = Field(default=4, ge=1, le=1000)
    #: Failures of one kind in one place (an account's credentials, an endpoint, a
    #: service) after which that place's remaining scopes fail at once; 0 turns it off.
    circuit_breaker_threshold: int = Field(default=3, ge=0, le=1000)
    # A run on another host whose heartbeat (every 30 s) is older than this is abandoned.
    heartbeat_timeout_s: float = Field(default=600.0, ge=120.0)


class LogSettings(_Section):
    """Logging."""

    level: Literal["debug", "info", "warning", "error", "critical"] = "warning"
    format: Literal["auto", "console", "json"] = "auto"


class RulesSettings(_Section):
    """Risk rules."""

    directories: list[Path] = Field(default_factory=list)
    disabled: list[str] = Field(default_factory=list)


class ChangesSettings(_Section):
    """The change log (API 1.1)."""

    #: Whether `collect` records what it changes (stores that keep a change log).
    track: bool = True
    #: Days of history kept: changes recorded and assets removed longer ago are deleted by
    #: `db prune` (its default) and after each `collect`. None keeps everything.
    keep_days: int | None = Field(default=None, ge=1, le=36_500)


class SelectionSettings(_Section):
    """What a target collects of its services or asset types: shell-style patterns."""

    include: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)


class TargetSettings(BaseModel):
    """One collection target: a name, a provider, the provider's options by flag name
    (``regions``, ``profile``, ``subscriptions``, ``scope``...: checked against the
    provider's own options when it is collected), and the services and asset types to
    include or exclude (a list is an include list)."""

    model_config = ConfigDict(extra="allow")

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
    provider: str = Field(min_length=1, max_length=64)
    services: SelectionSettings = Field(default_factory=SelectionSettings)
    types: SelectionSettings = Field(default_factory=SelectionSettings)

    @field_validator("services", "types", mode="before")
    @classmethod
    def _list_is_include(cls, value: object) -> object:
        return {"include": value} if isinstance(value, list) else value

    @property
    def options(self) -> dict[str, Any]:
        """The provider options: every key but name, provider, services and types."""
        return dict(self.model_extra or {})


class AuthSettings(_Section):
    """How ``cloudscope serve`` authenticates requests (checked when serve starts)."""

    mode: Literal["jwt", "none"] = "jwt"
    issuer: str | None = None
    audience: str | None = None
    jwks_file: Path | None = None
    jwks_url: str | None = None
    #: HS256 is accepted only when this is set; a SecretStr, so that neither plugins
    #: (``cloudscope_configure``) nor messages ever see it.
    hs256_secret: SecretStr | None = None
    roles_claim: str = Field(default="roles", min_length=1)
    leeway_s: float = Field(default=30, ge=0, le=600)
    #: How long keys fetched from ``jwks_url`` are kept; an unknown ``kid`` refetches.
    jwks_cache_s: float = Field(default=300, ge=0, le=86_400)
    #: The least time between two refetches forced by unknown key ids.
    jwks_cooldown_s: float = Field(default=30, ge=0, le=3600)


class ServeSettings(_Section):
    """``cloudscope serve``: where it listens, who may ask, where the audit goes."""

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65_535)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    audit_log: Path | None = None
    #: Stores opened at once (each request borrows one).
    store_connections: int = Field(default=4, ge=1, le=64)
    #: How long SIGTERM waits for requests in flight before closing them.
    shutdown_timeout_s: float = Field(default=30, ge=0, le=3600)


class Settings(BaseModel):
    """The whole configuration. Unknown top-level keys are plugin sections."""

    model_config = ConfigDict(extra="allow", allow_inf_nan=False)

    schema_version: Literal[1] = 1
    db: str | None = None
    log: LogSettings = Field(default_factory=LogSettings)
    collect: CollectSettings = Field(default_factory=CollectSettings)
    plugins: dict[str, PluginSettings] = Field(default_factory=dict)
    rules: RulesSettings = Field(default_factory=RulesSettings)
    changes: ChangesSettings = Field(default_factory=ChangesSettings)
    targets: list[TargetSettings] = Field(default_factory=list)

    @field_validator("targets")
    @classmethod
    def _unique_names(cls, targets: list[TargetSettings]) -> list[TargetSettings]:
        names = [target.name for target in targets]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise PydanticCustomError("unique_names", "target names must be unique: "
                                      "{names} repeated", {"names": ", ".join(repeated)})
        return targets


    serve: ServeSettings = Field(default_factory=ServeSettings)


class Config:
    """The validated settings, where they came from, and plugin sections on demand."""

    def __init__(self, settings: Settings, *, path: Path | None,
                 environ: Mapping[str, str], file_data: Mapping[str, Any] | None = None,
                 env_data: Mapping[str, Any] | None = None,
                 references: ReferenceResolver | None = None) -> None:
        self.settings = settings
        self.path = path
        self._environ = environ
        #: What the file and the environment each said (before merging), and the key
        #: paths that were secrets by reference: where each value came from.
        self.file_data = dict(file_data or {})
        self.env_data = dict(env_data or {})
        self.references = references or ReferenceResolver({})

    @property
    def source(self) -> str:
        """The config file's path, or a note that none was read."""
        return str(self.path) if self.path else "(no config file)"

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``cloudscope_configure`` hooks."""
        return self.settings.model_dump(mode="json")

    def plugin_settings(self, plugin: str, model: type[Model]) -> Model:
        """The ``plugin:`` section validated by ``model``, environment overrides applied."""
        section = dict((self.settings.model_extra or {}).get(plugin) or {})
        prefix = f"{ENV_PREFIX}{plugin.upper().replace('-', '_')}_"
        env_values = self.references.resolve(
            _environment_for(model, prefix, self._environ), path=(plugin,),
            source=lambda path: f"environment variable {prefix}{'_'.join(path[1:]).upper()}")
        merged = _deep_merge(section, env_values)
        try:
            return model.model_validate(merged)
        except ValidationError as error:
            raise _config_error(error, self.source, model=model, prefix=plugin,
                                env_names=_env_names(model, f"{ENV_PREFIX}{plugin.upper()}_"),
                                environ=self._environ) from None


def default_config_path(environ: Mapping[str, str] = os.environ) -> Path:
    """The platform's standard location of ``config.yaml``."""
    if sys.platform == "win32":
        base = Path(environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "cloudscope" / "config.yaml"


def load_config(path: str | Path | None = None, *, environ: Mapping[str, str] | None = None,
                plugin_names: Iterable[str] = (),
                resolvers: Mapping[str, Resolver] | None = None) -> Config:
    """Read, merge and validate the configuration.

    ``path`` is ``--config``; without it ``CLOUDSCOPE_CONFIG``, then the standard location
    if that file exists. ``plugin_names`` are the top-level sections that plugins own;
    ``resolvers`` the secret resolvers by scheme (``env``, ``file``...).
    """
    environ = os.environ if environ is None else environ
    chosen: Path | None = Path(path) if path else None
    if chosen is None and environ.get("CLOUDSCOPE_CONFIG"):
        chosen = Path(environ["CLOUDSCOPE_CONFIG"])
    if chosen is None and default_config_path(environ).is_file():
        chosen = default_config_path(environ)
    data = _read_yaml(chosen) if chosen else {}
    source = str(chosen) if chosen else "environment"
    _check_top_level(data, source, set(plugin_names))
    references = ReferenceResolver(resolvers or {})
    data = references.resolve(data, source=lambda _path: source)
    env_data = references.resolve(
        _core_environment(environ),
        source=lambda key: f"environment variable {ENV_PREFIX}{'_'.join(key).upper()}")
    merged = _deep_merge(data, env_data)
    try:
        settings = Settings.model_validate(merged)
    except ValidationError as error:
        raise _config_error(error, source, env_names=_env_names(Settings, ENV_PREFIX),
                            environ=environ) from None
    return Config(settings, path=chosen, environ=environ, file_data=data, env_data=env_data,
                  references=references)


def _read_yaml(path: Path) -> dict[str, Any]:
    # The file collector's guards (regular file, size, nesting, aliases): issue 12.
    try:
        data = load_yaml(decode_text(read_regular_file(
            path, MAX_CONFIG_BYTES, hint="a configuration file is small; is this the right "
                                         "file?"), str(path)), str(path))
    except InputError as error:
        hint = error.hint or ("check --config or CLOUDSCOPE_CONFIG"
                              if error.message == "no such file" else None)
        raise ConfigError(error.message, source=error.location, hint=hint) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"expected a mapping at the top level, got {type(data).__name__}",
                          source=str(path))
    return data


def _check_top_level(data: Mapping[str, Any], source: str, plugin_names: set[str]) -> None:
    known = set(Settings.model_fields) | plugin_names
    for key in data:
        if key not in known:
            close = difflib.get_close_matches(str(key), sorted(known), n=1)
            hint = f"did you mean {close[0]!r}?" if close else \
                f"known keys: {', '.join(sorted(known))}"
            raise ConfigError("unknown key", source=source, key=str(key), hint=hint)


def _field_paths(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every leaf key path of a model (nested models expanded; dicts and lists are leaves)."""
    paths: list[tuple[str, ...]] = []
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            paths.extend(_field_paths(annotation, (*prefix, name)))
        else:
            paths.append((*prefix, name))
    return paths


def _env_names(model: type[BaseModel], prefix: str) -> dict[str, tuple[str, ...]]:
    return {prefix + "_".join(path).upper(): path for path in _field_paths(model)}


def _environment_for(model: type[BaseModel], prefix: str,
                     environ: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, path in _env_names(model, prefix).items():
        if name in environ:
            _set_path(values, path, _parse_env_value(name, environ[name]))
    return values


def _core_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    values = _environment_for(Settings, ENV_PREFIX, environ)
    values.pop("plugins", None)
    # plugins.<name>.rate_limit.<key>: plugin names are open, so match the known suffixes.
    suffixes = {"_RATE_LIMIT_PER_SECOND": ("rate_limit", "per_second"),
                "_RATE_LIMIT_BURST": ("rate_limit", "burst")}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX + "PLUGINS_"):
            continue
        rest = name[len(ENV_PREFIX + "PLUGINS_"):]
        for suffix, path in suffixes.items():
            if rest.endswith(suffix) and len(rest) > len(suffix):
                plugin = rest[: -len(suffix)].lower().replace("_", "-")
                _set_path(values, ("plugins", plugin, *path), value)
    return values


def _parse_env_value(name: str, raw: str) -> Any:
    """JSON lists and objects are decoded (within the documents' nesting limit); everything
    else, invalid JSON included, stays a string for pydantic to refuse by name."""
    stripped = raw.strip()
    if stripped[:1] in ("[", "{"):
        try:
            value = parse_json(stripped, name)
        except InputError:
            return raw
        try:
            check_nesting(value, name, strict_keys=True)
        except InputError as error:
            raise ConfigError(error.message, source=f"environment variable {name}") from None
        return value
    return raw


def _set_path(target: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for part in path[:-1]:
        target = target.setdefault(part, {})
    target[path[-1]] = value


def _deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _config_error(error: ValidationError, source: str, *, model: type[BaseModel] = Settings,
                  prefix: str | None = None,
                  env_names: Mapping[str, tuple[str, ...]] | None = None,
                  environ: Mapping[str, str] | None = None) -> ConfigError:
    first = error.errors()[0]
    location = tuple(str(part) for part in first["loc"])
    key = ".".join(filter(None, (prefix, *location)))
    where = source
    for name, path in (env_names or {}).items():
        if path == location[: len(path)] and environ is not None and name in environ:
            where = f"environment variable {name}"
    if location[:1] == ("plugins",) and len(location) >= 4 and environ is not None:
        # plugins.<name>.rate_limit.<key>, which _core_environment reads by suffix.
        name = f"{ENV_PREFIX}PLUGINS_{location[1].upper().replace('-', '_')}_" \
               f"{'_'.join(location[2:4]).upper()}"
        if name in environ:
            where = f"environment variable {name}"
    if first["type"] == "extra_forbidden":
        siblings = _sibling_names(model, location)
        close = difflib.get_close_matches(location[-1], siblings, n=1)
        hint = f"did you mean {close[0]!r}?" if close else None
        return ConfigError("unknown key", source=where, key=key, hint=hint)
    received = first.get("input")
    shown = repr(received) if isinstance(received, (str, int, float, bool)) else type(received).__name__
    return ConfigError(f"{first['msg'].lower()}, got {shown}", source=where, key=key)


def _sibling_names(root: type[BaseModel], location: tuple[str, ...]) -> list[str]:
    model: Any = root
    for part in location[:-1]:
        if model is None:
            return []
        annotation = model.model_fields.get(part).annotation if part in model.model_fields else None
        model = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    return list(model.model_fields) if model is not None else []
