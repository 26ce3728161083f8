"""Text for people: what every human-readable printer (the CLI's tables, text and error
lines, the console log format) passes stored or user text through.

Names, tags, regions, file paths and error messages come from clouds, files and plugins;
written raw, an ESC sequence rewrites the terminal (colours, titles, cursor moves, a fake
prompt), BEL rings, and a bidi override makes ``evil.exe\\u202egpj.`` read as another
name (issue 12). Control characters (C0, DEL, C1), Unicode line and paragraph separators,
bidi controls and lone surrogates (bytes of a non-UTF-8 file name) are shown escaped, as
Python escapes them; everything else is printed as it is. JSON output is never passed
through this: it stays exact.
"""

from __future__ import annotations

import re
from typing import Final

_UNPRINTABLE: Final = re.compile(
    "[\x00-\x1f\x7f-\x9f"          # C0, DEL and C1 controls (ESC, BEL, CR, NEL...)
    "\u061c\u200e\u200f"           # bidi marks
    "\u2028\u2029"                 # line and paragraph separators
    "\u202a-\u202e\u2066-\u2069"   # bidi embeddings, overrides and isolates
    "\ud800-\udfff]"               # lone surrogates
)
_SHORT: Final = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    character = match.group()
    code = ord(character)
    if character in _SHORT:
        return _SHORT[character]
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"  # a byte that was not UTF-8 (surrogateescape)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object) -> str:
    """``text`` (``str()`` of it) with every control character shown escaped: safe to
    write to a terminal, and always one line."""
    return _UNPRINTABLE.sub(_escape, str(text))
