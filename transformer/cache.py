"""The cache of rewritten code shared with the trial launcher (:mod:`nniannot.launch`)."""

from __future__ import annotations

import os


def store(entry: str, code: str) -> None:
    """Write one cache entry atomically; a cache that cannot be written only costs speed later."""
    import tempfile  # only when something is written

    directory = os.path.dirname(entry)
    try:
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(code)
        os.replace(tmp, entry)
    except OSError:
        pass
