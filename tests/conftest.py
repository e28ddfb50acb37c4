from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def _no_trial_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run as standalone code unless they set up a trial environment themselves."""
    for name in list(os.environ):
        if name.startswith("NNI_") or name == "NNIANNOT_HOME":
            monkeypatch.delenv(name, raising=False)
