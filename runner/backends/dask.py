"""Trials on a ``dask.distributed`` cluster, with the local backend's semantics.

Each trial is one Dask task (:func:`nniannot.runner.backends.dask_worker.run_trial`) that runs the trial's command
in a subprocess on a worker. The worker publishes ``started`` and every new piece of the trial's metrics
file on this backend's event topic while the trial runs; the task's result brings the exit code, the stderr
tail, the complete metrics (so nothing published late is lost) and, without a shared file system, stdout and
stderr, which are written to the trial directory here. Only this process writes the store.

Faults: a worker that dies mid-trial makes the trial's ``finished`` event say so (``exit_code`` None), or,
with ``retry_lost``, runs the trial once more (intermediate results already reported are not reported again).
A scheduler that cannot be reached at start, or that goes away while trials run, is a
:class:`~nniannot.errors.BackendError`; trials that were running stay RUNNING in the store and run again
on resume.
"""

from __future__ import annotations

import logging
import os
import queue
import signal
import sys
import threading
import uuid
from concurrent.futures import CancelledError
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nniannot import protocol
from nniannot.errors import BackendError
from nniannot.launch import parse_argv
from nniannot.runner.backends.base import FINISHED, METRIC, STARTED, Backend, TrialEvent, TrialSpec, drain
from nniannot.runner.backends.dask_bundle import CodeBundle, build_bundle
from nniannot.runner.backends.dask_cluster import (
    connect,
    distributed_module,
    lost_scheduler,
    worker_info,
)
from nniannot.runner.backends.dask_worker import TrialJob, cancel_here, run_trial

if TYPE_CHECKING:
    from nniannot.runner.config import ExperimentConfig
    from nniannot.runner.prepare import TrialLaunch

log = logging.getLogger("nniannot.runner.warm")


@dataclass
class _Trial:
    spec: TrialSpec
    attempt: int = -1
    future: Any = None
    started: bool = False  # this attempt
    announced: bool = False  # the STARTED event was emitted (once, whatever the attempts)
    cancelled: bool = False
    done: bool = False
    worker: str | None = None
    received: int = 0  # metric bytes taken so far (this attempt)
    reader: protocol.MetricReader | None = None
    reported: int = 0  # intermediate results passed on (all attempts)
    skip: int = 0  # intermediate results of a retry not to pass on again


class DaskBackend(Backend):
    """Runs trials on a Dask cluster: ``client`` (not closed here), a ``scheduler`` address, or a local
    cluster of ``local_workers`` processes. ``bundle`` is shipped with every trial unless ``shared_fs``."""

    def __init__(
        self,
        *,
        client: Any = None,
        scheduler: str | None = None,
        local_workers: int | None = None,
        bundle: CodeBundle | None = None,
        shared_fs: bool = False,
        retry_lost: bool = False,
        kill_grace: float = 5.0,
        poll_interval: float = 0.05,
        connect_timeout: float = 10.0,
        warm_start: bool = True,
    ) -> None:
        self.bundle, self.shared_fs, self.retry_lost = bundle, shared_fs, retry_lost
        self.warm_start = warm_start
        self.kill_grace, self.poll_interval = kill_grace, poll_interval
        self._owns_client = client is None
        self._cluster: Any = None
        if client is None:
            client, self._cluster = connect(scheduler, local_workers, connect_timeout)
        self.client = client
        # A lost scheduler is reported once, by events(); Dask's client would log its own tracebacks too.
        self._client_log = logging.getLogger("distributed.client")
        self._client_log_level = self._client_log.level
        if self._owns_client:
            self._client_log.setLevel(logging.CRITICAL + 1)
        self.topic = f"nni-annot-{uuid.uuid4().hex[:12]}"
        self._events: queue.Queue[TrialEvent] = queue.Queue()
        self._lock = threading.Lock()
        self._all_done = threading.Condition(self._lock)
        self._trials: dict[str, _Trial] = {}
        self._fatal: str | None = None
        self._gpus_checked = False
        self.client.subscribe_topic(self.topic, self._on_message)
        # One finished task of the trials' task group, held while the backend runs. Without it the
        # scheduler forgets the group each time the cluster goes idle between trials and makes a new one
        # for the next trial, with a new default span; its span records keep every such group and span
        # for its dashboard, so over a long run the scheduler's memory grew with every idle moment.
        self._anchor = self.client.submit(int, key=f"{self.topic}-anchor", pure=False)

    # submitting --------------------------------------------------------------------------------------

    def submit(self, spec: TrialSpec) -> None:
        if spec.gpus:
            self._check_gpus(spec.gpus)
        os.makedirs(os.path.join(spec.trial_dir, ".nni"), exist_ok=True)
        protocol.write_parameter_file(spec.trial_dir, spec.parameters)
        with self._lock:
            trial = self._trials[spec.trial_id] = _Trial(spec)
            self._launch(trial)

    def _launch(self, trial: _Trial) -> None:
        """Submit the trial's next attempt (lock held)."""
        from nniannot.runner.shim import SHIM_DIR

        spec = trial.spec
        trial.attempt += 1
        trial.started, trial.received, trial.worker = False, 0, None
        trial.reader = protocol.MetricReader(os.path.join(spec.trial_dir, protocol.METRICS_FILE))
        if not self.shared_fs:
            open(trial.reader.path, "wb").close()  # this side's copy of the worker's metrics file
        job = TrialJob(
            spec, trial.attempt, self.topic, self._name("cancel", spec.trial_id, trial.attempt),
            self._name("start", spec.trial_id, trial.attempt), sys.executable, SHIM_DIR, self.shared_fs,
            self.kill_grace, self.poll_interval, self.warm_start,
        )  # fmt: skip
        future = self.client.submit(
            run_trial, job, None if self.shared_fs else self.bundle, key=f"{self._name('trial', spec.trial_id, trial.attempt)}",
            pure=False, retries=0, resources={"GPU": spec.gpus} if spec.gpus else None,
        )  # fmt: skip
        trial.future = future
        attempt = trial.attempt
        future.add_done_callback(lambda f: self._on_done(trial, attempt, f))

    def _name(self, what: str, trial_id: str, attempt: int | None = None) -> str:
        return f"{self.topic}-{what}-{trial_id}" + ("" if attempt is None else f"-{attempt}")

    def _check_gpus(self, count: int) -> None:
        if self._gpus_checked:
            return
        workers = worker_info(self.client)
        if workers and not any(w.get("resources", {}).get("GPU", 0) >= count for w in workers.values()):
            raise BackendError(
                f"a trial needs {count} GPU(s) but no Dask worker offers them: start workers with "
                f"`dask worker ... --resources GPU={count}`"
            )
        self._gpus_checked = True

    # hearing from workers ----------------------------------------------------------------------------

    def _on_message(self, event: tuple[float, dict[str, Any]]) -> None:
        """A message a worker published (runs on the client's event loop thread)."""
        msg = event[1]
        with self._lock:
            trial = self._trials.get(msg.get("t", ""))
            if trial is None or trial.done or msg.get("a") != trial.attempt:
                return
            if msg.get("k") == "started":
                trial.worker = msg.get("w")
            self._mark_started(trial)
            if msg.get("k") == "metrics":
                self._take_metrics(trial, int(msg["o"]), str(msg["d"]).encode("latin-1"))

    def _mark_started(self, trial: _Trial) -> None:
        trial.started = True
        if not trial.announced:
            trial.announced = True
            self._events.put(TrialEvent(STARTED, trial.spec.trial_id))

    def _take_metrics(self, trial: _Trial, offset: int, data: bytes, final: bool = False) -> None:
        """Append the part of ``data`` (starting at byte ``offset``) not taken yet; emit its records.

        ``final`` with the attempt's whole file: the reader then reports a record the trial's end cut short.
        """
        if offset <= trial.received < offset + len(data):
            new = data[trial.received - offset :]
            if not self.shared_fs:
                with open(trial.reader.path, "ab") as f:  # type: ignore[union-attr]
                    f.write(new)
            trial.received += len(new)
        elif not final:
            return  # a gap (the result fills it) or nothing new
        reader = trial.reader
        records, problems = reader.finish() if final else reader.poll()  # type: ignore[union-attr]
        trial_id = trial.spec.trial_id
        if problems:
            self._events.put(TrialEvent(METRIC, trial_id, None, tuple(problems)))
        for record in records:
            if record.kind != "FINAL" and trial.skip:
                trial.skip -= 1
                continue
            trial.reported += record.kind != "FINAL"
            self._events.put(TrialEvent(METRIC, trial_id, record))

    def _on_done(self, trial: _Trial, attempt: int, future: Any) -> None:
        """The task of one attempt ended (runs on a callback thread)."""
        result: dict[str, Any]
        try:
            result = future.result()
        except CancelledError:
            result = {"cancelled": True}
        except Exception as exc:  # whatever the task raised on the worker, or Dask's KilledWorker
            result = {"error": exc}
        # Let the scheduler forget the result at once: a key still wanted when the worker holding it dies
        # is computed again, and that would run the trial a second time.
        future.release()
        with self._lock:
            if trial.future is future:
                trial.future = None
            if trial.done or trial.attempt != attempt:
                return
            self._settle(trial, result)
            self._all_done.notify_all()

    def _settle(self, trial: _Trial, result: dict[str, Any]) -> None:
        """Turn an attempt's result into events (lock held)."""
        error = result.get("error")
        if result.get("cancelled") and not trial.cancelled:
            self._fatal = self._fatal or lost_scheduler(self.client)
            trial.done = True  # not finished: it stays RUNNING in the store and runs again on resume
        elif result.get("lost") or type(error).__name__ == "KilledWorker":
            self._lost(trial)
        elif result.get("cancelled"):
            code = -int(signal.SIGTERM) if trial.started else None
            self._finish(trial, code, "" if trial.started else "cancelled before it started")
        elif error is not None:
            hint = " (is nni-annot installed on the workers?)" if isinstance(error, ImportError) else ""
            self._finish(
                trial, None, f"the Dask worker could not run the trial: {type(error).__name__}: {error}{hint}"
            )
        else:
            if result.get("start"):
                log.info("trial %s: %s on %s", trial.spec.trial_id, result["start"], result.get("worker"))
            self._mark_started(trial)
            self._keep_logs(trial, result)
            self._take_metrics(trial, 0, result.get("metrics", b""), final=True)
            self._finish(trial, result.get("exit_code"), result.get("stderr_tail", ""))

    def _lost(self, trial: _Trial) -> None:
        where = f"the Dask worker {trial.worker}" if trial.worker else "its Dask worker"
        if self.retry_lost and trial.attempt == 0 and not trial.cancelled:
            self._events.put(
                TrialEvent(METRIC, trial.spec.trial_id, None, (f"{where} was lost; ran the trial again",))
            )
            trial.skip = trial.reported
            self._launch(trial)
            return
        self._finish(trial, None, f"lost: {where} died or left the cluster while the trial ran")

    def _keep_logs(self, trial: _Trial, result: dict[str, Any]) -> None:
        for name in ("stdout", "stderr"):
            data = result.get(name)
            if data is not None:
                with open(os.path.join(trial.spec.trial_dir, name), "wb") as f:
                    f.write(data)

    def _finish(self, trial: _Trial, exit_code: int | None, tail: str) -> None:
        trial.done = True
        self._events.put(TrialEvent(FINISHED, trial.spec.trial_id, exit_code=exit_code, stderr_tail=tail))
        self._clear_events(trial)

    def _clear_events(self, trial: _Trial) -> None:
        names = [self._name("start", trial.spec.trial_id, a) for a in range(trial.attempt + 1)]
        threading.Thread(target=self._clear, args=(names,), daemon=True).start()

    def _clear(self, names: list[str]) -> None:
        distributed = distributed_module()
        for name in names:
            try:
                distributed.Event(name, client=self.client).clear()
            except Exception:  # best effort: the scheduler may be gone, the event is tiny
                return

    # reading -----------------------------------------------------------------------------------------

    def events(self, timeout: float) -> list[TrialEvent]:
        out = drain(self._events, timeout)
        if not out and self._fatal is not None:
            raise BackendError(self._fatal)
        return out

    # stopping ----------------------------------------------------------------------------------------

    def cancel(self, trial_id: str) -> None:
        with self._lock:
            trial = self._trials.get(trial_id)
            if trial is None or trial.done or trial.cancelled:
                return
            trial.cancelled = True
            future, started, attempt, worker = trial.future, trial.started, trial.attempt, trial.worker
        if self._fatal is not None:
            return
        # On the attempt's worker if it is known, else on all of them (one may be starting it right now).
        workers = [worker] if started and worker else None
        try:
            self.client.run(cancel_here, self._name("cancel", trial_id, attempt), workers=workers,
                            on_error="return")  # fmt: skip
            if not started and future is not None:
                future.cancel()
        except Exception as exc:  # the scheduler went away: the trial runs again on resume
            self._fatal = self._fatal or lost_scheduler(self.client, exc)

    def close(self) -> None:
        with self._lock:
            ids = [t.spec.trial_id for t in self._trials.values() if not t.done]
        for trial_id in ids:
            self.cancel(trial_id)
        with self._lock:
            if self._fatal is None:
                self._all_done.wait_for(
                    lambda: all(t.done for t in self._trials.values()), timeout=self.kill_grace + 30
                )
        try:
            self._disconnect()
        finally:
            self._client_log.setLevel(self._client_log_level)

    def _disconnect(self) -> None:
        try:
            self._anchor.release()
            self.client.unsubscribe_topic(self.topic)
        except Exception:  # the scheduler is gone: nothing to release or unsubscribe from
            pass
        if self._owns_client:
            self.client.close()
            if self._cluster is not None:
                self._cluster.close()


def backend_for(cfg: ExperimentConfig, launch: TrialLaunch) -> DaskBackend:
    """The backend an experiment's configuration asks for (BackendError/ConfigError if impossible)."""
    distributed_module()  # say how to install Dask before anything else
    bundle = None
    if not cfg.shared_fs:
        parsed = parse_argv(launch.command)
        code_dir = (parsed.code_dir if parsed is not None else None) or cfg.code_dir or launch.cwd
        bundle = build_bundle(launch.snapshot, launch.cwd, code_dir, cfg.upload, base=code_dir)
    return DaskBackend(
        scheduler=cfg.scheduler, local_workers=cfg.local_workers, bundle=bundle, shared_fs=cfg.shared_fs,
        retry_lost=cfg.retry_lost, kill_grace=cfg.kill_grace, warm_start=not cfg.cold_start,
    )  # fmt: skip
