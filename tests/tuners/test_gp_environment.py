"""The GP tuner is configured by its class arguments alone: no environment variable changes or breaks it."""

from __future__ import annotations

import os
import subprocess
import sys

# Builds the GP tuner in a fresh interpreter (so its module is imported under the given environment) and
# prints its first suggestions after a few observed results.
_PROGRAM = """
from nniannot.runner.tuners import make_tuner
tuner = make_tuner("gp", {"x": {"_type": "uniform", "_value": [0, 1]}}, seed=3, n_startup=2, n_pool=64)
for i in range(4):
    params = tuner.suggest(str(i))
    tuner.observe(str(i), params, (params["x"] - 0.3) ** 2)
    print(repr(params["x"]))
"""


def _suggestions(extra_env: dict[str, str]) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GP_")} | extra_env
    done = subprocess.run(
        [sys.executable, "-c", _PROGRAM], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_gp_variables_in_the_environment_neither_break_nor_change_the_gp_tuner() -> None:
    plain = _suggestions({})
    assert len(plain.splitlines()) == 4
    assert _suggestions({"GP_DELTA": "not-a-number", "GP_WARP": "none"}) == plain
