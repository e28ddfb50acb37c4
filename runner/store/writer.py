"""Write access to the store: what the runner that owns an experiment uses.

Every write about an experiment bumps its ``change_seq`` in the same transaction and stamps the rows it
touched with the new value, so readers can fetch only what changed.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import sqlite3
import string
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from nniannot.errors import ExperimentNotFound, StoreError
from nniannot.runner.bounds import check_int, check_seconds
from nniannot.runner.store.connection import connect_writer, translated
from nniannot.runner.store.reader import StoreReader
from nniannot.runner.store.records import (
    CREATED,
    EXP_RUNNING,
    EXPERIMENT_STATUSES,
    FINISHED_STATUSES,
    RUNNING,
    TRIAL_STATUSES,
    WAITING,
    Action,
    Experiment,
    Trial,
)

_ALPHABET = string.ascii_letters + string.digits
_EXPERIMENT_FIELDS = frozenset(
    {"name", "config", "search_space", "command", "code_dir", "optimize_mode", "tuner", "assessor",
     "max_trials", "max_duration", "concurrency", "revision", "parent_id", "message"}
)  # fmt: skip
_TRIAL_FIELDS = frozenset({"params", "dir", "command", "message", "stderr_tail", "exit_code", "revision"})
_JSON_FIELDS = frozenset({"config", "search_space", "command", "params"})


def _check_limits(fields: Mapping[str, Any]) -> None:
    """ConfigError unless every limit in ``fields`` is None or inside its range (see runner/bounds.py)."""
    for name in ("max_trials", "concurrency"):
        if fields.get(name) is not None:
            check_int(name, fields[name])
    if fields.get("max_duration") is not None:
        check_seconds("max_duration", fields["max_duration"])


def _random_id(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def _column_value(name: str, value: Any) -> Any:
    return json.dumps(value) if name in _JSON_FIELDS else value


class Store(StoreReader):
    """The store opened for writing (created if new). Everything a :class:`StoreReader` does, plus writes.

    One process writes an experiment's results: the runner that owns it (see :meth:`claim`).
    """

    def _connect(self) -> sqlite3.Connection:
        return connect_writer(self.path)

    @contextmanager
    def _tx(self, doing: str) -> Iterator[sqlite3.Connection]:
        with translated(self.path, doing):
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _bump(self, conn: sqlite3.Connection, exp_id: str) -> int:
        row = conn.execute(
            "UPDATE experiments SET change_seq = change_seq + 1 WHERE id = ? RETURNING change_seq", (exp_id,)
        ).fetchone()
        if row is None:
            raise StoreError(f"no experiment {exp_id!r}")
        return int(row[0])

    # experiments -------------------------------------------------------------------------------------

    def create_experiment(
        self, *, exp_id: str | None = None, status: str = CREATED, **fields: Any
    ) -> Experiment:
        """Insert a new experiment (fields as in the schema) and return it. The id is generated if not given."""
        unknown = set(fields) - _EXPERIMENT_FIELDS
        if unknown:
            raise StoreError(f"unknown experiment field(s): {', '.join(sorted(unknown))}")
        _check_limits(fields)
        now = time.time()
        with self._tx("create an experiment") as conn:
            new_id = exp_id or self._fresh_id(conn, "experiments", 8)
            cols = ["id", "status", "created_at", *fields]
            values = [new_id, status, now, *(_column_value(k, v) for k, v in fields.items())]
            conn.execute(
                f"INSERT INTO experiments ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", values
            )
            self._history(conn, new_id, None, status, now, None)
        return self.get_experiment(new_id)

    def _fresh_id(self, conn: sqlite3.Connection, table: str, length: int, exp_id: str = "") -> str:
        where = "id = ?" if table == "experiments" else "experiment_id = ? AND id = ?"
        while True:
            candidate = _random_id(length)
            args = (candidate,) if table == "experiments" else (exp_id, candidate)
            if conn.execute(f"SELECT 1 FROM {table} WHERE {where}", args).fetchone() is None:
                return candidate

    def update_experiment(self, exp_id: str, **fields: Any) -> None:
        """Change some of an experiment's fields (limits, search space, revision, ...)."""
        unknown = set(fields) - _EXPERIMENT_FIELDS
        if unknown:
            raise StoreError(f"unknown experiment field(s): {', '.join(sorted(unknown))}")
        if not fields:
            return
        _check_limits(fields)
        sets = ", ".join(f"{k} = ?" for k in fields)
        with self._tx("update an experiment") as conn:
            self._bump(conn, exp_id)
            conn.execute(
                f"UPDATE experiments SET {sets} WHERE id = ?",
                [*(_column_value(k, v) for k, v in fields.items()), exp_id],
            )

    def set_experiment_status(self, exp_id: str, status: str, message: str | None = None) -> None:
        """Record the experiment's new status; RUNNING stamps started_at (first time) and clears ended_at."""
        if status not in EXPERIMENT_STATUSES:
            raise StoreError(f"unknown experiment status {status!r}")
        now = time.time()
        with self._tx("record the experiment status") as conn:
            self._bump(conn, exp_id)
            if status == EXP_RUNNING:
                conn.execute(
                    "UPDATE experiments SET status = ?, message = NULL, ended_at = NULL,"
                    " started_at = COALESCE(started_at, ?) WHERE id = ?",
                    (status, now, exp_id),
                )
            else:
                conn.execute(
                    "UPDATE experiments SET status = ?, message = ?, ended_at = ? WHERE id = ?",
                    (status, message, now, exp_id),
                )
            self._history(conn, exp_id, None, status, now, message)

    def delete_experiment(self, exp_id: str) -> None:
        """Remove an experiment and everything recorded about it (not its files)."""
        with self._tx("delete an experiment") as conn:
            for table in ("intermediates", "status_history", "actions", "notes", "trials"):
                conn.execute(f"DELETE FROM {table} WHERE experiment_id = ?", (exp_id,))
            conn.execute("DELETE FROM experiments WHERE id = ?", (exp_id,))

    def set_note(self, exp_id: str, trial_id: str | None, text: str) -> None:
        """Keep ``text`` (markdown) as the note on the experiment (``trial_id`` None) or one of its trials;
        an empty text removes the note. Notes do not bump ``change_seq``: they are not results."""
        with self._tx("save a note") as conn:
            if conn.execute("SELECT 1 FROM experiments WHERE id = ?", (exp_id,)).fetchone() is None:
                raise ExperimentNotFound(f"no experiment {exp_id!r}")
            if text.strip():
                conn.execute(
                    "INSERT INTO notes (experiment_id, trial_id, text, updated_at) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (experiment_id, trial_id) DO UPDATE SET text = excluded.text,"
                    " updated_at = excluded.updated_at",
                    (exp_id, trial_id or "", text, time.time()),
                )
            else:
                conn.execute(
                    "DELETE FROM notes WHERE experiment_id = ? AND trial_id = ?", (exp_id, trial_id or "")
                )

    # ownership ---------------------------------------------------------------------------------------

    def claim(self, exp_id: str, stale_after: float = 30.0) -> None:
        """Make this process the experiment's owner; StoreError if a live runner already owns it.

        An owner is live if its heartbeat is younger than ``stale_after`` seconds and, on this host, its
        process still exists.
        """
        pid, host, now = os.getpid(), socket.gethostname(), time.time()
        with self._tx("claim the experiment") as conn:
            row = conn.execute(
                "SELECT owner_pid, owner_host, heartbeat_at FROM experiments WHERE id = ?", (exp_id,)
            ).fetchone()
            if row is None:
                raise StoreError(f"no experiment {exp_id!r}")
            mine = row["owner_pid"] == pid and row["owner_host"] == host
            if not mine and owner_alive(
                row["owner_pid"], row["owner_host"], row["heartbeat_at"], stale_after, now=now
            ):
                raise StoreError(
                    f"experiment {exp_id} is already running (runner pid {row['owner_pid']} on "
                    f"{row['owner_host']}); stop it with `nni-annot stop {exp_id}` first"
                )
            conn.execute(
                "UPDATE experiments SET owner_pid = ?, owner_host = ?, heartbeat_at = ? WHERE id = ?",
                (pid, host, now, exp_id),
            )

    def heartbeat(self, exp_id: str) -> None:
        with translated(self.path, "refresh the heartbeat"):
            self._conn.execute("UPDATE experiments SET heartbeat_at = ? WHERE id = ?", (time.time(), exp_id))

    def release(self, exp_id: str) -> None:
        """Give up ownership (only if this process owns the experiment)."""
        with translated(self.path, "release the experiment"):
            self._conn.execute(
                "UPDATE experiments SET owner_pid = NULL, heartbeat_at = NULL WHERE id = ? AND owner_pid = ?",
                (exp_id, os.getpid()),
            )

    # trials ------------------------------------------------------------------------------------------

    def add_trial(
        self,
        exp_id: str,
        params: Mapping[str, Any],
        *,
        dir_root: str | None = None,
        command: list[str] | None = None,
        revision: int = 0,
        trial_id: str | None = None,
    ) -> Trial:
        """Insert a WAITING trial with the next seq and ``trial_id`` (generated if None; StoreError if taken).

        Its dir is ``dir_root/<id>`` when ``dir_root`` is given.
        """
        now = time.time()
        with self._tx("add a trial") as conn:
            change = self._bump(conn, exp_id)
            if trial_id is None:
                trial_id = self._fresh_id(conn, "trials", 5, exp_id)
            elif conn.execute(
                "SELECT 1 FROM trials WHERE experiment_id = ? AND id = ?", (exp_id, trial_id)
            ).fetchone():
                raise StoreError(f"experiment {exp_id} already has a trial {trial_id!r}")
            seq = conn.execute(
                "SELECT COALESCE(MAX(seq) + 1, 0) FROM trials WHERE experiment_id = ?", (exp_id,)
            ).fetchone()[0]
            conn.execute(
                "INSERT INTO trials (experiment_id, id, seq, status, params, created_at, dir, command,"
                " revision, updated_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (exp_id, trial_id, seq, WAITING, json.dumps(dict(params)), now,
                 os.path.join(dir_root, trial_id) if dir_root else None, json.dumps(command or []),
                 revision, change),
            )  # fmt: skip
            self._history(conn, exp_id, trial_id, WAITING, now, None)
        return self.get_trial(exp_id, trial_id)

    def update_trial(self, exp_id: str, trial_id: str, **fields: Any) -> None:
        """Change some of a trial's fields: params, dir, command, message, stderr_tail, exit_code."""
        unknown = set(fields) - _TRIAL_FIELDS
        if unknown:
            raise StoreError(f"unknown trial field(s): {', '.join(sorted(unknown))}")
        with self._tx("update a trial") as conn:
            change = self._bump(conn, exp_id)
            sets = "".join(f", {k} = ?" for k in fields)
            conn.execute(
                f"UPDATE trials SET updated_seq = ?{sets} WHERE experiment_id = ? AND id = ?",
                [change, *(_column_value(k, v) for k, v in fields.items()), exp_id, trial_id],
            )

    def set_trial_status(
        self,
        exp_id: str,
        trial_id: str,
        status: str,
        *,
        message: str | None = None,
        exit_code: int | None = None,
        stderr_tail: str | None = None,
    ) -> None:
        """Record a trial's new status. RUNNING stamps started_at; a finished status stamps ended_at.

        A finished status replaces the message with ``message`` (None clears an earlier attempt's "interrupted"
        note); other statuses keep the message unless one is given.
        """
        if status not in TRIAL_STATUSES:
            raise StoreError(f"unknown trial status {status!r}")
        now = time.time()
        with self._tx("record a trial status") as conn:
            change = self._bump(conn, exp_id)
            conn.execute(
                "UPDATE trials SET status = ?, updated_seq = ?,"
                " started_at = CASE WHEN ? THEN ? ELSE started_at END,"
                " ended_at = CASE WHEN ? THEN ? ELSE ended_at END,"
                " message = CASE WHEN ? THEN ? ELSE COALESCE(?, message) END,"
                " exit_code = COALESCE(?, exit_code),"
                " stderr_tail = COALESCE(?, stderr_tail) WHERE experiment_id = ? AND id = ?",
                (status, change, status == RUNNING, now, status in FINISHED_STATUSES, now,
                 status in FINISHED_STATUSES, message, message, exit_code, stderr_tail, exp_id, trial_id),
            )  # fmt: skip
            self._history(conn, exp_id, trial_id, status, now, message)

    def requeue_trial(self, exp_id: str, trial_id: str, message: str) -> None:
        """Put a trial back to WAITING with its attempt's results cleared; it runs again with the same params."""
        now = time.time()
        with self._tx("requeue a trial") as conn:
            change = self._bump(conn, exp_id)
            self._clear_results(conn, exp_id, trial_id)
            conn.execute(
                "UPDATE trials SET status = ?, updated_seq = ?, started_at = NULL, ended_at = NULL,"
                " message = ? WHERE experiment_id = ? AND id = ?",
                (WAITING, change, message, exp_id, trial_id),
            )
            self._history(conn, exp_id, trial_id, WAITING, now, message)

    def begin_attempt(self, exp_id: str, trial_id: str) -> Trial:
        """Start the trial's next attempt: its number goes up by one and earlier results are cleared.

        Returns the trial as it is now (``attempt`` is the new attempt's number). The caller records the
        attempt's ``dir`` and ``command`` with :meth:`update_trial`.
        """
        with self._tx("start a trial attempt") as conn:
            change = self._bump(conn, exp_id)
            self._clear_results(conn, exp_id, trial_id)
            conn.execute(
                "UPDATE trials SET attempt = attempt + 1, updated_seq = ? WHERE experiment_id = ? AND id = ?",
                (change, exp_id, trial_id),
            )
        return self.get_trial(exp_id, trial_id)

    @staticmethod
    def _clear_results(conn: sqlite3.Connection, exp_id: str, trial_id: str) -> None:
        conn.execute("DELETE FROM intermediates WHERE experiment_id = ? AND trial_id = ?", (exp_id, trial_id))
        conn.execute(
            "UPDATE trials SET final_default = NULL, final_metric = NULL, intermediate_count = 0,"
            " last_intermediate = NULL, exit_code = NULL, stderr_tail = NULL WHERE experiment_id = ? AND id = ?",
            (exp_id, trial_id),
        )

    @staticmethod
    def _is_current(conn: sqlite3.Connection, exp_id: str, trial_id: str, attempt: int | None) -> bool:
        if attempt is None:
            return True
        row = conn.execute(
            "SELECT attempt FROM trials WHERE experiment_id = ? AND id = ?", (exp_id, trial_id)
        ).fetchone()
        return row is not None and row[0] == attempt

    def add_intermediate(
        self, exp_id: str, trial_id: str, seq: int, default: float, value: Any, *, attempt: int | None = None
    ) -> None:
        """Record one intermediate result (a repeated ``seq`` replaces the earlier value).

        With ``attempt``, the result is ignored unless that attempt is the trial's current one.
        """
        with self._tx("record an intermediate result") as conn:
            if not self._is_current(conn, exp_id, trial_id, attempt):
                return
            change = self._bump(conn, exp_id)
            # a new seq adds one to the count; counting the trial's rows instead costs O(k) per result
            replaced = conn.execute(
                "SELECT 1 FROM intermediates WHERE experiment_id = ? AND trial_id = ? AND seq = ?",
                (exp_id, trial_id, seq),
            ).fetchone()
            conn.execute(
                "INSERT OR REPLACE INTO intermediates (experiment_id, trial_id, seq, value_default, value,"
                " created_at, change_seq) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (exp_id, trial_id, seq, default, json.dumps(value), time.time(), change),
            )
            conn.execute(
                "UPDATE trials SET updated_seq = ?, last_intermediate = ?, intermediate_count ="
                " intermediate_count + ? WHERE experiment_id = ? AND id = ?",
                (change, default, 0 if replaced else 1, exp_id, trial_id),
            )

    def set_final(
        self, exp_id: str, trial_id: str, default: float, value: Any, *, attempt: int | None = None
    ) -> None:
        """Record a trial's final metric: ``default`` ranks it, ``value`` is kept as reported.

        With ``attempt``, the result is ignored unless that attempt is the trial's current one.
        """
        with self._tx("record a final result") as conn:
            if not self._is_current(conn, exp_id, trial_id, attempt):
                return
            change = self._bump(conn, exp_id)
            conn.execute(
                "UPDATE trials SET updated_seq = ?, final_default = ?, final_metric = ?"
                " WHERE experiment_id = ? AND id = ?",
                (change, default, json.dumps(value), exp_id, trial_id),
            )

    # actions -----------------------------------------------------------------------------------------

    def take_actions(self, exp_id: str) -> list[Action]:
        """Actions posted for ``exp_id`` and not yet applied, oldest first."""
        return self.actions(exp_id, pending_only=True)

    def finish_action(self, action_id: int, result: str = "ok") -> None:
        with translated(self.path, "record an applied action"):
            self._conn.execute(
                "UPDATE actions SET applied_at = ?, result = ? WHERE id = ?", (time.time(), result, action_id)
            )

    @staticmethod
    def _history(
        conn: sqlite3.Connection,
        exp_id: str,
        trial_id: str | None,
        status: str,
        at: float,
        message: str | None,
    ) -> None:
        conn.execute(
            "INSERT INTO status_history (experiment_id, trial_id, status, at, message) VALUES (?, ?, ?, ?, ?)",
            (exp_id, trial_id, status, at, message),
        )


def owner_alive(
    owner_pid: int | None,
    owner_host: str | None,
    heartbeat_at: float | None,
    stale_after: float = 30.0,
    *,
    now: float | None = None,
) -> bool:
    """Whether a live runner owns an experiment with these owner fields (this process counts, too).

    Live means: a heartbeat younger than ``stale_after`` seconds and, on this host, a process that exists.
    """
    now = time.time() if now is None else now
    if owner_pid is None or heartbeat_at is None or now - heartbeat_at > stale_after:
        return False
    if owner_host != socket.gethostname() or owner_pid == os.getpid():
        return True  # another host's runner cannot be probed; this very process is alive
    try:
        os.kill(owner_pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
