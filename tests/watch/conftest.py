from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading

import pytest

from nniannot.runner.home import Home
from nniannot.runner.store import open_reader
from tests.polling import wait_for


def write(path, text: str) -> str:
    path.write_text(textwrap.dedent(text).lstrip())
    return str(path)


class Watch:
    """``nni-annot watch`` (or any command) in a subprocess, its output collected line by line."""

    def __init__(self, home: str, cwd, *args: str) -> None:
        self.home = home
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "nniannot", *args, "--home", home], cwd=str(cwd), env=env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        with self.proc.stdout:
            for line in self.proc.stdout:
                self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_line(self, text: str, count: int = 1, what: str | None = None) -> None:
        """Wait until ``text`` occurs on ``count`` lines of the output."""
        wait_for(lambda: sum(text in line for line in self.lines) >= count, what=what or repr(text))

    def experiments(self):
        """Every experiment, oldest first."""
        with open_reader(Home(self.home).store_path) as reader:
            return sorted(reader.list_experiments(), key=lambda e: e.created_at)

    def trials(self, exp_id: str):
        with open_reader(Home(self.home).store_path) as reader:
            return reader.list_trials(exp_id)

    def interrupt(self) -> int:
        self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(timeout=120)
        self._reader.join(timeout=10)
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)
        self._reader.join(timeout=10)


@pytest.fixture
def home(tmp_path):
    return str(tmp_path / "home")


@pytest.fixture
def start_watch(home, tmp_path):
    """Start ``nni-annot <args> --home HOME`` in tmp_path; killed at the end if still running."""
    started: list[Watch] = []

    def start(*args: str) -> Watch:
        watch = Watch(home, tmp_path, *args)
        started.append(watch)
        return watch

    yield start
    for watch in started:
        watch.kill()
