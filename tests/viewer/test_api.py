"""The JSON API through Flask's test client: shapes, sorting, filtering, exports, live changes."""

from __future__ import annotations

import csv
import io

from tests.viewer.fill import XSS

LR = "train/lr/loguniform"


def test_experiment_list_and_detail(client, hand):
    _, exp_id = hand
    listed = client.get("/api/experiments").get_json()["experiments"]
    assert [e["id"] for e in listed] == [exp_id]
    e = listed[0]
    assert e["name"] == XSS and e["status"] == "DONE" and e["live"] is False
    assert e["trial_count"] == 12 and e["done"] == 12 and e["counts"]["FAILED"] == 1
    assert e["best"]["value"] == 10.0
    detail = client.get(f"/api/experiments/{exp_id}").get_json()
    assert [p["short"] for p in detail["params"]][:2] == ["lr", "act"]
    assert detail["params"][0]["log"] is True and detail["params"][1]["options"] == ["relu", XSS]
    assert XSS in detail["metric_keys"] and "loss" in detail["metric_keys"]
    assert detail["command"] == ["python", "train.py"] and detail["config"] == {"note": XSS}


def test_prefix_and_latest_resolve(client, hand):
    _, exp_id = hand
    assert client.get(f"/api/experiments/{exp_id[:4]}").get_json()["id"] == exp_id
    assert client.get("/api/experiments/latest").get_json()["id"] == exp_id


def test_trials_page_shape_and_paging(client, hand):
    _, exp_id = hand
    page = client.get(f"/api/experiments/{exp_id}/trials?size=5&page=2").get_json()
    assert page["total"] == 12 and page["offset"] == 5 and page["limit"] == 5
    assert [t["seq"] for t in page["trials"]] == [5, 6, 7, 8, 9]
    row = page["trials"][0]
    assert set(row) >= {
        "id",
        "seq",
        "status",
        "params",
        "final",
        "final_default",
        "duration",
        "intermediate_count",
    }
    assert page["columns"][:4] == ["id", "seq", "status", "final"]


def test_sort_by_final_param_and_metric_key(client, hand):
    _, exp_id = hand
    base = f"/api/experiments/{exp_id}/trials?size=50"
    by_final = client.get(base + "&sort=final&order=desc").get_json()["trials"]
    assert [t["final_default"] for t in by_final][:2] == [10.0, 9.0] and by_final[-1]["final_default"] is None
    by_lr = client.get(base + f"&sort=param:{LR}").get_json()["trials"]
    lrs = [t["params"][LR] for t in by_lr]
    assert lrs == sorted(lrs)
    by_loss = client.get(base + "&sort=metric:loss").get_json()["trials"]
    assert by_loss[0]["final"]["loss"] == 90.0
    hostile = client.get(base + f"&sort=metric:{XSS}&order=desc")
    assert hostile.status_code == 200


def test_filters_status_params_and_search(client, hand):
    _, exp_id = hand
    base = f"/api/experiments/{exp_id}/trials"
    assert client.get(base + "?status=FAILED").get_json()["total"] == 1
    assert client.get(base + "?status=FAILED,SUCCEEDED").get_json()["total"] == 12
    assert client.get(base + f"?p.{LR}=0.0001").get_json()["total"] == 3
    assert client.get(base + f"?p.{LR}=0.0001|0.1").get_json()["total"] == 6
    assert client.get(base + f"?p.{LR}=0.0005..0.05").get_json()["total"] == 6
    assert client.get(base + f"?p.{LR}=>=0.01").get_json()["total"] == 6
    assert client.get(base + "?p.train/act/choice=relu").get_json()["total"] == 6
    one = client.get(base + "?size=1").get_json()["trials"][0]["id"]
    assert client.get(base + f"?q={one}").get_json()["total"] >= 1


def test_bad_queries_are_400(client, hand):
    _, exp_id = hand
    base = f"/api/experiments/{exp_id}/trials"
    for query in ("sort=nope", "status=DANCING", "order=up", "size=0", "page=x"):
        r = client.get(f"{base}?{query}")
        assert r.status_code == 400, query
        assert r.get_json()["error"]


def test_csv_and_json_export_what_the_table_shows(client, hand):
    _, exp_id = hand
    query = f"status=SUCCEEDED&sort=final&order=desc&cols=param:{LR},metric:loss"
    text = client.get(f"/api/experiments/{exp_id}/trials.csv?{query}").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["id", "seq", "status", "final", "lr", "metric.loss"]
    assert len(rows) == 12 and rows[1][3] == "10.0" and rows[1][5] == "90.0"
    data = client.get(f"/api/experiments/{exp_id}/trials.json?{query}").get_json()
    assert len(data) == 11 and list(data[0]) == ["id", "seq", "status", "final", "lr", "metric.loss"]


def test_trial_detail_logs_and_diff(client, hand):
    _, exp_id = hand
    trial_id = client.get(f"/api/experiments/{exp_id}/trials?status=FAILED").get_json()["trials"][0]["id"]
    t = client.get(f"/api/experiments/{exp_id}/trials/{trial_id}").get_json()
    assert t["status"] == "FAILED" and t["exit_code"] == 1 and t["stderr_tail"] == XSS
    assert [i["seq"] for i in t["intermediates"]] == [0, 1, 2]
    assert [h["status"] for h in t["history"]] == ["WAITING", "RUNNING", "FAILED"]
    log = client.get(f"/api/experiments/{exp_id}/trials/{trial_id}/log/stdout")
    assert log.mimetype == "text/plain" and XSS in log.get_data(as_text=True)
    tail = client.get(f"/api/experiments/{exp_id}/trials/{trial_id}/log/stdout?tail=12")
    assert tail.headers["X-Log-Truncated"] == "1" and tail.get_data(as_text=True) == "epoch 11\n"
    diff = client.get(f"/api/experiments/{exp_id}/trials/{trial_id}/diff").get_json()
    assert "unavailable" in diff
    assert client.get(f"/api/experiments/{exp_id}/trials/nope").status_code == 404


def test_log_paths_cannot_leave_the_trial_directory(client, hand, tmp_path):
    _store_path, exp_id = hand
    trial_id = client.get(f"/api/experiments/{exp_id}/trials?size=1").get_json()["trials"][0]["id"]
    base = f"/api/experiments/{exp_id}/trials/{trial_id}/log/"
    (tmp_path / "secret.txt").write_text("TOP-SECRET-CONTENT")
    for name in ("../../../../store.db", "..%2F..%2F..%2F..%2Fstore.db", "%2Fetc%2Fpasswd", "..", "stdout/../..",
                 "../../../../../secret.txt"):  # fmt: skip
        r = client.get(base + name)
        assert r.status_code == 404, name
        assert b"TOP-SECRET-CONTENT" not in r.data and b"SQLite" not in r.data


def test_log_symlink_out_of_the_directory_is_refused(client, hand, tmp_path):
    _, exp_id = hand
    t = client.get(f"/api/experiments/{exp_id}/trials?size=1").get_json()["trials"][0]
    detail = client.get(f"/api/experiments/{exp_id}/trials/{t['id']}").get_json()
    (tmp_path / "secret.txt").write_text("secret")
    import os

    os.symlink(tmp_path / "secret.txt", os.path.join(detail["dir"], "link"))
    assert client.get(f"/api/experiments/{exp_id}/trials/{t['id']}/log/link").status_code == 404


def test_changes_since(client, hand):
    _, exp_id = hand
    everything = client.get(f"/api/experiments/{exp_id}/changes?since=0").get_json()
    assert len(everything["trials"]) == 12 and len(everything["intermediates"]) == 36
    again = client.get(f"/api/experiments/{exp_id}/changes?since={everything['change_seq']}").get_json()
    assert again["trials"] == [] and again["intermediates"] == []
    assert again["change_seq"] == everything["change_seq"] and again["experiment"]["live"] is False


def test_charts_curves_architecture(client, hand):
    _, exp_id = hand
    charts = client.get(f"/api/experiments/{exp_id}/charts").get_json()
    assert charts["total"] == 12 and charts["sampled"] is False
    names = [a["name"] for a in charts["axes"]]
    assert "lr" in names and any(n.endswith("/mutable_layer_0") for n in names)
    assert all(len(a["values"]) == 12 for a in charts["axes"])
    assert charts["best_history"][-1][1] == 10.0
    assert {i["name"] for i in charts["importance"]["axes"]} == set(names)
    assert charts["importance"]["trials"] == 11 and charts["last_finished"] == 11
    assert abs(sum(i["importance"] for i in charts["importance"]["axes"]) - 1) < 1e-9
    curves = client.get(f"/api/experiments/{exp_id}/curves").get_json()
    assert curves["selected"] is False and len(curves["curves"]) == 12
    assert [s[0] for s in curves["summary"]] == [0, 1, 2]
    some = charts["trials"]["id"][:2]
    chosen = client.get(f"/api/experiments/{exp_id}/curves?trials={','.join(some)}").get_json()
    assert chosen["selected"] is True and set(chosen["curves"]) == set(some)
    arch = client.get(f"/api/experiments/{exp_id}/architecture?top=50").get_json()
    layer = arch["blocks"][0]["layers"][0]
    assert [c["name"] for c in layer["candidates"]] == ["conv(k=3)", "pool()"]
    assert sum(c["best"] for c in layer["candidates"]) == 1
    assert abs(sum(c["top_share"] for c in layer["candidates"]) - 1) < 1e-9


def test_chart_points_are_sampled_beyond_the_limit(hand):
    from nniannot.viewer import create_app

    client = create_app(hand[0], {"CHART_POINTS": 8}).test_client()
    charts = client.get(f"/api/experiments/{hand[1]}/charts").get_json()
    assert charts["sampled"] is True and len(charts["trials"]["id"]) == 8
    assert 10.0 in charts["trials"]["value"]  # the best trials are always kept


def test_unknown_things_are_json_404(client, hand):
    assert client.get("/api/experiments/zzzz").status_code == 404
    r = client.get("/api/whatever")
    assert r.status_code == 404 and r.get_json()["error"]


def test_real_experiment_api(real):
    from nniannot.viewer import create_app

    store_path, exp_id = real
    client = create_app(store_path).test_client()
    detail = client.get(f"/api/experiments/{exp_id}").get_json()
    assert detail["status"] == "DONE" and detail["done"] == 4
    trials = client.get(f"/api/experiments/{exp_id}/trials").get_json()["trials"]
    assert all(t["status"] == "SUCCEEDED" and t["intermediate_count"] == 4 for t in trials)
    log = client.get(f"/api/experiments/{exp_id}/trials/{trials[0]['id']}/log/stdout").get_data(as_text=True)
    assert "accuracy" in log
    diff = client.get(f"/api/experiments/{exp_id}/trials/{trials[0]['id']}/diff").get_json()
    assert diff["files"][0]["path"] == "train.py" and "+" in diff["files"][0]["diff"]


def test_history_and_cached_chart_data_follow_changes(hand):
    from nniannot.runner.store import open_store
    from nniannot.viewer import create_app

    store_path, exp_id = hand
    client = create_app(store_path, {"CHART_POINTS": 5}).test_client()
    history = client.get(f"/api/experiments/{exp_id}/history").get_json()
    assert history["best_history"][-1][1] == 10.0 and history["last_finished"] == 11
    assert len(history["points"]) == 5 and all(len(p) == 3 for p in history["points"])
    before = client.get(f"/api/experiments/{exp_id}/charts").get_json()
    assert client.get(f"/api/experiments/{exp_id}/curves").get_json()["summary_sampled"] is True
    store = open_store(store_path)
    try:
        trial = store.add_trial(exp_id, {})
        store.set_final(exp_id, trial.id, 50.0, 50.0)
    finally:
        store.close()
    after = client.get(f"/api/experiments/{exp_id}/charts").get_json()
    assert after["total"] == before["total"] + 1 and after["best_history"][-1][1] == 50.0


def test_the_reason_column_is_shown_and_exported_by_default(client, hand):
    _, exp_id = hand
    text = client.get(f"/api/experiments/{exp_id}/trials.csv?status=FAILED").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    # The hand-filled failed trial's stderr tail has no exception line: its reason is its stored message.
    assert [r["reason"] for r in rows] == [XSS]
    table = client.get(f"/api/experiments/{exp_id}/trials").get_json()
    assert table["columns"][-1] == "reason" and {t["reason"] for t in table["trials"]} == {None, XSS}
