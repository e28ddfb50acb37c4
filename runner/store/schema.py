"""The store's SQLite schema, version 2.

One file, ``<home>/store.db``, holds every experiment of a home directory. It is opened in WAL mode: the
runner that owns an experiment is its only writer of results; any number of readers (``nni-annot list``,
``show``, the viewer) read concurrently without blocking it. Other processes write only rows of
``actions`` (requests such as "kill this trial") that the owning runner applies.

Times are Unix seconds (REAL). JSON columns hold UTF-8 JSON text.

``notes`` (markdown notes written in the viewer), PRIMARY KEY (``experiment_id``, ``trial_id``)
    ``trial_id`` ('' for a note on the experiment itself), ``text`` (markdown, rendered escaped), ``updated_at``.
    Added within version 2: writers create it when missing, readers of a store without it see no notes.

``meta``
    ``key`` TEXT PRIMARY KEY, ``value`` TEXT. ``schema_version`` is the version of this schema ("2"). A
    version-1 store is upgraded in place when it is first opened (see :func:`create_or_check`).

``experiments`` (one row per experiment)
    ``id`` TEXT PRIMARY KEY (8 random letters/digits, as NNI), ``name``, ``status`` (CREATED, RUNNING, DONE,
    STOPPED, ERROR), ``message`` (why it ended, if not DONE), ``created_at``, ``started_at``, ``ended_at``,
    ``config`` (JSON: the whole resolved configuration), ``search_space`` (JSON, NNI format), ``command``
    (JSON list: the trial argv prefix), ``code_dir``, ``optimize_mode`` (maximize/minimize), ``tuner``,
    ``assessor``, ``max_trials`` (INTEGER, NULL = unlimited), ``max_duration`` (seconds, NULL = unlimited),
    ``concurrency``, ``revision`` (code revision, bumped by watch mode), ``parent_id`` (experiment this one
    was derived from), ``owner_pid``, ``owner_host``, ``heartbeat_at`` (the owning runner refreshes it every
    few seconds; a runner whose heartbeat is old or whose pid is gone no longer owns the experiment),
    ``change_seq`` (INTEGER: bumped by every write that concerns this experiment; see below).

``trials`` (one row per trial), PRIMARY KEY (``experiment_id``, ``id``)
    ``id`` (5 letters/digits, unique in its experiment), ``seq`` (0, 1, 2, ... in submission order),
    ``status`` (WAITING, RUNNING, SUCCEEDED, FAILED, EARLY_STOPPED, USER_CANCELED, SYS_CANCELED),
    ``params`` (JSON object keyed like the search space), ``final_default`` (REAL: the final metric's number,
    used for ranking; NULL if none), ``final_metric`` (JSON: the final metric exactly as reported, a number or
    a dict), ``intermediate_count``, ``last_intermediate`` (REAL), ``exit_code``, ``stderr_tail`` (TEXT),
    ``message`` (why it failed or stopped; cleared when it ends well), ``created_at``, ``started_at``,
    ``ended_at``, ``dir`` (the directory of the attempt that counts: parameter.cfg, .nni/metrics, stdout,
    stderr), ``command`` (JSON list: the argv it ran), ``revision``, ``updated_seq`` (the experiment's
    ``change_seq`` at the trial's last change), ``attempt`` (INTEGER, since version 2: 0 before the trial
    first starts, then 1, 2, ... for each time it is started; a trial interrupted by a stop or a lost runner
    runs again as a new attempt, in a directory of its own).

    Only the attempt that counts has results in the store: starting or requeueing an attempt clears the
    earlier attempt's intermediates, final result, exit code and stderr tail, and results written for any
    other attempt than the trial's current one are ignored. The status history keeps every attempt's
    statuses and messages (an interruption stays visible there).

``intermediates``, PRIMARY KEY (``experiment_id``, ``trial_id``, ``seq``)
    ``seq`` (0, 1, ... as reported), ``value_default`` (REAL), ``value`` (JSON, as reported), ``created_at``,
    ``change_seq`` (the experiment's ``change_seq`` when it was written).

``status_history``
    ``id`` INTEGER PRIMARY KEY, ``experiment_id``, ``trial_id`` (NULL for the experiment's own status),
    ``status``, ``at``, ``message``.

``actions`` (requests to the owning runner)
    ``id`` INTEGER PRIMARY KEY, ``experiment_id``, ``kind`` (kill_trial, stop_experiment, rerun_failed,
    add_trial, update_limits), ``payload`` (JSON), ``created_at``, ``applied_at`` (NULL until the runner
    has applied it), ``result`` (TEXT: "ok" or why it was refused).

Live updates: a reader remembers an experiment's ``change_seq`` and later asks for trials with
``updated_seq`` greater than it and intermediates with ``change_seq`` greater than it (both indexed).
"""

from __future__ import annotations

import sqlite3

from nniannot.errors import StoreError

SCHEMA_VERSION = 2

_DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS experiments (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    message TEXT,
    created_at REAL NOT NULL,
    started_at REAL,
    ended_at REAL,
    config TEXT NOT NULL DEFAULT '{}',
    search_space TEXT NOT NULL DEFAULT '{}',
    command TEXT NOT NULL DEFAULT '[]',
    code_dir TEXT,
    optimize_mode TEXT NOT NULL DEFAULT 'maximize',
    tuner TEXT,
    assessor TEXT,
    max_trials INTEGER,
    max_duration REAL,
    concurrency INTEGER NOT NULL DEFAULT 1,
    revision INTEGER NOT NULL DEFAULT 0,
    parent_id TEXT,
    owner_pid INTEGER,
    owner_host TEXT,
    heartbeat_at REAL,
    change_seq INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS trials (
    experiment_id TEXT NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    status TEXT NOT NULL,
    params TEXT NOT NULL DEFAULT '{}',
    final_default REAL,
    final_metric TEXT,
    intermediate_count INTEGER NOT NULL DEFAULT 0,
    last_intermediate REAL,
    exit_code INTEGER,
    stderr_tail TEXT,
    message TEXT,
    created_at REAL NOT NULL,
    started_at REAL,
    ended_at REAL,
    dir TEXT,
    command TEXT NOT NULL DEFAULT '[]',
    revision INTEGER NOT NULL DEFAULT 0,
    updated_seq INTEGER NOT NULL DEFAULT 0,
    attempt INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (experiment_id, id),
    UNIQUE (experiment_id, seq)
);
CREATE INDEX IF NOT EXISTS trials_by_status ON trials (experiment_id, status);
CREATE INDEX IF NOT EXISTS trials_by_final ON trials (experiment_id, final_default);
CREATE INDEX IF NOT EXISTS trials_by_update ON trials (experiment_id, updated_seq);
CREATE TABLE IF NOT EXISTS intermediates (
    experiment_id TEXT NOT NULL,
    trial_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    value_default REAL NOT NULL,
    value TEXT NOT NULL,
    created_at REAL NOT NULL,
    change_seq INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (experiment_id, trial_id, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS intermediates_by_change ON intermediates (experiment_id, change_seq);
CREATE TABLE IF NOT EXISTS status_history (
    id INTEGER PRIMARY KEY,
    experiment_id TEXT NOT NULL,
    trial_id TEXT,
    status TEXT NOT NULL,
    at REAL NOT NULL,
    message TEXT
);
CREATE INDEX IF NOT EXISTS history_by_trial ON status_history (experiment_id, trial_id);
CREATE TABLE IF NOT EXISTS actions (
    id INTEGER PRIMARY KEY,
    experiment_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    created_at REAL NOT NULL,
    applied_at REAL,
    result TEXT
);
CREATE INDEX IF NOT EXISTS actions_pending ON actions (experiment_id, applied_at);
"""
# Tables added within a schema version: older code ignores them, so every writer creates them if missing.
_ADDITIVE = """
CREATE TABLE IF NOT EXISTS notes (
    experiment_id TEXT NOT NULL,
    trial_id TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (experiment_id, trial_id)
)
"""


def create_or_check(conn: sqlite3.Connection, path: str) -> None:
    """Create the schema in an empty database, upgrade an older one in place, or check that it is ours.

    The tables and the version row are written in one transaction, so a reader never sees a half-made store;
    an upgrade is one transaction too (a store is never left between two versions).
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        if _has_meta(conn):
            _upgrade(conn, path)
        else:
            for statement in _DDL.split(";"):  # not executescript: it would commit our transaction first
                if statement.strip():
                    conn.execute(statement)
            conn.execute(_ADDITIVE)
        conn.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
        )
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    if conn.in_transaction:
        conn.execute("COMMIT")
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    check_version(row[0] if row else None, path)


def _has_meta(conn: sqlite3.Connection) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone()
    return row is not None


def _upgrade(conn: sqlite3.Connection, path: str) -> None:
    """Bring an existing store up to this version (inside the caller's transaction)."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    if row is not None and str(row[0]) == str(SCHEMA_VERSION):
        conn.execute(_ADDITIVE)
        return
    if row is None or not str(row[0]).isdigit() or int(row[0]) >= SCHEMA_VERSION:
        return  # newer or unreadable: check_version says which
    if int(row[0]) < 1:
        raise StoreError(f"{path} has an unknown old schema version {row[0]}")
    if int(row[0]) == 1:
        # Version 1 had no attempts: a trial that has a directory was started once.
        conn.execute("ALTER TABLE trials ADD COLUMN attempt INTEGER NOT NULL DEFAULT 0")
        conn.execute("UPDATE trials SET attempt = 1 WHERE dir IS NOT NULL")
    conn.execute(_ADDITIVE)
    conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))


def check_version(value: str | None, path: str) -> None:
    """Raise StoreError unless ``value`` is this code's schema version."""
    if value is None:
        raise StoreError(f"{path} is not an nni-annot store (no schema version)")
    try:
        version = int(value)
    except ValueError:
        raise StoreError(f"{path} has an unreadable schema version {value!r}") from None
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path} was written by a newer nni-annot (schema {version}; this one reads {SCHEMA_VERSION}); "
            "upgrade nni-annot"
        )
    if version < SCHEMA_VERSION:
        raise StoreError(f"{path} has the old schema version {version}; open it for writing to upgrade it")
