from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from nniannot.runner.store import open_reader, open_store
from nniannot.viewer import create_app
from tests.viewer.browser import CHROMIUM_ARGS, Watched, chromium
from tests.viewer.fill import fill

TOKEN = "test-token"
TINY = textwrap.dedent(
    """
    '''@nni.variable(nni.loguniform(1e-4, 1e-1), name=lr)'''
    lr = 0.01
    '''@nni.variable(nni.choice(16, 32, 64), name=hidden)'''
    hidden = 32
    acc = 0.0
    for epoch in range(4):
        acc = 1 - abs(lr - 0.01) * 10 + hidden / 1000 + epoch * 0.01
        '''@nni.report_intermediate_result(acc)'''
    print("accuracy", acc)
    '''@nni.report_final_result(acc)'''
    """
)


@pytest.fixture
def hand(tmp_path):
    """(store path, experiment id) of a hand-filled store with hostile strings everywhere."""
    home = tmp_path / "home"
    store = open_store(str(home / "store.db"))
    try:
        exp_id = fill(store, str(home))
    finally:
        store.close()
    return str(home / "store.db"), exp_id


@pytest.fixture
def client(hand):
    app = create_app(hand[0], {"CSRF_TOKEN": TOKEN, "TESTING": True})
    return app.test_client()


def run_tiny(tmp_path, trials: int = 4) -> tuple[str, str]:
    """Run a real small experiment with `nni-annot run`; returns (store path, experiment id)."""
    script = tmp_path / "train.py"
    script.write_text(TINY)
    env = {**os.environ, "NNIANNOT_HOME": str(tmp_path / "home")}
    subprocess.run(
        [sys.executable, "-m", "nniannot", "run", str(script), "--max-trials", str(trials), "--tuner", "random",
         "--seed", "1", "--plain"],
        cwd=tmp_path, env=env, check=True, capture_output=True, timeout=240,
    )  # fmt: skip
    path = str(tmp_path / "home" / "store.db")
    with open_reader(path) as reader:
        return path, reader.resolve("latest")


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    return run_tiny(tmp_path_factory.mktemp("real"))


@pytest.fixture(scope="module")
def browser():
    executable = chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def watched(browser, request):
    # Content-Security-Policy stays on (a violation by our own scripts is an error) unless a test asks to
    # prove that escaping alone keeps hostile strings inert.
    bypass = getattr(request, "param", False)
    context = browser.new_context(viewport={"width": 1280, "height": 860}, bypass_csp=bypass)
    page = Watched(context.new_page())
    yield page
    context.close()
    page.assert_clean()
