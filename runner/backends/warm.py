"""Warm starts: a Python interpreter started ahead of time that becomes the next trial.

Starting Python costs ~100 ms, more than everything else a trial start does. The local backend keeps one
*spare* interpreter waiting on its stdin; when a trial is submitted, the spare receives the trial (argv,
cwd, environment, output files) as one JSON line, points its stdout/stderr at the trial's files and runs the
command in-process with :mod:`runpy`, exactly as ``python -m mod``, ``python -c code`` or
``python script.py`` would. Only commands run by nni-annot's own interpreter, in one of those three
forms, and without ``PYTHON*`` variables that Python reads at start-up, are started warm; anything else
starts cold as a normal subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import IO

# The spare's program. It imports only json/os/sys/runpy before the trial's own code runs.
BOOTSTRAP = r"""
import json, os, sys
line = sys.stdin.readline()
if not line.strip():
    sys.exit(0)
msg = json.loads(line)
os.environ.clear()
os.environ.update(msg["env"])
os.chdir(msg["cwd"])
for fd, path in ((0, os.devnull), (1, msg["stdout"]), (2, msg["stderr"])):
    new = os.open(path, os.O_RDONLY if fd == 0 else os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(new, fd)
    os.close(new)
del sys.path[0]
sys.path[0:0] = [p for p in msg["path"] if p]
mode, target, args = msg["mode"], msg["target"], msg["args"]
del json, line, msg
import runpy
if mode == "-m":
    sys.argv = [target, *args]
    sys.path.insert(0, os.getcwd())
    runpy.run_module(target, run_name="__main__", alter_sys=True)
elif mode == "-c":
    sys.argv = ["-c", *args]
    sys.path.insert(0, "")
    import types
    main = types.ModuleType("__main__")
    sys.modules["__main__"] = main
    exec(compile(target, "<string>", "exec"), main.__dict__)
else:
    sys.argv = [target, *args]
    sys.path.insert(0, os.path.dirname(os.path.abspath(target)))
    runpy.run_path(target, run_name="__main__")
"""

# Variables Python only honours at start-up: a trial that sets them must start cold.
_STARTUP_VARS = ("PYTHONHOME", "PYTHONHASHSEED", "PYTHONOPTIMIZE", "PYTHONDONTWRITEBYTECODE", "PYTHONWARNINGS",
                 "PYTHONUTF8", "PYTHONIOENCODING", "PYTHONSAFEPATH", "PYTHONNOUSERSITE", "PYTHONDEVMODE",
                 "PYTHONFAULTHANDLER", "PYTHONTRACEMALLOC", "PYTHONPROFILEIMPORTTIME", "PYTHONUNBUFFERED",
                 "PYTHONINSPECT", "PYTHONVERBOSE", "PYTHONSTARTUP")  # fmt: skip


def warm_form(command: list[str], env: dict[str, str]) -> tuple[str, str, list[str]] | None:
    """(mode, target, args) if ``command`` can start warm, else None."""
    if len(command) < 2 or os.path.realpath(command[0]) != os.path.realpath(sys.executable):
        return None
    if any(env.get(v) != os.environ.get(v) for v in _STARTUP_VARS):
        return None
    first = command[1]
    if first in ("-m", "-c") and len(command) >= 3:
        return first, command[2], command[3:]
    if first.startswith("-"):
        return None
    return "script", first, command[2:]


def start_spare() -> subprocess.Popen[bytes]:
    """A waiting interpreter in its own session (it will be the trial's process-group leader)."""
    return subprocess.Popen(
        [sys.executable, "-c", BOOTSTRAP],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def assign(spare: subprocess.Popen[bytes], form: tuple[str, str, list[str]], cwd: str, env: dict[str, str],
           stdout: str, stderr: str) -> None:  # fmt: skip
    """Hand the trial to the spare; raises OSError if the spare has died."""
    mode, target, args = form
    path = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    line = json.dumps({"mode": mode, "target": target, "args": args, "cwd": cwd, "env": env, "path": path,
                       "stdout": stdout, "stderr": stderr})  # fmt: skip
    pipe: IO[bytes] | None = spare.stdin
    if pipe is None or spare.poll() is not None:
        raise OSError("the spare interpreter has exited")
    pipe.write(line.encode() + b"\n")
    pipe.close()


def retire(spare: subprocess.Popen[bytes]) -> None:
    """Tell an unused spare to exit and reap it."""
    try:
        if spare.stdin is not None:
            spare.stdin.close()  # EOF: the bootstrap exits with 0
        spare.wait(timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        spare.kill()
        spare.wait()
