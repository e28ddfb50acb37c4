"""Watch sessions in the experiment list: the revisions of one session stand together.

Watch mode records each revision as an experiment whose ``parent_id`` is the previous revision, so a
session is a chain. The list shows each session as its newest revision with the older ones indented below.
"""

from __future__ import annotations

from typing import Any


def group_revisions(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Order experiment summaries (newest first) so each session's revisions are adjacent, newest first.

    Every row gains ``session`` (the id of the session's first revision), ``head`` (it is the newest revision
    of its session) and ``revisions`` (how many the session has). Sessions keep the order of their newest
    revision; an experiment whose parent is gone starts a session of its own.
    """
    by_id = {row["id"]: row for row in rows}
    sessions: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        sessions.setdefault(_first_revision(row, by_id), []).append(row)
    ordered = []
    for session, members in sessions.items():
        members.sort(key=lambda r: (r["revision"], r["created_at"] or 0), reverse=True)
        for i, row in enumerate(members):
            ordered.append({**row, "session": session, "head": i == 0, "revisions": len(members)})
    return ordered


def _first_revision(row: dict[str, Any], by_id: dict[str, dict[str, Any]]) -> str:
    seen = {row["id"]}
    while row.get("parent_id") in by_id and row["parent_id"] not in seen:  # a cycle in a damaged store ends
        row = by_id[row["parent_id"]]
        seen.add(row["id"])
    return row["id"]
