"""Hostile plugins: whatever plugin code does, the host survives and never fakes a success.

One real distribution (``cloudscope-hostile``), built from source and installed by pip
into a folder put on ``PYTHONPATH``, carries one plugin per fault; each case loads only its
plugin (``CLOUDSCOPE_LOAD_PLUGINS``) and runs the real ``cloudscope`` command. A plugin that
exits, raises any ``BaseException`` or hangs while loading is reported ``failed`` with its
reason and every command still works; one that fails while used fails that command with the
documented exit code and one line, or fails its scope or rule, never exit 0 with nothing
done; what plugin code prints never reaches standard output.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import pytest

from tests.hostile.conftest import assert_one_clean_line, contents

HEADER: Final = """\
import os, sys, time
from cloudscope.api import (Asset, Collector, Exporter, AssetRule, Finding, ScopeKey,
                            Severity, hookimpl)
CLOUDSCOPE_API = ">=1.0,<2"

class Evil(BaseException):
    pass
"""

COLLECTOR: Final = """\
class EvilCollector(Collector):
    def plan(self):
        {plan}
        return [ScopeKey(provider="evil", account="a", region=r, service="s") for r in ("r1", "r2")]

    def collect(self, scope):
        {collect}
        for i in range(3):
            yield Asset(id=f"evil:{{scope.region}}:{{i}}", provider="evil",
                        asset_type="evil:thing:item")

    def close(self):
        {close}

def make(ctx, options):
    {factory}
    return EvilCollector(ctx, options)

@hookimpl
def cloudscope_register_collectors(register):
    register("{name}", make)
"""

EXPORTER: Final = """\
class EvilExporter(Exporter):
    def export(self, source, target, options):
        out = target.open()
        {export}
        for record in source.records():
            out.write(record.asset.id + "\\n")

def make():
    {factory}
    return EvilExporter()

@hookimpl
def cloudscope_register_exporters(register):
    register("{name}", make)
"""

RULE: Final = """\
class EvilRule(AssetRule):
    rule_id = "evil.rule"
    title = "evil"
    severity = Severity.LOW
    asset_types = ("aws:s3:bucket",)

    def check(self, asset):
        {check}
        return ()

def make():
    {factory}
    return EvilRule()

@hookimpl
def cloudscope_register_rules(register):
    register("evil.{name}", make)
"""

HOOK: Final = """\
@hookimpl
def {hook}(register):
    {body}
"""

CONFIGURE: Final = """\
@hookimpl
def cloudscope_configure(config):
    {body}

@hookimpl
def cloudscope_register_collectors(register):
    register("{name}", lambda ctx, options: None)
"""

FAULTS: Final = {
    "exit0": "sys.exit(0)",
    "exit3": "sys.exit(3)",
    "evil": "raise Evil('boom')",
    "generatorexit": "raise GeneratorExit('gone')",
    "interrupt": "raise KeyboardInterrupt",
    "hang": "time.sleep(600)",
    "recursion": "(lambda f: f(f))(lambda f: f(f))",
    "print": "print('PLUGIN-GARBAGE')",
    "oswrite": "os.write(1, b'PLUGIN-GARBAGE\\n')",
}
REASONS: Final = {
    "exit0": "sys.exit(0)", "exit3": "sys.exit(3)", "evil": "Evil: boom",
    "generatorexit": "GeneratorExit", "interrupt": "KeyboardInterrupt",
    "hang": "did not return within 2 s", "recursion": "RecursionError",
}
NOOP: Final = "pass"


def collector(name: str, *, plan: str = NOOP, collect: str = NOOP, close: str = NOOP,
              factory: str = NOOP) -> str:
    return COLLECTOR.format(name=name, plan=plan, collect=collect, close=close, factory=factory)


def plugin_sources() -> dict[str, str]:
    """Entry point name -> module source, one plugin per fault."""
    sources: dict[str, str] = {}
    for fault, code in FAULTS.items():
        # At import time, then in each registration hook, then in cloudscope_configure.
        sources[f"import-{fault}"] = code + "\n" + collector(f"import-{fault}")
        for kind in ("collectors", "repositories", "exporters", "rules"):
            sources[f"register-{kind}-{fault}"] = HOOK.format(
                hook=f"cloudscope_register_{kind}", body=code)
        sources[f"configure-{fault}"] = CONFIGURE.format(name=f"configure-{fault}", body=code)
        # While used: the collector's factory, plan, collect and close; the exporter's
        # factory and export; the rule's factory and check.
        for part in ("factory", "plan", "collect", "close"):
            sources[f"collector-{part}-{fault}"] = collector(f"collector-{part}-{fault}",
                                                             **{part: code})
        for part in ("factory", "export"):
            sources[f"exporter-{part}-{fault}"] = EXPORTER.format(
                name=f"exporter-{part}-{fault}", **{"factory": NOOP, "export": NOOP, part: code})
        for part in ("factory", "check"):
            sources[f"rule-{part}-{fault}"] = RULE.format(
                name=f"rule-{part}-{fault}", **{"factory": NOOP, "check": NOOP, part: code})
    sources["register-bad-name"] = HOOK.format(hook="cloudscope_register_collectors",
                                               body="register(42, lambda ctx, options: None)")
    sources["register-bad-factory"] = HOOK.format(hook="cloudscope_register_collectors",
                                                  body="register('x', 42)")
    sources["collector-reads-cancelled"] = collector(
        "collector-reads-cancelled", collect="if self.ctx.cancelled:\n            return")
    sources["collector-repository-exit0"] = """\
@hookimpl
def cloudscope_register_repositories(register):
    def make(url):
        sys.exit(0)
    register("evil", make)
"""
    return {name: HEADER + textwrap.dedent(source) for name, source in sources.items()}


@pytest.fixture(scope="session")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``cloudscope-hostile`` distribution, built and installed by pip into a folder."""
    root = tmp_path_factory.mktemp("hostile")
    project = root / "project"
    package = project / "cloudscope_hostile"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    entry_points = []
    for name, source in plugin_sources().items():
        module = name.replace("-", "_")
        (package / f"{module}.py").write_text(source)
        entry_points.append(f'"{name}" = "cloudscope_hostile.{module}"')
    (project / "pyproject.toml").write_text(textwrap.dedent("""\
        [build-system]
        requires = ["hatchling>=1.25"]
        build-backend = "hatchling.build"

        [project]
        name = "cloudscope-hostile"
        version = "1.0.0"
        dependencies = ["cloudscope-core"]

        [tool.hatch.build.targets.wheel]
        packages = ["cloudscope_hostile"]

        [project.entry-points."cloudscope.plugins"]
        """) + "\n".join(entry_points) + "\n")
    # The test environment may have no pip of its own (uv makes it): a venv's pip builds
    # the wheel (hatchling from the registry) and installs it into the folder.
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    site = root / "site"
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                    "--disable-pip-version-check", "--no-deps", "--target", str(site),
                    str(project)], check=True, capture_output=True)
    return site


@pytest.fixture
def hostile(run_cloudscope: Callable[..., Any], hostile_site: Path) -> Callable[..., Any]:
    """Run ``cloudscope`` with only the named hostile plugin (and the built-ins) loaded."""

    def run(plugin: str, *args: str, timeout_s: str = "2", **options: Any) -> Any:
        env = {"PYTHONPATH": str(hostile_site), "CLOUDSCOPE_LOAD_PLUGINS": plugin,
               "CLOUDSCOPE_PLUGIN_TIMEOUT": timeout_s, **options.pop("env", {})}
        return run_cloudscope(*args, env=env, **options)

    return run


def plugin_rows(result: Any) -> dict[str, Any]:
    """``cloudscope plugins --format json``: exit 0 and valid JSON on stdout, by name."""
    assert result.exit_code == 0, result.stderr
    return {row["name"]: row for row in json.loads(result.stdout)}


LOAD_FAULTS: Final = [fault for fault in FAULTS if fault in REASONS]


@pytest.mark.parametrize("stage", ["import", "register-collectors", "register-repositories",
                                   "register-exporters", "register-rules"])
@pytest.mark.parametrize("fault", LOAD_FAULTS)
def test_a_plugin_failing_while_loading_is_reported_failed(
        hostile: Callable[..., Any], stage: str, fault: str) -> None:
    """Exit, any BaseException or a hang while loading: `failed` with the reason, built-ins
    loaded, the listing valid JSON."""
    name = f"{stage}-{fault}"
    rows = plugin_rows(hostile(name, "plugins", "--format", "json"))
    assert rows[name]["status"] == "failed"
    assert REASONS[fault] in rows[name]["reason"]
    assert rows["builtin"]["status"] == "loaded"
    assert rows[name]["collectors"] == rows[name]["exporters"] == []


@pytest.mark.parametrize("fault", ["exit0", "evil", "hang"])
def test_a_plugin_failing_in_configure_leaves_the_command_working(
        hostile: Callable[..., Any], fault: str, store: str, good_file: Path) -> None:
    """cloudscope_configure that exits, raises or hangs: the collection still runs and says so."""
    started = time.monotonic()
    result = hostile(f"configure-{fault}", "collect", "file", str(good_file), "--db", store,
                     "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["assets"] == 1
    assert time.monotonic() - started < 60


@pytest.mark.parametrize("stage", ["import", "register-collectors"])
@pytest.mark.parametrize("fault", ["print", "oswrite"])
def test_what_a_plugin_prints_never_reaches_stdout(hostile: Callable[..., Any], stage: str,
                                                   fault: str) -> None:
    """print() or a write to descriptor 1 while loading: stderr gets it, stdout stays JSON."""
    result = hostile(f"{stage}-{fault}", "plugins", "--format", "json")
    rows = plugin_rows(result)
    assert rows[f"{stage}-{fault}"]["status"] == "loaded"
    assert "PLUGIN-GARBAGE" in result.stderr


@pytest.mark.parametrize(("name", "reason"), [("register-bad-name", "non-empty string"),
                                              ("register-bad-factory", "factory must be")])
def test_a_plugin_registering_garbage_is_reported_failed(hostile: Callable[..., Any],
                                                         name: str, reason: str) -> None:
    """A register call with a name or factory of the wrong type fails that plugin only."""
    rows = plugin_rows(hostile(name, "plugins", "--format", "json"))
    assert rows[name]["status"] == "failed" and reason in rows[name]["reason"]


@pytest.mark.parametrize("fault", ["exit0", "exit3", "evil", "generatorexit", "recursion"])
def test_a_collector_factory_that_fails_stops_the_command_cleanly(
        hostile: Callable[..., Any], store: str, fault: str) -> None:
    """The factory exits or raises: exit 2, one line naming the plugin, the store unchanged."""
    name = f"collector-factory-{fault}"
    before = contents(store)
    line = assert_one_clean_line(hostile(name, "collect", name, "--db", store), 2)
    assert name in line and "could not start" in line
    assert contents(store) == before


@pytest.mark.parametrize("fault", ["exit0", "exit3", "evil", "generatorexit", "recursion"])
def test_a_collector_whose_plan_fails_fails_the_run(hostile: Callable[..., Any], store: str,
                                                    fault: str) -> None:
    """plan() exits or raises: the run is failed (exit 3) with the reason, nothing collected."""
    name = f"collector-plan-{fault}"
    before = contents(store)
    result = hostile(name, "collect", name, "--db", store, "--format", "json")
    assert result.exit_code == 3, result.stderr
    summary = json.loads(result.stdout)
    assert summary["status"] == "failed" and summary["assets"] == 0
    assert contents(store)[0] == before[0]


@pytest.mark.parametrize("fault", ["exit0", "exit3", "evil", "generatorexit", "recursion"])
def test_a_collector_failing_in_a_scope_fails_that_scope(hostile: Callable[..., Any],
                                                         store: str, fault: str) -> None:
    """collect() exits or raises: each scope failed with the reason, exit 3, never exit 0."""
    name = f"collector-collect-{fault}"
    result = hostile(name, "collect", name, "--db", store, "--format", "json")
    assert result.exit_code == 3, result.stderr
    summary = json.loads(result.stdout)
    assert [scope["status"] for scope in summary["scopes"]] == ["failed", "failed"]
    assert all(REASONS[fault] in scope["error"] or (fault == "exit3" and "sys.exit(3)" in
               scope["error"]) for scope in summary["scopes"])


@pytest.mark.parametrize("part", ["plan", "collect", "close"])
@pytest.mark.parametrize("fault", ["print", "oswrite"])
def test_what_a_collector_prints_never_reaches_the_summary(hostile: Callable[..., Any],
                                                           store: str, part: str,
                                                           fault: str) -> None:
    """print() or os.write(1) from plan, collect or close: stdout is the JSON summary only."""
    name = f"collector-{part}-{fault}"
    result = hostile(name, "collect", name, "--db", store, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["assets"] == 6
    assert "PLUGIN-GARBAGE" in result.stderr


@pytest.mark.parametrize("fault", ["exit0", "evil"])
def test_a_collector_failing_to_close_keeps_the_collection(hostile: Callable[..., Any],
                                                           store: str, fault: str) -> None:
    """close() exits or raises after every scope completed: the run is ok, the failure counted."""
    name = f"collector-close-{fault}"
    result = hostile(name, "collect", name, "--db", store, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["assets"] == 6


def test_a_collector_reading_cancelled_as_a_truth_value_collects(hostile: Callable[..., Any],
                                                                 store: str) -> None:
    """`if ctx.cancelled:` is false while the run goes on: the scopes are not emptied."""
    name = "collector-reads-cancelled"
    result = hostile(name, "collect", name, "--db", store, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["assets"] == 6


@pytest.mark.parametrize("part", ["factory", "export"])
@pytest.mark.parametrize("fault", ["exit0", "exit3", "evil", "generatorexit"])
def test_an_exporter_that_fails_writes_nothing_and_says_so(hostile: Callable[..., Any],
                                                           store: str, tmp_path: Path,
                                                           part: str, fault: str) -> None:
    """The exporter exits or raises: exit 2, one line naming it, no output file."""
    name = f"exporter-{part}-{fault}"
    output = tmp_path / "out.txt"
    result = hostile(name, "export", name, "--db", store, "--output", str(output))
    assert_one_clean_line(result, 2)
    assert not output.exists()


@pytest.mark.parametrize("fault", ["print", "oswrite"])
def test_what_an_exporter_prints_never_mixes_into_the_export(hostile: Callable[..., Any],
                                                             store: str, fault: str) -> None:
    """An export to stdout carries the export only; the exporter's own output goes to stderr."""
    name = f"exporter-export-{fault}"
    result = hostile(name, "export", name, "--db", store)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "arn:aws:s3:::kept\n"
    assert "PLUGIN-GARBAGE" in result.stderr


@pytest.mark.parametrize("part", ["factory", "check"])
@pytest.mark.parametrize("fault", ["exit0", "evil", "generatorexit"])
def test_a_rule_that_fails_is_listed_and_the_others_still_run(hostile: Callable[..., Any],
                                                              store: str, part: str,
                                                              fault: str) -> None:
    """A rule's factory or check exits or raises: exit 3, other rules' findings stored. A
    factory that fails fails the rule (listed in failed_rules); a check that fails on an
    asset is an error of that rule on that asset (listed in listed_item_errors)."""
    name = f"rule-{part}-{fault}"
    result = hostile(name, "assess", "--db", store, "--format", "json")
    assert result.exit_code == 3, result.stderr
    report = json.loads(result.stdout)
    listed = report["failed_rules"] if part == "factory" else report["listed_item_errors"]
    assert f"evil.{name}" in {failure["rule_id"] for failure in listed}
    assert report["rules"] > 10


def test_a_repository_factory_that_exits_is_a_clean_store_error(
        hostile: Callable[..., Any], good_file: Path) -> None:
    """A store plugin calling sys.exit(0) when opened: exit 2 and one line, not a silent 0."""
    result = hostile("collector-repository-exit0", "collect", "file", str(good_file),
                     "--db", "evil://anything")
    line = assert_one_clean_line(result, 2)
    assert "sys.exit(0)" in line


def test_ctrl_c_stops_a_hanging_plugin_load(hostile_site: Path, tmp_path: Path) -> None:
    """Ctrl-C while a plugin's hook hangs (long timeout): interrupted at once, exit 130."""
    env = {**os.environ, "PYTHONPATH": str(hostile_site),
           "CLOUDSCOPE_LOAD_PLUGINS": "register-collectors-hang",
           "CLOUDSCOPE_PLUGIN_TIMEOUT": "300"}
    process = subprocess.Popen([sys.executable, "-m", "cloudscope", "plugins"], env=env,
                               cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    time.sleep(2.0)
    started = time.monotonic()
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert time.monotonic() - started < 10
    assert "Traceback" not in stderr


def test_a_rate_limit_below_one_per_second_is_valid(run_cloudscope: Callable[..., Any],
                                                    store: str, good_file: Path) -> None:
    """plugins.file.rate_limit.per_second = 0.5 (a call every 2 s) collects, no crash."""
    result = run_cloudscope("collect", "file", str(good_file), "--db", store, "--format", "json",
                            env={"CLOUDSCOPE_PLUGINS_FILE_RATE_LIMIT_PER_SECOND": "0.5"})
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["assets"] == 1


@pytest.mark.parametrize("value", ["abc", "0", "-1", "1e9"])
def test_a_bad_plugin_timeout_is_a_configuration_error(refused: Callable[..., str],
                                                       value: str) -> None:
    """CLOUDSCOPE_PLUGIN_TIMEOUT that is not a sensible number of seconds: exit 2, one line."""
    line = refused("assets", "list", "--db", "{db}", env={"CLOUDSCOPE_PLUGIN_TIMEOUT": value})
    assert "CLOUDSCOPE_PLUGIN_TIMEOUT" in line


def test_debug_shows_where_a_collector_failed(hostile: Callable[..., Any], store: str) -> None:
    """--debug prints the traceback of a scope's exception; without it, one line per scope."""
    name = "collector-collect-evil"
    quiet = hostile(name, "collect", name, "--db", store)
    loud = hostile(name, "--debug", "collect", name, "--db", store)
    assert "Traceback" not in quiet.stderr
    assert "Traceback" in loud.stderr or "cloudscope_hostile" in loud.stderr
