"""Fresh virtual environments for the tests that install distributions as users do.

The wheels of cloudscope-core, its dependencies and the build and test tools are made once
per session; each environment then installs from them with pip and no index, so that a
test costs seconds and needs no network beyond that first step.
"""

from __future__ import annotations

import subprocess
import venv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class FreshVenv:
    """A virtual environment made with pip by ``python -m venv``."""

    path: Path

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"

    def bin(self, name: str) -> Path:
        return self.path / "bin" / name

    def pip(self, *args: str, wheelhouse: Path | None = None) -> subprocess.CompletedProcess[str]:
        """``pip ARGS`` in the environment (from the wheelhouse only, when given); fails the
        test with pip's output when pip fails."""
        offline = ["--no-index", "--find-links", str(wheelhouse)] if wheelhouse else []
        command = [str(self.python), "-m", "pip", *args[:1], "--quiet",
                   "--disable-pip-version-check", *(offline if args[0] != "uninstall" else []),
                   *args[1:]]
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
        assert completed.returncode == 0, completed.stdout + completed.stderr
        return completed


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Wheels of cloudscope-core (built from this checkout) and of everything the fresh
    environments install: the core's dependencies, pytest, hatchling, cryptography."""
    folder = tmp_path_factory.mktemp("wheelhouse")
    builder = tmp_path_factory.mktemp("builder") / "venv"
    venv.create(builder, with_pip=True)
    completed = subprocess.run(
        [str(builder / "bin" / "python"), "-m", "pip", "wheel", "--quiet",
         "--disable-pip-version-check", "--wheel-dir", str(folder), str(ROOT / "cloudscope-core"),
         "pytest>=8", "hatchling>=1.25", "cryptography>=42"],
        capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return folder


@pytest.fixture(scope="session")
def fresh_venv(tmp_path_factory: pytest.TempPathFactory,
               wheelhouse: Path) -> Callable[..., FreshVenv]:
    """``fresh_venv(*requirements, with_pip=True)``: a new environment with cloudscope-core
    and the requirements (paths or names) installed from the wheelhouse by pip, which is
    then removed when ``with_pip`` is false."""

    def make(*requirements: str, with_pip: bool = True) -> FreshVenv:
        environment = FreshVenv(tmp_path_factory.mktemp("fresh") / "venv")
        venv.create(environment.path, with_pip=True)
        environment.pip("install", "cloudscope-core", *requirements, wheelhouse=wheelhouse)
        if not with_pip:  # as uv makes environments: no pip in them
            environment.pip("uninstall", "--yes", "pip")
        return environment

    return make
