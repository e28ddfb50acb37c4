"""The one-shot modes' names and the environment a trial learns them from (standard library only)."""

from __future__ import annotations

import os

ENV_MODE = "NNIANNOT_NAS_MODE"
ENV_SEED = "NNIANNOT_SEED"
MODES = ("classic", "darts", "enas", "oneshot")
ARCHITECTURE_FILE = "architecture.json"


def normalize_mode(text: str) -> str | None:
    """``darts`` for ``darts``, ``darts_mode`` or ``DARTS``; None if ``text`` names no mode."""
    name = text.strip().lower()
    name = name[: -len("_mode")] if name.endswith("_mode") else name
    return name if name in MODES else None


def mode() -> str:
    """The mode this process runs in (``classic`` unless ``NNIANNOT_NAS_MODE`` names another)."""
    return normalize_mode(os.environ.get(ENV_MODE, "")) or "classic"


def seed(default: int = 0) -> int:
    """The seed a one-shot or retraining trial should use (``NNIANNOT_SEED``), else ``default``."""
    text = os.environ.get(ENV_SEED, "")
    return int(text) if text.strip().lstrip("-").isdigit() else default
