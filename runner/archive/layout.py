"""The archive format, version 1, and the checks every member of an archive must pass.

Members (all regular files; directories are implied by the paths)::

    nni-annot-archive.json      the manifest, first: format, version, the experiment's id, the home it came
                                from, what was left out, and the size and SHA-256 of every other member
    records.json                the experiment's store rows, ``{table: [{column: value}, ...]}``
    snapshots/<name>/...        each code snapshot the experiment's trials ran (see nniannot.snapshot)
    experiment/...              the experiment's directory of the home (``trials/<trial id>/...``)

A reader refuses a version newer than its own, any member that is not a regular file or whose path is absolute
or climbs out with ``..``, any member not listed in the manifest or not matching its size and hash, and a
manifest that does not list every member it names.
"""

from __future__ import annotations

import posixpath
import re

from nniannot.errors import ArchiveError

FORMAT = "nni-annot-archive"
VERSION = 1
MANIFEST = "nni-annot-archive.json"
RECORDS = "records.json"
SNAPSHOTS = "snapshots"
EXPERIMENT = "experiment"
SUFFIX = ".nniannot.tar.gz"

# Files of a trial directory that are the trial's record, always saved: its parameters and its metrics.
RECORD_FILES = ("parameter.cfg", ".nni/")
# Files of a trial directory that are its logs (``--no-logs`` leaves them out).
LOG_FILES = ("stdout", "stderr")

EXPERIMENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


def classify(rel: str) -> str:
    """``record``, ``log`` or ``other`` for a path relative to an experiment directory (``/`` separators).

    ``other`` is whatever else a trial wrote in its directory (checkpoints, saved models, ...).
    """
    parts = rel.split("/")
    if len(parts) < 3 or parts[0] != "trials":
        return "record"  # the experiment's own files, outside any trial directory
    inside = "/".join(parts[2:])
    if inside in RECORD_FILES or inside.startswith(RECORD_FILES[1]):
        return "record"
    if parts[-1] in LOG_FILES or parts[-1].endswith(".log"):
        return "log"
    return "other"


def check_member_name(archive: str, name: str) -> str:
    """The normalised member path; ArchiveError if it is absolute or would land outside the target."""
    if "\\" in name or "\x00" in name:
        raise ArchiveError(f"{archive}: member {name!r} has a backslash or NUL in its path; refused")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise ArchiveError(f"{archive}: member {name!r} has an absolute path; refused (nothing was written)")
    if ".." in name.split("/"):
        raise ArchiveError(f"{archive}: member {name!r} climbs out with '..'; refused (nothing was written)")
    normal = posixpath.normpath(name)
    if normal in (".", "") or normal.startswith("../"):
        raise ArchiveError(f"{archive}: member {name!r} has no usable path; refused (nothing was written)")
    return normal


def check_experiment_id(exp_id: object, where: str) -> str:
    """``exp_id`` if it can name an experiment directory; ArchiveError otherwise."""
    if not isinstance(exp_id, str) or not EXPERIMENT_ID.match(exp_id):
        raise ArchiveError(
            f"{where}: {exp_id!r} is not a valid experiment id (letters, digits, '_' and '-', at most 64)"
        )
    return exp_id
