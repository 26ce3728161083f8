"""The SQLite schema and its migrations, one list of statements per version.

Version 2 (write throughput): assets get an explicit integer ``number`` (an alias of the
rowid, so VACUUM keeps it) and ``asset_tags`` becomes one B-tree keyed ``(key, value,
asset number)``. New assets take increasing numbers, so a batch's tags append at the end of
each (key, value) run instead of landing all over an index ordered by asset id; and the
repository touches tags only for assets whose tags changed.

Version 3 (run liveness): a run records its owner (host, pid, process identity) and a
heartbeat, so that a later command can tell a run whose process is gone from a live one.

Version 4 (change tracking): the change log, one row per change in the order they were
recorded (``id``). ``at`` is a fixed-width UTC stamp, so that windows compare as text.
Changes of a stored asset are indexed by its ``number`` (``asset_number``): new assets
take increasing numbers, so a first collection appends to that index where an index of
ids would land all over (it cost a first collection of 100,000 assets three times as
much); changes of assets not stored (an edge's source never collected) have none, and are
found among the index's nulls by their id.
``related_id`` is a relationship change's target, so that an asset's history finds the
edges pointing at it; ``detail`` holds what only some kinds carry (changed fields,
relationship, finding, causes) as JSON.
"""

from __future__ import annotations

from typing import Final

APPLICATION: Final = "cloudscope"

MIGRATIONS: Final[dict[int, tuple[str, ...]]] = {
    1: (
        """CREATE TABLE IF NOT EXISTS cloudscope_meta (
               key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID""",
        """CREATE TABLE assets (
               id TEXT PRIMARY KEY,
               provider TEXT NOT NULL,
               asset_type TEXT NOT NULL,
               native_type TEXT,
               name TEXT,
               account TEXT,
               region TEXT,
               tags TEXT NOT NULL,
               properties TEXT NOT NULL,
               first_seen TEXT NOT NULL,
               last_seen TEXT NOT NULL,
               scope_key TEXT NOT NULL,
               deleted_at TEXT)""",
        "CREATE INDEX assets_listing ON assets (provider, account, asset_type, id)",
        "CREATE INDEX assets_type ON assets (asset_type)",
        "CREATE INDEX assets_account ON assets (account)",
        "CREATE INDEX assets_region ON assets (region)",
        "CREATE INDEX assets_scope ON assets (scope_key, last_seen)",
        """CREATE TABLE asset_tags (
               asset_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
               PRIMARY KEY (asset_id, key)) WITHOUT ROWID""",
        "CREATE INDEX asset_tags_key_value ON asset_tags (key, value)",
        """CREATE TABLE relationships (
               source_id TEXT NOT NULL, type TEXT NOT NULL, target_id TEXT NOT NULL,
               properties TEXT NOT NULL, scope_key TEXT NOT NULL, last_seen TEXT NOT NULL,
               PRIMARY KEY (source_id, type, target_id)) WITHOUT ROWID""",
        "CREATE INDEX relationships_target ON relationships (target_id)",
        "CREATE INDEX relationships_scope ON relationships (scope_key, last_seen)",
        """CREATE TABLE findings (
               id INTEGER PRIMARY KEY,
               rule_id TEXT NOT NULL, asset_id TEXT NOT NULL, severity TEXT NOT NULL,
               severity_rank INTEGER NOT NULL, title TEXT NOT NULL, detail TEXT NOT NULL,
               remediation TEXT NOT NULL, evidence TEXT NOT NULL)""",
        "CREATE INDEX findings_asset ON findings (asset_id, severity_rank)",
        """CREATE TABLE scopes (
               scope_key TEXT PRIMARY KEY, provider TEXT NOT NULL, account TEXT NOT NULL,
               region TEXT, service TEXT NOT NULL, status TEXT NOT NULL, run_id TEXT NOT NULL,
               assets INTEGER NOT NULL, error TEXT, started_at TEXT, finished_at TEXT)""",
        """CREATE TABLE runs (
               run_id TEXT PRIMARY KEY, collector TEXT NOT NULL, status TEXT NOT NULL,
               started_at TEXT NOT NULL, finished_at TEXT, assets INTEGER NOT NULL,
               relationships INTEGER NOT NULL, error TEXT, counters TEXT NOT NULL)""",
    ),
    2: (
        """CREATE TABLE assets_2 (
               number INTEGER PRIMARY KEY,
               id TEXT NOT NULL,
               provider TEXT NOT NULL,
               asset_type TEXT NOT NULL,
               native_type TEXT,
               name TEXT,
               account TEXT,
               region TEXT,
               tags TEXT NOT NULL,
               properties TEXT NOT NULL,
               first_seen TEXT NOT NULL,
               last_seen TEXT NOT NULL,
               scope_key TEXT NOT NULL,
               deleted_at TEXT)""",
        "INSERT INTO assets_2 (number, id, provider, asset_type, native_type, name, account,"
        " region, tags, properties, first_seen, last_seen, scope_key, deleted_at)"
        " SELECT rowid, id, provider, asset_type, native_type, name, account, region, tags,"
        " properties, first_seen, last_seen, scope_key, deleted_at FROM assets",
        """CREATE TABLE asset_tags_2 (
               key TEXT NOT NULL, value TEXT NOT NULL, asset INTEGER NOT NULL,
               PRIMARY KEY (key, value, asset)) WITHOUT ROWID""",
        "INSERT INTO asset_tags_2 (key, value, asset) SELECT t.key, t.value, a.number"
        " FROM asset_tags AS t JOIN assets_2 AS a ON a.id = t.asset_id",
        "DROP TABLE asset_tags",
        "DROP TABLE assets",
        "ALTER TABLE assets_2 RENAME TO assets",
        "ALTER TABLE asset_tags_2 RENAME TO asset_tags",
        "CREATE UNIQUE INDEX assets_id ON assets (id)",
        "CREATE INDEX assets_listing ON assets (provider, account, asset_type, id)",
        "CREATE INDEX assets_type ON assets (asset_type)",
        "CREATE INDEX assets_account ON assets (account)",
        "CREATE INDEX assets_region ON assets (region)",
        "CREATE INDEX assets_scope ON assets (scope_key, last_seen)",
    ),
    3: (
        "ALTER TABLE runs ADD COLUMN owner_host TEXT",
        "ALTER TABLE runs ADD COLUMN owner_pid INTEGER",
        "ALTER TABLE runs ADD COLUMN owner_process TEXT",
        "ALTER TABLE runs ADD COLUMN heartbeat_at TEXT",
        "CREATE INDEX runs_status ON runs (status)",
    ),
    4: (
        """CREATE TABLE changes (
               id INTEGER PRIMARY KEY,
               run_id TEXT NOT NULL,
               at TEXT NOT NULL,
               change TEXT NOT NULL,
               asset_id TEXT NOT NULL,
               asset_number INTEGER,
               related_id TEXT,
               provider TEXT,
               asset_type TEXT,
               name TEXT,
               account TEXT,
               region TEXT,
               detail TEXT)""",
        "CREATE INDEX changes_at ON changes (at)",
        "CREATE INDEX changes_asset ON changes (asset_number)",
        "CREATE INDEX changes_related ON changes (related_id) WHERE related_id IS NOT NULL",
    ),
}

CURRENT_VERSION: Final = max(MIGRATIONS)
