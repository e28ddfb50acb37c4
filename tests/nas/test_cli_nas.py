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


def experiment_ids(stdout: str) -> list[str]:
    """The experiments a run printed, in order (each is named when it starts and again in its summary)."""
    return list(
        dict.fromkeys(line.split()[1] for line in stdout.splitlines() if line.startswith("experiment "))
    )


def test_darts_records_the_derived_architecture_and_retrains_it(tiny: Cli) -> None:
    done = tiny("run", "tiny.py", "--nas-mode", "darts_mode", "--retrain", "1", "--plain")
    assert "retraining the architecture of trial" in done.stdout
    oneshot_id, retrain_id = experiment_ids(done.stdout)
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


def test_each_retraining_trial_has_its_own_seed_and_the_search_seed_changes_them(tiny: Cli) -> None:
    script = tiny.cwd / "seeded.py"
    text = (
        (tiny.cwd / "tiny.py")
        .read_text()
        .replace(
            '"""@nni.report_final_result(acc)"""',
            'import os\n"""@nni.report_final_result({"default": acc, "seed": float(os.environ["NNIANNOT_SEED"])})"""',
        )
    )
    script.write_text(text)
    seeds = {}
    for search_seed in (3, 4):
        done = tiny(
            "run", "seeded.py", "--nas-mode", "darts", "--seed", str(search_seed), "--retrain", "2", "--plain"
        )
        _, retrain_id = experiment_ids(done.stdout)
        trials = tiny.show(retrain_id)["trials"]
        seeds[search_seed] = sorted(trial["final"]["seed"] for trial in trials)
    assert seeds == {3: [3001.0, 3002.0], 4: [4001.0, 4002.0]}
