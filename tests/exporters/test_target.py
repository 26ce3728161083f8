"""Output files: written atomically, with the usual file mode, checked before any work."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from cloudscope.api import UsageError
from cloudscope.application.export import FileTarget


def test_nothing_appears_under_the_final_name_before_commit(tmp_path: Path) -> None:
    """While an export runs, the final path does not exist; commit renames it into place."""
    target = FileTarget(tmp_path / "out.csv")
    target.open().write("id\n")
    assert not (tmp_path / "out.csv").exists()
    target.commit()
    assert (tmp_path / "out.csv").read_text(encoding="utf-8") == "id\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_abort_removes_temporary_files_and_keeps_the_previous_file(tmp_path: Path) -> None:
    """Aborting leaves the directory as it was."""
    (tmp_path / "out.csv").write_text("old\n", encoding="utf-8")
    target = FileTarget(tmp_path / "out.csv")
    target.open().write("new\n")
    target.open_extra(str(tmp_path / "dictionary.md")).write("# d\n")
    target.abort()
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]
    assert (tmp_path / "out.csv").read_text(encoding="utf-8") == "old\n"


def test_committed_files_get_the_mode_of_new_files(tmp_path: Path) -> None:
    """An export is readable as any new file is (umask), not private like a temporary."""
    umask = os.umask(0o022)
    try:
        target = FileTarget(tmp_path / "out.csv")
        target.open().write("id\n")
        target.commit()
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "out.csv").stat().st_mode) == 0o644


def test_parts_are_numbered_beside_the_output(tmp_path: Path) -> None:
    """Part n of estate.csv is estate-00n.csv."""
    target = FileTarget(tmp_path / "estate.csv")
    assert target.part_path(2) == tmp_path / "estate-002.csv"
    assert target.part_path(None) == tmp_path / "estate.csv"


def test_missing_directory_is_refused_at_once(tmp_path: Path) -> None:
    """An output in a directory that does not exist is a one-line usage error."""
    with pytest.raises(UsageError, match=r"directory .* does not exist"):
        FileTarget(tmp_path / "missing" / "out.csv")


def test_a_directory_as_output_is_refused(tmp_path: Path) -> None:
    """--output naming a directory is refused."""
    with pytest.raises(UsageError, match="is a directory"):
        FileTarget(tmp_path)


def test_writing_the_same_file_twice_is_refused(tmp_path: Path) -> None:
    """A dictionary path equal to the output is refused rather than overwritten."""
    target = FileTarget(tmp_path / "out.csv")
    target.open()
    with pytest.raises(UsageError, match="written twice"):
        target.open_extra(str(tmp_path / "out.csv"))
    target.abort()
