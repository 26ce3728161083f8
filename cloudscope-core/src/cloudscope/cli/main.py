"""``cloudscope``: the entry point, global options, and the mapping of errors to exit codes.

Exit codes: 0 success; 1 internal error (a bug); 2 bad usage, configuration, input or
store; 3 incomplete work (failed scopes, or a store that failed mid-run); 130 interrupted
(Ctrl-C, or SIGTERM, which Kubernetes and systemd send to stop a process: handled alike).
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import FrameType
from typing import Final

from cloudscope import __version__
from cloudscope.cli.components import CommandParser, ParserExit
from cloudscope.cli.output import reserved_stdout, stdout

COMMANDS: Final = ("plugins", "types", "collect", "assets", "export", "assess", "db", "doctor", "config",
                    "completion", "serve", "plugin", "install", "uninstall",
                    "changes")
EXIT_INTERRUPTED: Final = 130


def build_parser() -> argparse.ArgumentParser:
    """The whole command line, without importing any command's implementation."""
    parser = CommandParser(
        prog="cloudscope",
        description="Inventory cloud assets, store them with their relationships, assess "
                    "their risk and export them.",
        epilog="Exit codes: 0 ok, 1 internal error, 2 bad usage/config/input/store, "
               "3 incomplete work, 130 interrupted (Ctrl-C or SIGTERM).",
    )
    parser.add_argument("--version", action=_Version, nargs=0,
                        help="print the versions of cloudscope, Python and each plugin")
    parser.add_argument("--config", metavar="FILE",
                        help="configuration file (default: CLOUDSCOPE_CONFIG, then the "
                             "platform's config directory)")
    parser.add_argument("--log-level", choices=("debug", "info", "warning", "error"),
                        help="log level (default: warning, or log.level in the config)")
    parser.add_argument("--debug", action="store_true",
                        help="show tracebacks and debug logs")
    parser.add_argument("--disable-plugin", action="append", default=[], metavar="NAME",
                        help="do not load the plugin NAME (repeatable)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=CommandParser)
    for name in COMMANDS:
        module = importlib.import_module(f"cloudscope.cli.{name}_command")
        module.add_parser(commands)
    return parser


class _Version(argparse.Action):
    """``--version``: the core, Python, and each installed plugin's distribution, read from
    their metadata (no plugin is imported)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        import platform

        from cloudscope.host.discovery import discover

        lines = [f"cloudscope {__version__}",
                 f"Python {platform.python_version()} ({platform.python_implementation()})"]
        for candidate in discover():
            if candidate.distribution_name != "cloudscope-core":
                lines.append(f"plugin {candidate.name}: {candidate.distribution_name or '?'} "
                             f"{candidate.version or ''}".rstrip())
        stdout().write("\n".join(lines) + "\n")
        raise ParserExit(0)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code.

    Called without ``argv`` (the ``cloudscope`` process), standard output is reserved for
    the command at the descriptor level; with ``argv`` (embedded, tests), at the Python
    level only, so that the caller's own capture of descriptor 1 is left alone.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 2
        with reserved_stdout(whole_process=argv is None):
            return _run(args)
    except ParserExit as stop:
        # A usage error (2), --help or --version (0), here or in a component's options
        # (parsed once the component is known): an exit code returned like any other.
        return stop.code if isinstance(stop.code, int) else 0


def _run(args: argparse.Namespace) -> int:
    debug = bool(args.debug)
    try:
        with _sigterm_as_ctrl_c():
            return int(args.run(args))
    except ParserExit:
        raise
    except KeyboardInterrupt:
        sys.stderr.write("cloudscope: interrupted\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # `cloudscope export csv | head`: the reader left; not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), stdout().fileno())
        return 0
    except BaseException as error:
        # Exception: ours or a bug. Anything else (SystemExit, GeneratorExit, a plugin's own
        # BaseException subclass) is plugin code that escaped every guard: never a success.
        from cloudscope.domain.errors import CloudScopeError
        from cloudscope.domain.printable import printable
        from cloudscope.domain.redaction import redact_text

        if debug:
            import traceback

            # Chained causes quote libraries' messages (a driver echoing its connection
            # string): the whole traceback is redacted, not only our own line.
            sys.stderr.write(redact_text("".join(traceback.format_exception(error))))
        if isinstance(error, CloudScopeError):
            # printable: a file name or id in the message cannot drive the terminal, and
            # the message stays one line.
            sys.stderr.write(f"cloudscope: error: {printable(redact_text(str(error)))}\n")
            return error.exit_code
        first = str(error).splitlines()[0] if str(error) else ""
        what = "internal error" if isinstance(error, Exception) else "plugin code raised"
        sys.stderr.write(f"cloudscope: {what}: {type(error).__name__}: "
                         f"{printable(redact_text(first))}"
                         f"{'' if debug else ' (rerun with --debug for the traceback)'}\n")
        return 1


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextmanager
def _sigterm_as_ctrl_c() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt in the main thread, as Ctrl-C does, so that a run
    stopped by Kubernetes or systemd ends the same way: finished scopes kept, running ones
    interrupted, the run recorded ``interrupted``, exit 130."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    raise SystemExit(main())
