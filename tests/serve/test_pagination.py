"""Cursor pages while a collection writes: no asset repeated, none skipped."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cloudscope.application.storage import open_repository
from cloudscope.cli.main import main
from cloudscope.domain.query import AssetQuery
from cloudscope.host.plugin_host import PluginHost
from cloudscope.testing.plugin import FakeDistribution
from serve_fixtures import RunningService

ORIGINAL = 1500
WRITTEN = 15000
WRITER_BATCH = 100

# The writer: a collector that pauses 20 ms after each batch it yields, so that its
# collection lasts at least 3 s however fast the store writes, and the page walk (a
# fraction of that) always runs while it writes. `collect file` alone became fast enough to
# finish between the first write and the walk.
TRICKLE_PLUGIN = f"""
import time
from cloudscope.api import hookimpl, Collector, ScopeKey, Asset
CLOUDSCOPE_API = ">=1.0,<2"

class Trickle(Collector):
    def plan(self):
        return [ScopeKey(provider="trickle", account="acct", service="demo")]
    def collect(self, scope):
        for count, index in enumerate(range(0, {WRITTEN} * 3, 3), start=1):
            yield Asset(id=f"asset-{{index:05d}}-b", provider="trickle",
                        asset_type="trickle:demo:thing")
            if count % {WRITER_BATCH} == 0:
                time.sleep(0.02)

@hookimpl
def cloudscope_register_collectors(register):
    register("trickle", Trickle)
"""


def write_assets(path: Path, suffix: str, indexes: range) -> None:
    """A JSON Lines file of assets whose ids interleave with the other file's in the
    listing order: ``asset-00001-a`` < ``asset-00001-b`` < ``asset-00002-a``."""
    with path.open("w", encoding="utf-8") as out:
        for index in indexes:
            out.write(json.dumps({"id": f"asset-{index:05d}-{suffix}", "provider": "file",
                                  "asset_type": "file:demo:thing",
                                  "account": "acct" if index % 7 else None}) + "\n")


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty store of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'pages.db'}"
        return
    from postgres_databases import create_database, drop_database, server_url

    server = server_url()
    url = create_database(server)
    yield url
    drop_database(server, url)


def count(url: str) -> int:
    """How many live assets the store holds now."""
    with open_repository(PluginHost.from_environment(), url) as repository:
        return repository.count_assets(AssetQuery())


@pytest.mark.slow
def test_pages_neither_repeat_nor_skip_while_a_collection_writes(
        start_service: Callable[..., RunningService], fresh_store: str, tmp_path: Path,
        fake_distribution: Callable[..., FakeDistribution]) -> None:
    """Walking /v1/assets 20 at a time while ``cloudscope collect`` (another process)
    inserts assets before and after the cursor: every asset present from the start is
    read exactly once, and no asset twice."""
    original = tmp_path / "original.jsonl"
    write_assets(original, "a", range(ORIGINAL))
    assert main(["collect", "file", str(original), "--db", fresh_store, "--format", "json"]) == 0
    service = start_service(fresh_store, auth={"mode": "none"})
    trickle = fake_distribution("cloudscope-trickle", entry_points={"trickle": "trickle_plugin"},
                                modules={"trickle_plugin": TRICKLE_PLUGIN})
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    environment["PYTHONPATH"] = os.pathsep.join(
        [str(trickle.path), *filter(None, [environment.get("PYTHONPATH")])])
    writer = subprocess.Popen(
        [sys.executable, "-m", "cloudscope", "collect", "trickle", "--db", fresh_store,
         "--batch-size", str(WRITER_BATCH), "--format", "json"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
        env=environment)
    try:
        deadline = time.monotonic() + 60
        while (before := count(fresh_store)) == ORIGINAL:  # the writer has started writing
            assert writer.poll() is None and time.monotonic() < deadline, writer.stderr
            time.sleep(0.05)
        client = service.client()
        read: list[str] = []
        cursor = None
        while True:
            params = {"limit": "20", **({"cursor": cursor} if cursor else {})}
            body = client.get("/v1/assets", params=params).json()
            read += [asset["id"] for asset in body["items"]]
            if (cursor := body["next_cursor"]) is None:
                break
            time.sleep(0.002)
        after = count(fresh_store)
        assert writer.wait(timeout=120) == 0, writer.stderr
    finally:
        if writer.poll() is None:
            writer.kill()
    assert after > before, "the collection wrote while the pages were read"
    assert len(read) == len(set(read)), "an asset was read twice"
    assert {f"asset-{i:05d}-a" for i in range(ORIGINAL)} <= set(read), "an asset was skipped"
    assert len(read) > ORIGINAL
