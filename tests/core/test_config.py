"""Configuration: YAML file, environment overrides, precedence, and precise errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from cloudscope.domain.errors import ConfigError
from cloudscope.infrastructure.config import load_config
from pydantic import BaseModel


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_apply_without_a_file(tmp_path: Path) -> None:
    """No file and no environment gives the documented defaults."""
    config = load_config(environ={"XDG_CONFIG_HOME": str(tmp_path)})
    assert config.settings.collect.batch_size == 1000
    assert config.settings.log.level == "warning"
    assert config.path is None


def test_file_values_are_read(tmp_path: Path) -> None:
    """Values in the file override defaults."""
    path = write(tmp_path, "collect:\n  batch_size: 50\nplugins:\n  aws:\n    rate_limit: {per_second: 5, burst: 10}\n")
    config = load_config(path, environ={})
    assert config.settings.collect.batch_size == 50
    assert config.settings.plugins["aws"].rate_limit.per_second == 5


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    """CLOUDSCOPE_<SECTION>_<KEY> beats the file; nested keys join with underscores."""
    path = write(tmp_path, "collect:\n  batch_size: 50\n")
    config = load_config(path, environ={"CLOUDSCOPE_COLLECT_BATCH_SIZE": "70",
                                        "CLOUDSCOPE_PLUGINS_AWS_RATE_LIMIT_PER_SECOND": "10",
                                        "CLOUDSCOPE_LOG_LEVEL": "info"})
    assert config.settings.collect.batch_size == 70
    assert config.settings.plugins["aws"].rate_limit.per_second == 10
    assert config.settings.log.level == "info"


def test_config_path_comes_from_the_environment_variable(tmp_path: Path) -> None:
    """CLOUDSCOPE_CONFIG names the file when --config is not given."""
    path = write(tmp_path, "db: sqlite:///from-env.db\n")
    assert load_config(environ={"CLOUDSCOPE_CONFIG": str(path)}).settings.db == "sqlite:///from-env.db"


def test_standard_location_is_read_when_present(tmp_path: Path) -> None:
    """The platform's config directory is the last place looked at."""
    (tmp_path / "cloudscope").mkdir()
    (tmp_path / "cloudscope" / "config.yaml").write_text("db: sqlite:///std.db\n")
    config = load_config(environ={"XDG_CONFIG_HOME": str(tmp_path)})
    assert config.settings.db == "sqlite:///std.db"


def test_unknown_key_names_file_and_key_with_a_suggestion(tmp_path: Path) -> None:
    """A typo in a nested key is reported with the closest valid key."""
    path = write(tmp_path, "collect:\n  batch_sise: 10\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    message = str(caught.value)
    assert str(path) in message and "collect.batch_sise" in message
    assert "did you mean 'batch_size'" in message


def test_unknown_top_level_key_suggests_a_section(tmp_path: Path) -> None:
    """An unknown section that is no plugin's is an error with a suggestion."""
    path = write(tmp_path, "colect:\n  batch_size: 10\n")
    with pytest.raises(ConfigError, match="did you mean 'collect'"):
        load_config(path, environ={}, plugin_names=["aws"])


def test_plugin_sections_are_accepted_and_validated_by_the_plugin(tmp_path: Path) -> None:
    """A section named after a plugin is the plugin's; its model validates it, env included."""

    class AzureSettings(BaseModel):
        model_config = {"extra": "forbid"}
        resource_manager_url: str = "https://management.azure.com"
        disable_instance_discovery: bool = False

    path = write(tmp_path, "azure:\n  resource_manager_url: https://arm.example\n")
    config = load_config(path, environ={"CLOUDSCOPE_AZURE_DISABLE_INSTANCE_DISCOVERY": "true"},
                         plugin_names=["azure"])
    settings = config.plugin_settings("azure", AzureSettings)
    assert settings.resource_manager_url == "https://arm.example"
    assert settings.disable_instance_discovery is True


def test_wrong_type_in_the_environment_names_the_variable(tmp_path: Path) -> None:
    """An environment value of the wrong type names the variable and what was expected."""
    with pytest.raises(ConfigError) as caught:
        load_config(environ={"CLOUDSCOPE_COLLECT_BATCH_SIZE": "many", "XDG_CONFIG_HOME": str(tmp_path)})
    message = str(caught.value)
    assert "CLOUDSCOPE_COLLECT_BATCH_SIZE" in message and "integer" in message and "'many'" in message


def test_wrong_type_in_the_file_names_file_and_key(tmp_path: Path) -> None:
    """A file value of the wrong type names the file, the key and the expectation."""
    path = write(tmp_path, "collect:\n  concurrency: -3\n")
    with pytest.raises(ConfigError, match=r"collect\.concurrency: input should be greater"):
        load_config(path, environ={})


def test_malformed_yaml_names_file_line_and_column(tmp_path: Path) -> None:
    """A YAML syntax error points at the line."""
    path = write(tmp_path, "collect:\n  batch_size: [1, 2\nlog: {}\n")
    with pytest.raises(ConfigError, match=rf"{path}:\d+:\d+: invalid YAML"):
        load_config(path, environ={})


def test_yaml_tags_that_would_run_code_are_refused(tmp_path: Path) -> None:
    """Python object tags are not constructed: the file is invalid, nothing runs."""
    marker = tmp_path / "ran"
    path = write(tmp_path, f"db: !!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(ConfigError, match="invalid YAML"):
        load_config(path, environ={})
    assert not marker.exists()


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    """A YAML list at the top level is refused with what was expected."""
    path = write(tmp_path, "- a\n- b\n")
    with pytest.raises(ConfigError, match="expected a mapping"):
        load_config(path, environ={})


def test_missing_config_file_is_an_error(tmp_path: Path) -> None:
    """--config naming a missing file says so."""
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "absent.yaml", environ={})


def test_schema_version_from_the_future_is_refused(tmp_path: Path) -> None:
    """Only schema_version 1 is understood."""
    path = write(tmp_path, "schema_version: 2\n")
    with pytest.raises(ConfigError, match="schema_version"):
        load_config(path, environ={})


def test_the_readme_configuration_example_is_valid(tmp_path: Path) -> None:
    """The YAML example in the README loads without error (docs stay true)."""
    import re

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(schema_version.*?)```", readme, re.S)
    assert example is not None
    config = load_config(write(tmp_path, example.group(1)), environ={},
                         plugin_names=["aws", "azure", "gcp"])
    assert config.settings.plugins["aws"].rate_limit.scopes["iam"].per_second == 2
