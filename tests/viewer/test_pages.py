"""HTML pages, escaping, errors as friendly pages, CSRF, the loopback Host check, actions and delete."""

from __future__ import annotations

import os
import re
import time

import pytest

from nniannot.runner.store import open_store
from nniannot.viewer import create_app
from tests.viewer.conftest import TOKEN
from tests.viewer.fill import XSS

SCRIPT_TAG = re.compile(r"<script(?![^>]*\bsrc=\"/static/)(?![^>]*type=\"application/json\")", re.I)


def _pages(exp_id: str, trial_id: str) -> list[str]:
    base = f"/experiments/{exp_id}"
    return ["/", base, base + "/trials", base + "/charts", base + "/architecture", f"{base}/trials/{trial_id}",
            base + "/add", f"{base}/add?from={trial_id}", base + "?k=3"]  # fmt: skip


def _trial_id(client, exp_id: str, status: str = "FAILED") -> str:
    return client.get(f"/api/experiments/{exp_id}/trials?status={status}").get_json()["trials"][0]["id"]


def test_every_page_renders_and_escapes_hostile_strings(client, hand):
    _, exp_id = hand
    for url in _pages(exp_id, _trial_id(client, exp_id)):
        r = client.get(url)
        assert r.status_code == 200, url
        html = r.get_data(as_text=True)
        assert XSS not in html, url  # every user string arrives escaped
        assert not SCRIPT_TAG.search(html), url  # the only scripts are our static files and JSON data
        assert 'name="csrf-token" content="test-token"' in html
        assert "script-src 'self'" in r.headers["Content-Security-Policy"]


def test_overview_shows_progress_best_space_and_command(client, hand):
    _, exp_id = hand
    html = client.get(f"/experiments/{exp_id}").get_data(as_text=True)
    assert "12 / 20" in html and "train/lr/loguniform" in html and "python train.py" in html
    assert 'id="actions-panel"' not in html  # a finished experiment has no controls


def test_trial_page_copy_as_python(client, hand):
    _, exp_id = hand
    html = client.get(f"/experiments/{exp_id}/trials/{_trial_id(client, exp_id)}").get_data(as_text=True)
    assert "lr = 0.1" in html and "act = &#39;&lt;script&gt;" in html


def test_missing_store_is_a_friendly_page(tmp_path):
    client = create_app(str(tmp_path / "nothing" / "store.db")).test_client()
    r = client.get("/")
    assert r.status_code == 503 and b"No experiments yet" in r.data and b"nni-annot run" in r.data
    assert client.get("/api/experiments").get_json()["error"].startswith("there is no experiment store")
    assert not (tmp_path / "nothing").exists()  # viewing never creates a store


@pytest.mark.parametrize(
    "content", [b"this is not a database" * 100, b"SQLite format 3\x00" + b"\xff" * 4000]
)
def test_corrupt_store_is_a_friendly_page(tmp_path, content):
    path = tmp_path / "store.db"
    path.write_bytes(content)
    client = create_app(str(path)).test_client()
    for url in ("/", "/experiments/abc", "/api/experiments"):
        r = client.get(url)
        assert r.status_code == 503, url
        assert b"Traceback" not in r.data
    assert b"cannot be read" in client.get("/").data


def test_unknown_experiment_and_trial_pages_are_404_pages(client, hand):
    _, exp_id = hand
    for url in ("/experiments/nope", f"/experiments/{exp_id}/trials/nope", "/no/such/page"):
        r = client.get(url)
        assert r.status_code == 404 and b"<h1>" in r.data, url


def test_posts_need_the_csrf_token(client, hand):
    _, exp_id = hand
    for headers in ({}, {"X-CSRF-Token": "wrong"}):
        r = client.post(f"/api/experiments/{exp_id}/delete", headers=headers)
        assert r.status_code == 403 and "CSRF" in r.get_json()["error"]
    r = client.post(f"/api/experiments/{exp_id}/actions", json={"kind": "stop_experiment"})
    assert r.status_code == 403


def test_only_loopback_host_names_are_answered(hand):
    client = create_app(hand[0]).test_client()
    assert client.get("/", headers={"Host": "127.0.0.1:8080"}).status_code == 200
    assert client.get("/", headers={"Host": "[::1]:8080"}).status_code == 200
    assert client.get("/", headers={"Host": "evil.example:8080"}).status_code == 403
    open_client = create_app(hand[0], {"LOCAL_HOSTS_ONLY": False}).test_client()
    assert open_client.get("/", headers={"Host": "box.lan:8080"}).status_code == 200


def test_actions_are_refused_for_a_finished_experiment(client, hand):
    _, exp_id = hand
    r = client.post(f"/api/experiments/{exp_id}/actions", json={"kind": "stop_experiment"},
                    headers={"X-CSRF-Token": TOKEN})  # fmt: skip
    assert r.status_code == 409 and "nni-annot resume" in r.get_json()["error"]


def _claim_live(store_path: str, exp_id: str) -> None:
    """Make the experiment look owned by a live runner (this test process, seen from another pid)."""
    store = open_store(store_path)
    try:
        store.set_experiment_status(exp_id, "RUNNING")
        store._conn.execute(
            "UPDATE experiments SET owner_pid = ?, owner_host = ?, heartbeat_at = ? WHERE id = ?",
            (os.getppid(), os.uname().nodename, time.time(), exp_id),
        )
    finally:
        store.close()


def test_actions_of_a_live_experiment_are_posted_to_the_store(client, hand):
    store_path, exp_id = hand
    _claim_live(store_path, exp_id)

    def post(body):
        return client.post(f"/api/experiments/{exp_id}/actions", json=body, headers={"X-CSRF-Token": TOKEN})

    failed = _trial_id(client, exp_id)
    assert post({"kind": "kill_trial", "payload": {"trial_id": "abc"}}).status_code == 202
    assert post({"kind": "update_limits", "payload": {"concurrency": 3, "junk": 1}}).get_json()[
        "payload"
    ] == {"concurrency": 3}
    rerun = post({"kind": "rerun_trial", "payload": {"trial_id": failed}}).get_json()
    assert rerun["kind"] == "add_trial" and rerun["payload"]["params"]["train/act/choice"] == XSS
    assert (
        post(
            {"kind": "rerun_trial", "payload": {"trial_id": _trial_id(client, exp_id, "SUCCEEDED")}}
        ).status_code
        == 409
    )
    assert post({"kind": "rerun_failed"}).status_code == 202
    assert post({"kind": "add_trial", "payload": {"params": 3}}).status_code == 409
    assert post({"kind": "dance"}).status_code == 409
    assert post({"nothing": 1}).status_code == 400
    actions = client.get(f"/api/experiments/{exp_id}/actions").get_json()["actions"]
    assert [a["kind"] for a in actions] == ["kill_trial", "update_limits", "add_trial", "rerun_failed"]
    assert all(a["applied_at"] is None for a in actions)
    html = client.get(f"/experiments/{exp_id}").get_data(as_text=True)
    assert 'id="actions-panel"' in html and 'id="refresh"' in html
    r = client.post(f"/api/experiments/{exp_id}/delete", headers={"X-CSRF-Token": TOKEN})
    assert r.status_code == 409  # a running experiment is not deleted


def test_delete_removes_records_and_directory(client, hand):
    store_path, exp_id = hand
    directory = os.path.join(os.path.dirname(store_path), "experiments", exp_id)
    assert os.path.isdir(directory)
    r = client.post(f"/api/experiments/{exp_id}/delete", headers={"X-CSRF-Token": TOKEN})
    assert r.status_code == 200 and r.get_json() == {"deleted": exp_id}
    assert not os.path.exists(directory)
    assert client.get("/api/experiments").get_json()["experiments"] == []
    assert b"No experiments in this home yet" in client.get("/").data


def test_real_experiment_pages(real):
    store_path, exp_id = real
    client = create_app(store_path).test_client()
    trial_id = client.get(f"/api/experiments/{exp_id}/trials").get_json()["trials"][0]["id"]
    for url in _pages(exp_id, trial_id):
        assert client.get(url).status_code == 200, url
