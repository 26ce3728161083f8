"""The PostgreSQL repository (``postgresql://``): one inventory shared by many collectors.

- Writes: each batch is COPYed into per-connection staging tables, then upserted with
  ``INSERT ... SELECT ... ON CONFLICT DO UPDATE``, in one transaction.
- Concurrency: a transaction that writes a scope or applies its staleness first takes
  ``pg_advisory_xact_lock`` keyed by the scope, so concurrent collectors never interleave
  one scope's staleness with its writes; upserts go in id order, so overlapping batches
  cannot deadlock.
- One clock: ``last_seen`` and the run's start are stamped by the server (``now()``,
  ``clock_timestamp()``), so staleness never compares the clocks of different hosts.
  ``seen_at`` given to :meth:`write_batch` is therefore not used.
- Connections, migrations and retried transactions: :mod:`postgresql_store`; the write
  path: :mod:`postgresql_writes`; the read path: :mod:`postgresql_reads`; runs and
  scopes: :mod:`postgresql_runs`.

The optional dependency is installed with ``pip install 'cloudscope-core[postgresql]'``.
"""

from __future__ import annotations

from cloudscope.adapters.postgresql_reads import PostgreSQLReadPath
from cloudscope.adapters.postgresql_runs import PostgreSQLRunLog
from cloudscope.adapters.postgresql_writes import PostgreSQLWritePath
from cloudscope.ports.repository import Repository

__all__ = ["PostgreSQLRepository"]


class PostgreSQLRepository(PostgreSQLWritePath, PostgreSQLReadPath, PostgreSQLRunLog, Repository):
    """A CloudScope store in a PostgreSQL schema. Added in API 1.0.

    Refuses a database of another application: one whose target schema holds tables but no
    CloudScope metadata, or (when ``?schema=`` is not given) one that holds tables but no
    ``cloudscope`` schema. Nothing is changed in either case.
    """
