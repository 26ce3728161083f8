"""The built-in secret resolvers: ``env:NAME`` and ``file:/path`` in configuration values.

So that no secret needs to sit in the config file: ``client_secret: env:AZURE_SECRET``
reads the variable, ``client_secret: file:/run/secrets/azure`` reads a file (a Docker or
Kubernetes secret, a systemd credential). Messages name the reference, never its value.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Final

from cloudscope.domain.errors import ConfigError

MAX_SECRET_BYTES: Final = 65_536
_VARIABLE: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def resolve_env(reference: str) -> str:
    """``env:NAME``: the environment variable NAME, which must be set."""
    if not _VARIABLE.match(reference):
        raise ConfigError(f"env:{reference}: not a variable name",
                          hint="write env:NAME, e.g. env:AZURE_CLIENT_SECRET")
    value = os.environ.get(reference)
    if value is None:
        raise ConfigError(f"env:{reference}: the variable is not set",
                          hint=f"export {reference}=... before running cloudscope")
    return value


def resolve_file(reference: str) -> str:
    """``file:/path`` (or ``file:~/path``): the file's text, one trailing newline removed.

    The path must be absolute: a relative one would depend on the directory cloudscope
    was started from. The file must be a regular file of at most 64 KiB, UTF-8.
    """
    path = Path(reference).expanduser()
    if not path.is_absolute():
        raise ConfigError(f"file:{reference}: give an absolute path",
                          hint="e.g. file:/run/secrets/cloudscope or file:~/.secrets/token")
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"file:{reference}: not a regular file")
        if info.st_size > MAX_SECRET_BYTES:
            raise ConfigError(f"file:{reference}: larger than {MAX_SECRET_BYTES} bytes, "
                              "which is no secret")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"file:{reference}: no such file") from None
    except UnicodeDecodeError:
        raise ConfigError(f"file:{reference}: not UTF-8 text") from None
    except OSError as error:
        raise ConfigError(f"file:{reference}: cannot read: {error.strerror}") from None
    # Secrets written with `echo` end with a newline that is not part of the secret.
    return text[:-2] if text.endswith("\r\n") else text[:-1] if text.endswith("\n") else text
