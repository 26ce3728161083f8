"""Command-line arguments: numbers beyond 64 bits, negative or not numbers, odd store URLs.

Issue 12: ``--limit`` beyond 64 bits was an internal error (SQLite's OverflowError). Every
numeric option is now checked by argparse against its range, and every store URL by the
repository that reads it: a one-line usage error (exit 2) naming the option, the store
intact, nothing created.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

BEYOND_64_BITS = str(2**64)
# case -> (arguments after `cloudscope`, what the line must say)
NUMBERS: dict[str, tuple[tuple[str, ...], str]] = {
    "--limit beyond 64 bits": (("assets", "list", "--limit", BEYOND_64_BITS), "--limit"),
    "--limit of 30 digits": (("assets", "list", "--limit", "9" * 30), "--limit"),
    "--limit of 6,000 digits": (("assets", "list", "--limit", "9" * 6000), "--limit"),
    "--limit negative": (("assets", "list", "--limit", "-1"), "--limit"),
    "--limit not a number": (("assets", "list", "--limit", "ten"), "whole number"),
    "--limit a fraction": (("assets", "list", "--limit", "1.5"), "whole number"),
    "--limit empty": (("assets", "list", "--limit", ""), "whole number"),
    "--offset beyond 64 bits": (("assets", "list", "--offset", BEYOND_64_BITS), "--offset"),
    "--offset negative": (("assets", "list", "--offset", "-5"), "--offset"),
    "collect --concurrency huge": (("collect", "file", "{good}", "--concurrency", "9" * 30),
                                   "--concurrency"),
    "collect --concurrency zero": (("collect", "file", "{good}", "--concurrency", "0"),
                                   "--concurrency"),
    "collect --batch-size beyond 64 bits": (("collect", "file", "{good}", "--batch-size",
                                             BEYOND_64_BITS), "--batch-size"),
    "collect --scope-timeout nan": (("collect", "file", "{good}", "--scope-timeout", "nan"),
                                    "--scope-timeout"),
    "collect --scope-timeout 1e999": (("collect", "file", "{good}", "--scope-timeout", "1e999"),
                                      "--scope-timeout"),
    "collect --scope-timeout negative": (("collect", "file", "{good}", "--scope-timeout", "-1"),
                                         "--scope-timeout"),
    "db copy --batch-size beyond 64 bits": (("db", "copy", "{db}", "sqlite:///copy.db",
                                             "--batch-size", BEYOND_64_BITS), "--batch-size"),
}


@pytest.mark.parametrize("case", sorted(NUMBERS))
def test_bad_number_is_a_usage_error(case: str, refused: Callable[..., str],
                                     good_file: Path, tmp_path: Path) -> None:
    """Exit 2, one line naming the option; the store unchanged, no copy made."""
    arguments, expected = NUMBERS[case]
    arguments = tuple(a.replace("{good}", str(good_file)) for a in arguments)
    if "--db" not in arguments and arguments[0] != "db":
        arguments = (*arguments, "--db", "{db}")
    line = refused(*arguments)
    assert expected in line, line
    assert len(line) < 300  # a 6,000-digit argument is shortened
    assert not (tmp_path / "copy.db").exists()


def test_the_largest_64_bit_limit_and_offset_are_accepted(run_cloudscope: Callable[..., Any],
                                                          store: str) -> None:
    """2**63 - 1 is a valid --limit and --offset: no asset that far, exit 0."""
    result = run_cloudscope("assets", "list", "--db", store, "--limit", str(2**63 - 1),
                            "--offset", str(2**63 - 1), "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "[\n]"


def test_a_plugins_huge_depth_is_harmless(run_cloudscope: Callable[..., Any], store: str) -> None:
    """A plugin's own option (export dot --depth) beyond 64 bits: the search stops when it
    reaches nothing new; exit 0."""
    result = run_cloudscope("export", "dot", "--db", store, "--around", "arn:aws:s3:::kept",
                            "--depth", BEYOND_64_BITS)
    assert result.exit_code == 0, result.stderr
    assert "arn:aws:s3:::kept" in result.stdout


# --db URLs ------------------------------------------------------------------------------
LONG = "a" * 5000
URLS: dict[str, tuple[str, str]] = {
    # case -> (URL, what the line must say)
    "empty": ("", "--db is empty"),
    "blank": ("   ", "--db is empty"),
    "NUL in a SQLite path": ("sqlite:///inventory%00.db", "NUL"),
    "NUL in a file:// path": ("file:///tmp/inventory%00", "NUL"),
    "a path that is not UTF-8": ("sqlite:///%ff%fe.db", "not UTF-8"),
    "a 5,000-character SQLite name": (f"sqlite:///{LONG}.db", "too long"),
    "a 5,000-character file:// name": (f"file:///tmp/{LONG}", "too long"),
    "an unknown scheme": ("mongodb://localhost/inventory", "available schemes"),
    "no scheme": ("cloudscope.db", "not a store URL"),
    "a scheme alone": ("sqlite:", "sqlite:///"),
    "no path": ("sqlite:///", "names no file"),
    "a remote file:// host": ("file://fileserver/srv/inventory", "local directory"),
    "traversal to a missing directory": ("sqlite:///../../../../../../../../no-such-dir/x.db",
                                         "does not exist"),
    "a device": ("sqlite:////dev/null", "not a regular file"),
    "a foreign directory": ("file:///etc", "not a CloudScope store"),
    "timeout nan": ("sqlite:///t.db?timeout=nan", "timeout"),
    "timeout 1e999": ("sqlite:///t.db?timeout=1e999", "timeout"),
    "timeout negative": ("file:///tmp/cloudscope-t?timeout=-1", "timeout"),
    "timeout not a number": ("sqlite:///t.db?timeout=soon", "timeout"),
}


def names(directory: Path) -> set[str]:
    """The names in ``directory``, but the journals SQLite keeps beside the store it reads."""
    return {path.name for path in directory.iterdir()} - {"store.db-wal", "store.db-shm"}


@pytest.mark.parametrize("case", sorted(URLS))
def test_odd_store_url_is_refused(case: str, refused: Callable[..., str], good_file: Path,
                                  tmp_path: Path) -> None:
    """Exit 2, one line saying what is wrong with the URL; nothing created anywhere. A
    collection, which would create a missing store, reaches the URL's own checks."""
    url, expected = URLS[case]
    before = names(tmp_path)
    line = refused("collect", "file", str(good_file), "--db", url)
    assert expected in line, line
    assert names(tmp_path) == before
    assert not Path("/dev/null-journal").exists() and not Path("/tmp/cloudscope-t").exists()


def test_a_relative_path_with_dotdot_is_a_path_like_any_other(
        run_cloudscope: Callable[..., Any], store: str, tmp_path: Path) -> None:
    """sqlite:///../DIR/store.db is relative to the working directory, as documented: it
    reaches the store there and nothing else."""
    db = Path(store.removeprefix("sqlite:///"))
    work = tmp_path / "work"
    work.mkdir()
    result = run_cloudscope("assets", "list", "--db", f"sqlite:///../{db.name}", cwd=work)
    assert result.exit_code == 0, result.stderr
    assert "arn:aws:s3:::kept" in result.stdout
    assert list(work.iterdir()) == []
