"""The preflight of ``cloudscope doctor``: the store and each target's collector, as checks.

Nothing here raises for what it checks: every problem becomes a failed :class:`Check` line
whose hint says what to do, so that one run reports everything at once (STYLE.md: report
every problem, not the first).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

from cloudscope.domain.checks import Check, CheckStatus
from cloudscope.domain.errors import CloudScopeError, describe_error
from cloudscope.domain.redaction import redact_text
from cloudscope.ports.collector import Collector
from cloudscope.ports.repository import Repository


def worst(checks: list[Check]) -> CheckStatus:
    """The worst status among ``checks`` (ok when there are none)."""
    return max((check.status for check in checks), key=lambda status: status.rank,
               default=CheckStatus.OK)


def failed_check(name: str, error: BaseException) -> Check:
    """A failed line for an error: its message, and its hint when it has one."""
    if isinstance(error, CloudScopeError):  # its hint goes on a line of its own
        return Check.fail(name, redact_text(error.message), error.hint)
    return Check.fail(name, describe_error(error))


def collector_checks(collector: Collector) -> Iterator[Check]:
    """The collector's own checks (``Collector.check``), then it is closed; whatever it
    raises, even a ``BaseException`` of plugin code, ends its checks with a failed line."""
    try:
        for check in collector.check():
            if not isinstance(check, Check):
                yield Check.fail("check", f"the collector yielded {type(check).__name__}, "
                                          "not a Check")
                return
            yield check
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # plugin code, even sys.exit()
        yield failed_check("check", error)
    finally:
        try:
            collector.close()
        except KeyboardInterrupt:
            raise
        except BaseException:
            pass


def store_checks(url: str, exists: bool | None,
                 open_store: Callable[[], Repository]) -> Iterator[Check]:
    """Reachable (opens), migrated (its schema version), writable (a local store's files).

    A store that does not exist yet is a warning, not created: ``collect`` creates it.
    Opening an existing store migrates it, as every command does.
    """
    if exists is False:
        yield Check.warn("store", f"no store at {url} yet",
                         "`cloudscope collect` creates it; or check --db, CLOUDSCOPE_DB or "
                         "db: in the config")
        return
    try:
        repository = open_store()
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # a repository plugin's code, even sys.exit()
        yield failed_check("store", error)
        return
    with repository:
        try:
            version = repository.schema_version()
        except CloudScopeError as error:
            yield failed_check("store", error)
            return
        yield Check.ok("store", f"{url}: reachable, schema version {version}")
        yield _writable(url, repository)


def _writable(url: str, repository: Repository) -> Check:
    if getattr(repository, "read_only", False) or "mode=ro" in url:
        return Check.warn("store writable", "opened read-only (?mode=ro): collect and assess "
                                            "cannot write", "drop ?mode=ro to write")
    path = getattr(repository, "path", None)  # file-based stores name their file or directory
    if not isinstance(path, (str, Path)) or str(path) == ":memory:":
        return Check.ok("store writable", "not a local file: the first write will tell")
    target = Path(path)
    # SQLite writes its journal beside the file, the file store its temporary files.
    needed = [target, target.parent] if target.is_file() else [target]
    denied = [str(p) for p in needed if p.exists() and not os.access(p, os.W_OK)]
    if denied:
        return Check.fail("store writable", f"cannot write {', '.join(denied)}",
                          "grant this user write access, or choose another --db")
    return Check.ok("store writable", str(target))
