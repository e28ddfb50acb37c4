"""Queries for browsing an experiment's trials: paged, sorted, filtered, and compact rows for charts.

These read the same tables as :class:`~nniannot.runner.store.reader.StoreReader` and never write. They exist for
the viewer, which must answer a page of a 20,000-trial experiment in milliseconds: sorting and filtering
happen in SQL (on JSON columns through SQLite's JSON functions), never by loading every trial.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from nniannot.errors import StoreError
from nniannot.runner.store.fields import exception_line
from nniannot.runner.store.reader import StoreReader
from nniannot.runner.store.records import TRIAL_STATUSES, Trial

# Sort keys that are plain columns; "param:<key>" and "metric:<key>" sort by a JSON field.
SORT_COLUMNS = {
    "seq": "seq",
    "id": "id",
    "status": "status",
    "final": "final_default",
    "duration": "(ended_at - started_at)",
    "started": "started_at",
    "ended": "ended_at",
    "intermediates": "intermediate_count",
}
_RANGE = re.compile(r"^\s*(?P<lo>.*?)\s*\.\.\s*(?P<hi>.*?)\s*$")
_COMPARE = re.compile(r"^\s*(?P<op><=|>=|<|>)\s*(?P<x>.+?)\s*$")
_WORDS = {"true": 1, "false": 0}


@dataclass(frozen=True)
class TrialQuery:
    """What page of trials to fetch.

    Args:
        statuses: statuses to keep (empty: all).
        search: text that the id, status, parameters, final metric or message must contain (any case), or,
            for a trial that did not succeed, its stderr tail (where its reason, the exception line, is).
        params: parameter key -> filter: ``v`` (equal), ``v1|v2`` (any of), ``lo..hi`` (inclusive range;
            either end may be empty), ``>x``, ``>=x``, ``<x``, ``<=x``.
        layers: (mutable block key, layer name) -> filter of that layer's chosen candidate, as for
            ``params`` (``self.conv()|self.pool()``).
        sort: a key of :data:`SORT_COLUMNS`, ``param:<key>`` or ``metric:<key>`` (a key of dict metrics).
        descending: sort order; missing values always sort last.
        limit/offset: the page (``limit`` None: every matching trial).
        ranks: each trial's rank by seq (a multi-objective experiment's dominance rank, which the store
            does not keep); ``sort="rank"`` orders by it, trials without one last.
    """

    statuses: tuple[str, ...] = ()
    search: str = ""
    params: dict[str, str] = field(default_factory=dict)
    layers: dict[tuple[str, str], str] = field(default_factory=dict)
    sort: str = "seq"
    descending: bool = False
    limit: int | None = 50
    offset: int = 0
    revision: int | None = None
    ranks: Mapping[int, int] | None = (
        None  # seq -> dominance rank, computed by the caller: allows sort "rank"
    )


@dataclass(frozen=True)
class TrialPage:
    """One page of trials and the number of trials that match the query in all."""

    total: int
    trials: list[Trial]


def _json_field(column: str, key: str) -> tuple[str, list[Any]]:
    """SQL for the value of ``key`` in the JSON object ``column`` (any key text, always bound)."""
    if any(c in key for c in '"\\\x00'):  # not expressible as a JSON path label: look it up by name
        return f"(SELECT value FROM json_each({column}) WHERE key = ?)", [key]
    return f"json_extract({column}, ?)", [f'$."{key}"']


def _layer_field(block: str, layer: str) -> tuple[str, list[Any]]:
    """SQL for the candidate chosen for ``layer`` of the mutable block ``block`` in a trial's params."""
    if any(c in block + layer for c in '"\\\x00'):
        inner = "(SELECT value FROM json_each(params) WHERE key = ?)"
        sql = f"(SELECT json_extract(value, '$.chosen_layer') FROM json_each({inner}) WHERE key = ?)"
        return sql, [block, layer]
    return "json_extract(params, ?)", [f'$."{block}"."{layer}".chosen_layer']


def _number(text: str) -> float | None:
    word = text.strip().lower()
    if word in _WORDS:
        return float(_WORDS[word])
    try:
        return float(word)
    except ValueError:
        return None


def _param_condition(value: str, args: list[Any], expr: str) -> tuple[str, list[Any]]:
    """SQL for one parameter filter (see :class:`TrialQuery`) on the SQL expression ``value``."""
    compare = _COMPARE.match(expr)
    if compare and _number(compare["x"]) is not None:
        return f"{value} {compare['op']} ?", [*args, _number(compare["x"])]
    span = _RANGE.match(expr)
    if span and (span["lo"] or span["hi"]):
        lo, hi = _number(span["lo"] or "-inf"), _number(span["hi"] or "inf")
        if lo is not None and hi is not None:
            return f"{value} BETWEEN ? AND ?", [*args, lo, hi]
    options = [o.strip() for o in expr.split("|") if o.strip()]
    if not options:
        return "1", []
    # One lookup per row: each option matches as text and, when it reads as a number, as that number.
    wanted: list[Any] = []
    for option in options:
        number = _number(option)
        wanted += [option] if number is None else [option, number]
    return f"{value} IN ({', '.join('?' * len(wanted))})", [*args, *wanted]


REASON_FUNCTION = "nniannot_reason"


def _where(exp_id: str, query: TrialQuery) -> tuple[str, list[Any]]:
    clauses: list[str] = ["experiment_id = ?"]
    args: list[Any] = [exp_id]
    unknown = [s for s in query.statuses if s not in TRIAL_STATUSES]
    if unknown:
        raise StoreError(f"unknown trial status {unknown[0]!r}; statuses are {', '.join(TRIAL_STATUSES)}")
    if query.statuses:
        clauses.append(f"status IN ({', '.join('?' * len(query.statuses))})")
        args += list(query.statuses)
    if query.revision is not None:
        clauses.append("revision = ?")
        args.append(query.revision)
    if query.search.strip():
        like = "%" + query.search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        # A trial that did not succeed is also found by its reason, the exception line of its stderr tail
        # (the rest of the tail is noise: warnings, paths in tracebacks).
        reason = f"CASE WHEN status = 'SUCCEEDED' THEN '' ELSE {REASON_FUNCTION}(stderr_tail) END"
        fields = ("id", "status", "params", "COALESCE(final_metric, '')", "COALESCE(message, '')", reason)
        clauses.append("(" + " OR ".join(f"{f} LIKE ? ESCAPE '\\'" for f in fields) + ")")
        args += [like] * len(fields)
    for key, expr in query.params.items():
        sql, more = _param_condition(*_json_field("params", key), expr)
        clauses.append(sql)
        args += more
    for (block, layer), expr in query.layers.items():
        sql, more = _param_condition(*_layer_field(block, layer), expr)
        clauses.append(sql)
        args += more
    return " AND ".join(clauses), args


RANKED = "(SELECT CAST(key AS INTEGER) AS rank_seq, value AS rank FROM json_each(?))"


def _order(query: TrialQuery) -> tuple[str, list[Any]]:
    direction = "DESC" if query.descending else "ASC"
    if query.sort == "rank" and query.ranks is not None:
        return f"ranked.rank {direction} NULLS LAST, seq", []
    if query.sort in SORT_COLUMNS:
        return f"{SORT_COLUMNS[query.sort]} {direction} NULLS LAST, seq", []
    kind, _, key = query.sort.partition(":")
    if kind in ("param", "metric") and key:
        expr, args = _json_field("params" if kind == "param" else "final_metric", key)
        if kind == "metric":  # a plain-number metric has no keys: json_each of a number is an error
            expr = f"(CASE WHEN json_type(final_metric) = 'object' THEN {expr} END)"
        return f"{expr} {direction} NULLS LAST, seq", args
    raise StoreError(
        f"cannot sort trials by {query.sort!r}; use {', '.join(SORT_COLUMNS)}, param:<key> or metric:<key>"
        + (" (rank: only in a multi-objective experiment)" if query.sort == "rank" else "")
    )


def _sql_reason(stderr_tail: str | None) -> str:
    return exception_line(stderr_tail or "") or ""


def query_trials(reader: StoreReader, exp_id: str, query: TrialQuery) -> TrialPage:
    """One page of ``exp_id``'s trials that match ``query``, sorted, and how many match in all."""
    if (query.limit is not None and query.limit < 0) or query.offset < 0:
        raise StoreError(f"limit and offset must not be negative, but got {query.limit}, {query.offset}")
    if query.search.strip():
        reader._conn.create_function(REASON_FUNCTION, 1, _sql_reason, deterministic=True)
    where, args = _where(exp_id, query)
    order, order_args = _order(query)
    page = [-1 if query.limit is None else query.limit, query.offset]
    source = "trials"
    if query.sort == "rank" and query.ranks is not None:  # join the ranks, one JSON object bound once
        source = f"trials LEFT JOIN {RANKED} AS ranked ON ranked.rank_seq = trials.seq"
        args = [json.dumps({str(k): v for k, v in query.ranks.items()}), *args]
    if query.search.strip() or query.params or query.layers:
        # The filters cost a JSON lookup per trial: count in the same pass rather than filtering twice.
        rows = reader._rows(
            f"SELECT trials.*, COUNT(*) OVER () AS matching FROM {source} WHERE {where} ORDER BY {order}"
            " LIMIT ? OFFSET ?",
            [*args, *order_args, *page],
            "query trials",
        )
        if rows or query.offset == 0:
            return TrialPage(int(rows[0]["matching"]) if rows else 0, [Trial.from_row(r) for r in rows])
    total = reader._rows(f"SELECT COUNT(*) FROM {source} WHERE {where}", args)[0][0]
    rows = reader._rows(
        f"SELECT trials.* FROM {source} WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",
        [*args, *order_args, *page],
        "query trials",
    )
    return TrialPage(int(total), [Trial.from_row(r) for r in rows])


class TrialPoint(NamedTuple):
    """The few fields of a trial that charts need (cheaper than a whole :class:`Trial`).

    ``final`` (the final metric as reported) is decoded only when read. A named tuple, because charts of a
    big experiment build one per trial and a tuple is several times cheaper to make than a frozen dataclass.
    """

    id: str
    seq: int
    status: str
    params: dict[str, Any]
    final_default: float | None
    final_json: str | None
    started_at: float | None
    ended_at: float | None
    intermediate_count: int

    @property
    def final(self) -> Any:
        return _decode(self.final_json)


def trial_points(
    reader: StoreReader,
    exp_id: str,
    revision: int | None = None,
    *,
    decode: bool = True,
    with_final: bool = False,
) -> list[TrialPoint]:
    """Every trial of ``exp_id`` (or of one revision) as a :class:`TrialPoint`, in seq order.

    With ``decode`` False, ``params`` is empty and ``final`` None (unless ``with_final``: the final result
    is kept, as its JSON text): much cheaper when only the numbers count.
    """
    sql = (
        "SELECT id, seq, status, params, final_default, final_metric, started_at, ended_at,"
        " intermediate_count FROM trials WHERE experiment_id = ?"
    )
    if not decode:
        final = "final_metric" if with_final else "NULL"
        sql = sql.replace("params, final_default, final_metric", f"NULL, final_default, {final}")
    args: list[Any] = [exp_id]
    if revision is not None:
        sql, args = sql + " AND revision = ?", [*args, revision]
    rows = reader._rows(sql + " ORDER BY seq", args, "read trials for charts")
    if not decode:
        return [TrialPoint(r[0], r[1], r[2], {}, r[4], r[5], r[6], r[7], r[8]) for r in rows]
    return [TrialPoint(r[0], r[1], r[2], _decode(r[3]) or {}, r[4], r[5], r[6], r[7], r[8]) for r in rows]


def _decode(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def trial_ids(reader: StoreReader, exp_id: str) -> list[str]:
    """The ids of every trial of ``exp_id``, in seq order (one column: cheap for a big experiment)."""
    rows = reader._rows(
        "SELECT id FROM trials WHERE experiment_id = ? ORDER BY seq", (exp_id,), "read trial ids"
    )
    return [r[0] for r in rows]


def trial_params(reader: StoreReader, exp_id: str, seqs: list[int]) -> dict[int, dict[str, Any]]:
    """The parameters of the trials numbered ``seqs`` of ``exp_id``, by seq.

    Cheaper than :func:`trial_points` with ``decode`` when charts need the parameters of a sample only:
    the rows are read by index and their JSON decoded in one pass.
    """
    rows = reader._rows(
        "SELECT seq, params FROM trials WHERE experiment_id = ? AND seq IN (SELECT value FROM json_each(?))",
        (exp_id, json.dumps(seqs)),
        "read trial parameters",
    )
    try:
        decoded = json.loads("[" + ",".join(r[1] for r in rows) + "]")
    except ValueError:  # one damaged row: decode them one by one, the damaged one as no parameters
        decoded = [_decode_or_empty(r[1]) for r in rows]
    return {r[0]: p if isinstance(p, dict) else {} for r, p in zip(rows, decoded)}


def _decode_or_empty(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return {}


def metric_keys(reader: StoreReader, exp_id: str) -> list[str]:
    """The keys that dict final metrics of ``exp_id`` use, sorted ("default" included when present)."""
    rows = reader._rows(
        "SELECT DISTINCT j.key FROM trials, json_each(trials.final_metric) AS j"
        " WHERE trials.experiment_id = ? AND json_type(trials.final_metric) = 'object'",
        (exp_id,),
        "read metric keys",
    )
    return sorted(str(r[0]) for r in rows)


@dataclass(frozen=True)
class StepSummary:
    """Intermediate results at one step (report number) across an experiment's trials."""

    step: int
    count: int
    low: float
    mean: float
    high: float


def intermediate_summary(
    reader: StoreReader, exp_id: str, trial_ids: list[str] | None = None
) -> list[StepSummary]:
    """For each step, how many trials reported it and the min, mean and max of their values.

    ``trial_ids`` limits it to those trials (a sample is much faster than every trial of a big experiment).
    """
    where, args = "experiment_id = ?", [exp_id]
    if trial_ids is not None:
        where += f" AND trial_id IN ({', '.join('?' * len(trial_ids))})" if trial_ids else " AND 0"
        args += trial_ids
    rows = reader._rows(
        "SELECT seq, COUNT(*), MIN(value_default), AVG(value_default), MAX(value_default)"
        f" FROM intermediates WHERE {where} GROUP BY seq ORDER BY seq",
        args,
        "summarise intermediate results",
    )
    return [StepSummary(int(r[0]), int(r[1]), r[2], r[3], r[4]) for r in rows]
