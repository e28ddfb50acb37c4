"""``nni-annot load``: add an archived experiment to a home, after checking the whole archive.

Nothing is written until every member has been checked: the format version, the member paths (no absolute
path, no ``..``, no links or devices), the manifest's list of members, and that the experiment's id is free
in the target home (``as_id`` loads it under another). The members are then unpacked into a staging folder
of the home, checked against their sizes and hashes, moved into place, and the rows are added in one
transaction; if any step fails, what was unpacked is removed again.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from nniannot.errors import ArchiveError, NniAnnotError
from nniannot.runner.archive import layout
from nniannot.runner.home import Home
from nniannot.runner.store import open_reader, open_store
from nniannot.runner.store.transfer import Rows, insert_rows

_BROKEN = (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile, OSError, UnicodeDecodeError)
_JSON_COLUMNS = frozenset({"config", "search_space", "command", "params", "final_metric", "value", "payload"})
_OWNER_COLUMNS = ("owner_pid", "owner_host", "heartbeat_at")


@dataclass
class LoadResult:
    """What was loaded: the experiment's id in the new home, the id it was saved under, and counts."""

    exp_id: str
    saved_id: str
    trials: int
    files: int
    status: str


@contextmanager
def _reading(path: str) -> Iterator[tarfile.TarFile]:
    try:
        with tarfile.open(path, mode="r:gz") as tar:
            yield tar
    except FileNotFoundError:
        raise ArchiveError(f"{path}: no such file") from None
    except _BROKEN as exc:
        raise ArchiveError(f"{path} is not an nni-annot archive or is damaged or truncated ({exc})") from None


def _read_member(path: str, tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    f = tar.extractfile(member)
    if f is None:
        raise ArchiveError(f"{path}: member {member.name!r} cannot be read")
    return f.read()


def _manifest(path: str, tar: tarfile.TarFile, members: list[tarfile.TarInfo]) -> dict[str, Any]:
    if not members or members[0].name != layout.MANIFEST or not members[0].isfile():
        raise ArchiveError(f"{path} is not an nni-annot archive (it does not start with {layout.MANIFEST})")
    try:
        data = json.loads(_read_member(path, tar, members[0]))
    except ValueError:
        raise ArchiveError(f"{path}: its {layout.MANIFEST} is not valid JSON") from None
    if not isinstance(data, dict) or data.get("format") != layout.FORMAT:
        raise ArchiveError(f"{path} is not an nni-annot archive (unknown format in {layout.MANIFEST})")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ArchiveError(f"{path}: {layout.MANIFEST} has no valid version")
    if version > layout.VERSION:
        raise ArchiveError(
            f"{path} was written by a newer nni-annot ({data.get('written_by', 'unknown')}, archive format "
            f"version {version}; this one reads up to {layout.VERSION}); upgrade nni-annot to load it"
        )
    listing = data.get("members")
    if not isinstance(listing, dict) or not all(
        isinstance(v, dict) and isinstance(v.get("size"), int) and isinstance(v.get("sha256"), str)
        for v in listing.values()
    ):
        raise ArchiveError(f"{path}: {layout.MANIFEST} has no valid list of members")
    snapshots = data.get("snapshots")
    if not isinstance(snapshots, dict) or not all(
        isinstance(k, str) and layout.EXPERIMENT_ID.match(k) and isinstance(v, str)
        for k, v in snapshots.items()
    ):
        raise ArchiveError(f"{path}: {layout.MANIFEST} has no valid list of snapshots")
    if not isinstance(data.get("home"), str):
        raise ArchiveError(f"{path}: {layout.MANIFEST} does not say which home it was saved from")
    layout.check_experiment_id(data.get("experiment"), f"{path}: {layout.MANIFEST}")
    return data


def _check_members(path: str, manifest: dict[str, Any], members: list[tarfile.TarInfo]) -> None:
    listing = manifest["members"]
    seen: set[str] = set()
    prefixes = (f"{layout.EXPERIMENT}/", *(f"{layout.SNAPSHOTS}/{s}/" for s in manifest["snapshots"]))
    for member in members:
        name = layout.check_member_name(path, member.name)
        if member.issym() or member.islnk():
            raise ArchiveError(
                f"{path}: member {member.name!r} is a link (to {member.linkname!r}); refused (nothing was written)"
            )
        if not member.isfile():
            raise ArchiveError(
                f"{path}: member {member.name!r} is not a regular file; refused (nothing was written)"
            )
        if name in seen:
            raise ArchiveError(f"{path}: member {member.name!r} appears twice; refused (nothing was written)")
        seen.add(name)
        if name == layout.MANIFEST:
            continue
        if name not in listing or (name != layout.RECORDS and not name.startswith(prefixes)):
            raise ArchiveError(
                f"{path}: member {member.name!r} is not in its manifest; refused (nothing was written)"
            )
        if member.size != listing[name]["size"]:
            raise ArchiveError(
                f"{path}: member {member.name!r} does not have the size its manifest gives (damaged)"
            )
    missing = sorted(set(listing) - seen)
    if missing:
        raise ArchiveError(f"{path} is incomplete: {missing[0]} (and {len(missing) - 1} more) are missing")


def _records(
    path: str, tar: tarfile.TarFile, members: list[tarfile.TarInfo], manifest: dict[str, Any]
) -> Rows:
    member = next(m for m in members if m.name == layout.RECORDS)
    data = _read_member(path, tar, member)
    if hashlib.sha256(data).hexdigest() != manifest["members"][layout.RECORDS]["sha256"]:
        raise ArchiveError(f"{path}: {layout.RECORDS} does not match its hash (damaged)")
    try:
        rows = json.loads(data)
    except ValueError:
        raise ArchiveError(f"{path}: {layout.RECORDS} is not valid JSON (damaged)") from None
    if (
        not isinstance(rows, dict)
        or not all(isinstance(v, list) and all(isinstance(r, dict) for r in v) for v in rows.values())
        or len(rows.get("experiments", [])) != 1
        or rows["experiments"][0].get("id") != manifest["experiment"]
    ):
        raise ArchiveError(f"{path}: {layout.RECORDS} does not hold experiment {manifest['experiment']}")
    return rows


class _Relocator:
    """Rewrites the old home's paths (and the old id's experiment directory) as the new home's."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = sorted(pairs, key=lambda p: -len(p[0]))

    def path(self, text: str) -> str:
        for old, new in self.pairs:
            if text == old:
                return new
            for sep in {"/", os.sep}:
                if text.startswith(old + sep):
                    return new + text[len(old) :]
        return text

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.path(value)
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        return value


def _relocated(rows: Rows, relocate: _Relocator, new_id: str) -> Rows:
    out: Rows = {}
    for table, table_rows in rows.items():
        out[table] = []
        for row in table_rows:
            row = dict(row)
            for column, value in row.items():
                if isinstance(value, str) and column in _JSON_COLUMNS:
                    try:
                        row[column] = json.dumps(relocate.value(json.loads(value)))
                    except ValueError:
                        row[column] = relocate.path(value)
                elif isinstance(value, str):
                    row[column] = relocate.path(value)
            if table == "experiments":
                row["id"] = new_id
                row.update(dict.fromkeys(_OWNER_COLUMNS))
            else:
                row["experiment_id"] = new_id
            out[table].append(row)
    return out


def _check_free(home: Home, exp_id: str, as_id: str | None) -> None:
    how = "load it under another id with --as NEW_ID" if as_id is None else "choose another --as id"
    if os.path.exists(home.store_path):
        with open_reader(home.store_path) as reader:
            taken = any(e.id == exp_id for e in reader.list_experiments())
        if taken:
            raise ArchiveError(
                f"experiment {exp_id} already exists in {home.root}; {how}, or delete it first "
                f"(`nni-annot delete {exp_id}`); nothing was written"
            )
    if os.path.lexists(home.experiment_dir(exp_id)):
        raise ArchiveError(f"{home.experiment_dir(exp_id)} already exists; {how}; nothing was written")


def _unpack(path: str, tar: tarfile.TarFile, members: list[tarfile.TarInfo], listing: dict[str, Any],
            staging: str) -> int:  # fmt: skip
    count = 0
    for member in members:
        name = layout.check_member_name(path, member.name)
        if name in (layout.MANIFEST, layout.RECORDS):
            continue
        target = os.path.join(staging, *name.split("/"))
        if os.path.commonpath([staging, os.path.abspath(target)]) != staging:
            raise ArchiveError(f"{path}: member {member.name!r} would land outside the home; refused")
        os.makedirs(os.path.dirname(target), exist_ok=True)
        source = tar.extractfile(member)
        if source is None:
            raise ArchiveError(f"{path}: member {member.name!r} cannot be read")
        sha = hashlib.sha256()
        with open(target, "xb") as f:
            while block := source.read(1 << 20):
                sha.update(block)
                f.write(block)
        if sha.hexdigest() != listing[name]["sha256"]:
            raise ArchiveError(f"{path}: member {member.name!r} does not match its hash (damaged)")
        os.chmod(target, 0o644 if not member.mode & 0o100 else 0o755)
        count += 1
    return count


def load_archive(home: Home, path: str, as_id: str | None = None) -> LoadResult:
    """Add the experiment archived in ``path`` to ``home`` (under ``as_id`` if given).

    Raises:
        ArchiveError: a damaged, unsafe or newer archive, or an id that is already taken (nothing written).
        StoreError: the target store cannot be written.
    """
    with _reading(path) as tar:
        try:
            members = tar.getmembers()  # reads the whole archive: a truncated one fails here
        except _BROKEN as exc:
            raise ArchiveError(f"{path} is damaged or truncated ({exc}); nothing was written") from None
        manifest = _manifest(path, tar, members)
        _check_members(path, manifest, members)
        rows = _records(path, tar, members, manifest)
        saved_id = manifest["experiment"]
        new_id = saved_id if as_id is None else layout.check_experiment_id(as_id, "--as")
        _check_free(home, new_id, as_id)
        old_home = manifest["home"]
        relocate = _Relocator(
            [
                (os.path.join(old_home, "experiments", saved_id), home.experiment_dir(new_id)),
                (old_home, home.root),
                *(
                    (old, os.path.join(home.snapshots_dir, name))
                    for name, old in manifest["snapshots"].items()
                ),
            ]
        )
        rows = _relocated(rows, relocate, new_id)
        os.makedirs(home.root, exist_ok=True)
        staging = tempfile.mkdtemp(prefix=".loading-", dir=home.root)
        placed: list[str] = []
        try:
            files = _unpack(path, tar, members, manifest["members"], staging)
            _place(home, new_id, staging, manifest, placed)
            store = open_store(home.store_path)
            try:
                insert_rows(store, rows)
            finally:
                store.close()
        except BaseException as exc:
            for folder in placed:
                shutil.rmtree(folder, ignore_errors=True)
            if isinstance(exc, _BROKEN) and not isinstance(exc, NniAnnotError):
                raise ArchiveError(f"{path} is damaged or truncated ({exc}); nothing was loaded") from None
            raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    exp = rows["experiments"][0]
    return LoadResult(new_id, saved_id, len(rows.get("trials", [])), files, str(exp.get("status")))


def _place(home: Home, exp_id: str, staging: str, manifest: dict[str, Any], placed: list[str]) -> None:
    """Move the unpacked experiment directory and snapshots into the home (an identical snapshot is kept)."""
    unpacked = os.path.join(staging, layout.EXPERIMENT)
    target = home.experiment_dir(exp_id)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    if os.path.isdir(unpacked):
        os.rename(unpacked, target)
    else:
        os.makedirs(target)
    placed.append(target)
    for name in manifest["snapshots"]:
        source = os.path.join(staging, layout.SNAPSHOTS, name)
        dest = os.path.join(home.snapshots_dir, name)
        if not os.path.isdir(source) or os.path.isfile(os.path.join(dest, "manifest.json")):
            continue  # snapshots are named by their content: one already there is the same code
        os.makedirs(home.snapshots_dir, exist_ok=True)
        os.rename(source, dest)
        placed.append(dest)
