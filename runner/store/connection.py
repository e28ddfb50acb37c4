"""Opening store connections, and the one place where sqlite3 errors become StoreError."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from nniannot.errors import StoreError
from nniannot.runner.store import schema

BUSY_TIMEOUT_MS = 10_000

_LOCKED = {"SQLITE_BUSY", "SQLITE_LOCKED"}
_FULL = {"SQLITE_FULL"}
_CORRUPT = {"SQLITE_CORRUPT", "SQLITE_NOTADB"}
_READONLY = {"SQLITE_READONLY"}
_CANTOPEN = {"SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH"}


def _family(exc: sqlite3.Error) -> str:
    """The primary result-code name of an sqlite3 error ("" if unknown)."""
    name = getattr(exc, "sqlite_errorname", None) or ""
    return "_".join(name.split("_")[:2])  # SQLITE_BUSY_SNAPSHOT -> SQLITE_BUSY


def store_error(exc: sqlite3.Error | OSError, path: str, doing: str) -> StoreError:
    """A StoreError that says what went wrong with the store at ``path`` in words a user can act on."""
    if isinstance(exc, OSError):
        return StoreError(f"cannot {doing} at {path}: {exc.strerror or exc}")
    family = _family(exc)
    text = str(exc)
    if family in _LOCKED or "locked" in text:
        return StoreError(f"the store {path} is locked by another process (while trying to {doing}); retry")
    if family in _FULL or "full" in text:
        return StoreError(f"the disk holding {path} is full (while trying to {doing}); free some space")
    if family in _CORRUPT or "malformed" in text or "not a database" in text:
        return StoreError(f"{path} is damaged or is not an nni-annot store (while trying to {doing})")
    if family in _READONLY:
        return StoreError(f"{path} is read-only (while trying to {doing})")
    if family in _CANTOPEN:
        return StoreError(f"cannot open the store {path} (while trying to {doing}): {text}")
    return StoreError(f"store error in {path} while trying to {doing}: {text}")


@contextmanager
def translated(path: str, doing: str) -> Iterator[None]:
    """Run a block, turning sqlite3 and OS errors into StoreError."""
    try:
        yield
    except (sqlite3.Error, OSError) as exc:
        raise store_error(exc, path, doing) from None


def connect_writer(path: str) -> sqlite3.Connection:
    """A read-write connection in autocommit mode (transactions are explicit), creating the store if new."""
    with translated(path, "open the store"):
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        conn = sqlite3.connect(
            path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
        )
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        # WAL + NORMAL: a commit is not fsynced, a crash loses at most the last moments, never consistency.
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        schema.create_or_check(conn, path)
    return conn


def connect_reader(path: str) -> sqlite3.Connection:
    """A read-only connection. A missing store is created empty first, so readers of a new home work."""
    if not os.path.exists(path):
        connect_writer(path).close()
    with translated(path, "open the store for reading"):
        uri = "file:" + os.path.abspath(path).replace("?", "%3f").replace("#", "%23") + "?mode=ro"
        conn = sqlite3.connect(
            uri, uri=True, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
        )
        conn.row_factory = sqlite3.Row
        if not _has_tables(conn):
            # The file exists but its creator has not committed the schema yet: wait for it as a writer
            # would (the busy timeout), creating it if that creator went away.
            connect_writer(path).close()
        version = _version(conn)
        if version is not None and version.isdigit() and int(version) < schema.SCHEMA_VERSION:
            connect_writer(path).close()  # an older store: upgrade it in place, then read it as it is now
            version = _version(conn)
        schema.check_version(version, path)
    return conn


def _version(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return None if row is None else str(row[0])


def _has_tables(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0] > 0
