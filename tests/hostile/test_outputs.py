"""Output paths: no command writes over the store, whatever name the path goes by.

Issue 12: ``export csv --dictionary victim.db`` turned the database into Markdown. Every
output path of every command (``export --output``, ``--dictionary``, numbered parts, the
target of ``db copy``) goes through one guard: the store's file, its ``-wal``, ``-shm`` and
``-journal``, anything inside a ``file://`` store, and any of those reached by a relative
path, a symlink or a hard link are refused (exit 2, one line, the store intact); pipes and
character devices are written as streams, never replaced.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import stat
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.hostile.conftest import assert_one_clean_line, contents


def store_path(store: str) -> Path:
    """The SQLite file behind the store URL."""
    return Path(store.removeprefix("sqlite:///"))


def make_victim(kind: str, db: Path, tmp_path: Path) -> str:
    """An output path that is, one way or another, the store ``db``."""
    links = tmp_path / "links"
    links.mkdir(exist_ok=True)
    if kind in ("", "-wal", "-shm", "-journal"):
        return f"{db}{kind}"
    if kind == "relative":
        return f"../{db.parent.name}/./{db.name}"  # the run's directory is tmp_path
    if kind == "symlink":
        (links / "link.db").symlink_to(db)
        return str(links / "link.db")
    if kind == "hard link":
        os.link(db, links / "hard.db")
        return str(links / "hard.db")
    if kind == "dangling symlink to -wal":
        (links / "wal").symlink_to(f"{db}-wal")
        return str(links / "wal")
    if kind == "symlinked directory":
        (links / "dir").symlink_to(db.parent, target_is_directory=True)
        return str(links / "dir" / db.name)
    raise AssertionError(kind)


VICTIMS = ["", "-wal", "-shm", "-journal", "relative", "symlink", "hard link",
           "dangling symlink to -wal", "symlinked directory"]
WRITERS = {
    "csv --output": ("export", "csv", "--db", "{db}", "--output", "{out}"),
    "csv --dictionary": ("export", "csv", "--db", "{db}", "--dictionary", "{out}"),
}
OTHER_FORMATS = ["json", "jsonl", "graphml", "dot"]


def listing(directory: Path) -> dict[str, bytes]:
    """Every regular file of ``directory`` (links not followed) with its bytes."""
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())
            if path.is_file() and not path.is_symlink() and path.name != ".cloudscope.lock"}


def names(directory: Path) -> set[str]:
    """The names in ``directory`` but the journals SQLite makes whenever the store is read."""
    return {path.name for path in directory.iterdir()} - {"store.db-wal", "store.db-shm"}


@pytest.mark.parametrize("victim", VICTIMS)
@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_no_output_option_writes_over_the_store(writer: str, victim: str, store: str,
                                                refused: Callable[..., str],
                                                tmp_path: Path) -> None:
    """--output and --dictionary naming the store, its journals, or the store by another
    name: exit 2, one line naming the option, the store and its directory unchanged."""
    db = store_path(store)
    out = make_victim(victim, db, tmp_path)
    before = names(db.parent)
    line = refused(*(arg.replace("{out}", out) for arg in WRITERS[writer]))
    assert writer.rsplit(maxsplit=1)[-1] in line and "the store" in line
    assert names(db.parent) == before  # no temporary file, no dictionary beside it


@pytest.mark.parametrize("victim", ["", "hard link"])
@pytest.mark.parametrize("format_name", OTHER_FORMATS)
def test_every_format_refuses_the_store_as_output(format_name: str, victim: str, store: str,
                                                  refused: Callable[..., str],
                                                  tmp_path: Path) -> None:
    """Each exporter's --output goes through the same guard."""
    out = make_victim(victim, store_path(store), tmp_path)
    assert "--output" in refused("export", format_name, "--db", "{db}", "--output", out)


def test_a_refused_dictionary_leaves_no_output_either(store: str, refused: Callable[..., str],
                                                      tmp_path: Path) -> None:
    """An export is whole or nothing: with the dictionary refused, --output is not written."""
    refused("export", "csv", "--db", "{db}", "--output", str(tmp_path / "inventory.csv"),
            "--dictionary", str(store_path(store)))
    assert not (tmp_path / "inventory.csv").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_stale_part_that_is_the_store_is_not_removed(run_cloudscope: Callable[..., Any],
                                                       store: str, tmp_path: Path) -> None:
    """Numbered parts remove stale later parts of an earlier export, but never the store,
    even when the store's name looks like one (inventory-002.csv)."""
    db = tmp_path / "inventory-002.csv"
    store_path(store).rename(db)
    before = contents(f"sqlite:///{db}")
    result = run_cloudscope("export", "csv", "--db", f"sqlite:///{db}", "--max-tokens", "400",
                            "--output", str(tmp_path / "inventory.csv"))
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "inventory-001.csv").is_file()
    assert contents(f"sqlite:///{db}") == before


# file:// stores ---------------------------------------------------------------------------
@pytest.fixture
def file_store(run_cloudscope: Callable[..., Any], good_file: Path, tmp_path: Path) -> Path:
    """A populated file:// store directory."""
    directory = tmp_path / "inventory"
    result = run_cloudscope("collect", "file", str(good_file), "--db", f"file://{directory}")
    assert result.exit_code == 0, result.stderr
    return directory


def file_victim(kind: str, directory: Path, tmp_path: Path) -> str:
    """A path into the file store ``directory``, one way or another."""
    if kind == "new file inside":
        return str(directory / "export.csv")
    if kind == "its table":
        return str(directory / "assets.jsonl")
    if kind == "its lock file":
        return str(directory / ".cloudscope.lock")
    if kind == "hard link to its table":
        os.link(directory / "assets.jsonl", tmp_path / "assets-link.jsonl")
        return str(tmp_path / "assets-link.jsonl")
    if kind == "through a symlinked directory":
        (tmp_path / "alias").symlink_to(directory, target_is_directory=True)
        return str(tmp_path / "alias" / "export.csv")
    raise AssertionError(kind)


@pytest.mark.parametrize("option", ["--output", "--dictionary"])
@pytest.mark.parametrize("kind", ["new file inside", "its table", "its lock file",
                                  "hard link to its table", "through a symlinked directory"])
def test_nothing_is_written_inside_a_file_store(kind: str, option: str, file_store: Path,
                                               run_cloudscope: Callable[..., Any],
                                               tmp_path: Path) -> None:
    """A file:// store's directory holds only the store's files: an output there, or onto
    one of its files by a hard link, is refused and the directory is unchanged."""
    out = file_victim(kind, file_store, tmp_path)
    before = listing(file_store)
    result = run_cloudscope("export", "csv", "--db", f"file://{file_store}", option, out)
    line = assert_one_clean_line(result, 2)
    assert option in line and "store" in line
    assert listing(file_store) == before


# Pipes, devices and other special files ---------------------------------------------------
def test_dev_null_is_written_as_a_stream(run_cloudscope: Callable[..., Any], store: str) -> None:
    """/dev/null is opened and written, not replaced by a regular file."""
    before = contents(store)
    result = run_cloudscope("export", "csv", "--db", store, "--output", "/dev/null",
                            "--dictionary", "/dev/null")
    assert result.exit_code == 0, result.stderr
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert contents(store) == before


def test_dev_stdout_streams_to_standard_output(run_cloudscope: Callable[..., Any],
                                               store: str) -> None:
    """--output /dev/stdout writes into the process's own standard output."""
    result = run_cloudscope("export", "jsonl", "--db", store, "--output", "/dev/stdout")
    assert result.exit_code == 0, result.stderr
    assert '"arn:aws:s3:::kept"' in result.stdout


def test_a_fifo_is_written_as_a_stream_and_stays_a_fifo(run_cloudscope: Callable[..., Any],
                                                        store: str, tmp_path: Path) -> None:
    """A named pipe is streamed into (its reader gets the export) and never replaced; a
    hang fails the test through the timeout rather than hanging the suite."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = run_cloudscope("export", "csv", "--db", store, "--output", str(fifo), timeout=60)
    reader.join(timeout=10)
    assert result.exit_code == 0, result.stderr
    assert received and received[0].startswith(b"id,provider,")
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_numbered_parts_need_a_file_path(refused: Callable[..., str]) -> None:
    """--max-tokens writes numbered files beside --output: a device is refused."""
    assert "numbered files" in refused("export", "csv", "--db", "{db}", "--max-tokens", "500",
                                       "--output", "/dev/null")


def test_a_socket_is_refused(refused: Callable[..., str], tmp_path: Path) -> None:
    """A Unix socket is neither a file nor a stream we may write: refused."""
    path = tmp_path / "s.sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    try:
        assert "socket" in refused("export", "csv", "--db", "{db}", "--output", str(path))
    finally:
        server.close()
    assert stat.S_ISSOCK(path.lstat().st_mode)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="making a device node needs root")
def test_a_block_device_is_refused(refused: Callable[..., str], tmp_path: Path) -> None:
    """A block device (a disk) is never written. The node points at a device number
    reserved for local use, so that even a failing guard could not reach a disk."""
    node = tmp_path / "disk"
    os.mknod(node, stat.S_IFBLK | 0o600, os.makedev(240, 0))
    assert "block device" in refused("export", "csv", "--db", "{db}", "--output", str(node))
    assert stat.S_ISBLK(node.lstat().st_mode)


def test_a_directory_is_refused(refused: Callable[..., str], tmp_path: Path) -> None:
    """--output naming a directory: refused, the directory untouched."""
    assert "is a directory" in refused("export", "csv", "--db", "{db}", "--output",
                                       str(tmp_path))


def test_a_symlink_to_a_file_keeps_the_link(run_cloudscope: Callable[..., Any], store: str,
                                            tmp_path: Path) -> None:
    """Through a symlink, the link's target is replaced atomically and the link kept."""
    target = tmp_path / "real.csv"
    target.write_text("old\n")
    link = tmp_path / "latest.csv"
    link.symlink_to(target)
    result = run_cloudscope("export", "csv", "--db", store, "--output", str(link))
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink()
    assert target.read_text().startswith("id,provider,")


# db copy --------------------------------------------------------------------------------
@pytest.mark.parametrize("alias", ["relative", "symlink", "hard link"])
def test_db_copy_refuses_a_store_into_itself(alias: str, store: str,
                                             refused: Callable[..., str],
                                             tmp_path: Path) -> None:
    """SOURCE_URL and TARGET_URL naming one store under two names: refused, unchanged."""
    target = make_victim(alias, store_path(store), tmp_path)
    assert "same store" in refused("db", "copy", "{db}", f"sqlite:///{target}")


def test_db_copy_refuses_a_file_store_into_itself(file_store: Path, tmp_path: Path,
                                                  run_cloudscope: Callable[..., Any]) -> None:
    """The same file:// directory through a symlink is the same store."""
    (tmp_path / "alias").symlink_to(file_store, target_is_directory=True)
    before = listing(file_store)
    result = run_cloudscope("db", "copy", f"file://{file_store}", f"file://{tmp_path}/alias")
    assert "same store" in assert_one_clean_line(result, 2)
    assert listing(file_store) == before


# A file store's recovery removes only its own temporary files ------------------------------
def digest(directory: Path) -> str:
    """A digest of the store's files, for "unchanged"."""
    return hashlib.sha256(repr(listing(directory)).encode()).hexdigest()


def test_recovery_keeps_a_users_files_named_like_temporaries(
        file_store: Path, run_cloudscope: Callable[..., Any], good_file: Path) -> None:
    """notes.tmp or assets.jsonl.bak.tmp in the store directory are the user's: a write
    (which runs recovery) leaves them; the store's own leftover temporaries go."""
    (file_store / "notes.tmp").write_text("mine")
    (file_store / "assets.jsonl.bak.tmp").write_text("mine too")
    (file_store / "scopes.jsonl.tmp").write_text("{half a commit")  # ours, no journal: discarded
    result = run_cloudscope("collect", "file", str(good_file), "--db", f"file://{file_store}")
    assert result.exit_code == 0, result.stderr
    assert (file_store / "notes.tmp").read_text() == "mine"
    assert (file_store / "assets.jsonl.bak.tmp").read_text() == "mine too"
    assert not (file_store / "scopes.jsonl.tmp").exists()


@pytest.mark.parametrize("journal", ['{"files": ["../outside"]}', '{"files": "x"}', "not json"])
def test_a_journal_that_is_not_ours_is_refused_and_kept(journal: str, file_store: Path,
                                                         tmp_path: Path,
                                                         run_cloudscope: Callable[..., Any]
                                                         ) -> None:
    """A commit.json the store did not write (naming files outside the store, or not a
    journal at all) stops the command; nothing is renamed or removed."""
    (file_store / "commit.json").write_text(journal)
    (tmp_path / "outside").write_text("precious")
    (file_store / "../outside.tmp").resolve().write_text("also precious")
    before = digest(file_store)
    result = run_cloudscope("assets", "list", "--db", f"file://{file_store}")
    assert "commit journal" in assert_one_clean_line(result, 2)
    assert digest(file_store) == before
    assert (tmp_path / "outside").read_text() == "precious"
    assert (tmp_path / "outside.tmp").read_text() == "also precious"


# Files other commands write -------------------------------------------------------------
@pytest.mark.parametrize("victim", ["", "-wal", "symlink", "hard link"])
def test_collect_metrics_file_never_writes_over_the_store(victim: str, store: str,
                                                          refused: Callable[..., str],
                                                          good_file: Path,
                                                          tmp_path: Path) -> None:
    """collect --metrics-file naming the store: refused once the store is known, before the
    run writes anything (the collection does not happen either)."""
    out = make_victim(victim, store_path(store), tmp_path)
    line = refused("collect", "file", str(good_file), "--db", "{db}", "--metrics-file", out)
    assert "--metrics-file" in line and "the store" in line


def test_collect_metrics_file_streams_into_a_fifo(run_cloudscope: Callable[..., Any],
                                                  store: str, good_file: Path,
                                                  tmp_path: Path) -> None:
    """A FIFO as --metrics-file is written as a stream (its reader gets the metrics) and
    stays a FIFO."""
    fifo = tmp_path / "metrics.prom"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = run_cloudscope("collect", "file", str(good_file), "--db", store,
                            "--metrics-file", str(fifo), timeout=60)
    reader.join(timeout=10)
    assert result.exit_code == 0, result.stderr
    assert received and b"cloudscope_collect_runs_total" in received[0]
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_serve_audit_log_is_never_the_store(refused: Callable[..., str], store: str,
                                            tmp_path: Path) -> None:
    """serve.audit_log naming the store: one line before anything is served, the store
    intact (an append of JSON lines would corrupt it)."""
    pytest.importorskip("fastapi")
    config = tmp_path / "serve.yaml"
    config.write_text(json.dumps({"serve": {"auth": {"mode": "none"}, "port": 0,
                                            "audit_log": str(store_path(store))}}))
    line = refused("--config", str(config), "serve", "--host", "127.0.0.1", "--db", "{db}",
                   timeout=60)
    assert "serve.audit_log" in line and "the store" in line
