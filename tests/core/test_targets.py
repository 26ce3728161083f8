"""Collection targets: `cloudscope collect` without a provider collects every target of the
configuration, one run each; each target takes its provider's options and the selection."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ESTATE = {
    "assets": [
        {"id": "vm-1", "provider": "demo", "asset_type": "demo:box:vm", "name": "one"},
        {"id": "disk-1", "provider": "demo", "asset_type": "demo:box:disk", "name": "two"},
    ],
    "relationships": [{"source_id": "disk-1", "type": "ATTACHED_TO", "target_id": "vm-1"}],
}
OTHER = [{"id": "vm-2", "provider": "demo", "asset_type": "demo:box:vm", "name": "three"}]


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """Two inventory files for the file collector."""
    estate, other = tmp_path / "estate.json", tmp_path / "other.json"
    estate.write_text(json.dumps(ESTATE), encoding="utf-8")
    other.write_text(json.dumps(OTHER), encoding="utf-8")
    return {"estate": estate, "other": other}


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> Callable[..., tuple[int, str, str]]:
    """Run the real CLI in this process with a config file of ``targets``:
    ``cli(targets, "collect", ...)`` -> (exit code, stdout, stderr)."""
    from cloudscope.cli.main import main

    monkeypatch.delenv("CLOUDSCOPE_DB", raising=False)
    monkeypatch.setenv("CLOUDSCOPE_LOAD_PLUGINS", "")

    def run(targets: list[dict[str, Any]] | None, *args: str) -> tuple[int, str, str]:
        config = tmp_path / "config.yaml"
        config.write_text(json.dumps({"targets": targets or []}), encoding="utf-8")
        capsys.readouterr()
        code = main(["--config", str(config), *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def stored(sqlite_url: str) -> dict[str, Any]:
    """Asset ids and relationship keys in the store."""
    from cloudscope.adapters.sqlite_repository import SQLiteRepository
    from cloudscope.api import AssetQuery

    with SQLiteRepository(sqlite_url) as repository:
        return {"assets": sorted(a.id for a in repository.iter_assets(AssetQuery())),
                "relationships": sorted(r.key for r in repository.iter_relationships())}


def test_collect_without_provider_runs_every_target_once(cli: Any, files: dict[str, Path],
                                                        sqlite_url: str) -> None:
    """Each target is one run with its own id; the summary lists them in config order."""
    targets = [{"name": "estate", "provider": "file", "paths": [str(files["estate"])]},
               {"name": "other", "provider": "file", "paths": str(files["other"])}]
    code, out, _ = cli(targets, "collect", "--db", sqlite_url, "--format", "json")
    assert code == 0
    summary = json.loads(out)
    assert [run["target"] for run in summary["runs"]] == ["estate", "other"]
    assert len({run["run_id"] for run in summary["runs"]}) == 2
    assert (summary["status"], summary["assets"]) == ("ok", 3)
    assert stored(sqlite_url)["assets"] == ["disk-1", "vm-1", "vm-2"]


def test_target_option_collects_only_the_named_target(cli: Any, files: dict[str, Path],
                                                      sqlite_url: str) -> None:
    """``--target NAME`` runs that target alone."""
    targets = [{"name": "estate", "provider": "file", "paths": [str(files["estate"])]},
               {"name": "other", "provider": "file", "paths": [str(files["other"])]}]
    code, out, _ = cli(targets, "collect", "--target", "other", "--db", sqlite_url)
    assert code == 0
    assert out.startswith("target other (file)\nrun ") and out.endswith("1 target: 1 ok\n")
    assert stored(sqlite_url)["assets"] == ["vm-2"]


def test_a_target_leaves_out_excluded_types_and_their_relationships(
        cli: Any, files: dict[str, Path], sqlite_url: str) -> None:
    """``types: {exclude: [...]}`` drops those assets and the edges that touch them."""
    targets = [{"name": "vms", "provider": "file", "paths": [str(files["estate"])],
                "types": {"exclude": ["demo:box:d*"]}}]
    assert cli(targets, "collect", "--db", sqlite_url)[0] == 0
    assert stored(sqlite_url) == {"assets": ["vm-1"], "relationships": []}


def test_a_type_include_list_keeps_only_matching_types(cli: Any, files: dict[str, Path],
                                                       sqlite_url: str) -> None:
    """A plain list under ``types`` is an include list; patterns ignore case."""
    targets = [{"name": "disks", "provider": "file", "paths": [str(files["estate"])],
                "types": ["DEMO:BOX:DISK"]}]
    assert cli(targets, "collect", "--db", sqlite_url)[0] == 0
    assert stored(sqlite_url)["assets"] == ["disk-1"]


def test_service_include_matching_no_planned_scope_names_the_services(
        cli: Any, files: dict[str, Path], sqlite_url: str) -> None:
    """A service include list that matches nothing fails that target's run with the
    services that were planned; the command exits 3."""
    targets = [{"name": "x", "provider": "file", "paths": [str(files["estate"])],
                "services": {"include": ["ec2"]}}]
    code, out, _ = cli(targets, "collect", "--db", sqlite_url, "--format", "json")
    assert code == 3
    run = json.loads(out)["runs"][0]
    assert run["status"] == "failed"
    assert run["error"] == "services ec2 match none of the planned services: file"


def test_the_same_selection_is_a_flag_of_every_provider(cli: Any, files: dict[str, Path],
                                                        sqlite_url: str) -> None:
    """``collect file --exclude-type`` does what a target's ``types`` does."""
    code, _, _ = cli(None, "collect", "file", str(files["estate"]), "--exclude-type",
                     "demo:box:vm", "--db", sqlite_url)
    assert code == 0
    assert stored(sqlite_url) == {"assets": ["disk-1"], "relationships": []}


def test_a_target_that_fails_does_not_stop_the_others(cli: Any, files: dict[str, Path],
                                                      sqlite_url: str, tmp_path: Path) -> None:
    """A target whose input is refused fails its own run; the next target still runs; exit 3."""
    targets = [{"name": "missing", "provider": "file", "paths": [str(tmp_path / "nope.json")]},
               {"name": "other", "provider": "file", "paths": [str(files["other"])]}]
    code, out, _ = cli(targets, "collect", "--db", sqlite_url, "--format", "json")
    assert code == 3
    summary = json.loads(out)
    assert [(r["target"], r["status"]) for r in summary["runs"]] == [("missing", "failed"),
                                                                      ("other", "ok")]
    assert "nope.json" in summary["runs"][0]["error"] and summary["status"] == "partial"
    assert stored(sqlite_url)["assets"] == ["vm-2"]


@pytest.mark.parametrize(("target", "message"), [
    ({"pathz": ["x"]}, "targets[t]: pathz: not an option of the file provider (did you mean "
                       "'paths'?)"),
    ({"paths": ["x"], "file_format": "xml"}, "targets[t]: argument --file-format: invalid "
                                             "choice: 'xml'"),
    ({"paths": ["x"], "file_format": ["json", "csv"]}, "targets[t]: file_format: takes one "
                                                       "value, not a list"),
    ({"paths": ["x"], "db": "sqlite:///other.db"}, "targets[t]: db: not an option"),
])
def test_a_target_option_mistake_is_one_line_and_nothing_is_collected(
        cli: Any, sqlite_url: str, target: dict[str, Any], message: str, tmp_path: Path) -> None:
    """A wrong key or value: exit 2, one line naming the config file, target and key; the
    store is not even created, although an earlier target was fine."""
    targets = [{"name": "fine", "provider": "file", "paths": ["x"]},
               {"name": "t", "provider": "file", **target}]
    code, out, err = cli(targets, "collect", "--db", sqlite_url)
    assert (code, out) == (2, "")
    assert err.startswith(f"cloudscope: error: {tmp_path / 'config.yaml'}: {message}")
    assert len(err.splitlines()) == 1
    assert not Path(sqlite_url.removeprefix("sqlite:///")).exists()


def test_unknown_target_suggests_the_closest(cli: Any, sqlite_url: str) -> None:
    """``--target`` naming no target: exit 2 with the closest name."""
    code, _, err = cli([{"name": "prod-aws", "provider": "file", "paths": ["x"]}],
                       "collect", "--target", "prod-asw", "--db", sqlite_url)
    assert code == 2
    assert err == ("cloudscope: error: --target 'prod-asw': no such target in the "
                   "configuration (did you mean 'prod-aws'?)\n")


def test_no_provider_and_no_targets_says_what_to_do(cli: Any, sqlite_url: str) -> None:
    """``cloudscope collect`` alone, without targets, names both ways out."""
    code, _, err = cli(None, "collect", "--db", sqlite_url)
    assert code == 2
    assert "no PROVIDER given and no targets in the configuration" in err
    assert "cloudscope collect PROVIDER" in err


def test_duplicate_target_names_are_a_config_error(cli: Any, sqlite_url: str) -> None:
    """Two targets with one name: exit 2, naming the name."""
    target = {"name": "a", "provider": "file", "paths": ["x"]}
    code, _, err = cli([target, target], "collect", "--db", sqlite_url)
    assert code == 2 and "target names must be unique: a repeated" in err


def test_the_readme_targets_example_is_valid(tmp_path: Path) -> None:
    """The README's targets: example loads, and each target's options map to flags."""
    import re

    from cloudscope.infrastructure.config import load_config

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(targets:.*?)```", readme, re.S)
    assert example is not None
    path = tmp_path / "config.yaml"
    path.write_text(example.group(1), encoding="utf-8")
    targets = load_config(path, environ={}).settings.targets
    assert [t.name for t in targets] == ["prod-aws", "org-aws", "corp-azure", "org-gcp"]
    assert targets[1].services.exclude == ["cloudtrail"]
    assert targets[0].options == {"profile": "prod", "regions": ["eu-west-1", "us-east-1"]}
