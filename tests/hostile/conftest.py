"""The hostile-input suite's harness: a populated store, and what every case asserts.

Every case ends in a documented outcome: success, or exactly one line on stderr starting
``cloudscope: error:`` with the documented exit code and no traceback. Afterwards the store
passes SQLite's integrity check and still holds what it held, and no planted secret appears
in any output. The counts (cases, held) are printed at the end of the test session.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Final

import pytest
from cloudscope.adapters.sqlite_repository import SQLiteRepository
from cloudscope.domain.query import AssetQuery

GOOD: Final = ('{"id": "arn:aws:s3:::kept", "provider": "aws", "asset_type": "aws:s3:bucket", '
               '"tags": {"env": "prod"}}\n')


@pytest.fixture(scope="session")
def template_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite store holding assets, made once; each test gets a copy."""
    directory = tmp_path_factory.mktemp("template")
    good = directory / "good.jsonl"
    good.write_text(GOOD)
    from cloudscope.cli.main import main

    assert main(["collect", "file", str(good), "--db", f"sqlite:///{directory / 'store.db'}",
                 "--format", "json"]) == 0
    with SQLiteRepository(f"sqlite:///{directory / 'store.db'}") as repository:
        repository._connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return directory / "store.db"


@pytest.fixture
def store(template_store: Path, tmp_path: Path) -> str:
    """The URL of a fresh copy of the populated store."""
    target = tmp_path / "store.db"
    shutil.copy(template_store, target)
    return f"sqlite:///{target}"


@pytest.fixture
def good_file(tmp_path: Path) -> Path:
    """A valid file whose collection would change the store."""
    path = tmp_path / "good.jsonl"
    path.write_text(GOOD.replace("kept", "added"))
    return path


def contents(url: str) -> list[Any]:
    """Everything a user can see in the store: assets (removed ones too), edges, scopes,
    findings. Raises if the store cannot be read back."""
    with SQLiteRepository(url + ("&" if "?" in url else "?") + "mode=ro") as repository:
        assert repository.execute_integrity_check() == "ok"
        return [[a.model_dump_json() for a in repository.iter_assets(AssetQuery(
                    include_deleted=True))],
                [r.model_dump_json() for r in repository.iter_relationships()],
                [(s.key.key, s.status.value, s.assets) for s in repository.list_scopes()],
                [f.model_dump_json() for f in repository.iter_findings()]]


def assert_one_clean_line(result: Any, exit_code: int) -> str:
    """Exit ``exit_code``, exactly one ``cloudscope: error:`` line, no traceback; the line."""
    lines = result.stderr.splitlines()
    assert result.exit_code == exit_code, result
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("cloudscope: error: "), lines[0]
    assert "Traceback" not in result.stderr
    return str(lines[0])


@pytest.fixture
def one_clean_line() -> Callable[[Any, int], str]:
    """:func:`assert_one_clean_line`, for tests that start the commands themselves."""
    return assert_one_clean_line


def assert_no_secret(texts: Iterable[str], secrets: Iterable[str]) -> None:
    """None of ``secrets`` appears in any of ``texts``."""
    joined = "\n".join(texts)
    leaked = [secret for secret in secrets if secret in joined]
    assert leaked == []


@pytest.fixture
def refuse(run_cloudscope: Callable[..., Any], store: str) -> Callable[..., str]:
    """Run ``cloudscope collect file PATH`` on the populated store; assert exit code 2, one
    line on stderr without a traceback, nothing collected; return the line."""

    def run(*paths: Path, db: str | None = None) -> str:
        before = contents(store)
        result = run_cloudscope("collect", "file", *map(str, paths), "--db", db or store)
        line = assert_one_clean_line(result, 2)
        assert result.stdout == ""
        assert contents(store) == before
        return line

    return run


@pytest.fixture
def refused(run_cloudscope: Callable[..., Any], store: str) -> Callable[..., str]:
    """Run any ``cloudscope`` command against the populated store (``{db}`` in the
    arguments is replaced by its URL); assert the documented refusal (exit code, one clean
    line), the store intact and unchanged; return the line."""

    def run(*args: str, exit_code: int = 2, **options: Any) -> str:
        before = contents(store)
        result = run_cloudscope(*(arg.replace("{db}", store) for arg in args), **options)
        line = assert_one_clean_line(result, exit_code)
        assert contents(store) == before
        return line

    return run


def run_in_process(*args: str) -> tuple[int, str]:
    """Run ``cloudscope ARGS`` in this process (no interpreter start-up); exit code, stdout."""
    from cloudscope.cli.main import main

    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    with contextlib.redirect_stdout(out):
        code = main(list(args))
    out.flush()
    return code, out.buffer.getvalue().decode("utf-8")  # type: ignore[attr-defined]


@pytest.fixture
def usable(store: str) -> Callable[[], dict[str, Any]]:
    """``usable()`` asserts that the store passes the integrity check and still lists,
    exports and assesses (exit 0 each); it returns the listed assets by id."""

    def check() -> dict[str, Any]:
        contents(store)  # the integrity check, and every record read back
        code, listed = run_in_process("assets", "list", "--db", store, "--format", "json")
        assert code == 0
        code, exported = run_in_process("export", "jsonl", "--db", store)
        assert code == 0
        code, graph = run_in_process("export", "graphml", "--db", store)  # XML: the strictest
        assert code == 0 and graph.startswith("<?xml")
        code, assessed = run_in_process("assess", "--db", store, "--format", "json")
        assert code == 0, assessed
        assets = {asset["id"]: asset for asset in json.loads(listed)}
        assert len(exported.splitlines()) >= len(assets)
        assert json.loads(assessed)["assets"] == len(assets)
        return assets

    return check


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/hostile/" in item.nodeid.replace("\\", "/") or \
                item.nodeid.startswith("hostile/"):
            item.add_marker(pytest.mark.hostile)
