"""The store connection of a request: opened on first use, closed when the request ends."""

from __future__ import annotations

import os

from flask import Flask, abort, current_app, g

from nniannot.errors import StoreError
from nniannot.runner.store import StoreReader, Trial, open_reader


class StoreMissing(StoreError):
    """The store file does not exist (no experiment has been run with this home yet)."""


def reader() -> StoreReader:
    """This request's read-only store; StoreMissing if there is no store file (it is never created here)."""
    if "reader" not in g:
        path = current_app.config["STORE_PATH"]
        if not os.path.isfile(path):
            raise StoreMissing(f"there is no experiment store at {path} yet")
        g.reader = open_reader(path)
    return g.reader


def _close(exc: BaseException | None = None) -> None:
    store = g.pop("reader", None)
    if store is not None:
        store.close()


def init_app(app: Flask) -> None:
    app.teardown_appcontext(_close)


def get_trial(exp_id: str, trial_id: str) -> Trial:
    """The trial, or a 404 answer naming it."""
    try:
        return reader().get_trial(exp_id, trial_id)
    except StoreError:
        abort(404, description=f"experiment {exp_id} has no trial {trial_id!r}")
