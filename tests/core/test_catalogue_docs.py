"""The catalogue pages in docs/ are generated from `cloudscope types` (and the AWS policy
from the catalogue): a collector whose catalogue changes fails here until they are
regenerated with `python docs/generate_catalogue.py`."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

GENERATOR = Path(__file__).resolve().parents[2] / "docs" / "generate_catalogue.py"


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_catalogue", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_catalogue_pages_match_the_collectors(capsys: pytest.CaptureFixture[str]) -> None:
    """docs/types-{aws,azure,gcp}.md and the policy in docs/aws.md are what the generator
    writes today."""
    assert generator().main(["--check"]) == 0, capsys.readouterr().err


def test_a_drifted_page_is_named_with_the_command_to_fix_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A page that disagrees with the collector is reported by name (exit 1)."""
    module = generator()
    for name in ("aws.md", "types-aws.md", "types-azure.md", "types-gcp.md"):
        (tmp_path / name).write_text((GENERATOR.parent / name).read_text(encoding="utf-8"),
                                     encoding="utf-8")
    (tmp_path / "types-gcp.md").write_text("# stale\n", encoding="utf-8")
    monkeypatch.setattr(module, "DOCS", tmp_path)
    assert module.main(["--check"]) == 1
    assert capsys.readouterr().err.strip() == (
        "out of date: types-gcp.md (run python docs/generate_catalogue.py)")
