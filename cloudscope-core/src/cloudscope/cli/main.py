"""``cloudscope``: the entry point, global options, and the mapping of errors to exit codes.

Exit codes: 0 success; 1 internal error (a bug); 2 bad usage, configuration, input or
store; 3 incomplete collection; 130 interrupted by the user (Ctrl-C).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Final

from cloudscope import __version__
from cloudscope.cli.components import CommandParser, ParserExit
from cloudscope.cli.output import reserved_stdout, stdout

COMMANDS: Final = ("plugins", "types", "collect", "assets", "export", "assess", "db")
EXIT_INTERRUPTED: Final = 130


def build_parser() -> argparse.ArgumentParser:
    """The whole command line, without importing any command's implementation."""
    parser = CommandParser(
        prog="cloudscope",
        description="Inventory cloud assets, store them with their relationships, assess "
                    "their risk and export them.",
        epilog="Exit codes: 0 ok, 1 internal error, 2 bad usage/config/input/store, "
               "3 incomplete collection, 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"cloudscope {__version__}")
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code.

    Called without ``argv`` (the ``cloudscope`` process), standard output is reserved for
    the command at the descriptor level; with ``argv`` (embedded, tests), at the Python
    level only, so that the caller's own capture of descriptor 1 is left alone.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    with reserved_stdout(whole_process=argv is None):
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    debug = bool(args.debug)
    try:
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
        from cloudscope.domain.redaction import redact_text

        if debug:
            import traceback

            traceback.print_exception(error, file=sys.stderr)
        if isinstance(error, CloudScopeError):
            sys.stderr.write(f"cloudscope: error: {redact_text(str(error))}\n")
            return error.exit_code
        first = str(error).splitlines()[0] if str(error) else ""
        what = "internal error" if isinstance(error, Exception) else "plugin code raised"
        sys.stderr.write(f"cloudscope: {what}: {type(error).__name__}: {redact_text(first)}"
                         f"{'' if debug else ' (rerun with --debug for the traceback)'}\n")
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
