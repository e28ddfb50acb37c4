"""``nni.dump`` / ``nni.load``: JSON text, as NNI's algorithms exchange parameters and metrics.

NNI's serializer also encoded traced objects and numpy values; here ``dump`` turns numpy scalars and arrays
(anything with ``tolist``) into plain JSON values, and ``trace`` returns what it is given.
"""

from __future__ import annotations

import json
from typing import Any


def _plain(value: Any) -> Any:
    tolist = getattr(value, "tolist", None)
    if callable(tolist):
        return tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dump(obj: Any, fp: Any = None, **kwargs: Any) -> str | None:
    """``obj`` as JSON text; written to ``fp`` instead when it is given (then returns None)."""
    kwargs.setdefault("default", _plain)
    if fp is not None:
        json.dump(obj, fp, **kwargs)
        return None
    return json.dumps(obj, **kwargs)


def load(string: str | bytes | None = None, fp: Any = None, **kwargs: Any) -> Any:
    """The value of JSON text ``string`` (or read from ``fp``)."""
    if fp is not None:
        return json.load(fp, **kwargs)
    return json.loads(string, **kwargs)  # type: ignore[arg-type]


def trace(cls_or_func: Any = None, **kwargs: Any) -> Any:
    """NNI recorded how an object was built so it could be sent elsewhere; nothing to record here."""
    if cls_or_func is None:
        return lambda inner: inner
    return cls_or_func


def is_traceable(obj: Any) -> bool:
    return False
