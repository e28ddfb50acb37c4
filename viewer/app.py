"""The viewer's Flask application factory (see :mod:`nniannot.viewer`)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from typing import Any

from flask import Flask

from nniannot.viewer import api, api_actions, db, errors, filters, pages, security, serialize


def create_app(store_path: str, test_config: Mapping[str, Any] | None = None) -> Flask:
    """A viewer app for the store file at ``store_path`` (which need not exist yet).

    ``test_config`` overrides configuration keys: ``CSRF_TOKEN`` (random by default), ``LOCAL_HOSTS_ONLY``
    (default True: requests must name a loopback host, which defeats DNS rebinding), ``CHART_POINTS``
    (trials sent to charts before sampling), ``CURVE_TRIALS`` (curves sent when none are selected),
    ``LOG_CAP`` (the most bytes of a log a page is sent; ``?download=1`` streams the whole file).
    """

    app = Flask(__name__)
    app.config.from_mapping(
        STORE_PATH=os.path.abspath(store_path),
        CSRF_TOKEN=secrets.token_urlsafe(32),
        LOCAL_HOSTS_ONLY=True,
        CHART_POINTS=4000,
        CURVE_TRIALS=50,
        LOG_CAP=4 << 20,
        JSON_SORT_KEYS=False,
    )
    if test_config:
        app.config.update(test_config)
    app.json = serialize.StrictJSONProvider(app)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    db.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    filters.init_app(app)
    for module in (pages, api, api_actions):
        app.register_blueprint(module.bp)
    return app
