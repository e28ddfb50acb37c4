"""Code bundles for the Dask tests, made the way a run makes them: from a code snapshot."""

from __future__ import annotations

import os


def bundle_for(tmp_path, command, cwd, code_dir, uploads):
    """The bundle a run of ``command`` (``python script.py``) ships: its code snapshot's files and uploads."""
    from nniannot.runner.backends.dask_bundle import build_bundle
    from nniannot.runner.config import ExperimentConfig
    from nniannot.runner.prepare import prepare_launch

    script = os.path.join(cwd, command[1])
    cfg = ExperimentConfig(script=script, code_dir=code_dir, workdir=cwd)
    snapshot = prepare_launch(cfg, require_space=False, snapshots=str(tmp_path / "snapshots")).snapshot
    return build_bundle(snapshot, cwd, code_dir, uploads, code_dir)
