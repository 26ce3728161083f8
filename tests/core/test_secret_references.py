"""Secrets by reference: ``env:NAME``, ``file:/path`` and a plugin's own scheme in config
values, resolved when the configuration is loaded; errors name the key, never the secret."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cloudscope.api import ConfigError, hookimpl
from cloudscope.cli.runtime import secret_resolvers
from cloudscope.host.plugin_host import PluginHost
from cloudscope.infrastructure.config import load_config
from pydantic import BaseModel, SecretStr

SECRET = "s3cr3t-value-never-printed"


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[[str], Path]:
    """Write a YAML config file and return its path."""

    def write(text: str) -> Path:
        path = tmp_path / "config.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def load(plugin_host: PluginHost) -> Callable[..., Any]:
    """``load(path, environ)``: the config, with the host's resolvers (built-ins: env, file)."""

    def run(path: Path | None, environ: dict[str, str] | None = None) -> Any:
        return load_config(path, environ=environ or {}, plugin_names=["azure", "vaulty"],
                           resolvers=secret_resolvers(plugin_host))

    return run


class AzureLike(BaseModel):
    client_secret: SecretStr | None = None
    tenant_id: str | None = None


def test_env_reference_is_replaced_by_the_variable(write_config: Callable[[str], Path],
                                                   load: Callable[..., Any],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """``client_secret: env:NAME`` holds the variable's value once loaded."""
    monkeypatch.setenv("AZ_SECRET", SECRET)
    config = load(write_config("azure: {client_secret: 'env:AZ_SECRET', tenant_id: t}\n"))
    settings = config.plugin_settings("azure", AzureLike)
    assert settings.client_secret.get_secret_value() == SECRET
    assert settings.tenant_id == "t"
    assert config.references.references[("azure", "client_secret")] == "env:AZ_SECRET"


def test_file_reference_is_replaced_by_the_file_without_its_newline(
        write_config: Callable[[str], Path], load: Callable[..., Any], tmp_path: Path) -> None:
    """``file:/abs/path`` holds the file's text, the trailing newline of `echo` removed."""
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET + "\n", encoding="utf-8")
    config = load(write_config(f"azure: {{client_secret: 'file:{secret}'}}\n"))
    assert config.plugin_settings("azure", AzureLike).client_secret.get_secret_value() == SECRET


def test_unset_variable_names_the_file_key_and_reference_not_a_value(
        write_config: Callable[[str], Path], load: Callable[..., Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """An unset variable is a ConfigError naming the file, the key and the reference."""
    monkeypatch.delenv("NOT_SET_HERE", raising=False)
    path = write_config("azure: {client_secret: 'env:NOT_SET_HERE'}\n")
    with pytest.raises(ConfigError) as raised:
        load(path)
    assert str(raised.value) == (f"{path}: azure.client_secret: env:NOT_SET_HERE: the variable "
                                 "is not set (export NOT_SET_HERE=... before running cloudscope)")


@pytest.mark.parametrize(("reference", "message"), [
    ("file:relative/secret", "give an absolute path"),
    ("file:/no/such/secret/file", "no such file"),
    ("env:lower-case-name", "not a variable name"),
])
def test_bad_references_are_one_line_config_errors(write_config: Callable[[str], Path],
                                                   load: Callable[..., Any], reference: str,
                                                   message: str) -> None:
    """A reference that cannot be resolved says which and why."""
    with pytest.raises(ConfigError, match=f"collect.concurrency: {reference}: {message}"):
        load(write_config(f"collect: {{concurrency: '{reference}'}}\n"))


def test_a_file_store_url_and_other_urls_are_not_references(
        write_config: Callable[[str], Path], load: Callable[..., Any]) -> None:
    """``db: file:/srv/x`` names a file store and ``https://...`` is a URL: kept as written."""
    config = load(write_config("db: 'file:/srv/inventory'\n"
                               "azure: {tenant_id: 'file://not/a/reference'}\n"))
    assert config.settings.db == "file:/srv/inventory"
    assert config.plugin_settings("azure", AzureLike).tenant_id == "file://not/a/reference"


def test_environment_overrides_may_be_references(load: Callable[..., Any], tmp_path: Path) -> None:
    """``CLOUDSCOPE_AZURE_CLIENT_SECRET=file:/path`` is resolved like a file value."""
    secret = tmp_path / "azure-secret"
    secret.write_text(SECRET, encoding="utf-8")
    config = load(None, {"CLOUDSCOPE_AZURE_CLIENT_SECRET": f"file:{secret}",
                         "CLOUDSCOPE_DB": f"file:{secret}"})
    assert config.plugin_settings("azure", AzureLike).client_secret.get_secret_value() == SECRET
    assert config.settings.db == f"file:{secret}"  # db's file: is a store URL


def vault_plugin(resolver: Callable[[str], str]) -> object:
    """A plugin registering the ``vault`` scheme."""

    class Plugin:
        CLOUDSCOPE_API = ">=1.1,<2"

        @staticmethod
        @hookimpl
        def cloudscope_register_secret_resolvers(register: Any) -> None:
            register("vault", resolver)

    return Plugin()


def test_cloudscope_register_secret_resolvers_adds_a_scheme(
        register_plugin: Callable[..., Any], plugin_host: PluginHost,
        write_config: Callable[[str], Path], load: Callable[..., Any]) -> None:
    """A plugin's resolver receives the text after ``vault:`` and its answer is the value."""
    asked: list[str] = []

    def resolve(reference: str) -> str:
        asked.append(reference)
        return SECRET

    assert register_plugin("vaulty", vault_plugin(resolve)).status.value == "loaded"
    assert plugin_host.secret_resolvers.names("vaulty") == ["vault"]
    config = load(write_config("azure: {client_secret: 'vault:kv/cloudscope#secret'}\n"))
    assert asked == ["kv/cloudscope#secret"]
    assert config.plugin_settings("azure", AzureLike).client_secret.get_secret_value() == SECRET


def test_a_resolver_that_raises_is_a_config_error_not_a_crash(
        register_plugin: Callable[..., Any], write_config: Callable[[str], Path],
        load: Callable[..., Any]) -> None:
    """A resolver raising anything (even SystemExit) is one ConfigError naming the scheme and
    the exception's type, not its message (which might quote the secret)."""

    def broken(reference: str) -> str:
        raise SystemExit(f"leaking {SECRET}")

    register_plugin("vaulty", vault_plugin(broken))
    path = write_config("azure: {client_secret: 'vault:x'}\n")
    with pytest.raises(ConfigError) as raised:
        load(path)
    assert str(raised.value) == f"{path}: azure.client_secret: vault: the secret resolver " \
                                "raised SystemExit"
