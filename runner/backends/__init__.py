"""Where trials run: local processes (default), an in-process double for tests; Dask later."""

from __future__ import annotations

from nniannot.runner.backends.base import FINISHED, METRIC, STARTED, Backend, TrialEvent, TrialSpec

__all__ = ["FINISHED", "METRIC", "STARTED", "Backend", "TrialEvent", "TrialSpec"]
