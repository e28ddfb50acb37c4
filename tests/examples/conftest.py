"""Run the examples through the real command line, in tmp_path, with a home of their own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TIMEOUT = 240  # a safety net only: a run takes seconds


class Cli:
    """``nni-annot`` as a user runs it, from ``cwd`` with ``NNIANNOT_HOME`` set."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self.env = {**os.environ, "NNIANNOT_HOME": str(cwd / "home")}

    def __call__(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "nniannot", *args],
            cwd=self.cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"nni-annot {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
            )
        return done

    def show(self, exp: str = "latest") -> dict[str, Any]:
        return json.loads(self("show", exp, "--json").stdout)


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


def needs_torch() -> None:
    pytest.importorskip("torch", reason="this example needs torch (pip install torch==2.13.0)")


def assert_all_succeeded(doc: dict[str, Any], trials: int) -> None:
    statuses = [t["status"] for t in doc["trials"]]
    assert statuses == ["SUCCEEDED"] * trials, [(t["status"], t["message"]) for t in doc["trials"]]
    assert doc["best"] is not None
