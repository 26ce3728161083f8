"""`cloudscope install` / `uninstall`: pip of the Python running cloudscope, short names
mapped to distributions, what to do without pip. The installs run in fresh environments
from wheels built in the test, with no index."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cloudscope.cli.main import main
from cloudscope.cli.pip_runner import distribution_spec

from tests.core.conftest import FreshVenv


@pytest.mark.parametrize(("given", "expected"), [
    ("aws", "cloudscope-aws"),
    ("aws[fast]>=0.2", "cloudscope-aws[fast]>=0.2"),
    ("acme-cmdb==1.0; python_version >= '3.11'", 'cloudscope-acme-cmdb==1.0; python_version >= "3.11"'),
    ("cloudscope-aws", "cloudscope-aws"),
    ("acme-cloudscope-plugin", "acme-cloudscope-plugin"),
    ("./plugins/cloudscope-aws", "./plugins/cloudscope-aws"),
    ("dist/cloudscope_acme-0.1.0-py3-none-any.whl", "dist/cloudscope_acme-0.1.0-py3-none-any.whl"),
    ("acme.tar.gz", "acme.tar.gz"),
    ("git+https://example.test/acme.git", "git+https://example.test/acme.git"),
])
def test_a_short_name_is_the_plugin_distribution_and_the_rest_goes_to_pip_as_is(
        given: str, expected: str) -> None:
    """`aws` is cloudscope-aws, with its extras and versions; paths, URLs and names that
    say cloudscope already are unchanged."""
    assert distribution_spec(given) == expected


def test_dry_run_prints_the_pip_command_of_this_python(capsys: pytest.CaptureFixture[str]) -> None:
    """--dry-run shows `python -m pip install ...` of the running interpreter, runs nothing."""
    assert main(["install", "--dry-run", "--upgrade", "aws", "gcp[x]>=0.2"]) == 0
    assert capsys.readouterr().out == (f"{sys.executable} -m pip install --upgrade cloudscope-aws "
                                       "'cloudscope-gcp[x]>=0.2'\n")


@pytest.mark.parametrize(("argv", "message"), [
    (["install", "aws>>1"], "'aws>>1' is neither a plugin name, a requirement, a path nor a URL"),
    (["install", "-e", "aws"], "--editable takes paths, not 'cloudscope-aws'"),
    (["uninstall", "core"], "cloudscope uninstall does not remove cloudscope-core itself"),
    (["uninstall", "./x"], "'./x': give the name of an installed plugin, not a path"),
    (["uninstall", "nothere", "exporters", "zzz"],
     "not installed: cloudscope-nothere, cloudscope-zzz (see `cloudscope plugins`)"),
])
def test_bad_requests_are_one_line_and_exit_2_before_pip_runs(
        argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Every name is checked first: one line, exit 2, nothing installed or removed."""
    assert main(argv) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"cloudscope: error: {message}")


# In fresh environments -----------------------------------------------------------------
@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory, fresh_venv: Callable[..., FreshVenv],
           wheelhouse: Path) -> Path:
    """Wheels of two plugins made by `cloudscope plugin new` and built by pip: acme, and
    broken (it declares plugin API 2, which this core does not provide)."""
    builder = fresh_venv()
    sources = tmp_path_factory.mktemp("sources")
    folder = tmp_path_factory.mktemp("wheels")
    for name in ("acme", "broken"):
        subprocess.run([str(builder.bin("cloudscope")), "plugin", "new", name, "--dir",
                        str(sources)], check=True, capture_output=True)
        plugin = sources / f"cloudscope-{name}" / "src" / f"cloudscope_{name}" / "plugin.py"
        if name == "broken":
            plugin.write_text(plugin.read_text().replace('">=1.0,<2"', '">=2.0,<3"'))
        builder.pip("wheel", "--no-deps", "--wheel-dir", str(folder),
                    str(sources / f"cloudscope-{name}"), wheelhouse=wheelhouse)
    return folder


@pytest.fixture(scope="module")
def environment(fresh_venv: Callable[..., FreshVenv]) -> FreshVenv:
    """An environment with pip and cloudscope-core only."""
    return fresh_venv()


@pytest.fixture
def cloudscope(environment: FreshVenv, wheels: Path) -> Iterator[Callable[..., subprocess.CompletedProcess[str]]]:
    """Run that environment's `cloudscope`, pip finding distributions among the wheels
    only; plugins it installed are removed afterwards."""
    env = {**os.environ, "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheels)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(environment.bin("cloudscope")), *args], capture_output=True,
                              text=True, env=env, check=False)

    yield run
    environment.pip("uninstall", "--yes", "cloudscope-acme", "cloudscope-broken")


def listed(run: Callable[..., subprocess.CompletedProcess[str]]) -> dict[str, str]:
    return {row["name"]: row["status"] for row in json.loads(run("plugins", "--format",
                                                                 "json").stdout)}


@pytest.mark.slow
def test_install_a_local_wheel_and_see_the_plugin_loaded(
        cloudscope: Callable[..., subprocess.CompletedProcess[str]], wheels: Path) -> None:
    """A wheel's path goes to pip; the summary names the plugin and its components."""
    (wheel,) = wheels.glob("cloudscope_acme-*.whl")
    result = cloudscope("install", str(wheel))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "cloudscope-acme 0.1.0: plugin acme loaded (collectors: acme; " \
                            "exporters: acme)\n"
    assert listed(cloudscope)["acme"] == "loaded"


@pytest.mark.slow
def test_install_and_uninstall_by_short_name(
        cloudscope: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    """`install acme` resolves cloudscope-acme through pip's index settings;
    `uninstall acme` removes it."""
    installed = cloudscope("install", "acme")
    assert installed.returncode == 0, installed.stderr
    assert installed.stdout.startswith("cloudscope-acme 0.1.0: plugin acme loaded")
    again = cloudscope("install", "acme")
    assert (again.returncode, again.stdout) == (0, "no plugin was added or changed\n")
    removed = cloudscope("uninstall", "acme")
    assert removed.returncode == 0, removed.stderr
    assert removed.stdout == "uninstalled cloudscope-acme 0.1.0 (plugin acme)\n"
    assert "acme" not in listed(cloudscope)


@pytest.mark.slow
def test_a_plugin_that_does_not_load_once_installed_exits_3(
        cloudscope: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    """Installed but incompatible: its status and reason are printed, and the exit is 3."""
    result = cloudscope("install", "broken")
    assert result.returncode == 3
    assert result.stdout == "cloudscope-broken 0.1.0: plugin broken incompatible (requires " \
                            f"plugin API >=2.0,<3, this core provides {api_version()})\n"
    assert result.stderr.splitlines()[-1] == "cloudscope: error: installed, but broken did not " \
                                             "load (see `cloudscope plugins`)"


@pytest.mark.slow
def test_pip_failing_is_exit_2_after_its_own_messages(
        cloudscope: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    """A distribution pip cannot find: pip says why, then one line of ours, exit 2."""
    result = cloudscope("install", "nosuchplugin")
    assert result.returncode == 2
    assert "cloudscope-nosuchplugin" in result.stderr
    assert result.stderr.splitlines()[-1] == "cloudscope: error: pip install failed (exit 1); " \
                                             "its messages are above"


@pytest.mark.slow
def test_an_environment_without_pip_is_told_what_to_run(
        fresh_venv: Callable[..., FreshVenv]) -> None:
    """No pip (an environment uv made): one line naming the uv command, exit 2; under
    `uv tool` (its receipt beside the environment), the uv tool command."""
    bare = fresh_venv(with_pip=False)
    result = subprocess.run([str(bare.bin("cloudscope")), "install", "aws"], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 2
    assert result.stderr == (
        f"cloudscope: error: the Python running cloudscope ({bare.python}) has no pip (an "
        f"environment made by uv?) (run: uv pip install --python {bare.python} cloudscope-aws, "
        f"or add pip with: {bare.python} -m ensurepip)\n")
    (bare.path / "uv-receipt.toml").write_text('[tool]\nrequirements = [{ name = "cloudscope-core" }]\n')
    result = subprocess.run([str(bare.bin("cloudscope")), "install", "aws"], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 2
    assert result.stderr == (
        "cloudscope: error: cloudscope was installed by `uv tool`, whose environment has no "
        "pip (run: uv tool install cloudscope-core --with cloudscope-aws (name every plugin to "
        "keep: uv makes the environment anew))\n")


def tool(name: str) -> list[str]:
    """``python -m uv`` or ``python -m pipx``; the test is skipped without it."""
    if importlib.util.find_spec(name) is None:
        pytest.skip(f"{name} is not installed (the tests session installs it)")
    return [sys.executable, "-m", name]


def run_ok(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    completed = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed


def loaded_plugins(cloudscope: Path) -> dict[str, str]:
    listed = run_ok([str(cloudscope), "plugins", "--format", "json"], dict(os.environ))
    return {row["name"]: row["status"] for row in json.loads(listed.stdout)}


@pytest.mark.slow
def test_under_uv_tool_the_advice_names_a_command_that_works(
        wheelhouse: Path, wheels: Path, tmp_path: Path) -> None:
    """`uv tool install cloudscope-core` (no pip inside): `cloudscope install acme` names
    the uv command, and running it gives the plugin, loaded."""
    uv = tool("uv")
    env = {**os.environ, "UV_TOOL_DIR": str(tmp_path / "tools"),
           "UV_TOOL_BIN_DIR": str(tmp_path / "bin")}
    offline = ["--python", sys.executable, "--no-index", "--find-links", str(wheelhouse),
               "--find-links", str(wheels)]
    run_ok([*uv, "tool", "install", *offline, "cloudscope-core"], env)
    cloudscope = tmp_path / "bin" / "cloudscope"
    refused = subprocess.run([str(cloudscope), "install", "acme"], capture_output=True,
                             text=True, check=False)
    assert refused.returncode == 2
    assert refused.stderr == (
        "cloudscope: error: cloudscope was installed by `uv tool`, whose environment has no "
        "pip (run: uv tool install cloudscope-core --with cloudscope-acme (name every plugin "
        "to keep: uv makes the environment anew))\n")
    run_ok([*uv, "tool", "install", *offline, "cloudscope-core", "--with", "cloudscope-acme"], env)
    assert loaded_plugins(cloudscope)["acme"] == "loaded"


@pytest.fixture
def pipx(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """pipx with its home in the test's folder: ``pipx(backend, *args)``."""
    command = tool("pipx")

    def run(backend: str, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PIPX_HOME": str(tmp_path / "pipx"),
               "PIPX_BIN_DIR": str(tmp_path / "bin"), "PIPX_MAN_DIR": str(tmp_path / "man"),
               "PIPX_DEFAULT_BACKEND": backend}
        return run_ok([*command, *args], env)

    return run


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["pip", "uv"])
def test_under_pipx_install_works_or_names_pipx_inject(
        pipx: Callable[..., subprocess.CompletedProcess[str]], backend: str, wheelhouse: Path,
        wheels: Path, tmp_path: Path) -> None:
    """pipx with pip: cloudscope install runs pip there (pip comes from pipx's shared
    libraries). pipx with uv (no pip): the one line names `pipx inject`, which works."""
    if backend == "uv":
        tool("uv")
    (core,) = wheelhouse.glob("cloudscope_core-*.whl")
    # pipx's pip backend fetches its shared pip from the index; the core comes from here.
    pipx(backend, "install", "--python", sys.executable,
         f"--pip-args=--find-links {wheelhouse}", str(core))
    cloudscope = tmp_path / "bin" / "cloudscope"
    result = subprocess.run([str(cloudscope), "install", "acme"], capture_output=True, text=True,
                            env={**os.environ, "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheels)},
                            check=False)
    if backend == "pip":
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("cloudscope-acme 0.1.0: plugin acme loaded")
        assert result.stderr.splitlines()[-1].startswith("cloudscope: note: pipx does not record")
    else:
        assert result.returncode == 2
        assert result.stderr == ("cloudscope: error: cloudscope was installed by pipx, whose "
                                 "environment has no pip (run: pipx inject cloudscope-core "
                                 "cloudscope-acme)\n")
        (acme,) = wheels.glob("cloudscope_acme-*.whl")
        pipx(backend, "inject", "cloudscope-core", str(acme))
    assert loaded_plugins(cloudscope)["acme"] == "loaded"


def api_version() -> str:
    from cloudscope.api import API_VERSION

    return API_VERSION
