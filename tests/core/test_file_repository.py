"""The file repository: the contract suite, plus what only a directory of JSON Lines has."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cloudscope.adapters.file_repository import FileRepository
from cloudscope.domain.errors import StoreError
from cloudscope.domain.query import AssetQuery
from cloudscope.testing.repository_contract import (
    SCOPE_A,
    Collection,
    RepositoryContract,
    make_asset,
)


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    """A fresh file store: a directory that does not exist yet."""
    return f"file://{tmp_path / 'store'}"


class TestFileRepositoryContract(RepositoryContract):
    """The file repository passes the repository contract."""

    @pytest.fixture
    def repository_url(self, store_url: str) -> str:
        return store_url


def lines_of(path: Path) -> list[dict[str, object]]:
    """The records of a JSON Lines file, in file order."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_files_are_sorted_one_record_per_line_with_sorted_keys(store_url: str,
                                                                tmp_path: Path) -> None:
    """assets.jsonl lists one asset per line, lines sorted by id, keys sorted: diff-friendly."""
    with FileRepository(store_url) as repository:
        Collection(repository).scope(SCOPE_A, [make_asset(3), make_asset(1), make_asset(2)])
    text = (tmp_path / "store" / "assets.jsonl").read_text(encoding="utf-8")
    records = [json.loads(line) for line in text.splitlines()]
    assert [r["id"] for r in records] == sorted(make_asset(i).id for i in (1, 2, 3))
    assert all(list(r) == sorted(r) for r in records)
    assert json.loads((tmp_path / "store" / "meta.json").read_text())["schema_version"] == 2


def test_removed_asset_stays_in_the_file_with_deleted_at(store_url: str, tmp_path: Path) -> None:
    """Staleness keeps the removed asset as history, marked with deleted_at."""
    with FileRepository(store_url) as repository:
        Collection(repository).scope(SCOPE_A, [make_asset(1), make_asset(2)])
        Collection(repository).scope(SCOPE_A, [make_asset(1)])
    deleted = {r["id"]: r["deleted_at"] for r in lines_of(tmp_path / "store" / "assets.jsonl")}
    assert deleted[make_asset(1).id] is None
    assert deleted[make_asset(2).id] is not None


def test_directory_of_other_files_is_refused_unchanged(tmp_path: Path) -> None:
    """A directory holding other files and no meta.json is not a CloudScope store."""
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(StoreError, match="not a CloudScope store"):
        FileRepository(f"file://{tmp_path}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_meta_of_another_application_is_refused(tmp_path: Path) -> None:
    """A meta.json written by something else is refused."""
    (tmp_path / "meta.json").write_text('{"application": "other"}')
    with pytest.raises(StoreError, match="not a CloudScope store"):
        FileRepository(f"file://{tmp_path}")


def test_missing_parent_directory_is_refused(tmp_path: Path) -> None:
    """A store whose parent directory does not exist is an error naming it."""
    with pytest.raises(StoreError, match="does not exist"):
        FileRepository(f"file://{tmp_path}/missing/store")


def test_commit_interrupted_after_its_commit_point_is_finished(store_url: str,
                                                                tmp_path: Path) -> None:
    """A journal left by a crash is rolled forward: every file it names is replaced."""
    store = tmp_path / "store"
    with FileRepository(store_url) as repository:
        Collection(repository).scope(SCOPE_A, [make_asset(1)])
    new = (store / "assets.jsonl").read_text().replace("web-1", "renamed")
    (store / "assets.jsonl.tmp").write_text(new)
    (store / "commit.json").write_text('{"files": ["assets.jsonl"]}')
    with FileRepository(store_url) as repository:
        asset = repository.get_asset(make_asset(1).id)
    assert asset is not None and asset.name == "renamed"
    assert sorted(p.name for p in store.glob("*.tmp")) == []
    assert not (store / "commit.json").exists()


def test_commit_interrupted_before_its_commit_point_is_discarded(store_url: str,
                                                                  tmp_path: Path) -> None:
    """Temporary files without a journal are a commit that never happened: discarded."""
    store = tmp_path / "store"
    with FileRepository(store_url) as repository:
        Collection(repository).scope(SCOPE_A, [make_asset(1)])
    (store / "assets.jsonl.tmp").write_text("{half a line")
    with FileRepository(store_url) as repository:
        assert repository.count_assets(AssetQuery()) == 1
    assert not (store / "assets.jsonl.tmp").exists()


def test_locked_store_is_a_clear_error(store_url: str) -> None:
    """A writer that cannot get the lock in time fails with 'locked', nothing written."""
    with FileRepository(store_url) as holder, holder.directory.locked(exclusive=True), \
            FileRepository(store_url + "?timeout=0.2") as waiting, \
            pytest.raises(StoreError, match="locked"):
        Collection(waiting).scope(SCOPE_A, [make_asset(1)])
    with FileRepository(store_url) as repository:
        assert repository.count_assets(AssetQuery()) == 0


def test_read_only_store_can_be_queried_but_not_written(store_url: str) -> None:
    """?mode=ro answers queries; a write is a StoreError naming read-only."""
    with FileRepository(store_url) as repository:
        Collection(repository).scope(SCOPE_A, [make_asset(1)])
    with FileRepository(store_url + "?mode=ro") as repository:
        assert repository.count_assets(AssetQuery()) == 1
        with pytest.raises(StoreError, match="read-only"):
            Collection(repository).scope(SCOPE_A, [make_asset(2)])


def test_two_writer_processes_take_turns_and_lose_nothing(store_url: str,
                                                         tmp_path: Path) -> None:
    """Two processes writing batches at once both land every batch."""
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent("""
        import sys, uuid
        from datetime import datetime, timezone
        from cloudscope.adapters.file_repository import FileRepository
        from cloudscope.domain.scope import CollectionRun, ScopeKey
        from cloudscope.testing.repository_contract import make_asset
        url, offset = sys.argv[1], int(sys.argv[2])
        with FileRepository(url) as repository:
            run = CollectionRun(run_id=uuid.uuid4().hex, collector="t",
                                started_at=datetime.now(timezone.utc))
            repository.start_run(run)
            scope = ScopeKey(provider="aws", account=str(offset), service="ec2")
            for start in range(offset, offset + 200, 20):
                repository.write_batch(scope, run.run_id, [make_asset(i) for i in
                                       range(start, start + 20)], [], datetime.now(timezone.utc))
    """)
    FileRepository(store_url).close()
    writers = [subprocess.Popen([sys.executable, "-c", script, store_url, str(offset)])
               for offset in (0, 1000)]
    assert [writer.wait(timeout=120) for writer in writers] == [0, 0]
    with FileRepository(store_url) as repository:
        assert repository.count_assets(AssetQuery()) == 400
