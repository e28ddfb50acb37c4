from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

from nniannot.cli import main
from tests.polling import wait_for  # noqa: F401  (the suite's tests import it from here)


@pytest.fixture
def home(tmp_path):
    return str(tmp_path / "home")


@pytest.fixture
def cli(home):
    """Run nni-annot in-process with --home; returns the click Result (exit code checked by the caller)."""

    def invoke(*args: str):
        return CliRunner().invoke(
            main, [*args, "--home", home] if args[0] != "run" else [args[0], "--home", home, *args[1:]]
        )

    return invoke


def write(path, text: str) -> str:
    path.write_text(textwrap.dedent(text).lstrip())
    return str(path)


def write_json(path, data) -> str:
    path.write_text(json.dumps(data))
    return str(path)


_SPAWNED: list[subprocess.Popen] = []


def spawn(home: str, *args: str, cwd: str) -> subprocess.Popen:
    """Start nni-annot in a process; whatever the test does, it is reaped when the test ends."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "nniannot", *args, "--home", home], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    _SPAWNED.append(proc)
    return proc


@pytest.fixture(autouse=True)
def _reap_spawned():
    """A test that fails before it waits for its process must not leak it (or its pipes) into later tests."""
    yield
    while _SPAWNED:
        proc = _SPAWNED.pop()
        if proc.poll() is None:
            proc.kill()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
        proc.wait(timeout=60)
