"""Token estimates for ``--max-tokens``: a real tokenizer when one is installed.

With ``tiktoken`` importable and its ``o200k_base`` encoding loadable (it is downloaded
once, then cached), rows are counted with it. Otherwise the estimate is one token per four
characters, rounded up per row: the usual rule of thumb for English text. Ids, ARNs and
JSON tokenise denser (about three characters per token), so leave a margin or install
tiktoken when the budget is tight.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

CHARS_PER_TOKEN: Final = 4
ENCODING: Final = "o200k_base"


@dataclass(frozen=True, slots=True)
class TokenCounter:
    """Counts the tokens of a text; ``method`` says how (shown in the data dictionary)."""

    method: str
    count: Callable[[str], int]


def estimate_by_characters(text: str) -> int:
    """``ceil(len(text) / 4)``."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def token_counter() -> TokenCounter:
    """tiktoken's ``o200k_base`` when it loads, else the characters/4 estimate."""
    try:
        # Optional and heavy: imported only when --max-tokens is used.
        import tiktoken

        encoding = tiktoken.get_encoding(ENCODING)
    except Exception:  # not installed, or the encoding cannot be downloaded (offline)
        return TokenCounter(f"characters/{CHARS_PER_TOKEN}, rounded up per row",
                            estimate_by_characters)

    def count(text: str) -> int:
        return len(encoding.encode_ordinary(text))

    return TokenCounter(f"tiktoken {ENCODING}", count)
