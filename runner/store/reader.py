"""Read access to the store: what ``list``, ``show``, ``export`` and the viewer use.

Every method returns plain dataclasses (see :mod:`nniannot.runner.store.records`) or dicts and raises only
StoreError (ExperimentNotFound for an unknown experiment). A reader never blocks the runner (WAL).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Sequence
from typing import Any

from nniannot.errors import ExperimentNotFound, StoreError
from nniannot.runner.store.connection import connect_reader, translated
from nniannot.runner.store.records import (
    ACTION_KINDS,
    TRIAL_STATUSES,
    Action,
    Changes,
    Experiment,
    Intermediate,
    StatusChange,
    Trial,
)

# Sort keys for list_trials -> SQL expression. "best" is resolved per optimize mode.
_ORDER = {
    "seq": "seq",
    "id": "id",
    "status": "status",
    "final": "final_default",
    "started": "started_at",
    "ended": "ended_at",
    "duration": "(ended_at - started_at)",
    "intermediate": "last_intermediate",
}


class StoreReader:
    """A read-only view of the store at ``path``. Use as a context manager or call :meth:`close`.

    A reader may be shared between threads as long as one thread uses it at a time.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._conn = self._connect()

    def _connect(self) -> sqlite3.Connection:
        return connect_reader(self.path)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> StoreReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _rows(self, sql: str, args: Sequence[Any] = (), doing: str = "read the store") -> list[sqlite3.Row]:
        with translated(self.path, doing):
            return self._conn.execute(sql, args).fetchall()

    # experiments -------------------------------------------------------------------------------------

    def resolve(self, ref: str) -> str:
        """The id of the experiment ``ref`` names: an id, a unique id prefix, a unique name, or ``latest``."""
        if ref == "latest":
            rows = self._rows("SELECT id FROM experiments ORDER BY created_at DESC, rowid DESC LIMIT 1")
            if not rows:
                raise ExperimentNotFound(f"no experiments yet in {self.path}")
            return rows[0]["id"]
        if self._rows("SELECT id FROM experiments WHERE id = ?", (ref,)):
            return ref
        prefix = ref.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        ids = [
            r["id"] for r in self._rows("SELECT id FROM experiments WHERE id LIKE ? ESCAPE '\\'", (prefix,))
        ]
        if not ids:
            ids = [r["id"] for r in self._rows("SELECT id FROM experiments WHERE name = ?", (ref,))]
        if len(ids) == 1:
            return ids[0]
        if not ids:
            raise ExperimentNotFound(f"no experiment {ref!r} (see `nni-annot list`)")
        raise ExperimentNotFound(f"{ref!r} is ambiguous: it matches {', '.join(sorted(ids)[:10])}")

    def list_experiments(self) -> list[Experiment]:
        """Every experiment, newest first, with trial counts and best value."""
        rows = self._rows("SELECT * FROM experiments ORDER BY created_at DESC, rowid DESC")
        counts = self._all_counts()
        return [self._with_summary(row, counts.get(row["id"], {})) for row in rows]

    def get_experiment(self, exp_id: str) -> Experiment:
        """One experiment by exact id, with counts and best value; ExperimentNotFound if absent."""
        rows = self._rows("SELECT * FROM experiments WHERE id = ?", (exp_id,))
        if not rows:
            raise ExperimentNotFound(f"no experiment {exp_id!r}")
        return self._with_summary(rows[0], self.trial_counts(exp_id))

    def change_seq(self, exp_id: str) -> int:
        """The experiment's change counter (grows with every write about it)."""
        rows = self._rows("SELECT change_seq FROM experiments WHERE id = ?", (exp_id,))
        if not rows:
            raise ExperimentNotFound(f"no experiment {exp_id!r}")
        return int(rows[0][0])

    def _all_counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for r in self._rows("SELECT experiment_id, status, COUNT(*) AS n FROM trials GROUP BY 1, 2"):
            out.setdefault(r["experiment_id"], {})[r["status"]] = r["n"]
        return out

    def trial_counts(self, exp_id: str, revision: int | None = None) -> dict[str, int]:
        """Number of trials by status (every status present, zeros included)."""
        sql = "SELECT status, COUNT(*) AS n FROM trials WHERE experiment_id = ?"
        args: list[Any] = [exp_id]
        if revision is not None:
            sql, args = sql + " AND revision = ?", [*args, revision]
        rows = self._rows(sql + " GROUP BY status", args)
        return {**dict.fromkeys(TRIAL_STATUSES, 0), **{r["status"]: r["n"] for r in rows}}

    def _with_summary(self, row: sqlite3.Row, counts: dict[str, int]) -> Experiment:
        best = self._best_row(row["id"], row["optimize_mode"])
        return Experiment.from_row(
            row,
            counts={**dict.fromkeys(TRIAL_STATUSES, 0), **counts},
            best_value=best["final_default"] if best else None,
            best_trial_id=best["id"] if best else None,
            best_params=json.loads(best["params"]) if best else None,
        )

    def _best_row(self, exp_id: str, mode: str) -> sqlite3.Row | None:
        direction = "ASC" if mode == "minimize" else "DESC"
        rows = self._rows(
            "SELECT id, final_default, params FROM trials WHERE experiment_id = ? AND final_default IS NOT NULL"
            f" ORDER BY final_default {direction}, seq LIMIT 1",
            (exp_id,),
        )
        return rows[0] if rows else None

    # trials ------------------------------------------------------------------------------------------

    def best_trial(self, exp_id: str) -> Trial | None:
        """The trial with the best final metric for the experiment's optimize mode (None if none yet)."""
        exp = self._rows("SELECT optimize_mode FROM experiments WHERE id = ?", (exp_id,))
        if not exp:
            raise ExperimentNotFound(f"no experiment {exp_id!r}")
        best = self._best_row(exp_id, exp[0]["optimize_mode"])
        return self.get_trial(exp_id, best["id"]) if best else None

    def get_trial(self, exp_id: str, trial_id: str) -> Trial:
        rows = self._rows("SELECT * FROM trials WHERE experiment_id = ? AND id = ?", (exp_id, trial_id))
        if not rows:
            raise StoreError(f"experiment {exp_id} has no trial {trial_id!r}")
        return Trial.from_row(rows[0])

    def list_trials(
        self,
        exp_id: str,
        *,
        status: str | Iterable[str] | None = None,
        revision: int | None = None,
        order_by: str = "seq",
        descending: bool = False,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Trial]:
        """A page of an experiment's trials.

        Args:
            status: one status or several to keep (default: all).
            order_by: seq, id, status, final, started, ended, duration, intermediate, or ``best`` (final
                metric best first for the experiment's optimize mode). Missing values sort last.
            limit/offset: the page (default: every trial).
        """
        where, args = self._trial_filter(exp_id, status, revision)
        if order_by == "best":
            mode = self._rows("SELECT optimize_mode FROM experiments WHERE id = ?", (exp_id,))
            descending = bool(mode) and mode[0]["optimize_mode"] != "minimize"
            order_by = "final"
        if order_by not in _ORDER:
            raise StoreError(f"cannot sort trials by {order_by!r}; use one of best, {', '.join(_ORDER)}")
        direction = "DESC" if descending else "ASC"
        sql = f"SELECT * FROM trials WHERE {where} ORDER BY {_ORDER[order_by]} {direction} NULLS LAST, seq"
        if limit is not None or offset:
            sql, args = sql + " LIMIT ? OFFSET ?", [*args, -1 if limit is None else limit, offset]
        return [Trial.from_row(r) for r in self._rows(sql, args)]

    def count_trials(
        self, exp_id: str, *, status: str | Iterable[str] | None = None, revision: int | None = None
    ) -> int:
        where, args = self._trial_filter(exp_id, status, revision)
        return int(self._rows(f"SELECT COUNT(*) FROM trials WHERE {where}", args)[0][0])

    @staticmethod
    def _trial_filter(
        exp_id: str, status: str | Iterable[str] | None, revision: int | None
    ) -> tuple[str, list[Any]]:
        where: str = "experiment_id = ?"
        args: list[Any] = [exp_id]
        if status is not None:
            wanted = [status] if isinstance(status, str) else list(status)
            where += f" AND status IN ({', '.join('?' * len(wanted))})" if wanted else " AND 0"
            args += wanted
        if revision is not None:
            where, args = where + " AND revision = ?", [*args, revision]
        return where, args

    # metrics, history, live updates ------------------------------------------------------------------

    def intermediates(self, exp_id: str, trial_ids: str | Iterable[str] | None = None) -> list[Intermediate]:
        """Intermediate results of one trial, of several, or (None) of every trial, by trial then seq."""
        sql, args = "SELECT * FROM intermediates WHERE experiment_id = ?", [exp_id]
        if trial_ids is not None:
            ids = [trial_ids] if isinstance(trial_ids, str) else list(trial_ids)
            sql += f" AND trial_id IN ({', '.join('?' * len(ids))})" if ids else " AND 0"
            args += ids
        return [Intermediate.from_row(r) for r in self._rows(sql + " ORDER BY trial_id, seq", args)]

    def curves(self, exp_id: str, trial_ids: Iterable[str] | None = None) -> dict[str, list[float]]:
        """Each trial's intermediate numbers (``default``) in report order; cheap for thousands of trials."""
        sql, args = "SELECT trial_id, value_default FROM intermediates WHERE experiment_id = ?", [exp_id]
        if trial_ids is not None:
            ids = list(trial_ids)
            sql += f" AND trial_id IN ({', '.join('?' * len(ids))})" if ids else " AND 0"
            args += ids
        out: dict[str, list[float]] = {}
        for trial_id, value in self._rows(sql + " ORDER BY trial_id, seq", args):
            out.setdefault(trial_id, []).append(value)
        return out

    def changes_since(self, exp_id: str, change_seq: int) -> Changes:
        """Trials and intermediates written after ``change_seq`` (0: everything), and the new counter.

        Trials come in seq order, intermediates in the order they were written.
        """
        with translated(self.path, "read changes"):
            self._conn.execute("BEGIN")  # one snapshot for the three queries
            try:
                exp = self.get_experiment(exp_id)
                trials = self._rows(
                    "SELECT * FROM trials WHERE experiment_id = ? AND updated_seq > ? ORDER BY seq",
                    (exp_id, change_seq),
                )
                inter = self._rows(
                    # ordered by the index so the planner uses it rather than the primary key
                    "SELECT * FROM intermediates WHERE experiment_id = ? AND change_seq > ? ORDER BY change_seq",
                    (exp_id, change_seq),
                )
            finally:
                self._conn.execute("COMMIT")
        return Changes(
            exp.change_seq,
            exp,
            [Trial.from_row(r) for r in trials],
            [Intermediate.from_row(r) for r in inter],
        )

    def status_history(self, exp_id: str, trial_id: str | None = None) -> list[StatusChange]:
        """Statuses entered, oldest first: the experiment's own (``trial_id`` None) or one trial's."""
        cond = "trial_id IS NULL" if trial_id is None else "trial_id = ?"
        args = [exp_id] if trial_id is None else [exp_id, trial_id]
        rows = self._rows(
            f"SELECT trial_id, status, at, message FROM status_history WHERE experiment_id = ? AND {cond}"
            " ORDER BY id",
            args,
        )
        return [StatusChange(r["trial_id"], r["status"], r["at"], r["message"]) for r in rows]

    def actions(self, exp_id: str, *, pending_only: bool = False) -> list[Action]:
        sql = "SELECT * FROM actions WHERE experiment_id = ?" + (
            " AND applied_at IS NULL" if pending_only else ""
        )
        return [Action.from_row(r) for r in self._rows(sql + " ORDER BY id", (exp_id,))]

    def note(self, exp_id: str, trial_id: str | None = None) -> str:
        """The markdown note on the experiment (``trial_id`` None) or one of its trials ('' if none).

        A store last written by a version without notes has no notes table: no notes.
        """
        try:
            rows = self._conn.execute(
                "SELECT text FROM notes WHERE experiment_id = ? AND trial_id = ?", (exp_id, trial_id or "")
            ).fetchall()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return ""
            raise
        return str(rows[0]["text"]) if rows else ""

    def post_action(self, exp_id: str, kind: str, payload: dict[str, Any] | None = None) -> int:
        """Ask the runner that owns ``exp_id`` to do something; returns the action's id.

        Kinds: kill_trial {"trial_id"}, stop_experiment {}, rerun_failed {}, add_trial {"params"},
        update_limits {"max_trials"?, "max_duration"?, "concurrency"?}. The runner applies it within
        a fraction of a second and records ``applied_at`` and ``result``.
        """
        if kind not in ACTION_KINDS:
            raise StoreError(f"unknown action {kind!r}; actions are {', '.join(ACTION_KINDS)}")
        self.get_experiment(exp_id)
        from nniannot.runner.store.connection import connect_writer

        conn = connect_writer(self.path)
        try:
            with translated(self.path, "post an action"):
                cur = conn.execute(
                    "INSERT INTO actions (experiment_id, kind, payload, created_at) VALUES (?, ?, ?, ?)",
                    (exp_id, kind, json.dumps(payload or {}), time.time()),
                )
                return int(cur.lastrowid or 0)
        finally:
            conn.close()
