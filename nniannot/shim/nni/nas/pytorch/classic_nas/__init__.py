"""``nni.nas.pytorch.classic_nas`` (NNI 1.x's path of the classic-NAS mutator)."""

from __future__ import annotations

from nni.algorithms.nas.pytorch.classic_nas import get_and_apply_next_architecture  # type: ignore[import-not-found]

__all__ = ["get_and_apply_next_architecture"]
