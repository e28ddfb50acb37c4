"""Trials as local subprocesses, each in its own process group, speaking NNI's file protocol.

A waiter thread per trial sees its exit at once; one poller thread reads every running trial's metrics file
every ``poll_interval`` seconds (50 ms by default), and the file is drained one last time after the exit
so no metric is lost. Cancelling sends SIGTERM to the trial's process group, then SIGKILL after
``kill_grace`` seconds. Python trials start warm when they can, from a spare interpreter that has already
imported the packages their code imports (see :mod:`nniannot.runner.backends.warm`); ``warm_start=False``
(``--cold-start``) starts each one as a new process. How each trial started is logged on the
``nniannot.runner.warm`` logger (``nni-annot run --verbose`` prints it).

No process outlives its trial: when a trial's leader exits, what is left of its process group gets
SIGTERM (SIGKILL after the grace); if the runner itself dies, a supervisor process ends every trial's group
(see :mod:`nniannot.runner.backends.reaper`). Nothing a trial writes stops the threads: a metrics file the
reader cannot cope with becomes a problem recorded on that trial, and its ``finished`` event still comes.
"""

from __future__ import annotations

import logging
import os
import queue
import shutil
import signal
import subprocess
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import IO

from nniannot import protocol
from nniannot.errors import BackendError
from nniannot.runner.backends import warm
from nniannot.runner.backends.base import FINISHED, METRIC, STARTED, Backend, TrialEvent, TrialSpec, drain
from nniannot.runner.backends.preload import heavy_imports
from nniannot.runner.backends.reaper import Reaper

STDERR_TAIL_BYTES = 4000
log = logging.getLogger("nniannot.runner.warm")


@dataclass
class _Running:
    spec: TrialSpec
    proc: subprocess.Popen[bytes]
    reader: protocol.MetricReader
    files: list[IO[bytes]]
    gpus: list[str] = field(default_factory=list)
    cancelled: bool = False
    unreadable: bool = False  # its metrics file broke the reader: it is not read again


def stderr_tail(path: str, limit: int = STDERR_TAIL_BYTES) -> str:
    """The last ``limit`` bytes of a file as text (empty if unreadable)."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - limit))
            data = f.read()
    except OSError:
        return ""
    text = data.decode("utf-8", errors="replace")
    return text if size <= limit else "..." + text[text.find("\n") + 1 :]


def detect_gpus() -> list[str]:
    """GPU ids trials may use: ``$CUDA_VISIBLE_DEVICES`` if set, else what ``nvidia-smi -L`` lists."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        return [g.strip() for g in visible.split(",") if g.strip()]
    if shutil.which("nvidia-smi") is None:
        return []
    try:
        out = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return []
    return [str(i) for i, line in enumerate(out.stdout.splitlines()) if line.startswith("GPU")]


class LocalBackend(Backend):
    """Runs each trial as ``spec.command`` in ``spec.cwd``; stdout/stderr go to files in the trial dir."""

    def __init__(
        self,
        *,
        poll_interval: float = 0.05,
        kill_grace: float = 5.0,
        gpu_ids: list[str] | None = None,
        warm_start: bool = True,
        spares: int = 2,
        preload: tuple[list[str], dict[str, str]] | None = None,
    ) -> None:
        """``preload``: the (command, extra environment) trials will have, so that the first spares
        import their packages ahead too."""
        self.poll_interval = poll_interval
        self.warm_start = warm_start and spares > 0
        self._reaper = Reaper(kill_grace)
        self._spare_count = spares
        self._imports: dict[tuple[str, ...], tuple[str, ...]] = {}  # per trial command: what to pre-import
        modules: tuple[str, ...] = ()
        env: dict[str, str] | None = None
        if preload is not None and self.warm_start:
            env = {**os.environ, **preload[1]}
            modules = self._heavy(preload[0]) if warm.cold_reason(preload[0], env) is None else ()
        # interpreters waiting to become trials; started now so that the first trials start warm too
        self._spares: deque[warm.Spare] = deque(
            warm.start_spare(modules, env) for _ in range(spares if self.warm_start else 0)
        )
        self.kill_grace = kill_grace
        self._gpu_ids = gpu_ids
        self._free_gpus: deque[str] | None = None
        self._events: queue.Queue[TrialEvent] = queue.Queue()
        self._lock = threading.Lock()
        self._running: dict[str, _Running] = {}
        self._waiting: deque[TrialSpec] = deque()  # specs waiting for free GPUs
        self._threads: list[threading.Thread] = []
        self._closed = threading.Event()
        self._poller = threading.Thread(target=self._poll_loop, name="nniannot-metrics", daemon=True)
        self._poller.start()

    # submitting --------------------------------------------------------------------------------------

    def submit(self, spec: TrialSpec) -> None:
        with self._lock:
            if spec.gpus:
                pool = self._gpu_pool()
                if spec.gpus > len(self._gpu_ids or []):
                    raise BackendError(
                        f"a trial needs {spec.gpus} GPU(s) but only {len(self._gpu_ids or [])} are visible"
                    )
                if len(pool) < spec.gpus:
                    self._waiting.append(spec)
                    return
            self._start(spec)

    def _gpu_pool(self) -> deque[str]:
        if self._free_gpus is None:
            if self._gpu_ids is None:
                self._gpu_ids = detect_gpus()
            self._free_gpus = deque(self._gpu_ids)
        return self._free_gpus

    def _start(self, spec: TrialSpec) -> None:
        """Start one trial (lock held)."""
        gpus = [self._gpu_pool().popleft() for _ in range(spec.gpus)] if spec.gpus else []
        try:
            files = self._prepare(spec)
        except OSError as exc:
            self._give_back(gpus)
            self._finish_unstarted(spec, f"cannot prepare the trial directory {spec.trial_dir}: {exc}")
            return
        env = {**os.environ, **spec.env}
        env.update(protocol.trial_environment(spec.experiment_id, spec.trial_id, spec.trial_dir, spec.seq))
        if spec.gpus:
            env["CUDA_VISIBLE_DEVICES"] = ",".join(gpus)
        try:
            proc = self._launch(spec, env, files)
        except OSError as exc:
            for f in files:
                f.close()
            self._give_back(gpus)
            self._finish_unstarted(spec, f"cannot start {spec.command[0]!r}: {exc.strerror or exc}")
            return
        metrics = os.path.join(spec.trial_dir, protocol.METRICS_FILE)
        self._reaper.watch(proc.pid)
        run = _Running(spec, proc, protocol.MetricReader(metrics), files, gpus)
        self._running[spec.trial_id] = run
        self._events.put(TrialEvent(STARTED, spec.trial_id))
        waiter = threading.Thread(target=self._wait, args=(run,), name=f"trial-{spec.trial_id}", daemon=True)
        # only the waiters of running trials are kept (close joins them): a finished one, with its trial's
        # process and environment, would otherwise stay in memory for the rest of the experiment
        self._threads = [t for t in self._threads if t.is_alive()]
        self._threads.append(waiter)
        waiter.start()

    def _launch(
        self, spec: TrialSpec, env: dict[str, str], files: list[IO[bytes]]
    ) -> subprocess.Popen[bytes]:
        """Start the trial: in a waiting spare interpreter if it can, else as a new process."""
        why = warm.cold_reason(spec.command, env) if self.warm_start else "cold starts were asked for"
        form = warm.warm_form(spec.command, env) if why is None else None
        if form is not None:
            spare = self._spare_for(spec.command, env)
            out, err = (os.path.join(spec.trial_dir, n) for n in ("stdout", "stderr"))
            try:
                warm.assign(spare, form, spec.cwd, env, out, err)
                return spare.proc
            except OSError:
                warm.retire(spare)
                why = "its spare interpreter had exited"
        log.info("trial %s: cold start (%s)", spec.trial_id, why)
        return subprocess.Popen(
            spec.command,
            cwd=spec.cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=files[0],
            stderr=files[1],
            start_new_session=True,  # its own process group: a kill reaches its children too
        )

    def _heavy(self, command: list[str]) -> tuple[str, ...]:
        key = tuple(command)
        if key not in self._imports:
            self._imports[key] = heavy_imports(command)
        return self._imports[key]

    def _spare_for(self, command: list[str], env: dict[str, str]) -> warm.Spare:
        """A spare for this trial: one that pre-imported what it imports, else one without pre-imports.

        The pool is then refilled with spares for this trial's code, and spares for other code (an older
        snapshot) are ended, so no spare outlives the code it was made for.
        """
        modules = self._heavy(command)
        pool = list(self._spares)
        spare = next((s for s in pool if s.fits(modules, env)), None)
        spare = spare or next((s for s in pool if not s.modules), None) or warm.start_spare()
        if spare in pool:
            pool.remove(spare)
        kept = [s for s in pool if s.fits(modules, env)]
        for old in pool:
            if old not in kept:
                warm.retire(old)
        while len(kept) < self._spare_count:  # they import while this trial runs, ready for later ones
            kept.append(warm.start_spare(modules, env))
        self._spares = deque(kept)
        return spare

    @staticmethod
    def _prepare(spec: TrialSpec) -> list[IO[bytes]]:
        os.makedirs(os.path.join(spec.trial_dir, ".nni"), exist_ok=True)
        protocol.write_parameter_file(spec.trial_dir, spec.parameters)
        out = open(os.path.join(spec.trial_dir, "stdout"), "wb")  # noqa: SIM115 - closed when the trial ends
        err = open(os.path.join(spec.trial_dir, "stderr"), "wb")  # noqa: SIM115
        return [out, err]

    def _finish_unstarted(self, spec: TrialSpec, message: str) -> None:
        self._events.put(TrialEvent(FINISHED, spec.trial_id, exit_code=None, stderr_tail=message))

    def _give_back(self, gpus: list[str]) -> None:
        if gpus:
            self._gpu_pool().extend(gpus)
        while self._waiting and len(self._gpu_pool()) >= self._waiting[0].gpus:
            self._start(self._waiting.popleft())

    # watching ----------------------------------------------------------------------------------------

    def _wait(self, run: _Running) -> None:
        """The waiter thread: whatever goes wrong, the trial's ``finished`` event is sent."""
        code: int | None = None
        try:
            code = run.proc.wait()
            for f in run.files:
                f.close()
            how = warm.how_started(run.proc)
            if how:
                log.info("trial %s: warm start (%s)", run.spec.trial_id, how)
            self._end_leftovers(run.proc.pid)
        finally:
            with self._lock:
                self._read(run, final=True)
                self._running.pop(run.spec.trial_id, None)
                tail = stderr_tail(os.path.join(run.spec.trial_dir, "stderr"))
                self._events.put(TrialEvent(FINISHED, run.spec.trial_id, exit_code=code, stderr_tail=tail))
                try:
                    self._give_back(run.gpus)
                except Exception as exc:  # a waiting trial that cannot start must not take this thread down
                    self._events.put(TrialEvent(METRIC, run.spec.trial_id, None, (f"backend: {exc!r}",)))

    def _end_leftovers(self, pgid: int) -> None:
        """The leader has exited: SIGTERM what is left of its group, SIGKILL it after the grace."""
        if not _group_alive(pgid):
            self._reaper.forget(pgid)
            return
        _signal_pgid(pgid, signal.SIGTERM)

        def finish() -> None:
            deadline = time.monotonic() + self.kill_grace
            while _group_alive(pgid) and time.monotonic() < deadline:
                time.sleep(0.05)
            _signal_pgid(pgid, signal.SIGKILL)
            self._reaper.forget(pgid)

        threading.Thread(target=finish, name=f"leftovers-{pgid}", daemon=True).start()

    def _read(self, run: _Running, final: bool = False) -> None:
        """:meth:`_drain`, except that a reader failure becomes the trial's problem (lock held)."""
        if run.unreadable:
            return
        try:
            self._drain(run, final)
        except Exception as exc:
            run.unreadable = True
            problem = f"stopped reading the metrics file: {type(exc).__name__}: {str(exc)[:200]}"
            self._events.put(TrialEvent(METRIC, run.spec.trial_id, None, (problem,)))

    def _drain(self, run: _Running, final: bool = False) -> None:
        """Turn what the trial appended to its metrics file into events (lock held).

        ``final`` once the trial has ended: the rest is read, and a record cut short is a problem.
        """
        records, problems = run.reader.finish() if final else run.reader.poll()
        for i, record in enumerate(records):
            self._events.put(TrialEvent(METRIC, run.spec.trial_id, record, tuple(problems) if i == 0 else ()))
        if problems and not records:
            self._events.put(TrialEvent(METRIC, run.spec.trial_id, None, tuple(problems)))

    def _poll_loop(self) -> None:
        while not self._closed.wait(self.poll_interval):
            with self._lock:
                for run in list(self._running.values()):
                    self._read(run)

    def events(self, timeout: float) -> list[TrialEvent]:
        return drain(self._events, timeout)

    # stopping ----------------------------------------------------------------------------------------

    def cancel(self, trial_id: str) -> None:
        with self._lock:
            waiting = next((s for s in self._waiting if s.trial_id == trial_id), None)
            if waiting is not None:
                self._waiting.remove(waiting)
                self._finish_unstarted(waiting, "cancelled before it started")
                return
            run = self._running.get(trial_id)
            if run is None or run.cancelled:
                return
            run.cancelled = True
        signal_group(run.proc, signal.SIGTERM)
        timer = threading.Timer(self.kill_grace, signal_group, args=(run.proc, signal.SIGKILL))
        timer.daemon = True
        timer.start()

    def close(self) -> None:
        with self._lock:
            ids = [s.trial_id for s in self._waiting] + list(self._running)
        for trial_id in ids:
            self.cancel(trial_id)
        for thread in list(self._threads):
            thread.join(self.kill_grace + 10)
        self._closed.set()
        self._poller.join(5)
        with self._lock:
            spares, self._spares = list(self._spares), deque()
        for spare in spares:
            warm.retire(spare)
        self._reaper.close()


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _signal_pgid(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def signal_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    """Send ``sig`` to the trial's process group (the trial leads it), unless the trial has already ended."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
