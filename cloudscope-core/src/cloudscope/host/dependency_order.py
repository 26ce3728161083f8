"""Ordering plugins by ``CLOUDSCOPE_REQUIRES``: dependencies first, cycles and gaps rejected."""

from __future__ import annotations

from collections.abc import Mapping

from cloudscope.host.plugin_report import PluginReport, PluginStatus


def order_by_requirements(accepted: list[PluginReport],
                          known: Mapping[str, PluginReport]) -> list[PluginReport]:
    """The plugins whose required plugins are usable, dependencies first; reject the rest.

    ``known`` holds every discovered plugin, so that a reason can say why a required one is
    unusable (disabled, failed...) rather than only that it is missing.
    """
    by_name = {report.name: report for report in accepted}
    ordered: list[PluginReport] = []
    state: dict[str, str] = {}  # "visiting" or "done"

    def visit(report: PluginReport, path: list[str]) -> bool:
        if state.get(report.name) == "done":
            return report.status is PluginStatus.LOADED
        if state.get(report.name) == "visiting":
            cycle = " -> ".join([*path[path.index(report.name):], report.name])
            for member in path[path.index(report.name):]:
                by_name[member].reject(PluginStatus.MISSING_DEPENDENCY,
                                       f"CLOUDSCOPE_REQUIRES has a cycle: {cycle}")
            return False
        state[report.name] = "visiting"
        for needed in report.requires:
            dependency = by_name.get(needed)
            if dependency is None:
                other = known.get(needed)
                why = f"is {other.status.value}" if other else "is not installed"
                report.reject(PluginStatus.MISSING_DEPENDENCY,
                              f"requires plugin {needed!r}, which {why}")
            elif not visit(dependency, [*path, report.name]) and \
                    report.status is PluginStatus.LOADED:
                report.reject(PluginStatus.MISSING_DEPENDENCY,
                              f"requires plugin {needed!r}, which is {dependency.status.value}")
        state[report.name] = "done"
        if report.status is PluginStatus.LOADED:
            ordered.append(report)
            return True
        return False

    for report in accepted:
        visit(report, [])
    return ordered


def unloaded_requirement(report: PluginReport, known: Mapping[str, PluginReport]) -> str | None:
    """Why a plugin added at run time cannot load: a required plugin that is not loaded."""
    for needed in report.requires:
        other = known.get(needed)
        if other is None or other.status is not PluginStatus.LOADED:
            why = f"is {other.status.value}" if other else "is not installed"
            return f"requires plugin {needed!r}, which {why}"
    return None
