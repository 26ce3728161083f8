"""Shared test configuration. Fixtures for plugin authors live in cloudscope.testing."""

from __future__ import annotations

from typing import Any


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The hostile-input suite's figures: cases run and cases held (README, reliability)."""
    cases = held = 0
    for outcome in ("passed", "failed", "error", "skipped"):
        for report in terminalreporter.stats.get(outcome, []):
            if getattr(report, "when", "call") != "call" and outcome != "error":
                continue
            if "hostile/" not in getattr(report, "nodeid", ""):
                continue
            cases += 1
            held += outcome == "passed"
    if cases:
        terminalreporter.write_line(f"hostile-input suite: {cases} cases, {held} held")
