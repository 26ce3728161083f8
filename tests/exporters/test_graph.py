"""GraphML and DOT: graphs that load in NetworkX and render with Graphviz, and their filters."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from xml.etree import ElementTree

import networkx
import pytest
from cloudscope.api import NotFoundError, UsageError
from cloudscope.testing.exporter_contract import ACCOUNT_A, ACCOUNT_B, Estate

VPC = f"arn:aws:ec2:us-east-1:{ACCOUNT_A}:vpc/vpc-0prod"
WEB_1 = f"arn:aws:ec2:us-east-1:{ACCOUNT_A}:instance/i-0web1"


@pytest.fixture(scope="session")
def dot_command() -> str:
    """Graphviz's `dot`; in CI (CLOUDSCOPE_CI set) its absence is a failure, not a skip."""
    found = shutil.which("dot")
    if found is None:
        if os.environ.get("CLOUDSCOPE_CI"):
            pytest.fail("Graphviz `dot` is missing in CI: .ci/run installs it")
        pytest.skip("Graphviz `dot` is not installed here (apt-get install graphviz); "
                    "CI installs it and runs this test")
    return found


def graph_of(files: list[Path]) -> networkx.DiGraph:
    (path,) = files
    return networkx.read_graphml(path)


def test_graphml_loads_in_networkx_with_labelled_nodes_and_typed_edges(export,
                                                                       estate: Estate) -> None:
    """Nodes carry label (type and name) and attributes; edges carry the relationship type."""
    graph = graph_of(export("graphml", output="estate.graphml"))
    assert graph.is_directed()
    assert set(graph.nodes) == set(estate.ids())
    web = graph.nodes[WEB_1]
    assert web["label"] == "aws:ec2:instance\nweb-1"
    assert (web["asset_type"], web["account"], web["max_severity"]) == (
        "aws:ec2:instance", ACCOUNT_A, "high")
    subnet = f"arn:aws:ec2:us-east-1:{ACCOUNT_A}:subnet/subnet-0app"
    assert graph.edges[WEB_1, subnet]["type"] == "IN_SUBNET"


def test_graph_edges_join_only_drawn_nodes(export, estate: Estate) -> None:
    """Edges to assets outside the selection (or not stored) are not drawn."""
    graph = graph_of(export("graphml", output="estate.graphml"))
    stored = [r for r in estate.relationships if r.target_id in estate.assets]
    assert graph.number_of_edges() == len(stored)


def test_dot_renders_with_graphviz(export, dot_command: str, tmp_path: Path) -> None:
    """`dot -Tsvg` renders the export; the SVG shows node names and relationship types."""
    (path,) = export("dot", output="estate.dot")
    svg = subprocess.run([dot_command, "-Tsvg", str(path)], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    root = ElementTree.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = {element.text for element in root.iter("{http://www.w3.org/2000/svg}text")}
    assert {"web-1", "prod-vpc", "IN_SUBNET", f"aws {ACCOUNT_B}", "aws:ec2:instance"} <= texts


def test_dot_quotes_names_that_would_break_the_syntax(export) -> None:
    """Quotes in names are escaped, so a name cannot end its string."""
    text = export("dot")
    assert 'HYPERLINK(\\"http://evil.example\\",\\"click\\")' in text


def test_around_draws_the_neighbourhood_of_an_asset(export) -> None:
    """--around ID --depth 1 draws the asset and the assets one relationship away."""
    graph = graph_of(export("graphml", "--around", VPC, "--depth", "1", output="vpc.graphml"))
    names = {graph.nodes[node]["name"] for node in graph.nodes}
    assert names == {"prod-vpc", "app-subnet", "db-subnet", "web-sg", "db-sg"}


def test_around_depth_follows_relationships_either_way(export) -> None:
    """Depth 2 from the VPC reaches the instances and database inside its subnets."""
    graph = graph_of(export("graphml", "--around", VPC, "--depth", "2", output="vpc.graphml"))
    names = {graph.nodes[node]["name"] for node in graph.nodes}
    assert {"web-1", "orders-db"} <= names
    assert "batch-1" not in names


def test_around_is_combined_with_the_filters(export) -> None:
    """Filters still apply inside the neighbourhood."""
    graph = graph_of(export("graphml", "--around", VPC, "--depth", "2", "--type",
                            "aws:ec2:instance", output="vpc.graphml"))
    assert {graph.nodes[node]["name"] for node in graph.nodes} == {
        "web-1", '=HYPERLINK("http://evil.example","click")'}


def test_around_an_unknown_asset_is_a_not_found_error(export) -> None:
    """--around an id that is not stored is refused, naming the id."""
    with pytest.raises(NotFoundError, match="no-such-asset"):
        export("dot", "--around", "no-such-asset")


def test_depth_without_around_is_a_usage_error(export) -> None:
    """--depth means nothing without --around."""
    with pytest.raises(UsageError, match="--depth needs --around"):
        export("dot", "--depth", "2")


@pytest.mark.parametrize("format_name", ["dot", "graphml"])
def test_a_graph_over_max_nodes_is_refused_before_writing(export, format_name: str,
                                                          tmp_path: Path) -> None:
    """More nodes than --max-nodes is a usage error, and no file is written."""
    with pytest.raises(UsageError, match="more than --max-nodes 3"):
        export(format_name, "--max-nodes", "3", output=f"big.{format_name}")
    assert list(tmp_path.glob("*big*")) == []


def test_around_reaching_more_than_max_nodes_is_refused(export) -> None:
    """The neighbourhood search stops with an error once it passes --max-nodes."""
    with pytest.raises(UsageError, match="reaches more than 3 assets"):
        export("dot", "--around", VPC, "--depth", "3", "--max-nodes", "3")
