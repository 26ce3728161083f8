"""The house: dependencies point inward, no import cycle, modules small enough to read.

Read from the source with ``ast`` (imports under ``if TYPE_CHECKING:`` excluded; imports
inside functions included, since they run too). Each layer of ``cloudscope`` may import
only the layers listed in :data:`ALLOWED`; plugins import only ``cloudscope.api``.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Final

import pytest

ROOT: Final = Path(__file__).resolve().parents[2]
CORE: Final = ROOT / "cloudscope-core" / "src"
PLUGINS: Final = sorted(path for path in (ROOT / "plugins").glob("*/src") if path.is_dir())
EXAMPLES: Final = sorted(path for path in (ROOT / "examples").glob("*/src") if path.is_dir())
MAX_LINES: Final = 450

EVERY_LAYER: Final = frozenset({"", "api", "domain", "ports", "host", "application", "adapters",
                                "infrastructure", "service", "cli", "testing"})
ALLOWED: Final[Mapping[str, frozenset[str]]] = {
    # "" is the package itself (``cloudscope.__version__``).
    "": EVERY_LAYER,
    "__main__": EVERY_LAYER,
    "domain": frozenset({"domain"}),
    "ports": frozenset({"domain", "ports"}),
    "host": frozenset({"", "domain", "ports", "host"}),
    "application": frozenset({"domain", "ports", "application"}),
    "adapters": frozenset({"domain", "ports", "adapters"}),
    "infrastructure": frozenset({"domain", "ports", "infrastructure"}),
    # The HTTP API (``serve``): an outer ring like the CLI, over the use cases, with the
    # infrastructure's config, metrics and tracing; it never sees the host or an adapter:
    # the CLI composes it and hands it the store and the exporters.
    "service": frozenset({"", "domain", "ports", "application", "infrastructure", "service"}),
    # The public facade re-exports the domain and the ports; host names are lazy strings.
    "api": frozenset({"domain", "ports"}),
    # The composition root: the built-ins reach the host through the core's entry point.
    "cli": EVERY_LAYER - {"adapters", "testing"},
    # The fixtures and contract suites for plugin authors compose like the CLI does.
    "testing": EVERY_LAYER,
}


def module_files(source: Path, package: str) -> dict[str, Path]:
    """Dotted module name -> file, for every module of ``package`` under ``source``."""
    modules = {}
    for path in sorted((source / package).rglob("*.py")):
        parts = list(path.relative_to(source).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    hidden: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            hidden.update(id(child) for child in ast.walk(node))
    return hidden


def imported_names(module: str, path: Path) -> Iterator[str]:
    """Every module name ``module`` imports at run time (absolute, dotted)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    hidden = _type_checking_nodes(tree)
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):
        if id(node) in hidden:
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[:len(base) - node.level + (1 if is_package else 0)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            yield target
            yield from (f"{target}.{alias.name}" for alias in node.names)


def import_graph(modules: Mapping[str, Path]) -> dict[str, set[str]]:
    """Module -> the modules of the same tree it imports."""
    return {name: {target for target in imported_names(name, path)
                   if target in modules and target != name}
            for name, path in modules.items()}


def layer_of(module: str) -> str:
    """``cloudscope.host.registry`` -> ``host``; ``cloudscope.api`` -> ``api``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def layer_violations(graph: Mapping[str, set[str]]) -> list[str]:
    """``a -> b`` for every import that crosses into a layer ``a``'s layer may not use."""
    return sorted(f"{source} -> {target}" for source, targets in graph.items()
                  for target in targets
                  if layer_of(target) not in ALLOWED[layer_of(source)])


def import_cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(max(previous, 10_000))
    try:
        for node in sorted(graph):
            if node not in index:
                visit(node)
    finally:
        sys.setrecursionlimit(previous)
    return cycles


def plugin_packages() -> list[tuple[Path, str]]:
    return [(source, package.name) for source in [*PLUGINS, *EXAMPLES]
            for package in source.iterdir() if (package / "__init__.py").is_file()]


def core_imports(modules: Mapping[str, Path], allowed: tuple[str, ...]) -> list[str]:
    """``module -> target`` for each import of the core outside the ``allowed`` modules."""
    return sorted(
        f"{name} -> {target}" for name, path in modules.items()
        for target in imported_names(name, path)
        if target.split(".")[0] == "cloudscope" and target != "cloudscope"
        and not any(target == module or target.startswith(module + ".") for module in allowed))


def test_generated_plugins_use_only_the_public_api_and_the_testing_helpers(
        tmp_path: Path) -> None:
    """`cloudscope plugin new`: its package imports cloudscope.api only, its tests
    cloudscope.api and cloudscope.testing only; the example's tests too."""
    from cloudscope.cli.plugin_command import render

    for relative, content in render("acme").items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(content, encoding="utf-8")
    package = module_files(tmp_path / "src", "cloudscope_acme")
    assert len(package) == 5
    assert core_imports(package, ("cloudscope.api",)) == []
    assert import_cycles(import_graph(package)) == []
    for tests in (tmp_path / "tests", *(source.parent / "tests" for source in EXAMPLES)):
        modules = {path.stem: path for path in tests.glob("*.py")}
        assert modules, tests
        assert core_imports(modules, ("cloudscope.api", "cloudscope.testing")) == []


@pytest.fixture(scope="module")
def core_graph() -> dict[str, set[str]]:
    return import_graph(module_files(CORE, "cloudscope"))


def test_every_layer_imports_only_the_layers_inside_it(core_graph: dict[str, set[str]]) -> None:
    """domain: none; ports: domain; host, application, adapters, infrastructure: not each other."""
    assert layer_violations(core_graph) == []


def test_the_core_has_no_import_cycle(core_graph: dict[str, set[str]]) -> None:
    """No module of the core imports, directly or not, a module that imports it."""
    assert import_cycles(core_graph) == []


@pytest.mark.parametrize(("source", "package"), plugin_packages(),
                         ids=[package for _, package in plugin_packages()])
def test_plugins_use_only_the_public_api_and_have_no_cycle(source: Path, package: str) -> None:
    """A plugin imports ``cloudscope.api`` and nothing else of the core; no cycle inside it."""
    modules = module_files(source, package)
    assert core_imports(modules, ("cloudscope.api",)) == []
    assert import_cycles(import_graph(modules)) == []


def test_no_module_is_longer_than_one_sitting() -> None:
    """Every module of the core and the plugins has at most 450 lines."""
    sources = [CORE, *PLUGINS, *EXAMPLES]
    long = sorted(f"{path.relative_to(ROOT)}: {count}" for source in sources
                  for path in source.rglob("*.py")
                  if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES)
    assert long == []


def test_the_checks_see_a_wrong_arrow_and_a_cycle(tmp_path: Path) -> None:
    """The checker itself: a domain module importing the host, and a two-module cycle."""
    package = tmp_path / "cloudscope"
    for folder in ("domain", "host"):
        (package / folder).mkdir(parents=True)
        (package / folder / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "domain" / "a.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import cloudscope.host.c\n"
        "def f():\n    from cloudscope.host import b\n")
    (package / "host" / "b.py").write_text("from cloudscope.domain import a\n")
    graph = import_graph(module_files(tmp_path, "cloudscope"))
    assert layer_violations(graph) == ["cloudscope.domain.a -> cloudscope.host",
                                       "cloudscope.domain.a -> cloudscope.host.b"]
    assert import_cycles(graph) == [["cloudscope.domain.a", "cloudscope.host.b"]]
