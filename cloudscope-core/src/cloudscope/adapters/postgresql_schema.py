"""The PostgreSQL schema and its migrations, one list of statements per version.

Every table lives in one PostgreSQL schema (``cloudscope`` unless the URL says
``?schema=NAME``), so that the inventory never mixes with another application's tables
and several inventories can share a database. Text columns that are compared or sorted use
the "C" collation: byte order, the same order as SQLite and Python, whatever the
database's locale, and cheaper comparisons.

``properties``, ``evidence`` and relationship properties are ``json``, not ``jsonb``: jsonb
cannot hold U+0000 and reorders keys, while the API's own field order is what exports show.
``tags`` is ``jsonb`` with a GIN index that serves ``--tag K=V`` (``tags @> '{"K": "V"}'``);
the rare tag holding U+0000 is kept verbatim in ``tags_exact``.
"""

from __future__ import annotations

from typing import Final

APPLICATION: Final = "cloudscope"
DEFAULT_SCHEMA: Final = "cloudscope"

MIGRATIONS: Final[dict[int, tuple[str, ...]]] = {
    1: (
        """CREATE TABLE IF NOT EXISTS cloudscope_meta (
               key text PRIMARY KEY, value text NOT NULL)""",
        """CREATE TABLE assets (
               id text COLLATE "C" PRIMARY KEY,
               provider text COLLATE "C" NOT NULL,
               asset_type text COLLATE "C" NOT NULL,
               native_type text,
               name text,
               account text COLLATE "C",
               region text COLLATE "C",
               tags jsonb NOT NULL,
               tags_exact json,
               properties json NOT NULL,
               first_seen timestamptz NOT NULL,
               last_seen timestamptz NOT NULL,
               scope_key text COLLATE "C" NOT NULL,
               deleted_at timestamptz)""",
        # NULLS FIRST: the listing order of SQLite, and the index then serves ORDER BY.
        """CREATE INDEX assets_listing ON assets
               (provider, account NULLS FIRST, asset_type, id)""",
        # id second: rows of one type or region written at once by several collectors land
        # on different index pages instead of all on the rightmost one.
        "CREATE INDEX assets_type ON assets (asset_type, id)",
        "CREATE INDEX assets_account ON assets (account, id)",
        "CREATE INDEX assets_region ON assets (region, id)",
        "CREATE INDEX assets_scope ON assets (scope_key, last_seen)",
        "CREATE INDEX assets_tags ON assets USING gin (tags jsonb_path_ops)",
        """CREATE TABLE relationships (
               source_id text COLLATE "C" NOT NULL,
               type text COLLATE "C" NOT NULL,
               target_id text COLLATE "C" NOT NULL,
               properties json NOT NULL,
               scope_key text COLLATE "C" NOT NULL,
               last_seen timestamptz NOT NULL,
               PRIMARY KEY (source_id, type, target_id))""",
        "CREATE INDEX relationships_target ON relationships (target_id)",
        "CREATE INDEX relationships_scope ON relationships (scope_key, last_seen)",
        """CREATE TABLE findings (
               id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
               rule_id text COLLATE "C" NOT NULL,
               asset_id text COLLATE "C" NOT NULL,
               severity text NOT NULL,
               severity_rank integer NOT NULL,
               title text NOT NULL,
               detail text NOT NULL,
               remediation text NOT NULL,
               evidence json NOT NULL)""",
        "CREATE INDEX findings_asset ON findings (asset_id, severity_rank)",
        """CREATE TABLE scopes (
               scope_key text COLLATE "C" PRIMARY KEY,
               provider text NOT NULL, account text NOT NULL, region text,
               service text NOT NULL, status text NOT NULL, run_id text NOT NULL,
               assets integer NOT NULL, error text,
               started_at timestamptz, finished_at timestamptz)""",
        # server_started_at is the server's clock at the run's start: staleness compares it
        # with last_seen, also stamped by the server, so collectors' clocks never matter.
        """CREATE TABLE runs (
               run_id text PRIMARY KEY, collector text NOT NULL, status text NOT NULL,
               started_at timestamptz NOT NULL, finished_at timestamptz,
               assets integer NOT NULL, relationships integer NOT NULL, error text,
               counters json NOT NULL,
               server_started_at timestamptz NOT NULL DEFAULT clock_timestamp())""",
        "CREATE INDEX runs_started ON runs (started_at)",
    ),
    # Run liveness: the owner (host, pid, process identity) and a heartbeat stamped by the
    # server's clock, so that a later command can tell a run whose process is gone.
    2: (
        "ALTER TABLE runs ADD COLUMN owner_host text",
        "ALTER TABLE runs ADD COLUMN owner_pid integer",
        "ALTER TABLE runs ADD COLUMN owner_process text",
        "ALTER TABLE runs ADD COLUMN heartbeat_at timestamptz",
        "CREATE INDEX runs_running ON runs (run_id) WHERE status = 'running'",
    ),
    # The change log, one row per change in the order they were recorded (``id``; BY
    # DEFAULT so that ``db copy`` keeps a source's ids). ``at`` is the server's transaction
    # time, the clock of ``last_seen``; ``related_id`` a relationship change's target, so
    # that an asset's history finds the edges pointing at it; ``detail`` is json (kept as
    # written): changed fields, relationship, finding, causes.
    3: (
        """CREATE TABLE changes (
               id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
               run_id text NOT NULL,
               at timestamptz NOT NULL DEFAULT now(),
               change text COLLATE "C" NOT NULL,
               asset_id text COLLATE "C" NOT NULL,
               related_id text COLLATE "C",
               provider text COLLATE "C",
               asset_type text COLLATE "C",
               name text,
               account text COLLATE "C",
               region text COLLATE "C",
               detail json)""",
        "CREATE INDEX changes_at ON changes (at)",
        "CREATE INDEX changes_asset ON changes (asset_id)",
        "CREATE INDEX changes_related ON changes (related_id) WHERE related_id IS NOT NULL",
    ),
}

CURRENT_VERSION: Final = max(MIGRATIONS)

# Per-connection staging tables for COPY; ON COMMIT DELETE ROWS empties them per batch.
STAGING: Final = (
    """CREATE TEMPORARY TABLE IF NOT EXISTS asset_stage (
           ordinal integer, id text, provider text, asset_type text, native_type text,
           name text, account text, region text, tags jsonb, tags_exact json,
           properties json, first_seen timestamptz, last_seen timestamptz,
           scope_key text, deleted_at timestamptz) ON COMMIT DELETE ROWS""",
    """CREATE TEMPORARY TABLE IF NOT EXISTS relationship_stage (
           ordinal integer, source_id text, type text, target_id text, properties json,
           scope_key text, last_seen timestamptz) ON COMMIT DELETE ROWS""",
)
