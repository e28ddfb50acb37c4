"""The web viewer: a Flask app that reads the experiment store directly.

:func:`create_app` builds the app for one store file; :func:`serve` runs it (``nni-annot view`` and
``nni-annot run --view`` call it). Every finished, stopped or running experiment is viewable with no other
process running. Actions (kill a trial, stop, re-run, ...) are posted to the store for the runner that owns
the experiment to apply. Pages are HTML with static JavaScript (no CDN); the same data is served as JSON
under ``/api/`` (documented in docs/api.md).
"""

from __future__ import annotations

from nniannot.viewer.app import create_app
from nniannot.viewer.server import serve

__all__ = ["create_app", "serve"]
