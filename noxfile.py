"""Developer sessions: `nox` runs the tests; `nox -s demo` runs the main job end to end.

Sessions: tests (default), lint, typecheck, demo, bench, and one `plugin-<name>` session per
plugin that installs the core with that plugin alone and runs its tests.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["tests"]
nox.options.reuse_existing_virtualenvs = True

ROOT = Path(__file__).parent
CORE = "./cloudscope-core"
PLUGINS = {
    "aws": "./plugins/cloudscope-aws",
    "azure": "./plugins/cloudscope-azure",
    "gcp": "./plugins/cloudscope-gcp",
    "exporters": "./plugins/cloudscope-exporters",
}
TEST_REQUIREMENTS = [
    "pytest>=8", "hypothesis>=6.100", "moto[server]>=5.1,<6", "trustme>=1.1",
    "networkx>=3.2", "psycopg[binary]>=3.2", "psycopg-pool>=3.2", "cryptography>=42",
    "requests>=2.31", "httpx>=0.27",
    # SARIF checked against the OASIS schema; OCSF against py-ocsf-models; the Cypher
    # export loaded into an embedded graph database.
    "jsonschema>=4.20", "py-ocsf-models>=0.10", "kuzu>=0.11",
    # tests/core/test_plugin_new.py type-checks and lints what `cloudscope plugin new` writes;
    # tests/core/test_install.py installs cloudscope with uv tool and pipx.
    "mypy>=1.11", "ruff>=0.6", "uv>=0.4", "pipx>=1.5",
]
# The extras every session but the plugin-alone ones installs: the PostgreSQL store,
# `cloudscope serve` and OpenTelemetry (their tests run; mypy checks their code).
CORE_EXTRAS = "[postgresql,serve,otel]"


def use_bytecode_cache(session: nox.Session) -> None:
    """Let Python keep compiled modules. Some machines set PYTHONDONTWRITEBYTECODE, which
    makes every `cloudscope` subprocess of the tests compile pydantic and the SDKs again
    (seconds each); a private cache under .nox keeps the source tree clean."""
    session.env["PYTHONDONTWRITEBYTECODE"] = ""
    session.env["PYTHONPYCACHEPREFIX"] = str(ROOT / ".nox" / "pycache")
    session.env["UV_COMPILE_BYTECODE"] = "1"


def install_all(session: nox.Session) -> None:
    use_bytecode_cache(session)
    session.install("-e", CORE + CORE_EXTRAS, *(f"-e{path}" for path in PLUGINS.values()))


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite, every package installed together."""
    install_all(session)
    session.install(*TEST_REQUIREMENTS)
    session.run("pytest", *(session.posargs or ["tests"]))


@nox.session
def lint(session: nox.Session) -> None:
    """ruff over every package, the tests and the benchmarks."""
    session.install("ruff>=0.6")
    session.run("ruff", "check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy: strict for cloudscope-core, the default checks for the plugins."""
    install_all(session)
    session.install("mypy>=1.11", "types-PyYAML")
    session.run("mypy", "--strict", "cloudscope-core/src/cloudscope")
    session.run("mypy", *(f"{path}/src" for path in PLUGINS.values()))


@nox.session
def demo(session: nox.Session) -> None:
    """Collect the sample estate into SQLite, list, show, assess and export it."""
    install_all(session)
    out = ROOT / "out"
    out.mkdir(exist_ok=True)
    db = f"sqlite:///{os.path.relpath(out / 'demo.db')}"
    for name in ("demo.db", "demo.db-wal", "demo.db-shm"):
        (out / name).unlink(missing_ok=True)
    session.run("cloudscope", "plugins")
    session.run("cloudscope", "collect", "file", "examples/estate/estate.json", "--db", db)
    session.run("cloudscope", "assess", "--db", db)
    session.run("cloudscope", "assets", "list", "--db", db, "--provider", "aws", "--limit", "10")
    session.run("cloudscope", "assets", "show", "--db", db,
                "arn:aws:ec2:us-east-1:111122223333:instance/i-0a1b2c3d4e5f60001")
    exports = os.path.relpath(out)
    # Every export format into out/: the CSV with its data dictionary and split to fit
    # an 8,000-token budget, and the graphs (rendered to SVG when Graphviz is installed).
    session.run("cloudscope", "export", "csv", "--db", db, "--output", f"{exports}/estate.csv",
                "--dictionary", f"{exports}/estate-dictionary.md")
    session.run("cloudscope", "export", "csv", "--db", db, "--max-tokens", "8000",
                "--output", f"{exports}/estate-llm.csv")
    for format_name in ("json", "jsonl", "graphml", "dot"):
        session.run("cloudscope", "export", format_name, "--db", db,
                    "--output", f"{exports}/estate.{format_name}")
    session.run("cloudscope", "export", "dot", "--db", db, "--around",
                "arn:aws:ec2:us-east-1:111122223333:vpc/vpc-00001aa11bb22cc3", "--depth", "2",
                "--output", f"{exports}/prod-vpc.dot")
    if shutil.which("dot"):
        for name in ("estate", "prod-vpc"):
            session.run("dot", "-Tsvg", f"{exports}/{name}.dot", "-o", f"{exports}/{name}.svg",
                        external=True)


@nox.session
def bench(session: nox.Session) -> None:
    """Every benchmark in bench/, each printing ratios to a baseline measured in the same run."""
    install_all(session)
    session.install(*TEST_REQUIREMENTS)
    session.install("-r", str(ROOT / "bench" / "requirements.txt"))
    scripts = session.posargs or sorted(str(p) for p in (ROOT / "bench").glob("*.py")
                                        if not p.name.startswith("_"))
    for script in scripts:
        session.run("python", script)


def _plugin_session(name: str, path: str) -> None:
    @nox.session(name=f"plugin-{name}")
    def plugin(session: nox.Session) -> None:
        """The core with this plugin alone: it installs, loads, and its tests pass."""
        use_bytecode_cache(session)
        session.install("-e", CORE, "-e", path)
        session.install(*TEST_REQUIREMENTS)
        session.run("cloudscope", "plugins")
        tests_dir = ROOT / "tests" / name
        if tests_dir.is_dir():
            session.run("pytest", str(tests_dir))


for _name, _path in PLUGINS.items():
    _plugin_session(_name, _path)
