"""An experiment's code snapshot: the files its trials run, stored once, addressed by content.

When an experiment (or a watch revision) starts, the runner records every project file its trials import,
as read at that moment: the original bytes and, for annotated files, the rewritten code. Every trial of the
experiment runs that snapshot through :mod:`nniannot.launch`, whatever happens to the files afterwards. Data
files are not part of it: the trial's working directory and ``sys.path`` stay the user's, so relative paths
keep working.

On disk a snapshot is one folder, self-contained, that can be copied elsewhere as it is::

    <folder>/manifest.json      {"format": ..., "code_dir": ..., "entry": "train.py", "files": [...]}
    <folder>/objects/<sha256>   the bytes of each original and rewritten file, named by their hash

Each entry of ``files`` is ``{"path": "models/mlp.py", "module": "models.mlp", "original": <sha256>,
"rewritten": <sha256> or null}``, paths relative to the code directory with ``/`` separators. The folder's
own name is a digest of the manifest, so two experiments with the same code share one folder. This module
owns the format; it is standard library only because a trial imports it.
"""

from __future__ import annotations

import hashlib
import json
import os

from nniannot.errors import NniAnnotError

FORMAT = "nni-annot-snapshot-1"
MANIFEST = "manifest.json"
OBJECTS = "objects"

TYPE_CHECKING = False  # a trial imports this module: no `typing` at run time
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any


class SnapshotError(NniAnnotError):
    """A snapshot folder is missing, unreadable or altered (an object does not match its hash)."""


def module_name(path: str, code_dir: str) -> str:
    """Dotted name of ``path`` relative to ``code_dir`` without ``.py`` (``models.mlp``)."""
    rel = os.path.relpath(os.path.abspath(path), os.path.abspath(code_dir))
    if rel.startswith(".."):
        rel = os.path.basename(path)
    parts = rel[:-3].split(os.sep) if rel.endswith(".py") else rel.split(os.sep)
    if len(parts) > 1 and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def relative_path(path: str, code_dir: str) -> str:
    """``path`` relative to ``code_dir`` with ``/`` separators (the key of a file in a manifest)."""
    return os.path.relpath(os.path.abspath(path), os.path.abspath(code_dir)).replace(os.sep, "/")


class SnapshotFile:
    """One file of a snapshot: its path below the code directory, module name and content hashes."""

    __slots__ = ("imports", "module", "original", "path", "rewritten")

    def __init__(
        self, path: str, module: str, original: str, rewritten: str | None, imports: list[str] | None = None
    ) -> None:
        self.path, self.module, self.original, self.rewritten = path, module, original, rewritten
        self.imports = imports  # its top-level absolute imports, when the writer knew them (else None)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "path": self.path,
            "module": self.module,
            "original": self.original,
            "rewritten": self.rewritten,
        }
        if self.imports is not None:
            out["imports"] = self.imports
        return out


class Snapshot:
    """A snapshot folder, read: the manifest's entries and access to their bytes (checked against the hash)."""

    def __init__(self, folder: str, code_dir: str, entry: str, files: list[SnapshotFile]) -> None:
        self.folder, self.code_dir, self.entry = folder, code_dir, entry
        self.files = {f.path: f for f in files}

    @classmethod
    def load(cls, folder: str) -> Snapshot:
        """Read ``folder``'s manifest; SnapshotError if it is not a snapshot this code reads."""
        try:
            with open(os.path.join(folder, MANIFEST), "rb") as f:
                data = json.loads(f.read())
            if data.get("format") != FORMAT:
                raise SnapshotError(f"{folder}: unknown snapshot format {data.get('format')!r}")
            files = [
                SnapshotFile(
                    e["path"], e["module"], e["original"], e.get("rewritten"), _names(e.get("imports"))
                )
                for e in data["files"]
            ]
            return cls(folder, data["code_dir"], data["entry"], files)
        except OSError as exc:
            raise SnapshotError(f"cannot read the code snapshot {folder}: {exc.strerror or exc}") from None
        except (ValueError, KeyError, TypeError, AttributeError):
            raise SnapshotError(f"{folder}: the snapshot's manifest is damaged") from None

    def read(self, digest: str) -> bytes:
        """The bytes of object ``digest``; SnapshotError if missing or not matching its hash."""
        path = os.path.join(self.folder, OBJECTS, digest)
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as exc:
            raise SnapshotError(f"cannot read {path} of the code snapshot: {exc.strerror or exc}") from None
        if hashlib.sha256(data).hexdigest() != digest:
            raise SnapshotError(f"{path} was altered after the snapshot was taken (its hash does not match)")
        return data

    def original(self, path: str) -> bytes:
        """The file as it was when the snapshot was taken."""
        return self.read(self.files[path].original)

    def code(self, path: str) -> bytes:
        """What a trial runs for the file: the rewritten code if it is annotated, else the original."""
        entry = self.files[path]
        return self.read(entry.rewritten or entry.original)


def write_snapshot(
    parent: str,
    code_dir: str,
    entry: str,
    files: Iterable[tuple[str, bytes, bytes | None]],
    imports: dict[str, list[str]] | None = None,
) -> str:
    """Store a snapshot below ``parent`` and return its folder (an existing identical one is reused).

    ``entry`` and each file's path (first item) are absolute paths inside ``code_dir``; the second item is the
    original bytes, the third the rewritten code (None for a file without annotations). ``imports`` gives,
    by the same paths, a file's top-level absolute imports when they are known (the runner's warm start
    reads them instead of parsing the file again). The folder appears whole or not at all (it is written
    aside, then renamed).
    """
    objects: dict[str, bytes] = {}
    entries = []
    known = imports or {}
    for path, original, rewritten in files:
        entries.append(SnapshotFile(relative_path(path, code_dir), module_name(path, code_dir),
                                    _add(objects, original), None if rewritten is None else _add(objects, rewritten),
                                    known.get(path)))  # fmt: skip
    manifest = {
        "format": FORMAT,
        "code_dir": os.path.abspath(code_dir),
        "entry": relative_path(entry, code_dir),
        "files": [e.to_json() for e in entries],
    }
    text = json.dumps(manifest, indent=1, sort_keys=True).encode()
    folder = os.path.join(parent, hashlib.sha256(text).hexdigest()[:24])
    if os.path.isfile(os.path.join(folder, MANIFEST)):
        return folder
    try:
        _write_folder(parent, folder, objects, text)
    except OSError as exc:
        raise SnapshotError(f"cannot write the code snapshot in {parent}: {exc.strerror or exc}") from None
    return folder


def _write_folder(parent: str, folder: str, objects: dict[str, bytes], manifest: bytes) -> None:
    import shutil
    import tempfile  # only when a new snapshot is written

    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".new-", dir=parent)
    try:
        os.mkdir(os.path.join(staging, OBJECTS))
        for digest, data in objects.items():
            with open(os.path.join(staging, OBJECTS, digest), "wb") as f:
                f.write(data)
        with open(os.path.join(staging, MANIFEST), "wb") as f:
            f.write(manifest)
        os.rename(staging, folder)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if not os.path.isfile(os.path.join(folder, MANIFEST)):  # else another process wrote it first
            raise


def _names(value: Any) -> list[str] | None:
    """A manifest's list of module names, or None if absent; ValueError if it is something else."""
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("imports")
    return value


def _add(objects: dict[str, bytes], data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    objects[digest] = data
    return digest
