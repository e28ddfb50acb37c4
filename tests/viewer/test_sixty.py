"""Charts and pages that must tell the truth, on a 60-trial experiment like a real one (tests/viewer/fill.py):
best so far to the last finished trial, importances that sum to 1, failure reasons found by search and shown
on the trial page, readable mutable layers, signals named, big logs capped, the compare view."""

from __future__ import annotations

import os

import pytest

from nniannot.runner.store import open_store
from nniannot.viewer import create_app
from tests.viewer.conftest import TOKEN
from tests.viewer.fill import fill_sixty


@pytest.fixture
def sixty(tmp_path):
    store = open_store(str(tmp_path / "store.db"))
    try:
        exp_id = fill_sixty(store, str(tmp_path))
    finally:
        store.close()
    app = create_app(str(tmp_path / "store.db"), {"CSRF_TOKEN": TOKEN, "TESTING": True, "LOG_CAP": 4096})
    return app.test_client(), exp_id


def _trials(client, exp_id, query=""):
    return client.get(f"/api/experiments/{exp_id}/trials?size=100&{query}").get_json()["trials"]


def test_best_so_far_runs_to_the_last_finished_trial(sixty):
    client, exp_id = sixty
    for url in (f"/api/experiments/{exp_id}/history", f"/api/experiments/{exp_id}/charts"):
        data = client.get(url).get_json()
        assert data["best_history"][-1][0] == 33  # the last improvement...
        assert data["last_finished"] == 57  # ...but 58 trials have finished: the line goes on to #57
    points = client.get(f"/api/experiments/{exp_id}/history").get_json()["points"]
    assert len(points) == len([t for t in _trials(client, exp_id) if t["final_default"] is not None])


def test_importance_sums_to_one_and_says_what_it_rests_on(sixty):
    client, exp_id = sixty
    imp = client.get(f"/api/experiments/{exp_id}/charts").get_json()["importance"]
    assert abs(sum(a["importance"] for a in imp["axes"]) - 1) < 1e-9
    assert imp["axes"][0]["name"] == "act"
    assert imp["trials"] == len([t for t in _trials(client, exp_id) if t["final_default"] is not None])
    assert all(a["low"] <= a["high"] and a["smallest_group"] >= 1 for a in imp["axes"])


def test_integer_axes_and_layer_labels(sixty):
    client, exp_id = sixty
    axes = {a["name"]: a for a in client.get(f"/api/experiments/{exp_id}/charts").get_json()["axes"]}
    assert axes["batch"]["integer"] is True and axes["batch"]["range"] == [16, 256]
    assert axes["lr"]["range"] == [1e-6, 1e-1] and axes["act"]["range"] is None
    labels = [a["label"] for a in axes.values() if a["layer"]]
    assert labels == ["block 1 · layer 0", "block 1 · layer 1"]


def test_a_failure_reason_is_searchable_and_on_the_trial_page(sixty):
    client, exp_id = sixty
    found = _trials(client, exp_id, "q=memory")
    assert (
        found
        and {t["status"] for t in found} == {"FAILED"}
        and {t["reason"] for t in found} == {"MemoryError"}
    )
    html = client.get(f"/experiments/{exp_id}/trials/{found[0]['id']}").get_data(as_text=True)
    assert '<p class="notice error" id="trial-reason">MemoryError</p>' in html
    assert "1 (error)" in html


def test_the_trial_page_names_signals_and_marks_missing_results(sixty):
    client, exp_id = sixty
    stopped = _trials(client, exp_id, "status=EARLY_STOPPED")[0]
    html = client.get(f"/experiments/{exp_id}/trials/{stopped['id']}").get_data(as_text=True)
    assert "-15 (stopped by SIGTERM)" in html and "(last report" in html
    succeeded = _trials(client, exp_id, "status=SUCCEEDED")[0]
    html = client.get(f"/experiments/{exp_id}/trials/{succeeded['id']}").get_data(as_text=True)
    assert '<span class="muted">loss</span>' in html and '{"default"' not in html  # a dict metric, not JSON
    assert "layer 0: conv(k=3) ← x · layer 1: dense(64)" in html  # mutable layers as choices


def test_the_overview_shows_every_parameter(sixty):
    client, exp_id = sixty
    html = client.get(f"/experiments/{exp_id}?k=3").get_data(as_text=True)
    head = html[html.index('id="best-trials"') :]
    head = head[: head.index("</thead>")]
    for short in ("lr", "batch", "act", "dropout", "width", "mutable_block_1"):
        assert f">{short}</th>" in head
    assert "layer 0: " in html and "chosen_layer" not in html


def test_show_all_of_a_big_log_is_capped_and_the_file_downloadable(sixty):
    client, exp_id = sixty
    trial = _trials(client, exp_id)[0]
    detail = client.get(f"/api/experiments/{exp_id}/trials/{trial['id']}").get_json()
    with open(os.path.join(detail["dir"], "stdout"), "w") as f:
        f.write("".join(f"line {i}\n" for i in range(2000)))
    size = os.path.getsize(os.path.join(detail["dir"], "stdout"))
    capped = client.get(f"/api/experiments/{exp_id}/trials/{trial['id']}/log/stdout?tail=all")
    assert capped.headers["X-Log-Truncated"] == "1" and len(capped.get_data()) <= 4096
    assert capped.get_data(as_text=True).endswith("line 1999\n")
    whole = client.get(f"/api/experiments/{exp_id}/trials/{trial['id']}/log/stdout?download=1")
    assert len(whole.get_data()) == size and "attachment" in whole.headers["Content-Disposition"]
    whole.close()


def test_compare_trials_side_by_side(sixty):
    client, exp_id = sixty
    ids = [t["id"] for t in _trials(client, exp_id, "status=SUCCEEDED")[:3]]
    r = client.get(f"/experiments/{exp_id}/compare?trials={','.join(ids)}")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert all(i in html for i in ids)
    assert 'class="param-row differs" data-key="train/act/choice"' in html
    assert 'class="metric-row differs"' in html  # the loss differs
    assert client.get(f"/experiments/{exp_id}/compare?trials={ids[0]}").status_code == 400
    assert client.get(f"/experiments/{exp_id}/compare?trials={ids[0]},nope").status_code == 404


def test_the_add_trial_form_has_a_control_per_parameter_type(sixty):
    client, exp_id = sixty
    source = _trials(client, exp_id, "status=SUCCEEDED")[1]
    html = client.get(f"/experiments/{exp_id}/add?from={source['id']}").get_data(as_text=True)
    act = html[html.index('data-key="train/act/choice"') :]
    act = act[: act.index("</select>")]
    assert '<option value="&#34;gelu&#34;" selected>gelu</option>' in act  # prefilled from the trial
    batch = html[html.index('data-key="train/batch/randint"') :]
    batch = batch[: batch.index(">")]
    assert 'min="16"' in batch and 'max="256"' in batch and 'step="1"' in batch
    assert f'value="{source["params"]["train/batch/randint"]}"' in batch
    assert "null" not in html[html.index('id="add-form"') :]


def test_the_architecture_links_layers_and_keeps_fixed_inputs(sixty):
    client, exp_id = sixty
    block = client.get(f"/api/experiments/{exp_id}/architecture").get_json()["blocks"][0]
    first, second = block["layers"]
    assert first["output"] == "h0" and first["sources"] == {}
    assert second["fixed_inputs"] == ["h0"] and second["sources"] == {"h0": "mutable_layer_0"}


@pytest.fixture
def two(tmp_path):
    """A store with two experiments on different search spaces: the 60 trials and the hand-filled twelve."""
    from tests.viewer.fill import fill

    store = open_store(str(tmp_path / "store.db"))
    try:
        ids = [fill_sixty(store, str(tmp_path)), fill(store, str(tmp_path), label="gelu")]
    finally:
        store.close()
    return create_app(str(tmp_path / "store.db"), {"CSRF_TOKEN": TOKEN, "TESTING": True}).test_client(), ids


def test_compare_experiments_api(two):
    client, ids = two
    found = client.get(f"/api/compare?experiments={','.join(ids)}").get_json()["experiments"]
    assert [e["id"] for e in found] == ids
    sixty, hand = found
    assert sixty["best_history"][-1][0] == 33 and sixty["last_finished"] == 57
    assert [round(p[1], 6) for p in sixty["best_over_time"]] == sorted(
        round(p[1], 6) for p in sixty["best_over_time"]
    )
    assert all(p[0] >= 0 for p in sixty["best_over_time"])
    assert [t["final_default"] for t in hand["best_trials"]] == [10.0, 9.0, 8.0, 7.0, 6.0]
    assert client.get(f"/api/compare?experiments={ids[0]}").status_code == 400
    assert client.get(f"/api/compare?experiments={ids[0]},nope").status_code == 404


def test_compare_experiments_page_diffs_the_search_spaces(two):
    client, ids = two
    html = client.get(f"/compare?experiments={','.join(ids)}").get_data(as_text=True)
    assert 'class="space-row differs" data-key="train/lr/loguniform"' in html  # 1e-6.. against 1e-4..
    assert 'class="space-row differs" data-key="train/batch/randint"' in html  # only in the first
    assert (
        '<td class="small diff-cell">tpe</td>' in html and '<td class="small diff-cell">random</td>' in html
    )
    assert client.get(f"/compare?experiments={ids[0]}").status_code == 400


def test_notes_are_kept_in_the_store_and_escaped(sixty):
    client, exp_id = sixty
    trial = _trials(client, exp_id)[0]["id"]
    hostile = "# Plan\n<script>window.__xss = 1</script> **bold** [x](javascript:alert(1))"
    assert (
        client.post(f"/api/experiments/{exp_id}/notes", json={"text": hostile}).status_code == 403
    )  # no CSRF
    headers = {"X-CSRF-Token": TOKEN}
    r = client.post(f"/api/experiments/{exp_id}/notes", json={"text": hostile}, headers=headers)
    assert r.status_code == 200 and r.get_json()["text"] == hostile
    client.post(
        f"/api/experiments/{exp_id}/notes", json={"text": "trial note", "trial_id": trial}, headers=headers
    )
    html = client.get(f"/experiments/{exp_id}").get_data(as_text=True)
    assert "<script>window.__xss" not in html and "\\u003cscript\\u003ewindow.__xss" in html  # JSON data only
    assert "trial note" not in html
    assert "trial note" in client.get(f"/experiments/{exp_id}/trials/{trial}").get_data(as_text=True)
    r = client.post(
        f"/api/experiments/{exp_id}/notes", json={"text": "x", "trial_id": "nope"}, headers=headers
    )
    assert r.status_code == 404
    r = client.post(f"/api/experiments/{exp_id}/notes", json={"text": "x" * 20_001}, headers=headers)
    assert r.status_code == 409
    client.post(f"/api/experiments/{exp_id}/notes", json={"text": ""}, headers=headers)  # removes it
    assert '<script type="application/json" id="note-data">""</script>' in client.get(
        f"/experiments/{exp_id}"
    ).get_data(as_text=True)


def test_the_table_filters_by_the_candidate_chosen_for_a_layer(sixty):
    client, exp_id = sixty
    block = "net/mutable_block_1"
    every = _trials(client, exp_id)
    chosen = [t["params"][block]["mutable_layer_0"]["chosen_layer"] for t in every]
    pools = _trials(client, exp_id, f"l.mutable_layer_0.{block}=pool()")
    assert len(pools) == chosen.count("pool()") > 0
    assert {t["params"][block]["mutable_layer_0"]["chosen_layer"] for t in pools} == {"pool()"}
    both = _trials(
        client, exp_id, f"l.mutable_layer_0.{block}=pool()|conv(k=5)&l.mutable_layer_1.{block}=identity()"
    )
    assert len(both) == sum(
        1
        for t, c in zip(every, chosen, strict=True)
        if c in ("pool()", "conv(k=5)")
        and t["params"][block]["mutable_layer_1"]["chosen_layer"] == "identity()"
    )
    bad = client.get(f"/api/experiments/{exp_id}/trials?l.mutable_layer_0=pool()")
    assert bad.status_code == 400 and "l.<layer>.<mutable block key>" in bad.get_json()["error"]
    page = client.get(f"/experiments/{exp_id}/trials").get_data(as_text=True)
    assert f'data-param="{block}" data-layer="mutable_layer_0"' in page
    assert 'aria-label="Filter block 1 · layer 1"' in page
