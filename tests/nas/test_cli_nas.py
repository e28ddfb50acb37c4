"""One-shot search through the real command line: darts, its derived architecture as the trial's params,
``--retrain``; and how a trial prints a located mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.examples.conftest import Cli
from tests.nas.conftest import TINY

pytestmark = pytest.mark.torch
BLOCK = "tiny/mutable_block_36"


@pytest.fixture
def tiny(tmp_path: Path, torch_mod: object) -> Cli:
    (tmp_path / "tiny.py").write_text(TINY.replace("STEPS", "20"))
    return Cli(tmp_path)


def test_darts_records_the_derived_architecture_and_retrains_it(tiny: Cli) -> None:
    done = tiny("run", "tiny.py", "--nas-mode", "darts_mode", "--retrain", "1", "--plain")
    assert "retraining the architecture of trial" in done.stdout
    oneshot_id, retrain_id = [
        line.split()[1] for line in done.stdout.splitlines() if line.startswith("experiment ")
    ][:2]
    [searched] = tiny.show(oneshot_id)["trials"]
    derived = searched["params"][BLOCK]
    assert set(derived) == {"mutable_layer_0", "mutable_layer_1"}
    assert all(set(layer) == {"chosen_layer", "chosen_inputs"} for layer in derived.values())
    [retrained] = tiny.show(retrain_id)["trials"]
    assert retrained["status"] == "SUCCEEDED" and retrained["params"] == searched["params"]


def test_the_launcher_prints_a_located_nas_error_without_a_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from nniannot.errors import NasError
    from nniannot.launch import _report_uncaught

    try:
        raise NasError("tiny.py:23: error: the candidates of mutable layer ...")
    except NasError as exc:
        _report_uncaught(exc)
    assert capsys.readouterr().err == "tiny.py:23: error: the candidates of mutable layer ...\n"
