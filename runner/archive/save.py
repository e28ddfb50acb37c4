"""``nni-annot save``: one experiment, with its trial directories and code snapshots, into one archive file.

A running experiment is refused (its trial directories and rows are still changing): stop it first or wait
for it to end. The rows are read in one transaction; the archive is written beside its target under a
temporary name and renamed when complete, so a half-written archive never has the name asked for.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

from nniannot import __version__
from nniannot.errors import ArchiveError
from nniannot.launch import parse_argv
from nniannot.runner.archive import layout
from nniannot.runner.home import Home
from nniannot.runner.store import open_reader, owner_alive
from nniannot.runner.store.transfer import Rows, dump_rows


@dataclass
class SaveResult:
    """What was saved: the archive's path, the experiment, counts, and notes on what could not be."""

    path: str
    exp_id: str
    trials: int
    files: int
    snapshots: int
    left_out: int
    notes: list[str] = field(default_factory=list)


def _snapshot_folders(rows: Rows) -> list[str]:
    """The snapshot folders the experiment's commands name, in first-seen order."""
    commands: list[Any] = []
    for exp in rows["experiments"]:
        commands.append(json.loads(exp["command"] or "[]"))
        commands.append((json.loads(exp["config"] or "{}").get("launch") or {}).get("command") or [])
    commands.extend(json.loads(t["command"] or "[]") for t in rows["trials"])
    folders: list[str] = []
    for command in commands:
        args = parse_argv(command) if isinstance(command, list) else None
        if args is not None and args.snapshot not in folders:
            folders.append(args.snapshot)
    return folders


def _digest(path: str) -> tuple[int, str]:
    sha = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            sha.update(block)
            size += len(block)
    return size, sha.hexdigest()


def _walk(root: str, prefix: str, keep: Any, notes: list[str]) -> tuple[list[tuple[str, str]], int]:
    """(member name, file path) of the regular files below ``root`` that ``keep(rel)`` accepts; and how
    many were left out. Links are never followed nor saved (a note says so)."""
    found: list[tuple[str, str]] = []
    left_out = 0
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files) + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, root).replace(os.sep, "/")
            if os.path.islink(path) or not os.path.isfile(path):
                notes.append(f"{path} is a link or not a regular file; not saved")
                continue
            if keep(rel):
                found.append((f"{prefix}/{rel}", path))
            else:
                left_out += 1
    return found, left_out


def _default_output(exp_id: str) -> str:
    return os.path.abspath(exp_id + layout.SUFFIX)


def save_archive(home: Home, exp_ref: str, output: str | None = None, *, logs: bool = True,
                 checkpoints: bool = True) -> SaveResult:  # fmt: skip
    """Write experiment ``exp_ref`` of ``home`` to an archive (``<id>.nniannot.tar.gz`` by default).

    ``logs=False`` leaves out the trials' stdout, stderr and ``*.log`` files; ``checkpoints=False`` leaves
    out every other file a trial wrote in its directory (parameters and metrics are always saved).

    Raises:
        ExperimentNotFound: no such experiment.
        ArchiveError: the experiment is running, or the output exists or cannot be written.
    """
    with open_reader(home.store_path) as reader:
        exp_id = reader.resolve(exp_ref)
        exp = reader.get_experiment(exp_id)
        if owner_alive(exp.owner_pid, exp.owner_host, exp.heartbeat_at):
            raise ArchiveError(
                f"experiment {exp_id} is running (runner pid {exp.owner_pid} on {exp.owner_host}); "
                f"stop it with `nni-annot stop {exp_id}` or let it finish, then save it"
            )
        rows = dump_rows(reader, exp_id)
    target = os.path.abspath(output or _default_output(exp_id))
    if os.path.lexists(target):
        raise ArchiveError(f"{target} already exists; give -o another file name (nothing was written)")

    notes: list[str] = []

    def keep(rel: str) -> bool:
        kind = layout.classify(rel)
        return kind == "record" or (kind == "log" and logs) or (kind == "other" and checkpoints)

    members, left_out = _walk(home.experiment_dir(exp_id), layout.EXPERIMENT, keep, notes)
    snapshots: dict[str, str] = {}
    for folder in _snapshot_folders(rows):
        name = os.path.basename(os.path.normpath(folder))
        if not os.path.isdir(folder):
            notes.append(
                f"the code snapshot {folder} is missing; saved without it (no --best-code, no resume)"
            )
            continue
        snapshots[name] = folder
        found, _ = _walk(folder, f"{layout.SNAPSHOTS}/{name}", lambda rel: True, notes)
        members.extend(found)
    records = json.dumps(rows, sort_keys=True).encode()
    listing = {name: dict(zip(("size", "sha256"), _digest(path))) for name, path in members}
    listing[layout.RECORDS] = {"size": len(records), "sha256": hashlib.sha256(records).hexdigest()}
    manifest = {
        "format": layout.FORMAT,
        "version": layout.VERSION,
        "written_by": f"nni-annot {__version__}",
        "saved_at": time.time(),
        "experiment": exp_id,
        "home": home.root,
        "snapshots": snapshots,
        "logs": logs,
        "checkpoints": checkpoints,
        "members": listing,
    }
    _write(target, json.dumps(manifest, indent=1, sort_keys=True).encode(), records, members)
    return SaveResult(target, exp_id, len(rows["trials"]), len(members), len(snapshots), left_out, notes)


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(time.time()), 0o644
    tar.addfile(info, io.BytesIO(data))


def _write(target: str, manifest: bytes, records: bytes, members: list[tuple[str, str]]) -> None:
    parent = os.path.dirname(target)
    try:
        fd, staging = tempfile.mkstemp(prefix=".saving-", suffix=layout.SUFFIX, dir=parent)
    except OSError as exc:
        raise ArchiveError(f"cannot write {target}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            _add_bytes(tar, layout.MANIFEST, manifest)
            _add_bytes(tar, layout.RECORDS, records)
            for name, path in members:
                info = tar.gettarinfo(path, arcname=name)
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                with open(path, "rb") as f:
                    tar.addfile(info, f)
        os.replace(staging, target)
    except OSError as exc:
        os.unlink(staging)
        raise ArchiveError(f"cannot write {target}: {exc.strerror or exc}") from None
