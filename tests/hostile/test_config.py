"""Configuration and rule files are documents like any other: the file collector's guards.

Issue 12: a 453-byte YAML alias bomb in the config file exhausted memory on any command,
5,000 nested ``[`` raised RecursionError, ``--config /dev/zero`` a MemoryError, and a FIFO
hung. Every case below ends in exit code 2 with one line naming the file (or variable),
and the store intact; the FIFO cases run under a timeout, so that a hang fails the test.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.hostile.conftest import assert_one_clean_line

# The classic "billion laughs" in about 400 bytes: nine levels of nine aliases.
ALIAS_BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{name}: &{name} [{', '.join(['*' + previous] * 9)}]\n"
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True))


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    """A file in the test's directory."""
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def sparse(tmp_path: Path, name: str, size: int) -> Path:
    """A file of ``size`` bytes that takes no disk space."""
    path = tmp_path / name
    with path.open("wb") as stream:
        stream.truncate(size)
    return path


def block_nesting(levels: int) -> str:
    """``db:`` nested ``levels`` mappings deep, in block style."""
    return "".join(" " * i + "k:\n" for i in range(levels)) + " " * levels + "1\n"


# name -> (make the config file, what the one line must say besides the file's name)
CONFIG_FILES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "alias bomb": (lambda d: write(d, "bomb.yaml", ALIAS_BOMB), "expands to more than"),
    "5,000 nested [": (lambda d: write(d, "deep.yaml", "db: " + "[" * 5000 + "]" * 5000),
                       "invalid YAML"),
    "200 nested mappings": (lambda d: write(d, "block.yaml", block_nesting(200)),
                            "nests deeper than 64"),
    "over 1 MB": (lambda d: sparse(d, "huge.yaml", 2_000_000), "over the limit"),
    "binary junk": (lambda d: write(d, "junk.yaml", bytes(range(256)) * 4), "not UTF-8"),
    "NUL bytes": (lambda d: write(d, "nul.yaml", "db: a\0b\n"), "invalid YAML"),
    "a section of the wrong type": (lambda d: write(d, "t.yaml", "collect: 5\n"), "collect"),
    "a value of the wrong type": (lambda d: write(d, "t.yaml", "db: [1, 2]\n"), "db"),
    "an unknown level": (lambda d: write(d, "t.yaml", "log: {level: loud}\n"), "log.level"),
    "a key that is not a string": (lambda d: write(d, "t.yaml", "1: 2\n"),
                                   "keys must be strings"),
    "a Python tag": (lambda d: write(d, "t.yaml", "db: !!python/object/apply:os.getcwd []\n"),
                     "python/object/apply"),
    "NaN": (lambda d: write(d, "t.yaml", "plugins: {aws: {rate_limit: {per_second: .nan}}}\n"),
            "finite"),
    "Infinity": (lambda d: write(d, "t.yaml", "collect: {batch_size: .inf}\n"), "finite"),
    "a 5,000-digit integer": (lambda d: write(d, "t.yaml", f"collect: {{batch_size: {'9' * 5000}}}\n"),
                              "cannot be read"),
    "a date that does not exist": (lambda d: write(d, "t.yaml", "db: 2024-13-45\n"),
                                   "cannot be read"),
    "a list at the top": (lambda d: write(d, "t.yaml", "- db\n"), "expected a mapping"),
    "a directory": (lambda d: d, "is a directory"),
    "a missing file": (lambda d: d / "missing.yaml", "no such file"),
    "/dev/zero": (lambda d: Path("/dev/zero"), "is a device"),
}


@pytest.mark.parametrize("case", sorted(CONFIG_FILES))
def test_hostile_config_file_is_refused(case: str, refused: Callable[..., str],
                                        tmp_path: Path) -> None:
    """Any command with this --config: exit 2, one line naming the file and the problem."""
    make, expected = CONFIG_FILES[case]
    path = make(tmp_path)
    line = refused("--config", str(path), "assets", "list", "--db", "{db}", timeout=60)
    assert str(path) in line and expected in line, line


def test_a_fifo_as_config_is_refused_not_waited_on(refused: Callable[..., str],
                                                   tmp_path: Path) -> None:
    """--config naming a named pipe nobody writes to: refused at once (a hang would hit
    the timeout and fail)."""
    fifo = tmp_path / "config.yaml"
    os.mkfifo(fifo)
    assert "named pipe" in refused("--config", str(fifo), "assets", "list", "--db", "{db}",
                                   timeout=30)


@pytest.mark.parametrize("target", ["/dev/zero", "fifo"])
def test_cloudscope_config_variable_gets_the_same_guards(target: str, refused: Callable[..., str],
                                                         tmp_path: Path) -> None:
    """CLOUDSCOPE_CONFIG naming a device or a FIFO: the same refusal as --config."""
    path = Path(target)
    if target == "fifo":
        path = tmp_path / "config.yaml"
        os.mkfifo(path)
    line = refused("assets", "list", "--db", "{db}", env={"CLOUDSCOPE_CONFIG": str(path)},
                   timeout=30)
    assert str(path) in line


# Environment variables --------------------------------------------------------------------
ENVIRONMENT: dict[str, tuple[str, str, str]] = {
    # case: (variable, value, what the line must say)
    "a number beyond 64 bits": ("CLOUDSCOPE_COLLECT_BATCH_SIZE", "9" * 30, "less than"),
    "5,000 nested [": ("CLOUDSCOPE_RULES_DIRECTORIES", "[" * 5000 + "]" * 5000, "valid list"),
    "100 nested [": ("CLOUDSCOPE_RULES_DIRECTORIES", "[" * 100 + "]" * 100, "nests deeper"),
    "infinity": ("CLOUDSCOPE_PLUGINS_AWS_RATE_LIMIT_PER_SECOND", "inf", "finite"),
    "NaN": ("CLOUDSCOPE_COLLECT_CONCURRENCY", "nan", "integer"),
    "terminal escapes": ("CLOUDSCOPE_LOG_LEVEL", "\x1b[2J\x1b]0;owned\x07", "\\x1b[2J"),
}


@pytest.mark.parametrize("case", sorted(ENVIRONMENT))
def test_hostile_environment_variable_is_refused(case: str, refused: Callable[..., str]) -> None:
    """A CLOUDSCOPE_* variable with a hostile value: exit 2, one line naming the variable."""
    name, value, expected = ENVIRONMENT[case]
    line = refused("assets", "list", "--db", "{db}", env={name: value})
    assert name in line and expected in line, line
    assert "\x1b" not in line and "\x07" not in line


# Rule files -----------------------------------------------------------------------------
RULE_FILES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "alias bomb": (lambda d: write(d, "bomb.yaml", ALIAS_BOMB), "expands to more than"),
    "500 nested conditions": (
        lambda d: write(d, "deep.yaml", "rules: [{id: a.b, title: t, severity: low, "
                                        "asset_types: [aws:s3:bucket], when: "
                                        + "{not: " * 500 + "{path: x, op: exists}"
                                        + "}" * 500 + "}]\n"),
        "nests deeper than 64"),
    "over 1 MB": (lambda d: sparse(d, "huge.yaml", 2_000_000), "over the limit"),
    "binary junk": (lambda d: write(d, "junk.yaml", bytes(range(256)) * 4), "not UTF-8"),
    "a Python tag": (lambda d: write(d, "tag.yaml", "rules: !!python/object/apply:os.getcwd []"),
                     "python/object/apply"),
}


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    """An empty rules directory."""
    directory = tmp_path / "rules"
    directory.mkdir()
    return directory


def rules_env(directory: Path) -> dict[str, str]:
    """The environment that makes ``assess`` read ``directory``."""
    return {"CLOUDSCOPE_RULES_DIRECTORIES": json.dumps([str(directory)])}


@pytest.mark.parametrize("case", sorted(RULE_FILES))
def test_hostile_rule_file_is_refused(case: str, refused: Callable[..., str],
                                      rules_dir: Path) -> None:
    """assess with this rule file: exit 2, one line naming the file, no finding stored."""
    make, expected = RULE_FILES[case]
    path = make(rules_dir)
    line = refused("assess", "--db", "{db}", env=rules_env(rules_dir), timeout=60)
    assert str(path) in line and expected in line, line


def test_a_fifo_among_rule_files_is_refused_not_waited_on(refused: Callable[..., str],
                                                          rules_dir: Path) -> None:
    """A named pipe called rules.yaml is refused by name, not read (nor silently skipped)."""
    os.mkfifo(rules_dir / "rules.yaml")
    line = refused("assess", "--db", "{db}", env=rules_env(rules_dir), timeout=30)
    assert "rules.yaml" in line and "named pipe" in line


# What is accepted -----------------------------------------------------------------------
def test_a_config_with_a_byte_order_mark_and_a_set_is_read(run_cloudscope: Callable[..., Any],
                                                           store: str, tmp_path: Path) -> None:
    """A UTF-8 byte order mark is skipped and a !!set becomes a sorted list: accepted."""
    path = write(tmp_path, "config.yaml",
                 b"\xef\xbb\xbfrules: {disabled: !!set {b.rule, a.rule}}\nlog: {level: error}\n")
    result = run_cloudscope("--config", str(path), "assets", "list", "--db", store)
    assert result.exit_code == 0, result.stderr
    assert "arn:aws:s3:::kept" in result.stdout


def test_the_refusal_is_one_line_even_for_a_config_named_with_a_newline(
        run_cloudscope: Callable[..., Any], store: str, tmp_path: Path) -> None:
    """A file name holding a newline and ESC is shown escaped: still exactly one line."""
    path = write(tmp_path, "bad\n\x1b[31mname.yaml", "collect: 5\n")
    result = run_cloudscope("--config", str(path), "assets", "list", "--db", store)
    line = assert_one_clean_line(result, 2)
    assert "bad\\n\\x1b[31mname.yaml" in line
