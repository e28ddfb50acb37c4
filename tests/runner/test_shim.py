"""The nni shim: on a trial's path only when the real nni is missing; never importable as `nni` here."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest

from nniannot.runner.shim import SHIM_DIR, installed_nni, nni_environment


def test_shim_is_not_importable_as_nni_in_this_environment():
    spec = importlib.util.find_spec("nni")
    assert spec is None or not (spec.origin or "").startswith(SHIM_DIR)


@pytest.mark.skipif(importlib.util.find_spec("nni") is not None, reason="the real nni is installed")
def test_trials_get_the_shim_when_nni_is_missing(tmp_path):
    env, which = nni_environment(sys.executable)
    assert installed_nni() is None and which == "trials use nni-annot's nni shim"
    code = (
        "import argparse, nni, nni.trial\n"
        "from nni.utils import merge_parameter\n"
        "args = merge_parameter(argparse.Namespace(lr=0.1, hidden=16), {'lr': '0.5', 'hidden': 64.0})\n"
        "print(nni.__version__.startswith('nniannot-shim'), args.lr, args.hidden, nni.trial.get_next_parameter())\n"
    )
    full = {**os.environ, **env}
    out = subprocess.run([sys.executable, "-c", code], env=full, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "0.5", "64", "{}"]
