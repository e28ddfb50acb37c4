"""One-shot architecture search from ``@nni.mutable_layers``: the mode a trial runs in, and its public calls.

A trial learns its mode from ``NNIANNOT_NAS_MODE`` (set by ``nni-annot run --nas-mode``). In ``classic``
mode (the default) every trial trains one architecture that the tuner chose. In ``darts``, ``enas`` and
``oneshot`` mode one trial trains a super-network holding every candidate of every mutable layer; the torch
part (:mod:`nniannot.nas.supernet`) is imported only then, so this module stays standard-library only.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

ENV_MODE = "NNIANNOT_NAS_MODE"
ENV_SEED = "NNIANNOT_SEED"
MODES = ("classic", "darts", "enas", "oneshot")
ARCHITECTURE_FILE = "architecture.json"

__all__ = ["MODES", "architecture_parameters", "mode", "normalize_mode", "seed"]


def normalize_mode(text: str) -> str | None:
    """``darts`` for ``darts``, ``darts_mode`` or ``DARTS``; None if ``text`` names no mode."""
    name = text.strip().lower()
    name = name[: -len("_mode")] if name.endswith("_mode") else name
    return name if name in MODES else None


def mode() -> str:
    """The mode this process runs in (``classic`` unless ``NNIANNOT_NAS_MODE`` names another)."""
    return normalize_mode(os.environ.get(ENV_MODE, "")) or "classic"


def seed(default: int = 0) -> int:
    """The seed a retraining trial should use (``NNIANNOT_SEED``), else ``default``."""
    text = os.environ.get(ENV_SEED, "")
    return int(text) if text.strip().lstrip("-").isdigit() else default


def architecture_parameters() -> list[Any]:
    """The architecture weights of every mutable layer built so far (torch tensors), for your own optimiser.

    darts: one tensor of candidate logits per layer (and one of input logits per layer with optional
    inputs); enas: the controller's logits. Empty in classic mode or before the first forward pass.
    """
    if mode() == "classic":
        return []
    from nniannot.nas import supernet

    return supernet.current().parameters()
