"""A trial's rewritten code against the original, as unified diffs, from the code snapshot it ran."""

from __future__ import annotations

import difflib
from typing import Any

from nniannot.errors import NniAnnotError
from nniannot.launch import parse_argv
from nniannot.snapshot import Snapshot


def code_diff(command: list[str]) -> dict[str, Any]:
    """``{"files": [{"path", "diff"}]}`` for every annotated file the trial ran, or ``{"unavailable": why}``.

    The files come from the snapshot named in the trial's recorded command: what the trial ran, whatever
    happened to the files since.
    """
    args = parse_argv(command)
    if args is None:
        return {"unavailable": "this trial runs its command as written (no code snapshot was taken)"}
    try:
        snapshot = Snapshot.load(args.snapshot)
        files = []
        for path, entry in snapshot.files.items():
            if entry.rewritten is None:
                continue
            before = snapshot.original(path).decode("utf-8", "replace").splitlines(keepends=True)
            after = snapshot.code(path).decode("utf-8", "replace").splitlines(keepends=True)
            diff = "".join(difflib.unified_diff(before, after, f"{path} (original)", f"{path} (rewritten)"))
            files.append({"path": path, "diff": diff})
    except NniAnnotError as exc:
        return {"unavailable": str(exc)}
    return {"files": files}
