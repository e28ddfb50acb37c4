"""A small supervisor process that ends the trials' process groups when the runner dies, however it dies.

The local backend starts one reaper and tells it, over the reaper's stdin, each process group it starts
(``+<pgid>``) and each one that has ended (``-<pgid>``). When the runner goes away (Ctrl-C, an exception,
``kill -9``), the kernel closes that pipe; the reaper sees end-of-file, sends SIGTERM to every group still
listed, SIGKILL after the grace period to whatever is left, and exits. Grandchildren go too: they are in
their trial's group. The reaper lives in its own session, so the terminal's Ctrl-C does not reach it.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from typing import IO

PROGRAM = r"""
import os, signal, sys, time
signal.signal(signal.SIGINT, signal.SIG_IGN)
grace = float(sys.argv[1])
groups = set()
for line in sys.stdin:
    line = line.strip()
    if line[:1] == "+":
        groups.add(int(line[1:]))
    elif line[:1] == "-":
        groups.discard(int(line[1:]))

def alive(pgid):
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

def send(sig):
    for pgid in list(groups):
        try:
            os.killpg(pgid, sig)
        except (ProcessLookupError, PermissionError):
            groups.discard(pgid)

send(signal.SIGTERM)
deadline = time.monotonic() + grace
while groups and time.monotonic() < deadline:
    groups = {g for g in groups if alive(g)}
    time.sleep(0.05)
send(signal.SIGKILL)
"""


class Reaper:
    """The runner's side of the supervisor: :meth:`watch` a new group, :meth:`forget` an ended one.

    Failures to reach the reaper are ignored: it only matters if the runner dies, and then there is
    nothing better to do.
    """

    def __init__(self, grace: float) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", PROGRAM, repr(float(grace))],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    def watch(self, pgid: int) -> None:
        """End group ``pgid`` if the runner dies before :meth:`forget` is called for it."""
        self._send(f"+{pgid}\n")

    def forget(self, pgid: int) -> None:
        """Group ``pgid`` has ended (or is being ended by the runner itself)."""
        self._send(f"-{pgid}\n")

    def _send(self, line: str) -> None:
        with self._lock:
            pipe: IO[bytes] | None = None if self._proc is None else self._proc.stdin
            if pipe is None:
                return
            try:
                pipe.write(line.encode())
                pipe.flush()
            except (OSError, ValueError):
                pass

    def close(self, timeout: float = 30.0) -> None:
        """Let the reaper end what is still listed (normally nothing) and exit; waits for it."""
        with self._lock:
            proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            if proc.stdin is not None:
                proc.stdin.close()
            proc.wait(timeout=timeout)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()
