"""Registered factories: a module that cannot be found fails its plugin at load time, without
importing anything; a missing optional SDK fails only its component, naming the extra."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import pytest
from cloudscope.domain.errors import PluginError
from cloudscope.host.plugin_host import PluginHost, PluginStatus
from cloudscope.testing.plugin import CliResult, FakeDistribution

PLUGIN = """
from cloudscope.api import hookimpl
CLOUDSCOPE_API = ">=1.0,<2"

@hookimpl
def cloudscope_register_exporters(register):
{registrations}
"""

PLAIN_EXPORTER = """
from cloudscope.api import Exporter

class Plain(Exporter):
    extension = ".txt"

    def export(self, source, target, options):
        out = target.open()
        for record in source.records():
            out.write(record.asset.id + "\\n")
"""


@pytest.fixture
def install(fake_distribution: Callable[..., FakeDistribution]) -> Callable[..., PluginHost]:
    """Install plugin ``demo`` (package ``demo_pkg``) registering ``{name: factory}`` exporters,
    with extra modules of the package; return a host that loaded it."""

    def make(factories: dict[str, str], modules: dict[str, str] | None = None,
             **distribution: Any) -> PluginHost:
        lines = "\n".join(f"    register({name!r}, {factory!r})" for name, factory in factories.items())
        fake_distribution("cloudscope-demo", entry_points={"demo": "demo_pkg.plugin"},
                          modules={"demo_pkg.__init__": "", "demo_pkg.plugin":
                                   PLUGIN.format(registrations=lines), **(modules or {})},
                          **distribution)
        host = PluginHost(load_only={"demo"})
        host.load_installed()
        return host

    return make


def test_factory_whose_package_cannot_be_found_fails_the_plugin_at_load(
        install: Callable[..., PluginHost]) -> None:
    """A top-level package that is not installed is reported by `cloudscope plugins`, not on use."""
    host = install({"csvx": "demo_pgk.exporter:Csv"})
    report = host.reports["demo"]
    assert report.status is PluginStatus.FAILED
    assert "exporter 'csvx': factory 'demo_pgk.exporter:Csv' names module 'demo_pgk', which " \
           "cannot be found" in (report.reason or "")
    assert "csvx" not in host.exporters


def test_factory_whose_module_is_misspelt_in_the_plugin_package_fails_at_load(
        install: Callable[..., PluginHost]) -> None:
    """A typo in the module under the plugin's own (imported) package is seen too."""
    host = install({"csvx": "demo_pkg.exportr:Csv"}, {"demo_pkg.exporter": PLAIN_EXPORTER})
    assert host.reports["demo"].status is PluginStatus.FAILED
    assert "names module 'demo_pkg.exportr'" in (host.reports["demo"].reason or "")


def test_factory_module_is_found_without_being_imported(
        install: Callable[..., PluginHost]) -> None:
    """Checking a reference imports nothing: a module that would fail on import loads fine."""
    host = install({"heavy": "demo_pkg.heavy:Thing"},
                   {"demo_pkg.heavy": "raise RuntimeError('imported too early')\n"})
    assert host.reports["demo"].status is PluginStatus.LOADED
    assert "demo_pkg.heavy" not in sys.modules
    with pytest.raises(PluginError, match=r"cannot import .*RuntimeError: imported too early"):
        host.exporters.get("heavy").resolve()


def test_missing_optional_sdk_fails_only_its_component_and_names_the_extra(
        install: Callable[..., PluginHost]) -> None:
    """An SDK declared as an extra and not installed: the plugin loads, its other components
    work, and the one that needs it says which extra to install."""
    host = install({"plain": "demo_pkg.plain:Plain", "parquet": "demo_pkg.parquet:Parquet"},
                   {"demo_pkg.plain": PLAIN_EXPORTER,
                    "demo_pkg.parquet": "import cloudscope_fake_pyarrow\n"},
                   extras=["parquet"],
                   requires=['cloudscope-fake-pyarrow>=14; extra == "parquet"'])
    assert host.reports["demo"].status is PluginStatus.LOADED
    assert host.exporters.get("plain").resolve().__name__ == "Plain"
    with pytest.raises(PluginError) as caught:
        host.exporters.get("parquet").resolve()
    assert str(caught.value) == (
        "plugin 'demo': exporter 'parquet' needs the module 'cloudscope_fake_pyarrow', which is "
        "not installed (pip install 'cloudscope-demo[parquet]')")


def test_missing_sdk_of_one_extra_among_several_is_found_by_its_name(
        install: Callable[..., PluginHost]) -> None:
    """The extra whose requirement is named like the missing module is the one named."""
    host = install({"gcs": "demo_pkg.gcs:Gcs"},
                   {"demo_pkg.gcs": "import cloudscope_fake_google.cloud\n"},
                   extras=["s3", "gcs"],
                   requires=['cloudscope-fake-boto3>=1; extra == "s3"',
                             'cloudscope-fake-google-cloud-storage>=2; extra == "gcs"'])
    with pytest.raises(PluginError, match=r"pip install 'cloudscope-demo\[gcs\]'"):
        host.exporters.get("gcs").resolve()


def test_missing_module_no_extra_provides_is_named_as_such(
        install: Callable[..., PluginHost]) -> None:
    """Without an extra to point at, the hint names the module to install."""
    host = install({"x": "demo_pkg.x:X"}, {"demo_pkg.x": "import cloudscope_fake_sdk\n"})
    with pytest.raises(PluginError, match="install the package that provides the module "
                                          "'cloudscope_fake_sdk'"):
        host.exporters.get("x").resolve()


def test_cli_reports_the_extra_in_one_line_and_other_formats_still_export(
        install: Callable[..., PluginHost], run_cloudscope: Callable[..., CliResult],
        sqlite_url: str) -> None:
    """`cloudscope export parquet` is one line and exit 2; `export plain` works."""
    install({"plain": "demo_pkg.plain:Plain", "parquet": "demo_pkg.parquet:Parquet"},
            {"demo_pkg.plain": PLAIN_EXPORTER,
             "demo_pkg.parquet": "import cloudscope_fake_pyarrow\n"},
            extras=["parquet"], requires=['cloudscope-fake-pyarrow>=14; extra == "parquet"'])
    assert run_cloudscope("db", "migrate", "--db", sqlite_url).exit_code == 0
    failed = run_cloudscope("export", "parquet", "--db", sqlite_url)
    assert failed.exit_code == 2
    assert failed.stderr.strip().splitlines() == [
        "cloudscope: error: plugin 'demo': exporter 'parquet' needs the module "
        "'cloudscope_fake_pyarrow', which is not installed "
        "(pip install 'cloudscope-demo[parquet]')"]
    exported = run_cloudscope("export", "plain", "--db", sqlite_url)
    assert exported.exit_code == 0, exported.stderr
