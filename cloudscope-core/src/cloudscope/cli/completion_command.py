"""``cloudscope completion bash|zsh|fish``: a shell completion script, printed.

The script is static: commands, options, option values, the collectors and exporters
installed with their own options, and the configured targets, all read when it is
generated. Completing a word costs the shell a table lookup and never runs cloudscope, and
cloudscope itself pays nothing at start-up (unlike a completion hook in the program).
Generate it again after installing a plugin.
"""

from __future__ import annotations

import argparse
from typing import Any

from cloudscope.cli.output import stdout

SHELLS = ("bash", "zsh", "fish")


def add_parser(commands: Any) -> None:
    """Add ``completion``."""
    parser = commands.add_parser(
        "completion", help="print a shell completion script (bash, zsh, fish)",
        description="Print a completion script for SHELL. bash: `cloudscope completion bash "
                    "> ~/.local/share/bash-completion/completions/cloudscope`; zsh: write it "
                    "to a directory of $fpath as _cloudscope; fish: `cloudscope completion "
                    "fish > ~/.config/fish/completions/cloudscope.fish`. Run it again after "
                    "installing a plugin.")
    parser.add_argument("shell", choices=SHELLS)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print the script for ``args.shell``."""
    from cloudscope.cli.completion_scripts import script, words
    from cloudscope.cli.main import build_parser
    from cloudscope.cli.runtime import Runtime
    from cloudscope.domain.errors import CloudScopeError
    from cloudscope.host.plugin_host import PluginHost

    runtime = Runtime(args)
    try:
        host, targets = runtime.host, [t.name for t in runtime.config.settings.targets]
    except CloudScopeError:  # a broken config still gets a script, without targets
        host, targets = PluginHost.from_environment(disabled=args.disable_plugin), []
    table = words(build_parser(), host, targets)
    stdout().write(script(args.shell, table))
    return 0
