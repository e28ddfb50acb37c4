"""Helpers for the browser suite: Debian's chromium through Playwright, a served viewer, error capture."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from nniannot.viewer.server import start_server
from tests.polling import wait_for  # noqa: F401  (the suite's tests import it from here)

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]  # fmt: skip
DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"


def chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.skip("Debian's chromium is not on PATH (apt-get install chromium); the browser suite needs it")
    return path


@contextmanager
def served(store_path: str, *pages: Watched) -> Iterator[str]:
    """The viewer for ``store_path`` on 127.0.0.1 (a free port), served from a thread; yields its URL.

    The ``pages`` are taken off the viewer before it stops: a page that still live-updates would otherwise
    log the failed requests as console errors.
    """
    viewer = start_server(store_path, "127.0.0.1", 0)
    try:
        yield viewer.url
    finally:
        for page in pages:
            page.page.goto("about:blank")
        viewer.shutdown()


class Watched:
    """A page whose console errors and uncaught exceptions are collected."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        page.on(
            "console",
            lambda m: self.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
        )
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        page.on(
            "response", lambda r: self.errors.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None
        )

    def open(self, url: str) -> Any:
        self.page.goto(url)
        self.page.wait_for_load_state("networkidle")
        return self.page

    def assert_clean(self) -> None:
        assert self.errors == [], "\n".join(self.errors)


def screenshot(page: Any, name: str) -> None:
    """Take a screenshot; with NNIANNOT_SCREENSHOTS=1 it is saved to docs/img/ for the docs.

    Saving is opt-in so that running the tests leaves the work tree unchanged.
    """
    if os.environ.get("NNIANNOT_SCREENSHOTS") != "1":
        assert page.screenshot(full_page=False)
        return
    DOCS_IMG.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS_IMG / f"{name}.png"), full_page=False)
