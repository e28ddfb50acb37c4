"""What runs on a Dask worker: one trial as a subprocess, reporting back while it runs.

:func:`run_trial` is the Dask task. It starts the trial's command the way the local backend does (same
environment, ``parameter.cfg`` and metrics file), under a small supervisor process that kills the trial's
process group if the worker dies (the supervisor's stdin is a pipe from the worker: end of file means the
worker is gone). Trials start warm as on the local backend: each worker process keeps a spare interpreter
under its supervisor, which has imported what the trial's code imports, ready for its next trial. While the
trial runs, every new piece of its metrics file is published on the backend's event topic. A cancel comes
through :func:`cancel_here`, which the runner runs on the worker. A task that Dask runs a second time
because its first worker died does not start the trial again (a distributed ``Event`` per attempt says it
started once): it reports the trial as lost.

Without a shared file system the trial runs in a private directory in the worker's scratch space, from a
copy of the :class:`~nniannot.runner.backends.dask_bundle.CodeBundle`; its stdout and stderr go back in the result.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from typing import Any

from nniannot import protocol
from nniannot.runner.backends import warm
from nniannot.runner.backends.base import TrialSpec
from nniannot.runner.backends.dask_bundle import CodeBundle, translate, translate_env
from nniannot.runner.backends.local import detect_gpus, signal_group, stderr_tail
from nniannot.runner.backends.preload import heavy_imports

LOG_LIMIT = 16 * 1024 * 1024  # stdout/stderr bytes sent back per trial (the tail is kept)

# Runs the trial and mirrors its exit status; the trial gets the default signal handlers back at exec.
# Only builtin modules (fork, exec, waitpid), so it starts in a few milliseconds: it runs once per trial.
# With --relay instead of the grace, the command is a spare interpreter (see warm.py) started ahead of its
# trial: the first line on the supervisor's stdin, "<grace> <trial>", passes the trial on to the spare.
SUPERVISOR = r"""
import os, signal, sys, time, _thread
relay = sys.argv[1] == "--relay"
grace = 0.0 if relay else float(sys.argv[1])
command = sys.argv[2:]
signal.signal(signal.SIGTERM, lambda *_: None)
if relay:
    inner, outer = os.pipe()
pid = os.fork()
if pid == 0:
    if relay:
        os.close(outer)
        os.dup2(inner, 0)
        os.close(inner)
    else:
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
    try:
        os.execvp(command[0], command)
    except OSError as exc:
        os.write(2, ("cannot start %r: %s\n" % (command[0], exc.strerror or exc)).encode())
    os._exit(127)
if relay:
    os.close(inner)
    line = b""
    while not line.endswith(b"\n"):
        chunk = os.read(0, 65536)
        if not chunk:  # retired, or the worker is gone, before a trial came
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os._exit(0)
        line += chunk
    space = line.index(b" ")
    grace = float(line[:space])
    view = memoryview(line)[space + 1 :]
    while view:
        view = view[os.write(outer, view):]
    os.close(outer)
ended = []
def orphaned():
    while os.read(0, 4096):
        pass
    if not ended:
        os.killpg(0, signal.SIGTERM)
        time.sleep(grace)
        os.killpg(0, signal.SIGKILL)
_thread.start_new_thread(orphaned, ())
code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
ended.append(code)
if code < 0:
    signal.signal(-code, signal.SIG_DFL)
    os.kill(os.getpid(), -code)
os._exit(code if code >= 0 else 128 - code)
"""
_gpu_lock = threading.Lock()
_gpus_in_use: set[str] = set()  # per worker process: trials on one worker never share a GPU


@dataclass(frozen=True)
class TrialJob:
    """One attempt at a trial, as sent to a worker; the event names come from the runner's backend."""

    spec: TrialSpec
    attempt: int
    topic: str
    cancel_event: str
    start_event: str
    runner_python: str
    runner_shim: str
    shared_fs: bool
    kill_grace: float
    poll_interval: float = 0.05
    warm_start: bool = True


def run_trial(job: TrialJob, bundle: CodeBundle | None) -> dict[str, Any]:
    """The Dask task: run the trial to its end and return its exit code, stderr tail, metrics and logs."""
    from distributed import Event, get_worker

    worker = get_worker()
    started = Event(job.start_event)
    if started.is_set():
        return {"lost": True}  # a rerun after the first worker died: the runner decides what to do
    started.set()
    cancel = _CANCELS.enter(job.cancel_event)
    if cancel is None:
        return {"cancelled": True}
    gpus = _take_gpus(job.spec.gpus)
    try:
        return _Run(job, bundle, worker, gpus).run(cancel)
    finally:
        _give_gpus(gpus)
        _CANCELS.leave(job.cancel_event)


class _Cancels:
    """The cancel requests of this worker process: one local event per running attempt, by its name.

    The runner asks with :func:`cancel_here`, run on the attempt's worker (or on every worker while it does
    not know which one has it), so a cancel costs the scheduler nothing per trial. A request for an attempt
    that has not started here is kept (the newest few thousand), in case the attempt starts here later.
    """

    KEEP = 4096

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running: dict[str, threading.Event] = {}
        self.early: dict[str, None] = {}  # insertion-ordered: the oldest go first

    def enter(self, name: str) -> threading.Event | None:
        """The attempt's cancel event, or None if its cancel came first."""
        with self.lock:
            if name in self.early:
                del self.early[name]
                return None
            event = self.running[name] = threading.Event()
            return event

    def leave(self, name: str) -> None:
        with self.lock:
            self.running.pop(name, None)

    def ask(self, name: str) -> bool:
        with self.lock:
            event = self.running.get(name)
            if event is None:
                self.early[name] = None
                while len(self.early) > self.KEEP:
                    del self.early[next(iter(self.early))]
                return False
        event.set()
        return True


_CANCELS = _Cancels()


def cancel_here(name: str) -> bool:
    """Run on a worker by the runner (``Client.run``): cancel the attempt ``name``; True if it runs here."""
    return _CANCELS.ask(name)


class _Spares:
    """Spare interpreters of this worker process, each under its supervisor, ready for the next trials.

    As on the local backend (see :mod:`~nniannot.runner.backends.warm`), a spare may have imported the
    packages the trial's code imports at its top level, in the trial's environment less its per-trial
    variables. Once a trial has its spare, replacements for the same code start, which import while it
    runs; spares made for other code are ended.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pool: list[warm.Spare] = []
        self.imports: dict[tuple[str, ...], tuple[str, ...]] = {}

    def take(self, command: list[str], env: dict[str, str]) -> warm.Spare:
        modules = self._heavy(command)
        with self.lock:
            spare = next((s for s in self.pool if s.fits(modules, env) and s.proc.poll() is None), None)
            stale = [s for s in self.pool if s is not spare and not s.fits(modules, env)]
            self.pool = [s for s in self.pool if s is not spare and s not in stale]
        for old in stale:
            _retire(old)
        return spare or _start_spare(modules, env)

    def refill(self, command: list[str], env: dict[str, str], keep: int) -> None:
        """Start spares for this code up to ``keep`` (after a trial has its own: they import while it runs)."""
        modules = self._heavy(command)
        with self.lock:
            self.pool = [s for s in self.pool if s.proc.poll() is None]
            while len(self.pool) < keep:
                self.pool.append(_start_spare(modules, env))

    def _heavy(self, command: list[str]) -> tuple[str, ...]:
        key = tuple(command)
        with self.lock:
            if key in self.imports:
                return self.imports[key]
        found = heavy_imports(command)
        with self.lock:
            if len(self.imports) > 64:  # one entry per trial command: a long run does not grow it
                self.imports.clear()
            self.imports[key] = found
        return found


def _start_spare(modules: tuple[str, ...], env: dict[str, str]) -> warm.Spare:
    shared = warm.shared_env(env) if modules else None
    proc = subprocess.Popen(
        [sys.executable, "-I", "-S", "-c", SUPERVISOR, "--relay", sys.executable, "-c", warm.BOOTSTRAP, *modules],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=shared,
        cwd="/" if modules else None, start_new_session=True,
    )  # fmt: skip
    return warm.Spare(proc, modules if shared is not None else (), shared)


def _retire(spare: warm.Spare) -> None:
    """End an unused spare and its supervisor (they have run no user code)."""
    try:
        os.killpg(spare.proc.pid, signal.SIGKILL)
    except OSError:
        pass
    warm.retire(spare)


_SPARES = _Spares()


def _take_gpus(count: int) -> list[str]:
    if count <= 0:
        return []
    with _gpu_lock:
        free = [g for g in detect_gpus() if g not in _gpus_in_use][:count]
        if len(free) == count:
            _gpus_in_use.update(free)
            return free
    return []  # the worker's resources promised more GPUs than it sees: leave the variable alone


def _give_gpus(gpus: list[str]) -> None:
    with _gpu_lock:
        _gpus_in_use.difference_update(gpus)


def materialise(bundle: CodeBundle, scratch: str) -> str:
    """Write the bundle under ``scratch`` once (atomically) and return its folder (``code/``, ``snapshot/``)."""
    target = os.path.join(scratch, "nni-annot", "code-" + bundle.digest)
    if os.path.isdir(target):
        return target
    os.makedirs(os.path.dirname(target), exist_ok=True)
    incoming = tempfile.mkdtemp(prefix=".incoming-", dir=os.path.dirname(target))
    for folder, files in (("code", bundle.code), ("snapshot", bundle.snapshot)):
        base = os.path.join(incoming, folder)
        os.makedirs(base, exist_ok=True)
        for name, data in files.items():
            path = os.path.normpath(os.path.join(base, name))
            if os.path.commonpath([base, path]) != base:
                raise ValueError(f"refusing to write {name!r} outside the code folder")
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
    try:
        os.rename(incoming, target)
    except OSError:  # another trial on this worker wrote the same bundle first
        shutil.rmtree(incoming, ignore_errors=True)
    return target


class _Run:
    """The trial's process on this worker, from start to result."""

    def __init__(self, job: TrialJob, bundle: CodeBundle | None, worker: Any, gpus: list[str]) -> None:
        from nniannot.runner.shim import SHIM_DIR

        self.job, self.worker, spec = job, worker, job.spec
        mapping = [(job.runner_shim, SHIM_DIR)]
        self.trial_dir = spec.trial_dir
        if not job.shared_fs and bundle is not None:
            place = materialise(bundle, worker.local_directory)
            self.trial_dir = os.path.join(
                worker.local_directory,
                "nni-annot",
                "trials",
                f"{spec.experiment_id}-{spec.trial_id}-{job.attempt}",
            )
            mapping = [(spec.trial_dir, self.trial_dir), *mapping, (bundle.root, os.path.join(place, "code"))]
            if bundle.snapshot_dir:
                mapping.insert(1, (bundle.snapshot_dir, os.path.join(place, "snapshot")))
            if os.path.commonpath([bundle.root, bundle.cwd]) != bundle.root:
                mapping.append((bundle.cwd, os.path.join(place, "work")))
        command = [translate(t, mapping) for t in spec.command]
        if command and command[0] == job.runner_python:
            command[0] = sys.executable  # the worker's own interpreter, with nni-annot installed
        self.command, self.cwd = command, translate(spec.cwd, mapping)
        self.env = {**os.environ, **translate_env(spec.env, mapping)}
        self.env.update(
            protocol.trial_environment(spec.experiment_id, spec.trial_id, self.trial_dir, spec.seq)
        )
        if gpus:
            self.env["CUDA_VISIBLE_DEVICES"] = ",".join(gpus)
        self.metrics = os.path.join(self.trial_dir, protocol.METRICS_FILE)
        self.sent = 0
        self.how: str | None = None  # how the trial started, for the runner's log

    def publish(self, kind: str, **fields: Any) -> None:
        msg = {"t": self.job.spec.trial_id, "a": self.job.attempt, "k": kind, **fields}
        self.worker.log_event(self.job.topic, msg)

    def run(self, cancel: threading.Event) -> dict[str, Any]:
        os.makedirs(os.path.join(self.trial_dir, ".nni"), exist_ok=True)
        os.makedirs(self.cwd, exist_ok=True)
        protocol.write_parameter_file(self.trial_dir, self.job.spec.parameters)
        program = shutil.which(self.command[0], path=self.env.get("PATH")) if self.command else None
        if program is None:
            return {
                "exit_code": None,
                "stderr_tail": f"cannot start {self.command[:1]!r}: not found on the worker",
            }
        proc = self._start()
        self.publish("started", w=self.worker.address)
        done = threading.Event()
        watcher = threading.Thread(target=self._watch, args=(cancel, proc, done), daemon=True)
        watcher.start()
        try:
            code = self._follow(proc)
        finally:
            done.set()
            if proc.stdin is not None:
                proc.stdin.close()
        _wake(cancel, watcher)
        if self.how is None:
            self.how = "warm start (" + warm.how_started(proc) + ")"
        return self._result(code)

    def _start(self) -> subprocess.Popen[bytes]:
        """The trial's supervisor: over a waiting spare interpreter if the trial can start warm, else new."""
        out, err = (os.path.join(self.trial_dir, name) for name in ("stdout", "stderr"))
        why: str | None = "cold starts were asked for"
        if self.job.warm_start:
            why = warm.cold_reason(self.command, self.env)
        form = warm.warm_form(self.command, self.env) if why is None else None
        if form is not None:
            spare = _SPARES.take(self.command, self.env)
            try:
                prefix = f"{self.job.kill_grace} ".encode()
                warm.assign(spare, form, self.cwd, self.env, out, err, prefix=prefix, keep_open=True)
            except OSError:
                _retire(spare)
                why = "its spare interpreter had exited"
            else:
                _SPARES.refill(self.command, self.env, max(getattr(self.worker.state, "nthreads", 1), 1))
                return spare.proc
        self.how = f"cold start ({why})"
        with open(out, "wb") as out_file, open(err, "wb") as err_file:
            return subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", SUPERVISOR, str(self.job.kill_grace), *self.command],
                cwd=self.cwd, env=self.env, stdin=subprocess.PIPE, stdout=out_file, stderr=err_file,
                start_new_session=True,  # one process group: a cancel reaches the trial's children too
            )  # fmt: skip

    def _follow(self, proc: subprocess.Popen[bytes]) -> int:
        # A thread blocks in wait() so the end is seen at once; Popen.wait(timeout) polls with sleeps of up
        # to 50 ms, which every trial would pay before its result is sent.
        ended = threading.Event()

        def wait() -> None:
            proc.wait()
            ended.set()

        threading.Thread(target=wait, daemon=True).start()
        while True:
            finished = ended.wait(self.job.poll_interval)
            self._forward()
            if finished:
                return proc.wait()

    def _forward(self) -> None:
        try:
            with open(self.metrics, "rb") as f:
                f.seek(self.sent)
                chunk = f.read()
        except OSError:
            return
        if chunk:
            self.publish("metrics", o=self.sent, d=chunk.decode("latin-1"))  # latin-1: bytes survive msgpack
            self.sent += len(chunk)

    def _watch(self, cancel: threading.Event, proc: subprocess.Popen[bytes], done: threading.Event) -> None:
        cancel.wait()
        if done.is_set():
            return  # woken by the trial's own end (see _wake), not by a cancel
        signal_group(proc, signal.SIGTERM)
        if not done.wait(self.job.kill_grace):
            signal_group(proc, signal.SIGKILL)

    def _result(self, code: int) -> dict[str, Any]:
        err_path = os.path.join(self.trial_dir, "stderr")
        result: dict[str, Any] = {
            "exit_code": code,
            "stderr_tail": stderr_tail(err_path),
            "metrics": _read(self.metrics),
            "worker": self.worker.address,
            "start": self.how,
        }
        if self.trial_dir != self.job.spec.trial_dir:  # a private copy: logs go back, the copy goes away
            result["stdout"] = _read(os.path.join(self.trial_dir, "stdout"), LOG_LIMIT)
            result["stderr"] = _read(err_path, LOG_LIMIT)
            shutil.rmtree(self.trial_dir, ignore_errors=True)
        return result


def _wake(cancel: threading.Event, watcher: threading.Thread) -> None:
    """End the watcher's wait now that the trial has ended (it then sees ``done`` and does nothing)."""
    cancel.set()
    watcher.join()


def _read(path: str, limit: int | None = None) -> bytes:
    try:
        with open(path, "rb") as f:
            if limit is not None:
                size = f.seek(0, os.SEEK_END)
                f.seek(max(0, size - limit))
            return f.read()
    except OSError:
        return b""
