"""The trials table's state in a URL query, and exports of exactly what the table shows.

Query arguments (shared by the trials page, ``/api/.../trials`` and its exports): ``status`` (comma
separated), ``q`` (text search), ``p.<key>`` (a parameter filter, see :class:`nniannot.runner.store.TrialQuery`),
``l.<layer>.<block key>`` (a filter of the candidate chosen for one layer of a mutable block),
``sort`` and ``order`` (``asc``/``desc``), ``page`` (from 1) and ``size``, ``cols`` (comma-separated
optional columns shown: ``param:<key>``, ``metric:<key>``, ``duration``, ...).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from typing import Any

from nniannot.runner.store import TrialQuery
from nniannot.viewer.filters import when

MAX_PAGE = 500
BASE_COLUMNS = ["id", "seq", "status", "final"]
OPTIONAL = ["duration", "reason", "started", "ended", "intermediates", "rank"]


class BadQuery(ValueError):
    """A query argument is malformed (answered with 400 and the message)."""


def int_arg(args: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    """The whole-number URL argument ``name`` in [low, high] (``default`` if absent); BadQuery otherwise."""
    text = args.get(name)
    if text in (None, ""):
        return default
    try:
        value = int(text)
    except ValueError:
        raise BadQuery(f"{name} must be a whole number, got {text!r}") from None
    if not low <= value <= high:
        raise BadQuery(f"{name} must be between {low} and {high}, got {value}")
    return value


def parse_query(
    args: Mapping[str, str], *, everything: bool = False, ranks: Mapping[int, int] | None = None
) -> TrialQuery:
    """The store query for these URL arguments; with ``everything`` the page limits are ignored.

    ``ranks`` (dominance rank by trial seq, for a multi-objective experiment) allows ``sort=rank``."""
    size = int_arg(args, "size", 50, 1, MAX_PAGE)
    page = int_arg(args, "page", 1, 1, 10**9)
    order = args.get("order", "asc")
    if order not in ("asc", "desc"):
        raise BadQuery(f"order must be asc or desc, got {order!r}")
    statuses = tuple(s for s in (args.get("status") or "").split(",") if s)
    params = {k[2:]: v for k, v in args.items() if k.startswith("p.") and len(k) > 2 and v.strip()}
    layers = {}
    for k, v in args.items():
        if k.startswith("l.") and v.strip():
            layer, dot, block = k[2:].partition(".")
            if not (layer and dot and block):
                raise BadQuery(f"a layer filter is l.<layer>.<mutable block key>, got {k!r}")
            layers[(block, layer)] = v
    return TrialQuery(
        statuses=statuses,
        search=args.get("q", ""),
        params=params,
        layers=layers,
        sort=args.get("sort") or "seq",
        descending=order == "desc",
        limit=None if everything else size,
        offset=0 if everything else (page - 1) * size,
        ranks=ranks,
    )


def columns(args: Mapping[str, str], param_keys: list[str], objective_keys: Sequence[str] = ()) -> list[str]:
    """The columns the table shows: the base ones, then ``cols`` (default: every parameter, duration, reason;
    for a multi-objective experiment, its dominance rank and each objective's value first)."""
    chosen = args.get("cols")
    front = ["rank", *(f"metric:{k}" for k in objective_keys)] if objective_keys else []
    default = [*front, *(f"param:{k}" for k in param_keys), "duration", "reason"]
    extra = [c for c in chosen.split(",") if c] if chosen else default
    return BASE_COLUMNS + [c for c in extra if c not in BASE_COLUMNS]


def cell(row: dict[str, Any], column: str) -> Any:
    """The value of one column for a trial as :func:`nniannot.viewer.serialize.trial_row` gives it."""
    kind, _, key = column.partition(":")
    if kind == "param":
        return row["params"].get(key)
    if kind == "metric":
        final = row["final"]
        return final.get(key) if isinstance(final, dict) else (final if key == "default" else None)
    simple = {"final": "final_default", "intermediates": "intermediate_count"}
    if column in ("started", "ended"):
        return row[f"{column}_at"]
    return row.get(simple.get(column, column))


def to_csv(rows: list[dict[str, Any]], cols: list[str], shorts: Mapping[str, str]) -> str:
    """CSV with one header line of column titles (short names for parameters); times as local text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([title(c, shorts) for c in cols])
    for row in rows:
        values = []
        for c in cols:
            v = cell(row, c)
            if c in ("started", "ended"):
                v = when(v)
            values.append(json.dumps(v) if isinstance(v, (dict, list, bool)) else ("" if v is None else v))
        writer.writerow(values)
    return out.getvalue()


def to_json_rows(
    rows: list[dict[str, Any]], cols: list[str], shorts: Mapping[str, str]
) -> list[dict[str, Any]]:
    """One object per trial, keyed by column title, with the table's columns only."""
    return [{title(c, shorts): cell(row, c) for c in cols} for row in rows]


def title(column: str, shorts: Mapping[str, str]) -> str:
    kind, _, key = column.partition(":")
    if kind == "param":
        return shorts.get(key, key)
    if kind == "metric":
        return f"metric.{key}"
    return column
