"""The Dockerfile, checked without a Docker engine (none exists on these machines): its
structure is parsed, and its install steps run as written in a scratch directory, with the
build arguments (``WHEELS``, ``VENV``) pointed there. What this does not prove: that the
base image pulls and that ``useradd`` works in it; docs/deploy.md says so."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
DEPLOY = ROOT / "docs" / "deploy.md"


@dataclass
class Stage:
    """One ``FROM`` stage: its name, its instructions in order, its build arguments."""

    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)
    args: dict[str, str] = field(default_factory=dict)

    def all(self, keyword: str) -> list[str]:
        return [value for kind, value in self.instructions if kind == keyword]


def parse(text: str) -> tuple[dict[str, str], list[Stage]]:
    """The global ARGs and the stages of a Dockerfile (continuations joined, comments out)."""
    logical: list[str] = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        pending += (" " if pending else "") + stripped.removesuffix("\\").strip()
        if not stripped.endswith("\\"):
            logical.append(pending)
            pending = ""
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for instruction in logical:
        keyword, _, value = instruction.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            parts = value.split()
            stages.append(Stage(parts[0], parts[2] if len(parts) > 2 else None))
        elif keyword == "ARG":
            name, _, default = value.partition("=")
            (stages[-1].args if stages else global_args)[name] = default
        else:
            stages[-1].instructions.append((keyword, value))
    return global_args, stages


@pytest.fixture(scope="module")
def dockerfile() -> tuple[dict[str, str], list[Stage]]:
    return parse(DOCKERFILE.read_text(encoding="utf-8"))


def test_the_image_is_multi_stage_and_runs_cloudscope_unprivileged(
        dockerfile: tuple[dict[str, str], list[Stage]]) -> None:
    """A build stage and a runtime stage on the same pinned Python; the runtime installs
    only from the wheels of the build stage (no index), runs as a numeric non-root user,
    and its entry point is ``cloudscope``."""
    global_args, stages = dockerfile
    assert [stage.name for stage in stages] == ["build", "runtime"]
    assert {stage.base for stage in stages} == {"${PYTHON_IMAGE}"}
    assert re.fullmatch(r"python:3\.1[1-9]-slim", global_args["PYTHON_IMAGE"])
    build, runtime = stages
    assert any("pip wheel" in run and "--only-binary=:all:" in run for run in build.all("RUN"))
    installs = [run for run in runtime.all("RUN") if "pip\" install" in run or "pip install" in run]
    assert installs and all("--no-index" in run and "--find-links" in run for run in installs)
    assert runtime.all("COPY") == ["--from=build /wheels /wheels"]
    (user,) = runtime.all("USER")
    assert user.split(":")[0].isdigit() and int(user.split(":")[0]) != 0
    assert json.loads(runtime.all("ENTRYPOINT")[-1]) == ["cloudscope"]
    assert json.loads(runtime.all("CMD")[-1])[0] == "serve"
    assert runtime.all("EXPOSE") == ["8080"]


def test_the_docs_name_the_image_the_dockerfile_builds() -> None:
    """Every ``image:`` in the docs is the tag docs/deploy.md's ``docker build`` gives,
    which is the tag the Dockerfile's own header names (a registry prefix aside)."""
    docs = DEPLOY.read_text(encoding="utf-8")
    (tag,) = set(re.findall(r"docker build (?:--pull )?-t (\S+) \.", docs))
    assert f"docker build -t {tag} ." in DOCKERFILE.read_text(encoding="utf-8")
    every_page = "\n".join(page.read_text(encoding="utf-8")
                           for page in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
    images = set(re.findall(r"image:\s*(\S+)", every_page))
    assert images and {image.split("/")[-1] for image in images} == {tag}
    assert tag.endswith(":0.1.0")  # the core's version


def run_steps(stage: Stage, environment: dict[str, str], cwd: Path) -> None:
    """Run the stage's pip and venv steps in bash, as ``RUN`` would (ARGs as variables)."""
    for run in stage.all("RUN"):
        if "pip" not in run and "venv" not in run:
            continue  # system set-up (useradd) is for the image only
        subprocess.run(["bash", "-euo", "pipefail", "-c", run], cwd=cwd, env=environment,
                       check=True, timeout=1500)


@pytest.mark.slow
def test_the_install_steps_build_and_install_a_working_cloudscope(
        dockerfile: tuple[dict[str, str], list[Stage]], tmp_path: Path) -> None:
    """The build stage's ``pip wheel`` over the checkout and the runtime stage's
    ``pip install --no-index`` into a fresh venv, run as written: the result is a
    ``cloudscope`` whose plugins all load and whose ``serve`` starts its help."""
    _, (build, runtime) = dockerfile
    wheels, venv = tmp_path / "wheels", tmp_path / "venv"
    environment = {**{k: v for k, v in os.environ.items()
                      if not k.startswith(("VIRTUAL_ENV", "PIP_", "PYTHON"))},
                   "WHEELS": str(wheels), "VENV": str(venv), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    # The image's `python` has pip; the test's own environment may not (uv makes venvs
    # without it): the steps run with a plain venv's python first on PATH.
    builder = tmp_path / "builder"
    subprocess.run([sys.executable, "-m", "venv", str(builder)], check=True)
    environment["PATH"] = f"{builder / 'bin'}{os.pathsep}{environment.get('PATH', '')}"
    run_steps(build, environment, ROOT)
    ours = sorted(p.name.split("-")[0] for p in wheels.glob("cloudscope*.whl"))
    assert ours == ["cloudscope_aws", "cloudscope_azure", "cloudscope_core",
                    "cloudscope_exporters", "cloudscope_gcp"]
    assert not list(wheels.glob("*.tar.gz")), "every dependency is a wheel"
    run_steps(runtime, environment, tmp_path)
    assert not wheels.exists(), "the runtime stage removes the wheels it installed"
    cloudscope = venv / "bin" / "cloudscope"
    plugins = json.loads(subprocess.run([str(cloudscope), "plugins", "--format", "json"],
                                        capture_output=True, text=True, check=True,
                                        cwd=tmp_path, env=environment).stdout)
    assert {p["name"]: p["status"] for p in plugins} == {
        "builtin": "loaded", "aws": "loaded", "azure": "loaded", "gcp": "loaded",
        "exporters": "loaded"}
    help_text = subprocess.run([str(cloudscope), "serve", "--help"], capture_output=True,
                               text=True, check=True, env=environment).stdout
    assert "--host" in help_text
    imports = subprocess.run(
        [str(venv / "bin" / "python"), "-c",
         "import fastapi, uvicorn, jwt, prometheus_client, opentelemetry.sdk, psycopg"],
        capture_output=True, text=True, env=environment, check=False)
    assert imports.returncode == 0, imports.stderr
