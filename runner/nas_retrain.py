"""``--retrain N``: after a one-shot search, N classic trials train the architecture it derived.

The retraining experiment is a classic one (``nas_mode`` classic) whose batch tuner hands out the best
one-shot trial's parameters N times; its trial k (1..N) gets ``NNIANNOT_SEED`` = ``1000 * |S| + k`` under
``--seed S``, else ``k`` (:func:`nniannot.nas.seed`), so the figure it reports is the derived
architecture's over N seeds, and other seeds for each seed of the search.
"""

from __future__ import annotations

import dataclasses

from nniannot.runner.experiment_config import ExperimentConfig
from nniannot.runner.store import Store


def retrain_config(cfg: ExperimentConfig, store: Store, exp_id: str) -> tuple[ExperimentConfig | None, str]:
    """(the retraining experiment's config, a note) or (None, why there is nothing to retrain)."""
    best = store.best_trial(exp_id)
    if best is None:
        return None, f"nothing to retrain: experiment {exp_id} has no successful one-shot trial"
    retrain = dataclasses.replace(
        cfg, nas_mode="classic", retrain=0, retrain_of=exp_id, tuner="batch",
        tuner_args={"configs": [dict(best.params)] * cfg.retrain}, assessor=None, assessor_args={},
        max_trials=cfg.retrain, name=f"{cfg.name or 'one-shot'} retrain of {exp_id}",
    )  # fmt: skip
    return retrain, f"retraining the architecture of trial {best.id} in {cfg.retrain} classic trials"
