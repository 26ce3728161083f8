"""The collector contract suite has teeth: each broken collector fails the case that names its
fault, and only that one; a plugin that is not installed is tested through ``plugin =``."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from xml.etree import ElementTree

import pytest

BROKEN = '''
import threading, time, uuid
import pytest
from cloudscope.api import Asset, Collector, Relationship, ScopeKey, hookimpl
from cloudscope.testing import CollectorContract


class Good(Collector):
    """Two scopes, two assets each, an edge; stops at once when cancelled."""

    def plan(self):
        return [ScopeKey(provider="demo", account="a", service="s"),
                ScopeKey(provider="demo", account="b", service="s")]

    def asset(self, scope, index):
        return Asset(id=self.asset_id(scope, index), provider="demo",
                     asset_type="demo:things:thing", account=scope.account)

    def asset_id(self, scope, index):
        return f"demo:{scope.account}:{index}"

    def collect(self, scope):
        for index in range(2):
            if self.ctx.cancelled:
                return
            yield self.asset(scope, index)
        yield Relationship(source_id=self.asset_id(scope, 1), type="CONTAINS",
                           target_id=self.asset_id(scope, 0))


class DuplicateScope(Good):
    def plan(self):
        return Good.plan(self) * 2


class NoService(Good):
    def plan(self):
        return [ScopeKey(provider="Demo Source", account="a")]


class UncheckedModel(Good):
    def asset(self, scope, index):
        return Asset.model_construct(id=self.asset_id(scope, index), provider="demo",
                                     asset_type="Demo Thing", account=scope.account)


class RandomIds(Good):
    def asset_id(self, scope, index):
        return f"demo:{uuid.uuid4()}"


class SharedAsset(Good):
    def asset_id(self, scope, index):
        return f"demo:shared:{index}"


class NotThreadSafe(Good):
    def collect(self, scope):
        self.current = scope
        time.sleep(0.05)
        yield self.asset(self.current, 0)


class SleepsThroughCancel(Good):
    """Waits for a slow API with time.sleep, not ctx.cancelled.wait."""

    def collect(self, scope):
        if self.ctx.cancelled:  # the API is slow just when the user cancels
            time.sleep(30)
        yield from Good.collect(self, scope)


class StatefulPlan(Good):
    """Remembers the scopes it started: a second iteration of a scope gives nothing."""

    def collect(self, scope):
        done = self.__dict__.setdefault("done", set())
        if scope.key in done:
            return
        iterator = Good.collect(self, scope)
        yield next(iterator)
        done.add(scope.key)
        yield from iterator


class CrashesOnBadInput(Good):
    @classmethod
    def add_arguments(cls, parser):
        parser.add_argument("--fail", action="store_true")

    def plan(self):
        if self.options["fail"]:
            raise ValueError("bad input")
        return Good.plan(self)


class SilentWhenSourceFails(Good):
    broken = set()

    def collect(self, scope):
        if scope.key in self.broken:
            return
        yield from Good.collect(self, scope)


class Plugin:
    CLOUDSCOPE_API = ">=1.0,<2"

    def __init__(self, factory):
        self.factory = factory

    @hookimpl
    def cloudscope_register_collectors(self, register):
        register("demo", self.factory)


def contract(factory, **attributes):
    namespace = {"collector_name": "demo", "plugin": Plugin(factory), "cancel_within_s": 1.0,
                 **attributes}
    namespace["collector_arguments"] = pytest.fixture(lambda self: [])
    return type("Contract", (CollectorContract,), namespace)


TestGood = contract(Good)
TestDuplicateScope = contract(DuplicateScope)
TestNoService = contract(NoService)
TestUncheckedModel = contract(UncheckedModel)
TestRandomIds = contract(RandomIds)
TestSharedAsset = contract(SharedAsset)
TestNotThreadSafe = contract(NotThreadSafe)
TestSleepsThroughCancel = contract(SleepsThroughCancel)
TestStatefulPlan = contract(StatefulPlan)
TestCrashesOnBadInput = contract(
    CrashesOnBadInput, invalid_arguments=pytest.fixture(lambda self: ["--fail"]))
TestSilentWhenSourceFails = contract(
    SilentWhenSourceFails,
    break_source=pytest.fixture(lambda self: SilentWhenSourceFails.broken.add))
'''

# Which cases each collector fails; every other case passes (or is skipped).
EXPECTED_FAILURES = {
    "Good": set(),
    "DuplicateScope": {"test_plan_lists_each_scope_once_in_a_stable_order"},
    "NoService": {"test_scopes_name_a_provider_and_a_service"},
    "UncheckedModel": {"test_collect_yields_valid_assets_and_relationships"},
    "RandomIds": {"test_ids_are_stable_and_each_asset_belongs_to_one_scope",
                  "test_a_scope_collected_alone_gives_what_it_gives_in_a_full_run",
                  "test_concurrent_collection_gives_what_a_sequential_one_gives",
                  "test_an_abandoned_scope_leaves_the_collector_usable",
                  "test_collects_into_a_store_as_cloudscope_collect_does"},
    "SharedAsset": {"test_ids_are_stable_and_each_asset_belongs_to_one_scope"},
    "NotThreadSafe": {"test_concurrent_collection_gives_what_a_sequential_one_gives",
                      "test_collects_into_a_store_as_cloudscope_collect_does"},
    "SleepsThroughCancel": {"test_collection_ends_soon_once_cancelled"},
    "StatefulPlan": {"test_an_abandoned_scope_leaves_the_collector_usable",
                     "test_concurrent_collection_gives_what_a_sequential_one_gives"},
    "CrashesOnBadInput": {"test_invalid_arguments_are_one_line_and_exit_2_before_collecting"},
    "SilentWhenSourceFails": {
        "test_a_failing_source_fails_its_scope_instead_of_completing_empty"},
}


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    """Run the contract over every collector above in one pytest process: class -> case ->
    outcome."""
    folder = tmp_path_factory.mktemp("contract")
    (folder / "test_broken.py").write_text(textwrap.dedent(BROKEN), encoding="utf-8")
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--junitxml=out.xml",
         "test_broken.py"], cwd=folder, capture_output=True, text=True, timeout=600, check=False)
    assert (folder / "out.xml").is_file(), completed.stdout + completed.stderr
    results: dict[str, dict[str, str]] = {}
    for case in ElementTree.parse(folder / "out.xml").iter("testcase"):
        outcome = next((child.tag.upper() for child in case
                        if child.tag in ("failure", "error", "skipped")), "PASSED")
        cls = case.get("classname", "").rpartition(".Test")[2]
        # A failure and an error in teardown give two entries: the worst one counts.
        if results.setdefault(cls, {}).get(case.get("name", "")) in (None, "PASSED", "SKIPPED"):
            results[cls][case.get("name", "")] = outcome
    return results


@pytest.mark.parametrize("collector", sorted(EXPECTED_FAILURES))
def test_the_contract_fails_a_collector_exactly_on_its_fault(
        outcomes: dict[str, dict[str, str]], collector: str) -> None:
    """Each fault fails the cases that state the rule it breaks; nothing else fails."""
    cases = outcomes[collector]
    assert len(cases) >= 13
    failed = {case for case, outcome in cases.items() if outcome in ("FAILURE", "ERROR")}
    assert failed == EXPECTED_FAILURES[collector]


def test_optional_error_cases_are_skipped_without_their_fixtures(
        outcomes: dict[str, dict[str, str]]) -> None:
    """Without invalid_arguments or break_source, those two cases skip; with them, they run."""
    good = outcomes["Good"]
    assert good["test_invalid_arguments_are_one_line_and_exit_2_before_collecting"] == "SKIPPED"
    assert good["test_a_failing_source_fails_its_scope_instead_of_completing_empty"] == "SKIPPED"
    assert outcomes["CrashesOnBadInput"][
        "test_a_failing_source_fails_its_scope_instead_of_completing_empty"] == "SKIPPED"


def test_a_collector_that_is_not_registered_fails_with_what_to_do(tmp_path: Path) -> None:
    """An installed-plugin contract for a name nobody registered says how to make it found."""
    (tmp_path / "test_missing.py").write_text(textwrap.dedent('''
        import pytest
        from cloudscope.testing import CollectorContract

        class TestMissing(CollectorContract):
            collector_name = "nowhere"

            @pytest.fixture
            def collector_arguments(self):
                return []
    '''), encoding="utf-8")
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x",
         "test_missing.py"], cwd=tmp_path, capture_output=True, text=True, timeout=300,
        check=False)
    assert completed.returncode == 1
    assert "no collector named 'nowhere'" in completed.stdout
    assert "pip install -e ." in completed.stdout and "plugin = <your package>.plugin" in \
        completed.stdout
