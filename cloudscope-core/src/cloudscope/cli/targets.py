"""Collection targets: the config's ``targets:`` turned into the arguments their flags take.

A target's keys are its provider's long options without the dashes (``profile``,
``org_role_name`` for ``--org-role-name``), a repeatable option also by its plural
(``regions`` for ``--region``), positional arguments by their name (the file collector's
``paths``), and ``services`` / ``types`` for the include and exclude options every
collection has. The arguments are parsed by the provider's own parser, so a
target is checked exactly as the same flags would be; a mistake is a one-line
configuration error naming the target and the key.
"""

from __future__ import annotations

import argparse
import difflib
from collections.abc import Iterable, Sequence
from typing import Any, Final, NoReturn

from cloudscope.cli.components import CommandParser
from cloudscope.domain.errors import ConfigError, NotFoundError, UsageError

# Options of every collection that a target may not set: they belong to the invocation.
NOT_TARGET_OPTIONS: Final = frozenset({"db", "format", "shard", "help"})
SELECTION_FLAGS: Final = {("services", "include"): "--include-service",
                          ("services", "exclude"): "--exclude-service",
                          ("types", "include"): "--include-type",
                          ("types", "exclude"): "--exclude-type"}


class TargetParser(CommandParser):
    """A provider's parser reading a target: its errors are configuration errors."""

    #: Where the target was read (the config file) and its name, for messages.
    source = "targets"
    target = ""

    def error(self, message: str) -> NoReturn:
        raise ConfigError(message, source=f"{self.source}: targets[{self.target}]")


def choose(targets: Sequence[Any], names: Iterable[str] | None) -> list[Any]:
    """The targets named (``--target``, repeatable), else all of them."""
    if not targets:
        raise UsageError("no PROVIDER given and no targets in the configuration",
                         hint="run `cloudscope collect PROVIDER`, or add targets: to the "
                              "config: see the README, Collection targets")
    wanted = list(dict.fromkeys(names or ()))
    if not wanted:
        return list(targets)
    by_name = {target.name: target for target in targets}
    for name in wanted:
        if name not in by_name:
            close = difflib.get_close_matches(name, list(by_name), n=1)
            raise NotFoundError(f"--target {name!r}: no such target in the configuration",
                                hint=f"did you mean {close[0]!r}?" if close else
                                f"targets: {', '.join(by_name)}")
    return [by_name[name] for name in wanted]


def arguments(target: Any, parser: argparse.ArgumentParser) -> list[str]:
    """The command-line arguments that say what ``target`` says, for ``parser``."""
    options = _long_options(parser)
    where = f"{getattr(parser, 'source', 'targets')}: targets[{target.name}]"
    argv: list[str] = []
    positional: list[str] = []
    for (field, kind), flag in SELECTION_FLAGS.items():
        for pattern in getattr(getattr(target, field), kind):
            argv += [flag, str(pattern)]
    for key, value in target.options.items():
        action = options.get(key)
        if action is None:
            known = sorted({name for name, a in options.items() if a.dest not in NOT_TARGET_OPTIONS})
            close = difflib.get_close_matches(key, known, n=1)
            raise ConfigError(f"not an option of the {target.provider} provider",
                              source=where, key=key,
                              hint=f"did you mean {close[0]!r}?" if close else
                              f"options: {', '.join(known)}")
        if action.option_strings:
            argv += _flag_arguments(where, key, action, value)
        else:
            positional += [_text(item) for item in (value if isinstance(value, list) else [value])]
    # After "--", a positional value that starts with a dash is not read as an option.
    return [*argv, "--", *positional] if positional else argv


def _long_options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    """Each long option by the name a target uses: ``--org-role-name`` -> ``org_role_name``,
    and a repeatable one by its plural too (``regions``)."""
    names: dict[str, argparse.Action] = {}
    for action in parser._actions:  # argparse has no public list of its actions
        if not action.option_strings:
            names.setdefault(action.dest, action)
        for flag in action.option_strings:
            if flag.startswith("--") and action.dest not in NOT_TARGET_OPTIONS:
                name = flag[2:].replace("-", "_")
                names.setdefault(name, action)
                if isinstance(action, argparse._AppendAction) and not name.endswith("s"):
                    names.setdefault(name + "s", action)
    return names


def _flag_arguments(where: str, key: str, action: argparse.Action, value: Any) -> list[str]:
    flag = next(f for f in action.option_strings if f.startswith("--"))
    if action.nargs == 0:  # store_true and the like: present or absent
        if not isinstance(value, bool):
            raise ConfigError("expected true or false", source=where, key=key)
        return [flag] if value else []
    values = value if isinstance(value, list) else [value]
    if len(values) > 1 and not isinstance(action, argparse._AppendAction):
        raise ConfigError("takes one value, not a list", source=where, key=key)
    if any(isinstance(item, (dict, list)) or item is None for item in values):
        raise ConfigError("expected a value or a list of values", source=where,
                          key=key)
    return [part for item in values for part in (flag, _text(item))]


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)
