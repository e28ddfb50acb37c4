"""The files a trial needs on a Dask worker without a shared file system, and where paths land there.

A :class:`CodeBundle` holds the experiment's code snapshot (the folder its trials run, see
:mod:`nniannot.snapshot`), the snapshot's original files at their places below ``root`` (so the code
directory exists on the worker with the files as they were), and the files listed with ``--upload``, as
bytes keyed by their path. On a worker the bundle is written once per worker under its scratch directory
(see :mod:`nniannot.runner.backends.dask_worker`), and :func:`translate` maps the runner's paths in the
trial's command, working directory and environment onto the worker's copies. Standard library only.
"""

from __future__ import annotations

import glob
import hashlib
import os
from dataclasses import dataclass, field

from nniannot.errors import ConfigError
from nniannot.snapshot import MANIFEST, OBJECTS, Snapshot

MAX_BUNDLE_BYTES = 200 * 1024 * 1024  # beyond this, shipping code with every trial is the wrong tool


@dataclass(frozen=True)
class CodeBundle:
    """Files by path relative to ``root`` (``code``) and the snapshot's files by path in its folder.

    ``root`` and ``cwd`` are the runner's paths; ``snapshot_dir`` is the runner's snapshot folder (or None).
    """

    root: str
    cwd: str
    code: dict[str, bytes] = field(default_factory=dict)
    snapshot_dir: str | None = None
    snapshot: dict[str, bytes] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return sum(map(len, self.code.values())) + sum(map(len, self.snapshot.values()))

    @property
    def digest(self) -> str:
        """Changes whenever any shipped file's name or content does (names the copy on a worker)."""
        h = hashlib.sha256(self.root.encode())
        for part in (self.code, self.snapshot):
            for name in sorted(part):
                h.update(f"\0{name}\0{len(part[name])}\0".encode())
                h.update(part[name])
        return h.hexdigest()[:20]


def _uploads(patterns: list[str], base: str) -> list[str]:
    """Files named by ``--upload`` (files, folders or glob patterns; relative to ``base``)."""
    out: list[str] = []
    for pattern in patterns:
        full = os.path.join(base, os.path.expanduser(pattern))
        matches = sorted(glob.glob(full, recursive=True)) or ([full] if os.path.exists(full) else [])
        if not matches:
            raise ConfigError(f"--upload {pattern}: no such file or folder (looked in {base})")
        for match in matches:
            if os.path.isdir(match):
                for folder, dirs, files in os.walk(match):
                    dirs[:] = sorted(d for d in dirs if d != "__pycache__")
                    out += [os.path.join(folder, f) for f in sorted(files)]
            else:
                out.append(match)
    return [os.path.abspath(p) for p in out]


def _bundle_root(code_dir: str, cwd: str) -> str:
    """The folder whose layout is kept on the workers: the code dir, or cwd when one contains the other."""
    common = os.path.commonpath([code_dir, cwd])
    return common if common in (code_dir, cwd) else code_dir


def build_bundle(
    snapshot_dir: str | None, cwd: str, code_dir: str, uploads: list[str], base: str
) -> CodeBundle:
    """Collect what trials running from ``snapshot_dir`` need; ConfigError for a missing or outside ``--upload``.

    ``base`` is the folder relative ``uploads`` are resolved against.
    """
    code_dir, cwd = os.path.abspath(code_dir), os.path.abspath(cwd)
    root = _bundle_root(code_dir, cwd)
    code: dict[str, bytes] = {}
    shipped: dict[str, bytes] = {}
    if snapshot_dir is not None:
        snapshot = Snapshot.load(snapshot_dir)
        for rel, entry in snapshot.files.items():
            code[os.path.relpath(os.path.join(code_dir, *rel.split("/")), root)] = snapshot.original(rel)
            for digest in filter(None, (entry.original, entry.rewritten)):
                shipped[f"{OBJECTS}/{digest}"] = snapshot.read(digest)
        with open(os.path.join(snapshot_dir, MANIFEST), "rb") as f:
            shipped[MANIFEST] = f.read()
    for path in _uploads(uploads, base):
        if os.path.commonpath([root, path]) != root:
            raise ConfigError(
                f"--upload {path}: only files inside {root} can be shipped to the workers "
                "(their paths are kept relative to it); use --shared-fs for anything else"
            )
        try:
            with open(path, "rb") as f:
                code[os.path.relpath(path, root)] = f.read()
        except OSError as exc:
            raise ConfigError(f"cannot read {path} to ship it to the workers: {exc.strerror}") from None
    bundle = CodeBundle(root, cwd, code, snapshot_dir, shipped)
    if bundle.size > MAX_BUNDLE_BYTES:
        raise ConfigError(
            f"the files to ship to every trial add up to {bundle.size // 2**20} MB; "
            "put large data on storage the workers share and use --shared-fs"
        )
    return bundle


def translate(value: str, mapping: list[tuple[str, str]]) -> str:
    """``value`` with the first matching runner path prefix replaced by its worker path."""
    if value.startswith("-") and "=" in value:  # --option=/runner/path
        flag, _, rest = value.partition("=")
        return f"{flag}={translate(rest, mapping)}"
    for source, target in mapping:
        prefix = source.rstrip(os.sep)
        if value == source or value.startswith(prefix + os.sep):
            return target + value[len(prefix) :]
    return value


def translate_env(env: dict[str, str], mapping: list[tuple[str, str]]) -> dict[str, str]:
    """Each ``os.pathsep``-separated item of every value translated."""
    return {k: os.pathsep.join(translate(p, mapping) for p in v.split(os.pathsep)) for k, v in env.items()}
