"""The files a trial needs on a Dask worker without a shared file system, and where paths land there.

A :class:`CodeBundle` holds the entry script, the project modules it imports, the files listed with
``--upload`` and the launcher's cached rewritten code, as bytes keyed by their path below ``root``. On a
worker the bundle is written once per worker under its scratch directory (see
:mod:`nniannot.runner.backends.dask_worker`), and :func:`translate` maps the runner's paths in the trial's command,
working directory and environment onto the worker's copies. Standard library only.
"""

from __future__ import annotations

import glob
import hashlib
import os
from dataclasses import dataclass, field

from nniannot.errors import ConfigError, NniAnnotError
from nniannot.launch import cache_key, module_name

MAX_BUNDLE_BYTES = 200 * 1024 * 1024  # beyond this, shipping code with every trial is the wrong tool


@dataclass(frozen=True)
class CodeBundle:
    """Files by path relative to ``root`` (``code``) and the launcher's cache entries (``cache``).

    ``root`` and ``cwd`` are the runner's paths; ``cache_dir`` is the runner's rewrite cache (or None).
    """

    root: str
    cwd: str
    code: dict[str, bytes] = field(default_factory=dict)
    cache_dir: str | None = None
    cache: dict[str, bytes] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return sum(map(len, self.code.values())) + sum(map(len, self.cache.values()))

    @property
    def digest(self) -> str:
        """Changes whenever any shipped file's name or content does (names the copy on a worker)."""
        h = hashlib.sha256(self.root.encode())
        for part in (self.code, self.cache):
            for name in sorted(part):
                h.update(f"\0{name}\0{len(part[name])}\0".encode())
                h.update(part[name])
        return h.hexdigest()[:20]


def _option(command: list[str], name: str) -> str | None:
    """The value of ``name VALUE`` or ``name=VALUE`` in an argv, if present."""
    for i, token in enumerate(command):
        if token == name and i + 1 < len(command):
            return command[i + 1]
        if token.startswith(name + "="):
            return token[len(name) + 1 :]
    return None


def _entry_script(command: list[str], cwd: str) -> str | None:
    """The first ``.py`` argument of the command that exists (relative to ``cwd``)."""
    for token in command[1:]:
        if token.endswith(".py"):
            path = os.path.join(cwd, token)
            if os.path.isfile(path):
                return os.path.abspath(path)
    return None


def project_files(entry: str, code_dir: str) -> list[str]:
    """The entry script and the project modules it imports (the transformer's static view)."""
    try:
        from nniannot.transformer.project import collect
    except ImportError:
        return [entry]
    try:
        return [str(p) for p in collect(entry, code_dir).files]
    except NniAnnotError:
        return [entry]  # the launcher reports the problem itself when the trial runs


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


def build_bundle(command: list[str], cwd: str, code_dir: str, uploads: list[str], base: str) -> CodeBundle:
    """Collect what trials running ``command`` need; ConfigError for a missing or outside ``--upload``.

    ``base`` is the folder relative ``uploads`` are resolved against.
    """
    code_dir = os.path.abspath(_option(command, "--code-dir") or code_dir)
    cwd = os.path.abspath(cwd)
    root = _bundle_root(code_dir, cwd)
    entry = _entry_script(command, cwd)
    files = project_files(entry, code_dir) if entry else []
    for path in _uploads(uploads, base):
        if os.path.commonpath([root, path]) != root:
            raise ConfigError(
                f"--upload {path}: only files inside {root} can be shipped to the workers "
                "(their paths are kept relative to it); use --shared-fs for anything else"
            )
        files.append(path)
    code: dict[str, bytes] = {}
    for path in dict.fromkeys(files):
        try:
            with open(path, "rb") as f:
                code[os.path.relpath(path, root)] = f.read()
        except OSError as exc:
            raise ConfigError(f"cannot read {path} to ship it to the workers: {exc.strerror}") from None
    cache_dir = _option(command, "--cache")
    bundle = CodeBundle(root, cwd, code, cache_dir, _cache_entries(code, root, code_dir, cache_dir))
    if bundle.size > MAX_BUNDLE_BYTES:
        raise ConfigError(
            f"the files to ship to every trial add up to {bundle.size // 2**20} MB; "
            "put large data on storage the workers share and use --shared-fs"
        )
    return bundle


def _cache_entries(
    code: dict[str, bytes], root: str, code_dir: str, cache_dir: str | None
) -> dict[str, bytes]:
    """The launcher's cached rewrites of the shipped annotated modules (so workers need not transform)."""
    if cache_dir is None:
        return {}
    out: dict[str, bytes] = {}
    for rel, data in code.items():
        path = os.path.join(root, rel)
        if not rel.endswith(".py") or b"@nni." not in data:
            continue
        name = cache_key(module_name(path, code_dir), data) + ".py"
        try:
            with open(os.path.join(cache_dir, name), "rb") as f:
                out[name] = f.read()
        except OSError:
            pass  # a missing entry is rebuilt by the launcher on the worker
    return out


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
