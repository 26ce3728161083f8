"""Shared test configuration. Fixtures for plugin authors live in cloudscope.testing."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, settings

# Property tests judge behaviour, not speed: on a shared, loaded machine a slow example is
# not a failure (performance is measured in bench/).
settings.register_profile("cloudscope", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("cloudscope")


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
