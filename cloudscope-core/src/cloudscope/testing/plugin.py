"""pytest fixtures for CloudScope and its plugins. Loaded through the ``pytest11`` entry point."""

from __future__ import annotations

import importlib
import importlib.util
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from cloudscope.domain.errors import NotFoundError
from cloudscope.host.discovery import ENTRY_POINT_GROUP
from cloudscope.host.plugin_host import PluginHost
from cloudscope.host.plugin_report import PluginReport, PluginStatus


@pytest.fixture
def plugin_host() -> PluginHost:
    """A fresh plugin host with the built-ins only: no installed plugin is loaded."""
    return PluginHost(load_only=set())


@pytest.fixture
def register_plugin(plugin_host: PluginHost) -> Callable[..., PluginReport]:
    """Register an in-process plugin object (module, class instance) on ``plugin_host``.

    ``register_plugin(name, plugin)`` runs the host's checks (API version, required plugins,
    hook validation) and returns the plugin's report.
    """

    def register(name: str, plugin: object, **metadata: Any) -> PluginReport:
        # The host loads no installed plugin (load_only is empty); this one is wanted.
        return plugin_host.add_plugin(name, plugin, filtered=False, **metadata)

    return register


def contract_host(plugin: object | None, name: str, *, kind: str, component: str) -> PluginHost:
    """The host a contract suite resolves its component from.

    ``plugin`` None: the installed plugins, loaded as the CLI loads them. Otherwise that
    entry point module (or object) alone, registered as plugin ``name`` through every check,
    so that a plugin's tests run from its source tree before it is installed. Fails the test
    with what to do when the component is not registered.
    """
    if plugin is None:
        host = PluginHost.from_environment()
        how = ("install the plugin that registers it (pip install -e .), or set `plugin = "
               "<your package>.plugin` on the test class")
    else:
        host = PluginHost(load_only=set())
        report = host.add_plugin(name, plugin, filtered=False)
        if report.status is not PluginStatus.LOADED:
            pytest.fail(f"plugin {name!r} is {report.status.value}: {report.reason}")
        how = f"check that plugin {name!r} registers it"
    try:
        host.registries[kind].get(component)
    except NotFoundError as error:
        pytest.fail(f"{error}; {how}")
    return host


@dataclass(frozen=True)
class FakeDistribution:
    """An installed distribution made on disk for a test: its name, folder and module."""

    name: str
    version: str
    path: Path


@pytest.fixture
def fake_distribution(tmp_path: Path,
                      monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., FakeDistribution]]:
    """Make a distribution that importlib-metadata sees as installed.

    ``fake_distribution("cloudscope-demo", entry_points={"demo": "demo_plugin"},
    modules={"demo_plugin": "CLOUDSCOPE_API = '>=1.0,<2'"}, requires=["requests>=2"])``
    writes ``<name>-<version>.dist-info`` (METADATA with Requires-Dist and Provides-Extra,
    entry_points.txt in the ``cloudscope.plugins`` group) and the modules into a folder put
    on ``sys.path`` (``"pkg.__init__"`` makes a package). ``extras=["fast"]`` with
    ``requires=['sdk; extra == "fast"']`` declares an optional dependency.
    """
    root = tmp_path / "site-packages"
    root.mkdir(exist_ok=True)
    monkeypatch.syspath_prepend(str(root))

    def make(name: str, *, version: str = "1.0.0", entry_points: Mapping[str, str] | None = None,
             modules: Mapping[str, str] | None = None, requires: Sequence[str] = (),
             extras: Sequence[str] = (), group: str = "cloudscope.plugins") -> FakeDistribution:
        dist_info = root / f"{name.replace('-', '_')}-{version}.dist-info"
        dist_info.mkdir()
        metadata = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
        metadata += [f"Provides-Extra: {extra}" for extra in extras]
        metadata += [f"Requires-Dist: {requirement}" for requirement in requires]
        (dist_info / "METADATA").write_text("\n".join(metadata) + "\n", encoding="utf-8")
        if entry_points:
            lines = [f"[{group}]"] + [f"{ep} = {value}" for ep, value in entry_points.items()]
            (dist_info / "entry_points.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        (dist_info / "RECORD").write_text("", encoding="utf-8")
        for module, source in (modules or {}).items():
            target = root / (module.replace(".", "/") + ".py")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(textwrap.dedent(source), encoding="utf-8")
            sys.modules.pop(module.removesuffix(".__init__"), None)
        importlib.invalidate_caches()
        return FakeDistribution(name, version, root)

    yield make
    # Forget the modules imported from this test's folder: the next test's may share names.
    for module_name, module in list(sys.modules.items()):
        if str(getattr(module, "__file__", None) or "").startswith(str(root)):
            del sys.modules[module_name]
    importlib.invalidate_caches()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """The URL of a fresh SQLite store in the test's temporary directory."""
    # Four slashes for an absolute path, as in SQLAlchemy.
    return f"sqlite:///{(tmp_path / 'cloudscope.db').resolve()}"


@dataclass(frozen=True)
class CliResult:
    """The outcome of one ``cloudscope`` process."""

    exit_code: int
    stdout: str
    stderr: str


def _uninstalled_plugins(folder: Path, plugins: Mapping[str, str]) -> list[Path]:
    """Make ``plugins`` (name -> entry point module) visible to a child process: a
    distribution declaring their entry points, and the folders their packages are in."""
    installed = {ep.name for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}
    wanted = {name: module for name, module in plugins.items() if name not in installed}
    if not wanted:
        return []
    dist_info = folder / "cloudscope_uninstalled_plugins-0.dist-info"
    dist_info.mkdir(parents=True, exist_ok=True)
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: cloudscope-uninstalled-"
                                        "plugins\nVersion: 0\n", encoding="utf-8")
    lines = [f"[{ENTRY_POINT_GROUP}]", *(f"{name} = {module}" for name, module in wanted.items())]
    (dist_info / "entry_points.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    roots = [folder]
    for module in wanted.values():
        top = module.split(".")[0]
        spec = importlib.util.find_spec(top)
        if spec is None:
            raise ValueError(f"run_cloudscope(plugins=...): module {top!r} cannot be found")
        where = Path(spec.submodule_search_locations[0] if spec.submodule_search_locations
                     else spec.origin or "")
        roots.append(where.parent)
    return roots


@pytest.fixture
def run_cloudscope(tmp_path: Path) -> Callable[..., CliResult]:
    """Run the real ``cloudscope`` command in a subprocess: ``run_cloudscope("plugins",
    "--format", "json", env={...})``. The environment is the test's, plus ``env``.

    ``plugins={"mysource": "cloudscope_mysource.plugin"}`` loads plugins that are not
    installed (a plugin's tests run from its source tree): their entry points are declared
    to the child, and their packages put on its ``PYTHONPATH``. Distributions made by
    ``fake_distribution`` are seen too.
    """

    def run(*args: str, env: Mapping[str, str] | None = None, cwd: Path | None = None,
            input: str | None = None, timeout: float = 120,
            plugins: Mapping[str, str] | None = None) -> CliResult:
        environment = {**os.environ, **(env or {})}
        paths = _uninstalled_plugins(tmp_path / "entry-points", plugins or {})
        fakes = tmp_path / "site-packages"
        if fakes.is_dir():  # the distributions fake_distribution made for this test
            paths.append(fakes)
        if paths:
            environment["PYTHONPATH"] = os.pathsep.join(
                [*map(str, paths), *filter(None, [environment.get("PYTHONPATH")])])
        completed = subprocess.run(
            [sys.executable, "-m", "cloudscope", *args], capture_output=True, text=True,
            env=environment, cwd=cwd or tmp_path, input=input, timeout=timeout, check=False)
        return CliResult(completed.returncode, completed.stdout, completed.stderr)

    return run


def iter_lines(text: str) -> Iterator[str]:
    """Non-empty lines of ``text``."""
    return (line for line in text.splitlines() if line.strip())


@pytest.fixture
def otel_spans() -> Iterator[Any]:
    """The spans CloudScope records during the test, captured by the OpenTelemetry SDK's
    in-memory exporter: ``otel_spans.get_finished_spans()``. Skips without the ``otel``
    extra. The global tracer provider and the cloud SDK instrumentations are undone
    afterwards, so that other tests run untraced."""
    pytest.importorskip("opentelemetry.sdk.trace", reason="the otel extra is not installed")
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.util._once import Once

    def reset() -> None:
        # What opentelemetry-test-utils' reset_trace_globals does: the API lets a process
        # set its provider once, and a test suite needs it set and unset per test.
        trace._TRACER_PROVIDER_SET_ONCE = Once()
        trace._TRACER_PROVIDER = None

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    reset()
    trace.set_tracer_provider(provider)
    try:
        yield exporter
    finally:
        provider.shutdown()
        reset()
        for module, name in (("opentelemetry.instrumentation.botocore", "BotocoreInstrumentor"),
                             ("opentelemetry.instrumentation.requests", "RequestsInstrumentor")):
            instrumentor = getattr(sys.modules.get(module), name, None)
            if instrumentor is not None and instrumentor().is_instrumented_by_opentelemetry:
                instrumentor().uninstrument()
