"""The redaction corpus: every planted secret is removed, every harmless look-alike kept."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest
from cloudscope.domain.redaction import REDACTED, redact

# A plain module beside the tests; with --import-mode=importlib its directory is not on
# sys.path by itself.
sys.path.insert(0, str(Path(__file__).parent))
from redaction_corpus import HARMLESS, PLANTED, visible

DOCS = Path(__file__).parents[2] / "docs" / "exporters.md"


def test_the_corpus_has_at_least_60_secrets_and_60_look_alikes() -> None:
    """The corpus is large enough to measure both leaks and false positives."""
    assert len(PLANTED) >= 60 and len(HARMLESS) >= 60
    labels = [case[0] for case in (*PLANTED, *HARMLESS)]
    assert len(labels) == len(set(labels))


def test_the_docs_quote_the_corpus_counts() -> None:
    """docs/exporters.md states the corpus's current counts."""
    text = DOCS.read_text(encoding="utf-8")
    assert re.search(rf"\b{len(PLANTED)} planted secrets\b", text)
    assert re.search(rf"\b{len(HARMLESS)} harmless look-alikes\b", text)


@pytest.mark.parametrize(("value", "secret"), [case[1:] for case in PLANTED],
                         ids=[case[0] for case in PLANTED])
def test_planted_secret_does_not_survive(value: Any, secret: str) -> None:
    """No planted secret survives redaction, not even re-encoded in base64."""
    redacted = redact(value)
    assert secret not in visible(redacted)
    assert REDACTED in visible(redacted)


@pytest.mark.parametrize("value", [case[1] for case in HARMLESS],
                         ids=[case[0] for case in HARMLESS])
def test_harmless_look_alike_is_unchanged(value: Any) -> None:
    """A value that names or resembles a secret without being one is kept exactly."""
    assert redact(value) == value


@pytest.mark.parametrize("value", [case[1] for case in (*PLANTED, *HARMLESS)],
                         ids=[case[0] for case in (*PLANTED, *HARMLESS)])
def test_redaction_is_idempotent(value: Any) -> None:
    """Redacting a redacted value changes nothing (exports of exports, logs of errors)."""
    once = redact(value)
    assert redact(once) == once
