"""Request hardening: CSRF tokens on every state-changing request, loopback Host checks, safe headers."""

from __future__ import annotations

import hmac

from flask import Flask, abort, current_app, request
from werkzeug.wrappers import Response

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
CSP = (
    "default-src 'self'; script-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'; "
    # The chart library positions its tooltips with style attributes.
    "style-src 'self' 'unsafe-inline'"
)


def csrf_token() -> str:
    """The token every page embeds and every POST must send back (header X-CSRF-Token or form field)."""
    return str(current_app.config["CSRF_TOKEN"])


def _host_name(host: str) -> str:
    if host.startswith("["):
        return host[: host.find("]") + 1]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _check_request() -> None:
    if current_app.config["LOCAL_HOSTS_ONLY"] and _host_name(request.host).lower() not in LOOPBACK_NAMES:
        abort(403, description="this viewer only answers requests for localhost")
    if request.method in UNSAFE_METHODS:
        sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token") or ""
        if not hmac.compare_digest(sent.encode(), csrf_token().encode()):
            abort(403, description="missing or wrong CSRF token; reload the page and try again")


def _headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


def init_app(app: Flask) -> None:
    app.before_request(_check_request)
    app.after_request(_headers)
    app.jinja_env.globals["csrf_token"] = csrf_token
