"""nniannot.runner.store.query: the paged, sorted, filtered trials query and the compact chart reads."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nniannot.errors import StoreError
from nniannot.runner.store import (
    RUNNING,
    SUCCEEDED,
    TrialQuery,
    intermediate_summary,
    metric_keys,
    open_store,
    query_trials,
    trial_points,
)

ODD = 'we"ird\\key'


@pytest.fixture
def store(tmp_path):
    s = open_store(str(tmp_path / "store.db"))
    yield s
    s.close()


@pytest.fixture
def exp_id(store):
    exp = store.create_experiment(name="q", search_space={}, optimize_mode="minimize")
    for i in range(10):
        t = store.add_trial(exp.id, {"x": i, "name": "ab"[i % 2], ODD: -i, "nested": {"_name": f"n{i % 3}"}})
        store.set_trial_status(exp.id, t.id, RUNNING)
        store.add_intermediate(exp.id, t.id, 0, float(i), float(i))
        if i < 8:
            metric = {"default": float(i), "loss": float(10 - i), ODD: i} if i % 2 else float(i)
            store.set_final(exp.id, t.id, float(i), metric)
            store.set_trial_status(exp.id, t.id, SUCCEEDED)
    return exp.id


def _seqs(store, exp_id, **kw):
    page = query_trials(store, exp_id, TrialQuery(limit=None, **kw))
    return [t.seq for t in page.trials]


def test_paging_and_total(store, exp_id):
    page = query_trials(store, exp_id, TrialQuery(limit=3, offset=3))
    assert page.total == 10 and [t.seq for t in page.trials] == [3, 4, 5]


def test_sorting_keeps_missing_values_last(store, exp_id):
    assert _seqs(store, exp_id, sort="final", descending=True)[:3] == [7, 6, 5]
    assert _seqs(store, exp_id, sort="final", descending=True)[-2:] == [8, 9]
    assert _seqs(store, exp_id, sort="param:x", descending=True)[0] == 9
    assert _seqs(store, exp_id, sort=f"param:{ODD}")[0] == 9
    assert _seqs(store, exp_id, sort="metric:loss")[:4] == [7, 5, 3, 1]
    assert _seqs(store, exp_id, sort="metric:loss")[-1] == 9  # numbers and missing metrics sort last
    assert _seqs(store, exp_id, sort="intermediates") == list(range(10))


def test_filters(store, exp_id):
    assert _seqs(store, exp_id, statuses=(RUNNING,)) == [8, 9]
    assert _seqs(store, exp_id, params={"x": "3"}) == [3]
    assert _seqs(store, exp_id, params={"x": "3|5"}) == [3, 5]
    assert _seqs(store, exp_id, params={"x": "2..4"}) == [2, 3, 4]
    assert _seqs(store, exp_id, params={"x": "..1"}) == [0, 1]
    assert _seqs(store, exp_id, params={"x": ">7"}) == [8, 9]
    assert _seqs(store, exp_id, params={"x": "<=1"}) == [0, 1]
    assert _seqs(store, exp_id, params={"name": "b"}) == [1, 3, 5, 7, 9]
    assert _seqs(store, exp_id, params={ODD: "-2"}) == [2]
    assert _seqs(store, exp_id, params={"x": "  "}) == list(range(10))
    assert _seqs(store, exp_id, params={"x": ">5", "name": "a"}) == [6, 8]


def test_search_is_literal_text(store, exp_id):
    assert _seqs(store, exp_id, search="loss") == [1, 3, 5, 7]
    assert _seqs(store, exp_id, search="%") == []
    assert _seqs(store, exp_id, search="RUNNING") == [8, 9]


def test_bad_queries_raise_store_errors(store, exp_id):
    for query in (TrialQuery(sort="nope"), TrialQuery(sort="param:"), TrialQuery(statuses=("X",)),
                  TrialQuery(limit=-2)):  # fmt: skip
        with pytest.raises(StoreError):
            query_trials(store, exp_id, query)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)  # read-only
@given(key=st.text(max_size=12), expr=st.text(max_size=12))
def test_any_key_and_filter_text_is_safe(store, exp_id, key, expr):
    page = query_trials(store, exp_id, TrialQuery(params={key: expr}, sort=f"param:{key}" if key else "seq"))
    assert 0 <= page.total <= 10


def test_chart_reads(store, exp_id):
    points = trial_points(store, exp_id)
    assert [p.seq for p in points] == list(range(10))
    assert points[1].final == {"default": 1.0, "loss": 9.0, ODD: 1} and points[9].final is None
    assert points[0].params["nested"] == {"_name": "n0"} and points[0].intermediate_count == 1
    assert metric_keys(store, exp_id) == sorted(["default", "loss", ODD])
    (step,) = intermediate_summary(store, exp_id)
    assert (step.step, step.count, step.low, step.mean, step.high) == (0, 10, 0.0, 4.5, 9.0)


def test_light_points_and_sampled_summary(store, exp_id):
    light = trial_points(store, exp_id, decode=False)
    assert light[1].params == {} and light[1].final is None and light[1].final_default == 1.0
    ids = [p.id for p in light[:2]]
    (step,) = intermediate_summary(store, exp_id, ids)
    assert (step.count, step.low, step.high) == (2, 0.0, 1.0)
    assert intermediate_summary(store, exp_id, []) == []


def test_notes_live_in_the_store_and_an_older_store_has_none(tmp_path):
    import sqlite3

    from nniannot.errors import ExperimentNotFound
    from nniannot.runner.store import open_reader

    path = str(tmp_path / "notes.db")
    writer = open_store(path)
    exp = writer.create_experiment(name="n", search_space={}, command=["python"])
    writer.set_note(exp.id, None, "experiment note")
    writer.set_note(exp.id, "abcde", "trial note")
    writer.set_note(exp.id, "abcde", "trial note, edited")
    with pytest.raises(ExperimentNotFound):
        writer.set_note("nope", None, "x")
    with open_reader(path) as reader:
        assert (
            reader.note(exp.id) == "experiment note" and reader.note(exp.id, "abcde") == "trial note, edited"
        )
        assert reader.note(exp.id, "other") == ""
    writer.set_note(exp.id, None, "  ")  # empty: removed
    writer.close()
    conn = sqlite3.connect(path)  # a store written before notes existed
    conn.execute("DROP TABLE notes")
    conn.commit()
    conn.close()
    with open_reader(path) as reader:
        assert reader.note(exp.id, "abcde") == ""
    writer = open_store(path)  # a writer adds the table back
    writer.set_note(exp.id, None, "again")
    writer.delete_experiment(exp.id)
    writer.close()
    with open_reader(path) as reader:
        assert reader.note(exp.id) == ""


def test_layer_filters_read_the_chosen_candidate_whatever_the_keys(store):
    exp = store.create_experiment(name="layers", search_space={}, optimize_mode="maximize")
    for block in ("net/mutable_block_1", ODD):
        for i in range(6):
            chosen = {"layer_0": {"chosen_layer": ["conv()", "pool()", "id()"][i % 3], "chosen_inputs": []}}
            store.add_trial(exp.id, {block: chosen, "k": block})
    for block, base in (("net/mutable_block_1", 0), (ODD, 6)):
        assert _seqs(store, exp.id, layers={(block, "layer_0"): "pool()"}) == [base + 1, base + 4]
        assert _seqs(store, exp.id, layers={(block, "layer_0"): "pool()|id()"}) == [
            base + 1,
            base + 2,
            base + 4,
            base + 5,
        ]
    assert _seqs(store, exp.id, layers={(ODD, "other"): "pool()"}) == []
