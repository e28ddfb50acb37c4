"""Watch sessions in the viewer: revisions grouped in the list, and listed on each revision's overview."""

from __future__ import annotations

import re

from nniannot.runner.store import open_store
from nniannot.viewer import create_app
from nniannot.viewer.revisions import group_revisions


def _session_store(tmp_path) -> tuple[str, list[str], str]:
    path = str(tmp_path / "store.db")
    store = open_store(path)
    try:
        chain: list[str] = []
        for revision in (1, 2, 3):
            exp = store.create_experiment(name="train.py", search_space={}, command=["python", "train.py"],
                                          revision=revision, parent_id=chain[-1] if chain else None)  # fmt: skip
            chain.append(exp.id)
        other = store.create_experiment(name="other.py", search_space={}, command=["python", "other.py"]).id
    finally:
        store.close()
    return path, chain, other


def test_the_list_shows_a_session_newest_revision_first_with_the_older_ones_below(tmp_path) -> None:
    path, chain, other = _session_store(tmp_path)
    page = create_app(path, {"TESTING": True}).test_client().get("/").get_data(as_text=True)
    order = re.findall(r'<tr data-id="(\w+)"', page)
    assert order == [other, chain[2], chain[1], chain[0]]
    assert "revision 3 of a watch session (3)" in page
    assert page.count('class="older-revision"') == 2


def test_each_revision_s_overview_lists_the_session(tmp_path) -> None:
    path, chain, _ = _session_store(tmp_path)
    client = create_app(path, {"TESTING": True}).test_client()
    page = client.get(f"/experiments/{chain[1]}").get_data(as_text=True)
    assert "Revisions of this watch session" in page
    assert "revision 2 (this one)" in page
    assert f'href="/experiments/{chain[0]}"' in page and f'href="/experiments/{chain[2]}"' in page


def test_an_experiment_outside_a_session_lists_no_revisions(tmp_path) -> None:
    path, _, other = _session_store(tmp_path)
    page = (
        create_app(path, {"TESTING": True}).test_client().get(f"/experiments/{other}").get_data(as_text=True)
    )
    assert "Revisions of this watch session" not in page


def test_grouping_survives_a_deleted_parent_and_a_cycle() -> None:
    rows = [
        {"id": "c", "parent_id": "b", "revision": 3, "created_at": 3},
        {"id": "b", "parent_id": "gone", "revision": 2, "created_at": 2},
        {"id": "x", "parent_id": "y", "revision": 1, "created_at": 1},
        {"id": "y", "parent_id": "x", "revision": 1, "created_at": 0},
    ]
    grouped = group_revisions(rows)
    assert [r["id"] for r in grouped] == ["c", "b", "x", "y"]
    assert grouped[0]["head"] and not grouped[1]["head"] and grouped[0]["session"] == "b"
    assert grouped[0]["revisions"] == 2
    assert {r["id"] for r in grouped[2:]} == {"x", "y"}  # a cycle (a damaged store) still ends
