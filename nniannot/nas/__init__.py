"""One-shot architecture search from ``@nni.mutable_layers``: the mode a trial runs in, and its public calls.

A trial learns its mode from ``NNIANNOT_NAS_MODE`` (set by ``nni-annot run --nas-mode``). In ``classic``
mode (the default) every trial trains one architecture that the tuner chose. In ``darts``, ``enas`` and
``oneshot`` mode one trial trains a super-network holding every candidate of every mutable layer; the torch
part (:mod:`nniannot.nas.supernet`) is imported only then, so this module stays standard-library only.
"""

from __future__ import annotations

from nniannot.nas.modes import ARCHITECTURE_FILE, ENV_MODE, ENV_SEED, MODES, mode, normalize_mode, seed

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "ARCHITECTURE_FILE", "ENV_MODE", "ENV_SEED", "MODES", "architecture_parameters", "mode", "normalize_mode",
    "seed",
]  # fmt: skip


def architecture_parameters() -> list[Any]:
    """The architecture weights of every mutable layer built so far (torch tensors), for your own optimiser.

    darts: one tensor of candidate logits per layer (and one of input logits per layer with optional
    inputs); enas: the controller's logits. Empty in classic mode or before the first forward pass.
    """
    if mode() == "classic":
        return []
    from nniannot.nas import supernet

    return supernet.current().parameters()
