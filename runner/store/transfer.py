"""An experiment's rows, all of them, out of one store and into another (``nni-annot save`` / ``load``).

:func:`dump_rows` reads every row about one experiment in a single read transaction, so a dump is a
consistent picture even while other processes write. :func:`insert_rows` writes such a dump into a store in
one transaction: the experiment appears whole or not at all. Rows are plain ``{column: value}`` dicts with
the values as stored (JSON columns stay JSON text).
"""

from __future__ import annotations

from typing import Any

from nniannot.errors import StoreError
from nniannot.runner.store.connection import translated
from nniannot.runner.store.reader import StoreReader
from nniannot.runner.store.writer import Store

# Table -> the query selecting an experiment's rows. Row ids of the history and of applied actions are
# local to a store and not copied; pending actions were meant for a runner of the old home and are dropped.
_TABLES: dict[str, str] = {
    "experiments": "SELECT * FROM experiments WHERE id = ?",
    "trials": "SELECT * FROM trials WHERE experiment_id = ? ORDER BY seq",
    "intermediates": "SELECT * FROM intermediates WHERE experiment_id = ? ORDER BY trial_id, seq",
    "status_history": "SELECT * FROM status_history WHERE experiment_id = ? ORDER BY id",
    "actions": "SELECT * FROM actions WHERE experiment_id = ? AND applied_at IS NOT NULL ORDER BY id",
}
_LOCAL_IDS = {"status_history": "id", "actions": "id"}
Rows = dict[str, list[dict[str, Any]]]


def dump_rows(reader: StoreReader, exp_id: str) -> Rows:
    """Every row about experiment ``exp_id``, read in one transaction; ExperimentNotFound if there is none."""
    reader.get_experiment(exp_id)
    conn = reader._conn
    with translated(reader.path, "read an experiment for saving"):
        conn.execute("BEGIN")
        try:
            rows: Rows = {}
            for table, sql in _TABLES.items():
                skip = _LOCAL_IDS.get(table)
                rows[table] = [
                    {k: row[k] for k in dict(row) if k != skip} for row in conn.execute(sql, (exp_id,))
                ]
        finally:
            conn.execute("COMMIT")
    return rows


def table_columns(reader: StoreReader) -> dict[str, set[str]]:
    """The columns of each table :func:`dump_rows` reads, as this store has them."""
    return {table: {row["name"] for row in reader._rows(f"PRAGMA table_info({table})")} for table in _TABLES}


def insert_rows(store: Store, rows: Rows) -> None:
    """Add a dump's rows to ``store`` in one transaction.

    Raises:
        StoreError: the experiment's id is already in the store, a row names a column the store does not
            have, or the write fails (then nothing was written).
    """
    columns = table_columns(store)
    for table, table_rows in rows.items():
        if table not in columns:
            raise StoreError(f"the saved records have an unknown table {table!r}")
        for row in table_rows:
            unknown = set(row) - columns[table]
            if unknown:
                raise StoreError(f"the saved {table} rows have unknown columns: {', '.join(sorted(unknown))}")
    exp_id = rows["experiments"][0]["id"]
    with store._tx("load an experiment") as conn:
        if conn.execute("SELECT 1 FROM experiments WHERE id = ?", (exp_id,)).fetchone():
            raise StoreError(f"experiment {exp_id} already exists in {store.path}")
        for table in _TABLES:
            for row in rows.get(table, []):
                names = list(row)
                marks = ", ".join("?" for _ in names)
                conn.execute(
                    f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})", [row[n] for n in names]
                )


__all__ = ["Rows", "dump_rows", "insert_rows", "table_columns"]
