"""The assess use case: detect relationships, run the risk rules, store the findings.

Passes, each a stream through the repository port (so every backend runs the same rules):

1. every live asset once, to each rule naming its type (``observe``);
2. detection rules' closing ``detect``; the detected edges are stored under
   :data:`DETECTION_SCOPE`, so the staleness of a completed scope replaces the previous
   assessment's edges, and a failed detection keeps them;
3. every live relationship once, to the risk rules naming its type; then ``conclude``;
4. the findings replace the stored findings of the assessed assets, in one transaction.

Findings and detected edges wait in temporary JSON Lines files, not in memory, so that a
million assets assess in bounded memory. A rule that raises on one asset or relationship
records an error for that item and keeps running (its earlier findings on that asset are
kept); a rule that raises in its closing call is recorded and skipped, and its previously
stored findings are kept (see ``cloudscope.domain.assessment``).
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, Any, Final, Generic, TypeVar

from cloudscope.application.finding_changes import FindingChangeLog
from cloudscope.application.run_liveness import current_owner
from cloudscope.domain.assessment import AssessmentSummary, ItemError, TypeDispatch
from cloudscope.domain.asset import Asset
from cloudscope.domain.errors import InputError, describe_error
from cloudscope.domain.finding import Finding, Severity
from cloudscope.domain.query import AssetQuery
from cloudscope.domain.relationship import Relationship
from cloudscope.domain.scope import CollectionRun, RunStatus, ScopeKey
from cloudscope.domain.serialization import dumps, loads
from cloudscope.domain.timestamps import utc_now
from cloudscope.domain.trusted import construct_trusted
from cloudscope.ports.components import Components
from cloudscope.ports.repository import Repository
from cloudscope.ports.rule import DETECTED_BY, DetectionRule, RiskRule, Rule, RuleGraph

DETECTION_SCOPE: Final = ScopeKey(provider="cloudscope", account="", region=None,
                                  service="detection")
"""The scope detected relationships are stored under."""
LOOKUP_CHUNK: Final = 2000

Item = TypeVar("Item")


class Spool(Generic[Item]):
    """Items written to a temporary JSON Lines file and read back as often as needed."""

    def __init__(self, encode: Callable[[Item], list[Any]],
                 decode: Callable[[list[Any]], Item]) -> None:
        self._file: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
        self._encode, self._decode = encode, decode
        self.count = 0

    def add(self, item: Item) -> None:
        """Append one item."""
        self._file.write(dumps(self._encode(item)) + "\n")
        self.count += 1

    def __iter__(self) -> Iterator[Item]:
        return map(self._decode, self.rows())

    def rows(self, prefix: str = "") -> Iterator[list[Any]]:
        """The items as they were encoded, without building them; with ``prefix``, only
        those whose JSON text starts with it (the others are not parsed)."""
        self._file.flush()
        self._file.seek(0)
        for line in self._file:
            if line.startswith(prefix):
                yield loads(line)
        self._file.seek(0, 2)

    def close(self) -> None:
        """Delete the file."""
        self._file.close()


# Spooled as positional lists: a third of the cost of pydantic's dump and validation; read
# back without validation (the rules' items were validated when they were built). The
# severity comes first, so that reading the findings of one severity parses only theirs.
def _finding_spool() -> Spool[Finding]:
    return Spool(lambda f: [f.severity.value, f.rule_id, f.asset_id, f.title, f.detail,
                            f.remediation, f.evidence], _finding)


def _finding(row: list[Any]) -> Finding:
    return construct_trusted(Finding, {
        "rule_id": row[1], "asset_id": row[2], "severity": Severity(row[0]), "title": row[3],
        "detail": row[4], "remediation": row[5], "evidence": row[6]})


def _severity_prefix(severity: Severity) -> str:
    """How the spooled line of a finding of ``severity`` starts."""
    return dumps([severity.value])[:-1] + ","


def _relationship(row: list[Any]) -> Relationship:
    return construct_trusted(Relationship, {"source_id": row[0], "type": row[1],
                                            "target_id": row[2], "properties": row[3]})


def _relationship_spool() -> Spool[Relationship]:
    return Spool(lambda r: [r.source_id, r.type, r.target_id, r.properties], _relationship)


def _chunks(items: Sequence[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start:start + size])


class RepositoryGraph(RuleGraph):
    """The rule graph over any repository: chunked lookups through the port."""

    def __init__(self, repository: Repository) -> None:
        self.repository = repository

    def relationships_of(self, asset_ids: Sequence[str],
                         types: Iterable[str] | None = None) -> list[Relationship]:
        """Relationships touching ``asset_ids``, only of ``types`` when given."""
        wanted = frozenset(types) if types is not None else None
        found: list[Relationship] = []
        for chunk in _chunks(list(dict.fromkeys(asset_ids)), LOOKUP_CHUNK):
            found.extend(r for r in self.repository.relationships_of(chunk)
                         if wanted is None or r.type in wanted)
        return found

    def assets(self, asset_ids: Sequence[str]) -> Iterator[Asset]:
        """The live assets among ``asset_ids``."""
        for chunk in _chunks(sorted(set(asset_ids)), LOOKUP_CHUNK):
            yield from self.repository.iter_assets(AssetQuery(ids=tuple(chunk)))


class AssessmentResult:
    """The summary, and the stored findings read back most severe first."""

    def __init__(self, summary: AssessmentSummary,
                 sources: Sequence[tuple[Spool[Finding], Callable[[Finding], bool]]]) -> None:
        self.summary = summary
        self._sources = sources

    def findings(self) -> Iterator[Finding]:
        """Stored findings, most severe first (one read of the spools per severity, each
        finding parsed and built once)."""
        for severity in Severity:
            if self.summary.counts[severity.value]:
                prefix = _severity_prefix(severity)
                for spool, wanted in self._sources:
                    yield from (f for f in map(_finding, spool.rows(prefix)) if wanted(f))

    def close(self) -> None:
        """Delete the temporary files."""
        for spool, _ in self._sources:
            spool.close()


class Assessment:
    """Runs rules over a repository. Added in API 1.0."""

    def __init__(self, repository: Repository, rules: Sequence[Rule],
                 *, batch_size: int = 1000) -> None:
        self.repository = repository
        self.rules = list(rules)
        self.batch_size = batch_size
        self.graph = RepositoryGraph(repository)
        # Rule id -> the assets it raised on: its earlier findings on them are kept.
        self._erred: dict[str, set[str]] = {}

    def run(self, query: AssetQuery, summary: AssessmentSummary | None = None) -> AssessmentResult:
        """Assess the assets matching ``query`` (relationships are detected over all assets).

        ``summary`` may already hold failures of rules that could not be built.
        """
        summary = summary or AssessmentSummary()
        summary.rules = len(self.rules) + len(summary.failures)
        query = query.model_copy(update={"include_deleted": False, "limit": None, "offset": 0})
        detectors = [r for r in self.rules if isinstance(r, DetectionRule)]
        risks = [r for r in self.rules if isinstance(r, RiskRule)]
        assessed = None if query == AssetQuery() else \
            {a.id for a in self.repository.iter_assets(query)}
        edges, findings = _relationship_spool(), _finding_spool()
        run = CollectionRun(run_id=f"assess-{uuid.uuid4().hex[:12]}", collector="assess",
                            started_at=utc_now(), owner=current_owner())
        summary.run_id = run.run_id
        try:
            total = self._observe_assets(detectors, risks, edges, findings, summary)
            summary.assets = total if assessed is None else len(assessed)
            self._observe_relationships(detectors, summary)
            for detector in detectors:
                self._call(detector, "detect", summary, edges.add, detector.detect)
            status = self._store_edges(edges, summary, run)
            self._observe_relationships(risks, summary)
            for rule in risks:
                self._call(rule, "conclude", summary, findings.add, rule.conclude)
        finally:
            edges.close()
        failed, erred = summary.failed_ids, self._erred

        def earlier(finding: Finding) -> bool:
            return finding.rule_id in failed or finding.asset_id in erred.get(finding.rule_id, ())

        # A (rule, asset) pair that raised counts as not assessed, like a failed rule: what
        # was stored for it stays, what it yielded before raising does not replace it.
        def fresh(finding: Finding) -> bool:
            return not earlier(finding) and (assessed is None or finding.asset_id in assessed)

        kept = _finding_spool()
        if failed or erred:  # a failed rule keeps what it had found (nothing stored is lost)
            for finding in self.repository.iter_findings():
                if earlier(finding) and (assessed is None or finding.asset_id in assessed):
                    kept.add(finding)
            summary.kept_findings = kept.count
        sources = ((findings, fresh), (kept, _everything))
        # The change log's finding changes (API 1.1 stores): the stored findings first.
        log = FindingChangeLog(self.repository) if self.repository.has_change_log() else None
        if log is not None:
            log.read_stored(assessed)

        def stored() -> Iterator[Finding]:
            for spool, wanted in sources:
                for finding in spool:
                    if wanted(finding):
                        summary.count(finding)
                        if log is not None:
                            log.add(finding)
                        yield finding

        try:
            self.repository.replace_findings(query, stored())
            if log is not None:
                summary.new_findings, summary.resolved_findings = log.record(run, utc_now())
        except BaseException:
            status = RunStatus.FAILED
            raise
        finally:
            # Finished last, so that a window ending with this run holds its finding changes.
            self.repository.finish_run(run.model_copy(update={
                "status": status, "finished_at": utc_now(),
                "relationships": summary.detected_relationships}))
        return AssessmentResult(summary, sources)

    # Passes -----------------------------------------------------------------------------
    def _observe_assets(self, detectors: list[DetectionRule], risks: list[RiskRule],
                        edges: Spool[Relationship], findings: Spool[Finding],
                        summary: AssessmentSummary) -> int:
        """Let each rule naming its type observe every asset: detection rules first, their
        edges spooled, then risk rules, their findings spooled. A rule that raises records
        an error for this asset and goes on with the next ones (what it yielded before
        raising is kept)."""
        detection, risk = TypeDispatch(detectors), TypeDispatch(risks)
        # Per asset type, each rule's observe and where its items go, resolved once: a
        # million assets meet a dozen rules each. No rule fails as a whole in this pass
        # (an error is an item's), so the rules failed before it are left out here.
        failed = frozenset(summary.failed_ids)
        observers: dict[str, list[tuple[str, Callable[[Asset], Iterable[Any]],
                                        Callable[[Any], None]]]] = {}
        total = 0
        for asset in self.repository.iter_assets(AssetQuery()):
            total += 1
            calls = observers.get(asset.asset_type)
            if calls is None:
                calls = observers[asset.asset_type] = [
                    (rule.rule_id, rule.observe, sink)
                    for rules, sink in ((detection.rules_for(asset.asset_type), edges.add),
                                        (risk.rules_for(asset.asset_type), findings.add))
                    for rule in rules if rule.rule_id not in failed]
            for rule_id, observe, add in calls:
                try:
                    for item in observe(asset):
                        add(item)
                except KeyboardInterrupt:
                    raise
                except BaseException as error:  # rule code, even sys.exit()
                    self._item_error(summary, ItemError(rule_id, "observe", asset.id,
                                                        (asset.id,), describe_error(error)))
        return total

    def _item_error(self, summary: AssessmentSummary, error: ItemError) -> None:
        summary.item_error(error)
        self._erred.setdefault(error.rule_id, set()).update(error.asset_ids)

    def _observe_relationships(self, rules: Sequence[Rule], summary: AssessmentSummary) -> None:
        by_type: dict[str, list[Rule]] = {}
        for rule in rules:
            if rule.rule_id not in summary.failed_ids:
                for kind in rule.relationship_types:
                    by_type.setdefault(kind, []).append(rule)
        if not by_type:
            return
        for relationship in self.repository.iter_relationships():
            for rule in by_type.get(relationship.type, ()):
                if rule.rule_id not in summary.failed_ids:
                    try:
                        rule.observe_relationship(relationship)
                    except KeyboardInterrupt:
                        raise
                    except BaseException as error:  # rule code, even sys.exit()
                        source, kind, target = relationship.key
                        self._item_error(summary, ItemError(
                            rule.rule_id, "observe_relationship", f"{source} -{kind}-> {target}",
                            (source, target), describe_error(error)))

    def _call(self, rule: Rule, stage: str, summary: AssessmentSummary,
              sink: Callable[[Item], None], method: Callable[[RuleGraph], Iterable[Item]]) -> None:
        if rule.rule_id in summary.failed_ids:
            return
        try:
            for item in method(self.graph):
                sink(item)
        except KeyboardInterrupt:
            raise
        except BaseException as error:  # rule code, even sys.exit()
            summary.fail(rule.rule_id, stage, describe_error(error))

    def _store_edges(self, edges: Spool[Relationship], summary: AssessmentSummary,
                     run: CollectionRun) -> RunStatus:
        """Record ``run``; write detected edges in the detection scope; complete it unless a
        detector failed. The run's status: partial when a detector failed.

        The scope completes even without detection rules, so that disabling them all
        removes their edges; a rule that could not be built may be a detector, so it fails
        the scope (its edges are kept) like a detector that raised.
        """
        detectors = {r.rule_id for r in self.rules if isinstance(r, DetectionRule)}
        repository = self.repository
        repository.start_run(run)
        repository.start_scope(DETECTION_SCOPE, run.run_id, run.started_at)
        batch: dict[tuple[str, str, str], list[Any]] = {}
        for edge in edges.rows():  # built only when written
            if edge[3].get(DETECTED_BY) not in summary.failed_ids:
                batch[(edge[0], edge[1], edge[2])] = edge
                if len(batch) >= self.batch_size:
                    summary.detected_relationships += self._write_edges(run.run_id, batch)
                    batch = {}
        summary.detected_relationships += self._write_edges(run.run_id, batch)
        # A detector that raised on an item fails the scope too: the edges it found before
        # on that item stay until an assessment runs it without error.
        failed = sorted({f.rule_id for f in summary.failures
                         if f.rule_id in detectors or f.stage == "build"} |
                        (detectors & self._erred.keys()))
        finished = utc_now()
        if failed:
            repository.fail_scope(DETECTION_SCOPE, run.run_id,
                                  f"detection rules failed: {', '.join(failed)}", finished)
        else:
            repository.complete_scope(DETECTION_SCOPE, run.run_id, 0, finished)
        return RunStatus.PARTIAL if failed else RunStatus.OK

    def _write_edges(self, run_id: str, batch: dict[tuple[str, str, str], list[Any]]) -> int:
        """Write a batch, leaving alone the edges a collector stored (they are its to remove)."""
        if not batch:
            return 0
        return self.repository.write_detected(
            DETECTION_SCOPE, run_id, [_relationship(row) for row in batch.values()], utc_now())


def _everything(finding: Finding) -> bool:
    return True


def build_rules(registry: Components, user_rules: Sequence[Rule], disabled: set[str],
                summary: AssessmentSummary) -> list[Rule]:
    """The registered rules built (a factory that fails is recorded, not fatal) plus the
    user's (see :func:`cloudscope.application.rule_files.load_directories`), without the
    ``disabled`` ids. A user rule reusing a registered id is an error."""
    rules: list[Rule] = []
    for registration in registry:
        if registration.name in disabled:
            continue
        try:
            rule = registration.resolve()()
        except KeyboardInterrupt:
            raise
        except BaseException as error:  # rule code, even sys.exit()
            summary.fail(registration.name, "build", describe_error(error))
            continue
        if not isinstance(rule, RiskRule | DetectionRule):
            summary.fail(registration.name, "build", f"plugin {registration.plugin!r} returned "
                         f"{type(rule).__name__}, not a RiskRule or DetectionRule")
            continue
        rule.rule_id = registration.name  # the registered id is the rule's identity
        rules.append(rule)
    known = {r.rule_id for r in rules} | {f.rule_id for f in summary.failures}
    for rule in user_rules:
        if rule.rule_id in known or rule.rule_id in registry:
            source = getattr(getattr(rule, "definition", None), "source", None)
            raise InputError(f"rule id {rule.rule_id!r} is already registered",
                             location=source, hint="choose another id")
        known.add(rule.rule_id)
        if rule.rule_id not in disabled:
            rules.append(rule)
    return rules
