"""The search space a classic-NAS trial declares, got by running its command once in NNI's dry mode."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tempfile
from typing import Any

from nniannot.errors import NniAnnotError
from nniannot.runner.shim import nni_environment
from nniannot.searchspace import SearchSpace

__all__ = ["TrialSpaceError", "generate_from_command"]


class TrialSpaceError(NniAnnotError):
    """The trial command did not write a search space."""


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _command(command: str) -> list[str]:
    """``command`` split as a shell would, with ``python``/``python3`` run by this interpreter."""
    try:
        argv = shlex.split(command)
    except ValueError as e:
        raise TrialSpaceError(f"--trial-command {command!r}: {e}") from None
    if not argv:
        raise TrialSpaceError("--trial-command is empty")
    if argv[0] in ("python", "python3"):
        argv[0] = sys.executable
    return argv


def generate_from_command(command: str, trial_dir: str, timeout: float) -> dict[str, Any]:
    """Run ``command`` in ``trial_dir`` with ``NNI_GEN_SEARCH_SPACE`` set; return the space it wrote."""
    argv = _command(command)
    with tempfile.TemporaryDirectory(prefix="nniannot-ss-gen-") as tmp:
        out = os.path.join(tmp, "search_space.json")
        extra, _ = nni_environment(sys.executable)
        env = {**os.environ, **extra, "NNI_GEN_SEARCH_SPACE": out}
        try:
            done = subprocess.run(
                argv, cwd=trial_dir, env=env, capture_output=True, text=True, timeout=timeout, check=False
            )
        except FileNotFoundError:
            raise TrialSpaceError(f"--trial-command {command!r}: {argv[0]!r} not found") from None
        except subprocess.TimeoutExpired:
            raise TrialSpaceError(
                f"--trial-command {command!r} wrote no search space within {timeout:g}s; nothing written"
            ) from None
        if done.returncode != 0:
            raise TrialSpaceError(
                f"--trial-command {command!r} exited {done.returncode}; nothing written. Its stderr ends:\n"
                f"{_tail(done.stderr)}"
            )
        if not os.path.exists(out):
            raise TrialSpaceError(
                f"--trial-command {command!r} exited 0 without writing a search space (does it call "
                "get_and_apply_next_architecture?); nothing written"
            )
        with open(out, encoding="utf-8") as f:
            space = json.load(f)
    SearchSpace.from_json(space)
    return dict(space)
