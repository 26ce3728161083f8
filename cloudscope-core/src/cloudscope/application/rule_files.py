"""The user's rule files: every YAML file of the configured ``rules.directories``.

Read by the assess use case before the store is opened, so that a bad file changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Final

from cloudscope.domain.documents import decode_text, read_regular_file
from cloudscope.domain.errors import InputError
from cloudscope.domain.rule_language import MAX_PACK_BYTES, parse_pack
from cloudscope.ports.declarative_rules import rules_of
from cloudscope.ports.rule import Rule

RULE_FILE_SUFFIXES: Final = (".yaml", ".yml")


def load_file(path: Path) -> list[Rule]:
    """The rules of one YAML file; :class:`InputError` naming the file and field when bad.

    Read with the documents' guards (a regular file, at most ``MAX_PACK_BYTES``)."""
    data = read_regular_file(path, MAX_PACK_BYTES)
    return rules_of(parse_pack(decode_text(data, str(path)), str(path)))


def load_directories(directories: Iterable[Path]) -> list[Rule]:
    """Every ``*.yaml``/``*.yml`` file of the directories, in name order."""
    rules: list[Rule] = []
    for directory in directories:
        if not directory.is_dir():
            raise InputError("is not a directory", location=str(directory),
                             hint="fix rules.directories in the configuration")
        for path in sorted(directory.iterdir()):
            # Not is_file(): a FIFO or device named *.yaml is refused by load_file, not
            # skipped in silence; subdirectories are not read.
            if path.suffix in RULE_FILE_SUFFIXES and not path.is_dir():
                rules.extend(load_file(path))
    return rules
