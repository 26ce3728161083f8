"""`cloudscope export cypher`: the Kùzu dialect loaded into an embedded Kùzu database and
the graph queried back; the Neo4j and Memgraph dialects' statements checked."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cloudscope.adapters.sqlite_repository import SQLiteRepository
from cloudscope.api import Asset, CollectionRun, Relationship, ScopeKey, utc_now
from cloudscope.testing.exporter_contract import Estate

kuzu = pytest.importorskip("kuzu", reason="the Kùzu dialect is loaded into kuzu (TEST_REQUIREMENTS)")

HOSTILE = 'quote " back\\slash\nnew line; "}) DETACH DELETE a // \u2028 tab\t'


def statements(script: str) -> list[str]:
    """The Neo4j script's statements: each ends with `;` at the end of a line (its strings
    hold no raw newline: they are escaped)."""
    return [part + ";" for part in script.split(";\n") if part.strip()]


@pytest.fixture
def load_kuzu(tmp_path: Path) -> Callable[[str], Any]:
    """Load a script into a fresh embedded Kùzu database; return a query function."""

    def load(script: str) -> Callable[..., list[list[Any]]]:
        database = kuzu.Database(str(tmp_path / "graph"))
        connection = kuzu.Connection(database)
        connection.execute(script)  # the whole script, as the kuzu shell would run it

        def query(text: str, **parameters: Any) -> list[list[Any]]:
            result = connection.execute(text, parameters)
            rows = []
            while result.has_next():
                rows.append(result.get_next())
            return rows

        return query

    return load


def read(path: list[Path] | str) -> str:
    assert isinstance(path, list)
    return path[0].read_text(encoding="utf-8")


def live_edges(estate: Estate) -> set[tuple[str, str, str]]:
    """The estate's relationships whose two ends are stored assets."""
    return {(r.source_id, r.type, r.target_id) for r in estate.relationships
            if r.source_id in estate.assets and r.target_id in estate.assets}


def test_kuzu_dialect_loads_and_the_graph_reads_back(export: Callable[..., Any], estate: Estate,
                                                    load_kuzu: Callable[[str], Any]) -> None:
    """Every asset is an Asset node with its fields; every edge between exported assets is
    a relationship of its own type; properties and tags read back."""
    query = load_kuzu(read(export("cypher", "--dialect", "kuzu", "--batch-size", "3",
                                  output="graph.cypher")))
    assert sorted(row[0] for row in query("MATCH (a:Asset) RETURN a.id")) == sorted(estate.assets)
    edges = {tuple(row) for row in query(
        "MATCH (s:Asset)-[r]->(t:Asset) RETURN s.id, label(r), t.id")}
    assert edges == live_edges(estate)
    web = next(a for a in estate.assets.values() if a.name == "web-1")
    [[asset_type, tags, properties, findings]] = query(
        "MATCH (a:Asset) WHERE a.id = $id RETURN a.asset_type, a.tags, a.properties, a.findings",
        id=web.id)
    assert asset_type == "aws:ec2:instance"
    assert "env=prod" in tags
    assert json.loads(properties)["InstanceType"] == "t3.micro"
    assert all(re.match(r"^(critical|high|medium|low|info):", f) for f in findings)


def test_kuzu_path_query_follows_the_vocabulary(export: Callable[..., Any], estate: Estate,
                                                load_kuzu: Callable[[str], Any]) -> None:
    """A two-hop query (instance -IN_SUBNET-> subnet <-IN_SUBNET- other instance) works."""
    query = load_kuzu(read(export("cypher", "--dialect", "kuzu", output="graph.cypher")))
    pairs = query("MATCH (a:Asset)-[:IN_SUBNET]->(s:Asset)<-[:IN_SUBNET]-(b:Asset) "
                  "WHERE a.id < b.id RETURN s.name, count(*)")
    assert pairs == [["app-subnet", 1]]


def test_loading_twice_changes_nothing(export: Callable[..., Any], estate: Estate,
                                       load_kuzu: Callable[[str], Any], tmp_path: Path) -> None:
    """MERGE makes the script idempotent: loaded twice, the graph is the same."""
    script = read(export("cypher", "--dialect", "kuzu", output="graph.cypher"))
    query = load_kuzu(script + script)
    assert query("MATCH (a:Asset) RETURN count(*)") == [[len(estate.assets)]]
    assert query("MATCH ()-[r]->() RETURN count(*)") == [[len(live_edges(estate))]]


def test_hostile_text_is_data_not_cypher(sqlite_url: str, exporter_classes: Any,
                                         load_kuzu: Callable[[str], Any]) -> None:
    """Quotes, backslashes, newlines and Cypher in a name or relationship property read back
    exactly; they never end a string or a statement."""
    import io

    from cloudscope.api import AssetQuery
    from cloudscope.application.export import RepositorySource, StreamTarget, run_export

    scope = ScopeKey(provider="file", account="/hostile.json")
    with SQLiteRepository(sqlite_url) as repository:
        run = CollectionRun(run_id="r1", collector="file", started_at=utc_now())
        repository.start_run(run)
        repository.start_scope(scope, "r1", utc_now())
        repository.write_batch(scope, "r1", [
            Asset(id="a", provider="x", asset_type="x:y:z", name=HOSTILE),
            Asset(id='b"', provider="x", asset_type="x:y:z", name="b")],
            [Relationship(source_id="a", type="CONTAINS", target_id='b"',
                          properties={"note": HOSTILE})], utc_now())
        stream = io.StringIO()
        run_export(exporter_classes["cypher"](), RepositorySource(repository, AssetQuery()),
                   StreamTarget(stream), {"dialect": "kuzu"})
    query = load_kuzu(stream.getvalue())
    assert query("MATCH (a:Asset) WHERE a.id = 'a' RETURN a.name") == [[HOSTILE]]
    [[properties]] = query("MATCH (:Asset)-[r:CONTAINS]->(:Asset) RETURN r.properties")
    assert json.loads(properties) == {"note": HOSTILE}


def test_neo4j_strings_escape_every_control_character() -> None:
    """In the Neo4j dialect a string literal is one line: quotes, backslashes and control
    characters escaped as Cypher reads them."""
    from cloudscope_exporters.cypher_exporter import literal

    assert literal(HOSTILE) == ('"quote \\" back\\\\slash\\nnew line; \\"}) DETACH DELETE a '
                                '// \\u2028 tab\\t"')
    assert literal(["a", None, True, 3]) == '["a", null, true, 3]'


def test_neo4j_dialect_statements(export: Callable[..., Any], estate: Estate) -> None:
    """Neo4j 5: a uniqueness constraint first, node batches of at most --batch-size rows
    merged on id, then one MERGE statement per relationship type, types in backquotes."""
    parts = statements(read(export("cypher", "--batch-size", "4", output="graph.cypher")))
    assert parts[0] == ("CREATE CONSTRAINT cloudscope_asset_id IF NOT EXISTS FOR (a:Asset) "
                        "REQUIRE a.id IS UNIQUE;")
    nodes = [p for p in parts if "MERGE (a:Asset {id: row.id})" in p]
    edges = [p for p in parts if "MERGE (s)-[r:" in p]
    assert len(nodes) + len(edges) == len(parts) - 1
    assert all(p.startswith("UNWIND [\n") and "] AS row\n" in p for p in nodes + edges)
    assert all(p.count("\n  {") <= 4 for p in nodes + edges)
    ids = [json.loads(f'"{m}"') for p in nodes
           for m in re.findall(r'\{id: "((?:[^"\\]|\\.)*)", provider', p)]
    assert sorted(ids) == sorted(estate.assets) and len(ids) == len(set(ids))
    types = {re.search(r"-\[r:`([A-Z_]+)`\]->", p).group(1) for p in edges}
    assert types == {r.type for r in estate.relationships}
    assert all("MATCH (s:Asset {id: row.source}), (t:Asset {id: row.target})" in p for p in edges)
    assert all(p.index("MERGE (a:Asset") < len(p) for p in nodes)
    assert parts.index(edges[0]) > parts.index(nodes[-1])  # every node before any edge


def test_memgraph_dialect_creates_an_index(export: Callable[..., Any]) -> None:
    """Memgraph: the script starts with an index on :Asset(id), then the same MERGE batches."""
    script = read(export("cypher", "--dialect", "memgraph", output="graph.cypher"))
    assert script.startswith("CREATE INDEX ON :Asset(id);\nUNWIND [\n")


def test_batch_size_must_be_positive(export: Callable[..., Any]) -> None:
    """--batch-size 0 is a usage error of the format."""
    with pytest.raises(SystemExit):
        export("cypher", "--batch-size", "0", output="graph.cypher")
