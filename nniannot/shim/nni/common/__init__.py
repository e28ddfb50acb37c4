"""``nni.common``: the serializer functions NNI's algorithms import from here."""

from __future__ import annotations

from nni.common.serializer import dump, is_traceable, load, trace  # type: ignore[import-not-found]

__all__ = ["dump", "is_traceable", "load", "trace"]
