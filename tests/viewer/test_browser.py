"""The viewer in a real browser (Debian's chromium via Playwright): pages of a real experiment, charts drawn,
sorting, filtering, the top-% filter, hostile strings that must not run, and kill / re-run / stop against a
live runner. With NNIANNOT_SCREENSHOTS=1, screenshots of each page go to docs/img/."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from nniannot.errors import StoreError
from nniannot.runner.store import open_reader, open_store
from tests.viewer.browser import screenshot, served, wait_for
from tests.viewer.fill import XSS, fill

pytestmark = pytest.mark.browser


def _rows(page):
    return page.locator("#trials-table tbody tr[data-id]")


def test_pages_of_a_real_experiment(real, watched):
    store_path, exp_id = real
    with served(store_path, watched) as url:
        page = watched.open(url)
        assert page.locator("#experiments tbody tr").count() == 1
        screenshot(page, "viewer-experiments")

        page = watched.open(f"{url}experiments/{exp_id}")
        page.wait_for_selector("#chart-best canvas")
        assert "4 / 4" in page.inner_text("#progress-trials")
        screenshot(page, "viewer-overview")

        page = watched.open(f"{url}experiments/{exp_id}/trials")
        page.wait_for_selector("#trials-table tbody tr[data-id]")
        assert _rows(page).count() == 4
        page.click('#trials-table th[data-col="final"]')  # best first (maximize)
        page.wait_for_function("new URL(location.href).searchParams.get('sort') === 'final'")
        page.wait_for_selector('#trials-table th[data-col="final"][aria-sort="descending"]')
        values = [
            float(v) for v in page.locator("#trials-table tbody tr td.num:nth-child(5)").all_inner_texts()
        ]
        assert values == sorted(values, reverse=True)
        page.click('#status-chips [data-status="FAILED"]')
        page.wait_for_selector("#trials-table td.empty")
        assert "status=FAILED" in page.url
        page.click('#status-chips [data-status="FAILED"]')
        page.wait_for_selector("#trials-table tbody tr[data-id]")
        page.fill("#search", "no-such-text")
        page.wait_for_selector("#trials-table td.empty")
        page.fill("#search", "")
        page.wait_for_selector("#trials-table tbody tr[data-id]")
        page.locator("#trials-table tbody input[type=checkbox]").first.check()
        assert "sel=" in page.url
        screenshot(page, "viewer-trials")
        shared = page.url
        page = watched.open(shared)  # the URL restores the state
        page.wait_for_selector('#trials-table th[data-col="final"][aria-sort="descending"]')

        page = watched.open(f"{url}experiments/{exp_id}/charts")
        for chart in ("parallel", "best", "scatter", "curves", "durations", "importance"):
            page.wait_for_selector(f"#chart-{chart} canvas")
        page.click('#top-chips [data-top="50"]')
        page.wait_for_function("new URL(location.href).searchParams.get('top') === '50'")
        page.locator("#axis-order .chip").first.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function("new URL(location.href).searchParams.has('axes')")
        screenshot(page, "viewer-charts")
        page.keyboard.press("Escape")
        page.locator("body").press("t")  # dark theme, charts redrawn
        page.wait_for_function("document.documentElement.dataset.theme === 'dark'")
        screenshot(page, "viewer-charts-dark")
        page.locator("body").press("t")
        page.locator("body").press("t")

        trial_id = page.evaluate(f"fetch('/api/experiments/{exp_id}/trials').then(r => r.json())")["trials"][
            0
        ]["id"]
        page = watched.open(f"{url}experiments/{exp_id}/trials/{trial_id}")
        page.wait_for_selector("#chart-trial canvas")
        page.wait_for_function("document.getElementById('log-stdout').textContent.includes('accuracy')")
        page.wait_for_selector("#diff pre")
        assert "report_final_result" in page.inner_text("#diff")
        screenshot(page, "viewer-trial")


def test_architecture_view(tmp_path, watched):
    store = open_store(str(tmp_path / "store.db"))
    try:
        exp_id = fill(store, str(tmp_path), trials=30, label="gelu")
    finally:
        store.close()
    with served(str(tmp_path / "store.db"), watched) as url:
        page = watched.open(f"{url}experiments/{exp_id}/architecture")
        page.wait_for_selector("#arch-0 canvas")
        page.click('#arch-top [data-top="5"]')
        page.wait_for_function("new URL(location.href).searchParams.get('top') === '5'")
        page.wait_for_selector("#arch-0 canvas")
        screenshot(page, "viewer-architecture")


@pytest.mark.parametrize("watched", [False, True], ids=["csp", "no-csp"], indirect=True)
def test_hostile_strings_never_run(hand, watched):
    store_path, exp_id = hand
    with served(store_path, watched) as url:
        failed = watched.open(f"{url}api/experiments/{exp_id}/trials?status=FAILED").evaluate(
            "JSON.parse(document.body.innerText).trials[0].id"
        )
        base = f"{url}experiments/{exp_id}"
        for path in ("", base, base + "/trials", base + "/charts", base + "/architecture",
                     f"{base}/trials/{failed}", base + "/add"):  # fmt: skip
            page = watched.open(url + path if not path.startswith("http") else path)
            page.wait_for_timeout(300)  # let the scripts render what they fetched
            assert page.evaluate("window.__xss") is None, path
            assert page.locator("img[src=x]").count() == 0, path
        page = watched.open(base + "/trials")
        page.wait_for_selector("#trials-table tbody tr[data-id]")
        assert XSS in page.inner_text("#trials-table")  # shown as text
        assert XSS in watched.open(url).inner_text("#experiments")


LIVE = textwrap.dedent(
    """
    import os, sys, time
    '''@nni.variable(nni.choice(0, 1, 2), name=k)'''
    k = 0
    if k == 0 and os.path.exists(os.path.join(os.path.dirname(os.path.abspath(__file__)), "fail-once")):
        sys.exit(3)
    time.sleep(0 if k == 0 else 300)
    '''@nni.report_final_result(float(k))'''
    """
)


def _trials(store_path, exp_id):
    with open_reader(store_path) as reader:
        return reader.list_trials(exp_id)


def test_kill_rerun_and_stop_against_a_live_runner(tmp_path, watched):
    (tmp_path / "train.py").write_text(LIVE)
    (tmp_path / "fail-once").write_text("")
    env = {**os.environ, "NNIANNOT_HOME": str(tmp_path / "home")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "nniannot", "run", "train.py", "--tuner", "grid", "--max-trials", "3",
         "--concurrency", "3", "--plain"],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    store_path = str(tmp_path / "home" / "store.db")
    try:
        exp_id = wait_for(lambda: _first_experiment(store_path), "the experiment")
        by_k = lambda status: [t for t in _trials(store_path, exp_id) if t.status == status]  # noqa: E731
        wait_for(
            lambda: len(by_k("RUNNING")) == 2 and len(by_k("FAILED")) == 1, "two running and one failed trial"
        )
        running = by_k("RUNNING")[0]
        failed = by_k("FAILED")[0]
        with served(store_path, watched) as url:
            page = watched.open(f"{url}experiments/{exp_id}/trials")
            page.click(f'#trials-table button.kill[data-id="{running.id}"]')
            wait_for(lambda: _status(store_path, exp_id, running.id) == "USER_CANCELED", "the killed trial")
            page.wait_for_selector("#status-line:has-text('kill trial: ok')")

            (tmp_path / "fail-once").unlink()
            page = watched.open(f"{url}experiments/{exp_id}/trials?refresh=2")
            page.click(f'#trials-table button.rerun[data-id="{failed.id}"]')
            again = wait_for(
                lambda: [t for t in _trials(store_path, exp_id) if t.seq > 2 and t.params == failed.params],
                "the re-run trial",
            )
            wait_for(
                lambda: _status(store_path, exp_id, again[0].id) == "SUCCEEDED", "the re-run trial to succeed"
            )

            # Live update: a trial added behind the page's back appears without a reload.
            posted = page.evaluate(
                "(params) => NA.post(`/api/experiments/${NA.expId}/actions`, {kind: 'add_trial', payload: {params}})",
                {k: 2 for k in failed.params},
            )
            assert posted["kind"] == "add_trial"
            added = wait_for(lambda: [t for t in _trials(store_path, exp_id) if t.seq > 3], "the added trial")
            page.wait_for_selector(f'#trials-table tr[data-id="{added[0].id}"]', timeout=60_000)

            page = watched.open(f"{url}experiments/{exp_id}")
            page.fill('#limits-form input[name="concurrency"]', "4")
            page.click('#limits-form button[type="submit"]')
            wait_for(lambda: _experiment(store_path, exp_id).concurrency == 4, "the new concurrency")
            page.wait_for_selector("#status-line:has-text('update limits: ok')")
            before = len(_trials(store_path, exp_id))
            page.click("#rerun-failed")
            wait_for(
                lambda: [t for t in _trials(store_path, exp_id)[before:] if t.params == failed.params],
                "a re-run of every failed trial",
            )
            screenshot(page, "viewer-overview-live")
            page.once("dialog", lambda dialog: dialog.accept())
            page.click("#stop-experiment")
            assert proc.wait(timeout=120) == 0
        with open_reader(store_path) as reader:
            assert reader.get_experiment(exp_id).status == "STOPPED"
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _first_experiment(store_path):
    """The id of the store's experiment, or None while the runner is still creating the store."""
    if not os.path.exists(store_path):
        return None
    try:
        with open_reader(store_path) as reader:
            found = reader.list_experiments()
    except StoreError:
        return None
    return found[0].id if found else None


def _experiment(store_path, exp_id):
    with open_reader(store_path) as reader:
        return reader.get_experiment(exp_id)


def _status(store_path, exp_id, trial_id):
    with open_reader(store_path) as reader:
        return reader.get_trial(exp_id, trial_id).status
