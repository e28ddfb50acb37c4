"""A one-shot experiment in a real browser: the architecture graph with each candidate's weight, the
history charts on the architecture and trial pages, with no console error (and a hostile file's note).
With NNIANNOT_SCREENSHOTS=1 the screenshots go to docs/img/."""

from __future__ import annotations

import pytest

from nniannot.runner.store import open_store
from tests.viewer.browser import screenshot, served
from tests.viewer.fill import XSS
from tests.viewer.nasfill import BLOCK, document, fill_oneshot

pytestmark = pytest.mark.browser


def _hostile_names():
    doc = document(steps=3)
    layer = doc["weights"][BLOCK]["mutable_layer_1"]
    layer["candidates"] = {XSS: 0.5, "{n|x}": 0.5}
    doc["history"][0]["weights"][BLOCK]["mutable_layer_1"]["candidates"] = {XSS: 0.2, "{n|x}": 0.8}
    return doc


def test_weights_and_history_charts_render(tmp_path, watched):
    store = open_store(str(tmp_path / "store.db"))
    try:
        exp_id, (bad, xss, tid) = fill_oneshot(
            store, str(tmp_path), [b'{"weights": [NaN', _hostile_names(), document(steps=30)]
        )
    finally:
        store.close()
    with served(str(tmp_path / "store.db"), watched) as url:
        page = watched.open(f"{url}experiments/{exp_id}/architecture")
        page.wait_for_selector("#arch-0 canvas")
        page.wait_for_selector("#arch-history-0-1 canvas")
        assert "darts mode" in page.inner_text("#arch-nas-note")
        screenshot(page, "viewer-nas-architecture")
        page = watched.open(f"{url}experiments/{exp_id}/trials/{tid}")
        page.wait_for_selector("#nas-bars-0-0 canvas")
        page.wait_for_selector("#nas-history-0-1-0 canvas")
        page.locator("#nas-panel").scroll_into_view_if_needed()
        screenshot(page, "viewer-nas-trial")
        page = watched.open(f"{url}experiments/{exp_id}/trials/{bad}")
        page.wait_for_selector("#nas-note:not([hidden])")
        assert "not valid JSON" in page.inner_text("#nas-note")
        page = watched.open(f"{url}experiments/{exp_id}/trials/{xss}")
        page.wait_for_selector("#nas-history-0-1-0 canvas")
        page.hover("#nas-history-0-1-0 canvas")
        assert page.evaluate("window.__xss") is None
