"""``nni.runtime.tuner_command_channel``: NNI 2.10's home of :class:`CommandType`."""

from __future__ import annotations

from nni.runtime.protocol import CommandType  # type: ignore[import-not-found]

__all__ = ["CommandType"]
