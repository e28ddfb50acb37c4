"""Errors as friendly pages (HTML) or ``{"error": ...}`` (API); never a traceback, never a bare 500."""

from __future__ import annotations

import sqlite3
from typing import Any

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from nniannot.errors import ExperimentNotFound, StoreError
from nniannot.viewer.api_actions import ActionRefused
from nniannot.viewer.db import StoreMissing
from nniannot.viewer.logs import LogNotFound
from nniannot.viewer.tablequery import BadQuery


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _reply(status: int, title: str, message: str, hint: str | None = None) -> Any:
    if _wants_json():
        return jsonify({"error": message}), status
    return render_template("error.html", title=title, message=message, hint=hint), status


def _store_error(exc: StoreError) -> Any:
    if isinstance(exc, StoreMissing):
        return _reply(503, "No experiments yet", str(exc), "Run `nni-annot run train.py` to start one.")
    if isinstance(exc, (ExperimentNotFound, LogNotFound)):
        return _reply(404, "Not found", str(exc))
    if isinstance(exc, ActionRefused):
        return _reply(409, "Not possible now", str(exc))
    return _reply(503, "The experiment store cannot be read", str(exc),
                  "Check the file, or point the viewer at another home with --home.")  # fmt: skip


def _http_error(exc: HTTPException) -> Any:
    return _reply(exc.code or 500, exc.name, exc.description or exc.name)


def init_app(app: Flask) -> None:
    app.register_error_handler(StoreError, _store_error)
    app.register_error_handler(BadQuery, lambda exc: _reply(400, "Bad request", str(exc)))
    app.register_error_handler(HTTPException, _http_error)
    # A damaged file can fail outside the store's translation (e.g. in a JSON column): still a page.
    app.register_error_handler(
        sqlite3.DatabaseError, lambda exc: _reply(503, "The experiment store cannot be read", str(exc))
    )
    app.register_error_handler(
        ValueError, lambda exc: _reply(503, "The experiment store holds unreadable data", str(exc))
    )
