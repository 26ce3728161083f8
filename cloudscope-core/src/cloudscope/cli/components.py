"""What commands that run a named plugin component share (`collect NAME`, `export FORMAT`).

The component's options are only known once its plugin is loaded, so such a command takes
the name and the remaining arguments, resolves the component, then parses those arguments
with a parser that the component extends through its ``add_arguments(parser)`` classmethod.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from typing import Any, Final

MAX_INTEGER: Final = 2**63 - 1
"""The largest count a store can hold (SQLite and PostgreSQL integers are 64-bit)."""


class ParserExit(SystemExit):
    """The command line's own exit (``--help``, ``--version``, a usage error), as opposed
    to a ``SystemExit`` raised by plugin code, which the CLI reports as a plugin fault."""


# First-party components and the distribution that brings each: what `pip install` to
# suggest when one is missing. Only these: a name the user typed is never turned into a
# package to install (it could be a typosquatted one).
FIRST_PARTY: Final = {
    "collectors": {"aws": "cloudscope-aws", "azure": "cloudscope-azure", "gcp": "cloudscope-gcp"},
    "exporters": {name: "cloudscope-exporters"
                  for name in ("csv", "json", "jsonl", "graphml", "dot", "cypher")},
}
_NOUN: Final = {"collectors": "collector", "exporters": "exporter"}


class CommandParser(argparse.ArgumentParser):
    """argparse, with usage errors as one ``cloudscope: error:`` line and exit code 2, as
    every other error (DESIGN.md section 6), and help written to the command's standard
    output (plugin output goes to stderr, see cli/output.py).

    ``listing`` names a component registry (``collectors``): its help then ends with the
    components installed, read when the help is shown (plugins load only then)."""

    listing: str | None = None

    def format_help(self) -> str:
        text = super().format_help()
        return f"{text}\n{installed_components(self.listing)}\n" if self.listing else text

    def error(self, message: str) -> None:  # type: ignore[override]
        from cloudscope.domain.printable import printable
        from cloudscope.domain.redaction import redact_text

        # argparse quotes the offending argument, which may be a secret given by mistake,
        # or hold terminal controls.
        command = self.prog.removeprefix("cloudscope").strip()
        sys.stderr.write(f"cloudscope: error: {f'{command}: ' if command else ''}"
                         f"{printable(redact_text(message))} (see {self.prog} --help)\n")
        raise ParserExit(2)

    def exit(self, status: int = 0, message: str | None = None) -> None:  # type: ignore[override]
        if message:
            sys.stderr.write(message)
        raise ParserExit(status)

    def print_help(self, file: Any = None) -> None:
        from cloudscope.cli.output import stdout

        super().print_help(file or stdout())

    def print_usage(self, file: Any = None) -> None:
        from cloudscope.cli.output import stdout

        super().print_usage(file or stdout())


def integer(minimum: int = 0, maximum: int = MAX_INTEGER) -> Callable[[str], int]:
    """An argparse ``type`` for a whole number in ``[minimum, maximum]``: anything else,
    a number beyond 64 bits included, is a one-line usage error (exit code 2)."""

    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            digits = text.strip().lstrip("+-")
            if not (digits.isdigit() and len(digits) > 18):
                raise argparse.ArgumentTypeError(
                    f"expected a whole number, got {_shorten(text)}") from None
            value = maximum + 1  # Python refuses to read 4,300 digits or more
        if not minimum <= value <= maximum:
            raise argparse.ArgumentTypeError(
                f"expected a whole number from {minimum} to {maximum}, got {_shorten(text)}")
        return value

    parse.__name__ = "integer"  # argparse names the type in some messages
    return parse


def seconds(text: str) -> float:
    """An argparse ``type`` for a positive, finite number of seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {_shorten(text)}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, "
                                         f"got {_shorten(text)}")
    return value


def _shorten(text: str) -> str:
    return repr(text) if len(text) <= 40 else repr(text[:37] + "...")


def add_component_command(commands: Any, name: str, *, metavar: str, help: str,
                          description: str, arguments_help: str,
                          run: Callable[[argparse.Namespace], int], kind: str,
                          optional: bool = False) -> argparse.ArgumentParser:
    """Add ``cloudscope NAME COMPONENT ...``, the rest parsed by :func:`component_parser`.

    ``--help`` lists the components installed (``kind`` is the registry: ``collectors``)."""
    parser: argparse.ArgumentParser = commands.add_parser(name, help=help,
                                                          description=description)
    if isinstance(parser, CommandParser):
        parser.listing = kind
    parser.add_argument("component", metavar=metavar, nargs="?" if optional else None)
    parser.add_argument("arguments", nargs=argparse.REMAINDER, metavar="...", help=arguments_help)
    parser.set_defaults(run=run)
    return parser


def component_parser(prog: str, component_class: Any, title: str,
                     add_common: Callable[[argparse.ArgumentParser], None],
                     parser_class: type[CommandParser] = CommandParser) -> CommandParser:
    """The parser of one component: the command's common options, then the component's own."""
    description = (component_class.__doc__ or "").strip().split("\n\n")[0]
    parser = parser_class(prog=prog, description=description)
    add_common(parser)
    add_arguments = getattr(component_class, "add_arguments", None)
    if add_arguments is not None:
        add_arguments(parser.add_argument_group(title))
    return parser


def installed_components(kind: str) -> str:
    """``installed collectors: aws (aws), file (builtin) ...``, and the plugins that did not
    load, for a command's help."""
    from cloudscope.host.plugin_host import PluginHost

    host = PluginHost.from_environment()
    names = [f"{r.name} ({r.plugin})" for r in host.registries[kind]]
    lines = [f"installed {kind}: {', '.join(names) or 'none'}"]
    broken = [f"{r.name} ({r.status.value})" for r in host.reports.values()
              if r.status.value not in ("loaded", "disabled")]
    if broken:
        lines.append(f"plugins not loaded: {', '.join(broken)} (see `cloudscope plugins`)")
    return "\n".join(lines)


def find_component(host: Any, kind: str, name: str) -> Any:
    """The registration of component ``name`` in the host's ``kind`` registry (``collectors``,
    ``exporters``...). When it is missing, the error names the way out: the plugin that
    should provide it and why it did not load, or the distribution to install."""
    from cloudscope.domain.errors import NotFoundError, PluginError

    try:
        return host.registries[kind].get(name)
    except NotFoundError as error:
        noun = _NOUN.get(kind, kind)
        distribution = FIRST_PARTY.get(kind, {}).get(name)
        # The plugin of that name, or the installed distribution that brings the component.
        report = host.reports.get(name) or next(
            (r for r in host.reports.values()
             if distribution is not None and r.distribution == distribution), None)
        if report is not None and report.status.value != "loaded":
            raise PluginError(f"{noun} {name!r} comes from it, and it is {report.status.value}: "
                              f"{report.reason}", plugin=report.name,
                              hint="see `cloudscope plugins`") from None
        if distribution is not None:
            raise NotFoundError(f"no {noun} named {name!r} is installed",
                                hint=f"pip install {distribution}, or: cloudscope install "
                                     f"{distribution.removeprefix('cloudscope-')}") from None
        raise error


def build_component(registration: Any, kind: str, expected: type, *args: Any) -> Any:
    """Call a registration's factory; a factory that fails or lies is the plugin's error."""
    from cloudscope.domain.errors import CloudScopeError, PluginError

    try:
        component = registration.resolve()(*args)
    except (CloudScopeError, KeyboardInterrupt):
        raise
    except BaseException as error:  # plugin code, even sys.exit()
        raise PluginError(f"{kind} {registration.name!r} could not start: "
                          f"{type(error).__name__}: {error}", plugin=registration.plugin) from error
    if not isinstance(component, expected):
        raise PluginError(f"{kind} {registration.name!r} is a {type(component).__name__}, "
                          f"not {'an' if expected.__name__[0] in 'AEIOU' else 'a'} "
                          f"{expected.__name__}", plugin=registration.plugin)
    return component
