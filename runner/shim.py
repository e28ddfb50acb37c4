"""Choosing the ``nni`` package a trial imports: the installed NNI if there is one, else nni-annot's shim."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import metadata, util

import nniannot

SHIM_DIR = os.path.join(os.path.dirname(os.path.abspath(nniannot.__file__)), "shim")
_PROBE = (
    "import importlib.util, importlib.metadata as m, sys\n"
    "if importlib.util.find_spec('nni') is None: sys.exit(3)\n"
    "try: print(m.version('nni'))\n"
    "except Exception: print('unknown version')\n"
)


def installed_nni(python: str = sys.executable) -> str | None:
    """The version of ``nni`` that ``python`` would import (None if it has none)."""
    if os.path.realpath(python) == os.path.realpath(sys.executable):
        if util.find_spec("nni") is None or _is_shim(util.find_spec("nni")):
            return None
        try:
            return metadata.version("nni")
        except metadata.PackageNotFoundError:
            return "unknown version"
    try:
        out = subprocess.run([python, "-c", _PROBE], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def _is_shim(spec: object) -> bool:
    origin = getattr(spec, "origin", None) or ""
    return os.path.abspath(origin).startswith(SHIM_DIR + os.sep)


def nni_environment(python: str, base_env: dict[str, str] | None = None) -> tuple[dict[str, str], str]:
    """Environment additions for trials run by ``python`` and the sentence saying which ``nni`` they use."""
    version = installed_nni(python)
    if version is not None:
        return {}, f"trials use the installed nni {version}"
    env = os.environ if base_env is None else base_env
    path = env.get("PYTHONPATH")
    return {"PYTHONPATH": SHIM_DIR + (os.pathsep + path if path else "")}, "trials use nni-annot's nni shim"
