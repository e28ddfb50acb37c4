"""Reaching a Dask cluster: importing Dask lazily, connecting (or starting a local cluster), and what the
scheduler says about its workers. Dask's own errors become :class:`~nniannot.errors.BackendError` here."""

from __future__ import annotations

import logging
import os
from typing import Any

from nniannot.errors import BackendError

INSTALL_HINT = "the dask backend needs Dask: pip install 'nni-annot[dask]'"
LOCAL_LOG_LENGTH = 100  # the scheduler's log length in a cluster started here (--local-workers)


def distributed_module() -> Any:
    """``distributed``, or a BackendError saying how to install it."""
    try:
        import distributed
    except ImportError:
        raise BackendError(INSTALL_HINT) from None
    return distributed


def connect(scheduler: str | None, local_workers: int | None, timeout: float) -> tuple[Any, Any]:
    """(client, local cluster or None): a local cluster of ``local_workers`` processes, else a client of
    ``scheduler`` (or ``$DASK_SCHEDULER_ADDRESS``); a one-line BackendError if it cannot be reached."""
    distributed = distributed_module()
    if local_workers:
        import dask

        # The scheduler's diagnostic logs keep this many entries each (Dask's default is 1,000); one, per
        # worker, holds every message sent to it, each trial's whole spec among them, so a long run's
        # scheduler would grow until those filled. ":0": the dashboard on a free port, so that two
        # clusters never compete for 8787.
        with dask.config.set({"distributed.admin.low-level-log-length": LOCAL_LOG_LENGTH}):
            cluster = distributed.LocalCluster(
                n_workers=local_workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                silence_logs=logging.ERROR,
            )  # fmt: skip
        return distributed.Client(cluster, set_as_default=False), cluster
    address = scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS")
    if not address:
        raise BackendError("the dask backend needs --scheduler ADDRESS or --local-workers N")
    try:
        return distributed.Client(address, timeout=timeout, set_as_default=False), None
    except (OSError, ValueError) as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise BackendError(f"cannot reach the Dask scheduler at {address}: {reason}") from None


def lost_scheduler(client: Any, exc: BaseException | None = None) -> str:
    """The message of an experiment stopped because the scheduler went away."""
    address = getattr(getattr(client, "scheduler", None), "address", None) or "?"
    why = f": {exc}" if exc is not None else ""
    return (
        f"lost the connection to the Dask scheduler at {address}{why}; the experiment stopped and its "
        "running trials run again on `nni-annot resume`"
    )


def worker_info(client: Any) -> dict[str, Any]:
    """Every worker's information (address -> dict with ``resources``, ``nthreads``, ...)."""
    try:
        info = client.scheduler_info(n_workers=-1)
    except TypeError:  # older distributed: every worker, no argument
        info = client.scheduler_info()
    return dict(info.get("workers", {}))


def worker_count(client: Any) -> int:
    try:
        return len(worker_info(client))
    except Exception:  # only used in a description
        return 0
