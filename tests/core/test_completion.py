"""`cloudscope completion bash|zsh|fish`: static scripts, run by the shells themselves, that
complete commands, installed collectors and exporters, their options and option values."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="module")
def scripts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The three scripts, generated once by the real CLI (every plugin of the checkout)."""
    directory = tmp_path_factory.mktemp("completion")
    found = {}
    for shell in ("bash", "zsh", "fish"):
        done = subprocess.run([sys.executable, "-m", "cloudscope", "completion", shell],
                              capture_output=True, text=True, check=True, cwd=directory)
        found[shell] = directory / f"cloudscope.{shell}"
        found[shell].write_text(done.stdout, encoding="utf-8")
    return found


def bash_complete(script: Path, *words: str) -> list[str]:
    """What bash's completion function offers after ``words`` (the last one being typed)."""
    line = " ".join(f"'{word}'" for word in words)
    program = (f"source '{script}'\nCOMP_WORDS=({line})\nCOMP_CWORD={len(words) - 1}\n"
               "_cloudscope\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n")
    done = subprocess.run(["bash", "--norc", "-c", program], capture_output=True, text=True,
                          check=True)
    return done.stdout.split()


@pytest.mark.parametrize(("words", "expected"), [
    (("cloudscope", "co"), ["collect", "completion", "config"]),
    (("cloudscope", "collect", "a"), ["aws", "azure"]),
    (("cloudscope", "collect", "aws", "--reg"), ["--region"]),
    (("cloudscope", "--db", "x", "assets", "l"), ["list"]),
    (("cloudscope", "assess", "--format", "s"), ["sarif"]),
    (("cloudscope", "assess", "--fail-on", ""), ["critical", "high", "medium", "low", "info"]),
    (("cloudscope", "export", "cypher", "--dialect", ""), ["neo4j", "memgraph", "kuzu"]),
    (("cloudscope", "export", "c"), ["csv", "cypher"]),
    (("cloudscope", "completion", ""), ["--help", "bash", "zsh", "fish"]),
])
def test_bash_completes_commands_components_options_and_values(
        scripts: dict[str, Path], words: tuple[str, ...], expected: list[str]) -> None:
    """bash, running the generated script, offers exactly the matching next words."""
    assert sorted(bash_complete(scripts["bash"], *words)) == sorted(expected)


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed (.ci/run installs it)")
def test_fish_script_parses_and_completes(scripts: dict[str, Path]) -> None:
    """fish reads the script and offers the collectors after `collect`."""
    subprocess.run(["fish", "-n", str(scripts["fish"])], check=True)
    program = (f"source '{scripts['fish']}'\nfunction commandline\n"
               "printf '%s\\n' cloudscope export cypher --dialect\nend\n__cloudscope_complete")
    done = subprocess.run(["fish", "--no-config", "-c", program], capture_output=True,
                          text=True, check=True)
    assert done.stdout.split() == ["neo4j", "memgraph", "kuzu"]


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed (.ci/run installs it)")
def test_zsh_script_parses_and_completes_through_bashcompinit(scripts: dict[str, Path]) -> None:
    """zsh loads the script with bashcompinit; under sh emulation, as zsh calls it, the
    function offers the collectors after `collect` (zsh itself filters by prefix)."""
    subprocess.run(["zsh", "-n", str(scripts["zsh"])], check=True)
    program = (f"autoload -U compinit && compinit -u\nsource '{scripts['zsh']}'\n"
               "f() { emulate -L sh; COMP_WORDS=(cloudscope collect a); COMP_CWORD=2; "
               "_cloudscope; print -l -- \"${COMPREPLY[@]}\"; }\nf")
    done = subprocess.run(["zsh", "-f", "-c", program], capture_output=True, text=True,
                          check=True)
    offered = done.stdout.split()
    assert {"aws", "azure", "gcp", "file", "--target"} <= set(offered)
    assert "list" not in offered


def test_completion_costs_other_commands_nothing(run_cloudscope: Callable[..., Any]) -> None:
    """Running a command never loads the completion tables: only `completion` does."""
    program = ("import sys, runpy\nsys.argv = ['cloudscope', '--help']\n"
               "try:\n    runpy.run_module('cloudscope', run_name='__main__')\n"
               "except SystemExit:\n    pass\n"
               "print('cloudscope.cli.completion_scripts' in sys.modules, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          check=False)
    assert done.stderr.strip().endswith("False")


def test_targets_of_the_config_complete_after_target(run_cloudscope: Callable[..., Any],
                                                     tmp_path: Path) -> None:
    """`collect --target` completes the names of the configured targets."""
    config = tmp_path / "config.yaml"
    config.write_text('targets: [{name: prod-aws, provider: aws}, {name: org-gcp, provider: gcp}]\n',
                      encoding="utf-8")
    script = tmp_path / "cloudscope.bash"
    script.write_text(run_cloudscope("--config", str(config), "completion", "bash").stdout,
                      encoding="utf-8")
    assert sorted(bash_complete(script, "cloudscope", "collect", "--target", "")) == [
        "org-gcp", "prod-aws"]
