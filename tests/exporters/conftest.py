"""Fixtures for the exporter tests: the sample estate in SQLite, and running an export."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cloudscope.adapters.sqlite_repository import SQLiteRepository
from cloudscope.application.export import (
    FileTarget,
    RepositorySource,
    StreamTarget,
    run_export,
)
from cloudscope.cli.assets_command import query_from
from cloudscope.cli.export_command import format_options, format_parser
from cloudscope.host.plugin_host import PluginHost
from cloudscope.testing.exporter_contract import Estate, sample_estate, write_estate


@pytest.fixture(scope="session")
def exporter_classes() -> dict[str, Any]:
    """The registered exporter classes, by format name, resolved as the CLI resolves them."""
    host = PluginHost.from_environment()
    return {name: host.exporters.get(name).resolve() for name in host.exporters.names()}


@pytest.fixture
def estate() -> Estate:
    """The sample estate of the contract suite."""
    return sample_estate()


@pytest.fixture
def estate_url(sqlite_url: str, estate: Estate) -> str:
    """A SQLite store holding the sample estate."""
    with SQLiteRepository(sqlite_url) as repository:
        write_estate(repository, estate)
    return sqlite_url


@pytest.fixture
def store(estate_url: str) -> Iterator[SQLiteRepository]:
    """The estate's store, open."""
    with SQLiteRepository(estate_url) as repository:
        yield repository


@pytest.fixture
def export(store: SQLiteRepository, exporter_classes: dict[str, Any],
           tmp_path: Path) -> Callable[..., list[Path] | str]:
    """``export("csv", "--columns", "id,name", output="x.csv")``: run an export in process
    with the command line's parsing; return the files written, or the text for stdout."""

    def run(format_name: str, *arguments: str, output: str | None = None) -> list[Path] | str:
        exporter_class = exporter_classes[format_name]
        parsed = format_parser(format_name, exporter_class).parse_args(list(arguments))
        source = RepositorySource(store, query_from(parsed))
        if output is None:
            stream = io.StringIO()
            run_export(exporter_class(), source, StreamTarget(stream), format_options(parsed))
            return stream.getvalue()
        summary = run_export(exporter_class(), source, FileTarget(tmp_path / output),
                             format_options(parsed))
        return [Path(name) for name in summary.files]

    return run
