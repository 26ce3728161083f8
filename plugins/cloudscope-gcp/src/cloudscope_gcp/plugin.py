"""The cloudscope-gcp plugin's entry point module: light, it imports no SDK."""

from __future__ import annotations

from typing import Final

CLOUDSCOPE_API: Final = ">=1.0,<2"
