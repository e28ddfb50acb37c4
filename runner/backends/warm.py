"""Warm starts: a Python interpreter started ahead of time that becomes the next trial.

Starting Python costs ~100 ms, and importing a trial's heavy packages (torch alone: 1-3 s) costs more. The
local backend keeps *spare* interpreters waiting on their stdin. A spare may first import the third-party
packages the trial's code imports at its top level (:mod:`nniannot.runner.backends.preload`), while
earlier trials run. When a trial is submitted, a spare receives it (argv, cwd, environment, output files)
as one JSON line, points its stdout/stderr at the trial's files (with what the imports printed first), and
runs the command in-process with :mod:`runpy`, exactly as ``python -m mod``, ``python -c code`` or
``python script.py`` would. The spare is the runner's own child and leads its own session, so exit code,
signals and the process group the runner kills are those of a cold start; nothing is forked.

Only commands run by nni-annot's own interpreter, in one of those three forms, and without ``PYTHON*``
variables that Python reads at start-up, are started warm; anything else starts cold as a normal
subprocess. A spare with pre-imports is used only by a trial whose environment equals the one it imported
in, except the per-trial variables (NNI's trial variables and ``CUDA_VISIBLE_DEVICES``). If an import fails
or initialises CUDA in the spare, it replaces itself (``exec``) with a fresh interpreter without them, so
the trial imports them itself and reports its own error.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from typing import IO

from nniannot import protocol

# The spare's program. Without pre-imports it imports only json/os/sys/runpy before the trial's own code.
BOOTSTRAP = r"""
import json, os, sys
held = None
if len(sys.argv) > 1 and hasattr(os, "memfd_create"):  # elsewhere than Linux: no pre-imports
    why = ""
    status = os.dup(1)
    held = [os.memfd_create("stdout"), os.memfd_create("stderr")]
    os.dup2(held[0], 1)
    os.dup2(held[1], 2)
    try:
        for name in sys.argv[1:]:
            __import__(name)
        torch = sys.modules.get("torch")
        if torch is not None and torch.cuda.is_initialized():
            why = "importing " + name + " initialised CUDA"
    except BaseException as exc:
        why = "importing " + name + " failed: " + type(exc).__name__ + ": " + str(exc)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass
    os.dup2(status, 1)
    if why:
        os.write(1, ("fresh " + " ".join(why.split())[:500] + "\n").encode())
        os.execv(sys.executable, sys.orig_argv[:3])
    os.write(1, ("pre-imported " + " ".join(sys.argv[1:]) + "\n").encode())
    os.close(status)
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
    if fd and held:
        os.lseek(held[fd - 1], 0, 0)
        while chunk := os.read(held[fd - 1], 65536):
            os.write(fd, chunk)
        os.close(held[fd - 1])
del sys.path[0]
sys.path[0:0] = [p for p in msg["path"] if p]
mode, target, args = msg["mode"], msg["target"], msg["args"]
del json, line, msg, held
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
# Variables that differ from trial to trial: a spare's pre-imports never see them.
PER_TRIAL_VARS = frozenset([*protocol.trial_environment("", "", "", 0), "CUDA_VISIBLE_DEVICES"])


@dataclass
class Spare:
    """A waiting interpreter; ``modules`` it imports ahead, in ``env`` (None: the runner's, no imports)."""

    proc: subprocess.Popen[bytes]
    modules: tuple[str, ...] = ()
    env: dict[str, str] | None = None

    def fits(self, modules: tuple[str, ...], env: dict[str, str]) -> bool:
        """Whether a trial that wants ``modules`` and runs in ``env`` may use this spare's pre-imports."""
        return self.modules == modules and (not modules or self.env == shared_env(env))


def shared_env(env: dict[str, str]) -> dict[str, str]:
    """``env`` without the variables that differ from trial to trial."""
    return {k: v for k, v in env.items() if k not in PER_TRIAL_VARS}


def cold_reason(command: list[str], env: dict[str, str]) -> str | None:
    """Why ``command`` cannot start warm, or None if it can."""
    if len(command) < 2 or os.path.realpath(command[0]) != os.path.realpath(sys.executable):
        return "its command is not run by nni-annot's own Python"
    changed = [v for v in _STARTUP_VARS if env.get(v) != os.environ.get(v)]
    if changed:
        return f"it sets {changed[0]}, which Python reads only at start-up"
    if command[1].startswith("-") and not (command[1] in ("-m", "-c") and len(command) >= 3):
        return f"Python option {command[1]} is not one a spare interpreter can take"
    return None


def warm_form(command: list[str], env: dict[str, str]) -> tuple[str, str, list[str]] | None:
    """(mode, target, args) if ``command`` can start warm, else None."""
    if cold_reason(command, env) is not None:
        return None
    first = command[1]
    if first in ("-m", "-c"):
        return first, command[2], command[3:]
    return "script", first, command[2:]


def start_spare(modules: tuple[str, ...] = (), env: dict[str, str] | None = None) -> Spare:
    """A waiting interpreter in its own session (it will be the trial's process-group leader).

    With ``modules``, it imports them first, in ``env`` (per-trial variables removed), with ``/`` as its
    working directory so that nothing of the current directory shadows an installed package.
    """
    shared = shared_env(env) if modules and env is not None else None
    proc = subprocess.Popen(
        [sys.executable, "-c", BOOTSTRAP, *modules],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,  # one status line: what the spare imported, or why it could not
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env=shared,
        cwd="/" if modules else None,
    )
    return Spare(proc, modules if shared is not None else (), shared)


def assign(spare: Spare, form: tuple[str, str, list[str]], cwd: str, env: dict[str, str],
           stdout: str, stderr: str, *, prefix: bytes = b"", keep_open: bool = False) -> None:  # fmt: skip
    """Hand the trial to the spare; raises OSError if the spare has died.

    ``prefix`` goes before the line; ``keep_open`` leaves the pipe open (a supervisor between the runner and
    the spare reads its end as "the runner is gone")."""
    mode, target, args = form
    path = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    line = json.dumps({"mode": mode, "target": target, "args": args, "cwd": cwd, "env": env, "path": path,
                       "stdout": stdout, "stderr": stderr})  # fmt: skip
    pipe: IO[bytes] | None = spare.proc.stdin
    if pipe is None or spare.proc.poll() is not None:
        raise OSError("the spare interpreter has exited")
    pipe.write(prefix + line.encode() + b"\n")
    if keep_open:
        pipe.flush()
    else:
        pipe.close()


def how_started(proc: subprocess.Popen[bytes]) -> str:
    """After the trial has ended: what its spare had imported ahead (or why not); "" for a cold start."""
    if proc.stdout is None:
        return ""
    try:
        text = proc.stdout.read().decode(errors="replace").strip()
    except (OSError, ValueError):
        text = ""
    finally:
        proc.stdout.close()
    return text or "fresh interpreter"


def retire(spare: Spare) -> None:
    """End an unused spare (it has run no user code) and reap it."""
    proc = spare.proc
    try:
        if proc.stdin is not None:
            proc.stdin.close()
        proc.kill()
        proc.wait(timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        pass
    finally:
        if proc.stdout is not None:
            proc.stdout.close()
