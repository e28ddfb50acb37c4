"""The viewer's one-shot architecture weights: a trial's architecture.json (written here in the runtime's
format) served checked, on the trial and on the experiment's architecture view; hostile files give a note,
never a 500; classic trials and experiments answer as before."""

from __future__ import annotations

import json
import os

import pytest

from nniannot.runner.store import open_reader, open_store
from nniannot.viewer import create_app, nasweights
from tests.viewer.fill import fill
from tests.viewer.nasfill import BLOCK, document, fill_oneshot


def _client(tmp_path, files):
    store = open_store(str(tmp_path / "store.db"))
    try:
        exp_id, ids = fill_oneshot(store, str(tmp_path), files)
    finally:
        store.close()
    app = create_app(str(tmp_path / "store.db"), {"TESTING": True})
    return app.test_client(), exp_id, ids


def _nas(client, exp_id, trial_id):
    response = client.get(f"/api/experiments/{exp_id}/trials/{trial_id}/architecture")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["nas"]


def test_weights_history_and_chosen_of_a_oneshot_trial(tmp_path):
    client, exp_id, (tid,) = _client(tmp_path, [document(steps=10)])
    nas = _nas(client, exp_id, tid)
    assert nas["mode"] == "darts" and nas["note"] is None and "softmax" in nas["meaning"]
    assert nas["steps"] == list(range(1, 11))
    (block,) = nas["blocks"]
    assert block["key"] == BLOCK
    layer0 = block["layers"][0]
    shares = {c["name"]: c["weight"] for c in layer0["candidates"]}
    assert abs(sum(shares.values()) - 1) < 1e-9 and max(shares, key=shares.get) == "conv5()"
    assert [c["name"] for c in layer0["candidates"] if c["chosen"]] == ["conv5()"]
    assert [i["name"] for i in layer0["inputs"] if i["chosen"]] == ["x"]
    assert len(layer0["history"]["candidates"]["pool()"]) == 10
    assert layer0["history"]["inputs"]["skip"][-1] == layer0["inputs"][1]["weight"]
    page = client.get(f"/experiments/{exp_id}/trials/{tid}")
    assert page.status_code == 200 and b'id="nas-panel"' in page.data and b"nas.js" in page.data


def test_the_architecture_view_carries_the_best_trials_weights(tmp_path):
    client, exp_id, ids = _client(tmp_path, [document(steps=3), document(steps=8, mode="enas")])
    got = client.get(f"/api/experiments/{exp_id}/architecture").get_json()
    assert got["best"]["trial_id"] == ids[1]
    assert got["nas"]["mode"] == "enas" and got["nas"]["steps"] == list(range(1, 9))
    assert len(got["blocks"]) == 1 and b"nas.js" in client.get(f"/experiments/{exp_id}/architecture").data


def test_classic_trials_and_experiments_have_no_weights(tmp_path):
    client, exp_id, (tid,) = _client(tmp_path, [None])
    assert _nas(client, exp_id, tid) is None
    assert client.get(f"/api/experiments/{exp_id}/architecture").get_json()["nas"] is None
    store = open_store(str(tmp_path / "classic.db"))
    try:
        classic = fill(store, str(tmp_path / "c"))
    finally:
        store.close()
    other = create_app(str(tmp_path / "classic.db"), {"TESTING": True}).test_client()
    got = other.get(f"/api/experiments/{classic}/architecture").get_json()
    assert got["nas"] is None and got["blocks"]


def _nan_document():
    doc = document(steps=2)
    doc["weights"][BLOCK]["mutable_layer_1"]["candidates"]["dense()"] = float("nan")
    doc["history"][0]["weights"][BLOCK]["mutable_layer_0"] = "oops"
    return json.dumps(doc).encode()  # NaN as Python's json writes it


HOSTILE = {
    "bad json": (b'{"mode": "darts", "weights": {', "not valid JSON"),
    "not utf-8": (b"\xff\xfe{}", "not UTF-8"),
    "a list": (b"[1, 2, 3]", "no 'weights' mapping"),
    "weights a string": (json.dumps({"mode": "darts", "weights": "x"}).encode(), "no 'weights' mapping"),
    "layers not mappings": (json.dumps({"weights": {BLOCK: [1, 2]}}).encode(), "not a mapping of layers"),
    "candidates a list": (json.dumps({"weights": {BLOCK: {"l": {"candidates": [0.5], "inputs": {}}}}}).encode(),
                          "not a mapping of names to weights"),
    "nan and bad history": (_nan_document(), "not finite"),
    "negative and strings": (json.dumps({"weights": {BLOCK: {"l": {"candidates": {"a": -1, "b": "0.5", "c": True}}}},
                                         "history": {"step": 1}}).encode(), "not finite"),
    "history without steps": (json.dumps({**document(2), "history": [{"weights": {}}, 5, None]}).encode(), "lack a step"),
    "deep nesting": (b"[" * 100000 + b"]" * 100000, "not valid JSON"),
    "empty weights": (b'{"weights": {}}', "no layer weights"),
}  # fmt: skip


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_files_give_a_note_never_a_500(tmp_path, name):
    content, expected = HOSTILE[name]
    client, exp_id, (tid,) = _client(tmp_path, [content])
    nas = _nas(client, exp_id, tid)
    assert expected in nas["note"]
    assert client.get(f"/api/experiments/{exp_id}/architecture").status_code == 200
    assert client.get(f"/experiments/{exp_id}/trials/{tid}").status_code == 200


def test_a_huge_history_is_thinned_and_a_huge_file_refused(tmp_path, monkeypatch):
    client, exp_id, (big, long) = _client(tmp_path, [b" " * 64, document(steps=2000)])
    nas = _nas(client, exp_id, long)
    assert len(nas["steps"]) == nasweights.MAX_HISTORY and nas["steps"][0] == 1 and nas["steps"][-1] == 2000
    assert "2000 entries" in nas["note"]
    monkeypatch.setattr(nasweights, "MAX_BYTES", 32)
    assert "over the viewer's 32-byte limit" in _nas(client, exp_id, big)["note"]


def test_a_link_out_of_the_trial_directory_is_not_followed(tmp_path):
    client, exp_id, (tid,) = _client(tmp_path, [None])
    outside = tmp_path / "secret.json"
    outside.write_text(json.dumps(document(2)))
    with open_reader(str(tmp_path / "store.db")) as reader:
        trial_dir = reader.get_trial(exp_id, tid).dir
    os.symlink(outside, os.path.join(trial_dir, "architecture.json"))
    assert _nas(client, exp_id, tid) is None
