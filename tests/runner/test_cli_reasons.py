"""Why a trial failed, everywhere it is shown: `show`, `show --json`, `show EXP TRIAL`, the viewer, exit codes."""

from __future__ import annotations

import json

import pytest

from nniannot.runner.home import Home
from nniannot.viewer import create_app
from tests.runner.conftest import write

# h=1 runs out of memory, h=2 rejects its learning rate, h=3 succeeds; a grid runs each once, in order.
MIXED = """
    import sys

    '''@nni.variable(nni.choice(1, 2, 3), name=h)'''
    h = 3
    print("starting with h", h)
    print("a warning about memory use that is not the reason", file=sys.stderr)
    if h == 1:
        raise MemoryError
    if h == 2:
        raise ValueError("bad lr")
    '''@nni.report_final_result(h)'''
"""

ALWAYS_FAILS = """
    '''@nni.variable(nni.choice(1, 2), name=h)'''
    h = 1
    raise RuntimeError(f"cannot use h={h}")
"""


@pytest.fixture
def mixed(tmp_path, cli):
    script = write(tmp_path / "train.py", MIXED)
    result = cli("run", script, "--tuner", "grid", "--plain")
    assert result.exit_code == 0, result.output
    return result.output.splitlines()[0].split()[1]


def _by_h(trials: list[dict]) -> dict[int, dict]:
    return {t["params"]["train/h/choice"]: t for t in trials}


def test_show_and_show_json_give_each_failed_trial_s_reason(mixed, cli):
    text = cli("show", mixed).output
    assert "[MemoryError]" in text and "[ValueError: bad lr]" in text
    trials = _by_h(json.loads(cli("show", mixed, "--json").stdout)["trials"])
    assert trials[1]["reason"] == "MemoryError" and trials[2]["reason"] == "ValueError: bad lr"
    assert trials[3]["reason"] is None and trials[1]["message"]  # the stored message stays beside it


def test_show_one_trial_has_its_fields_reason_and_log_tails(mixed, cli):
    result = cli("show", mixed, "#1", "--lines", "1")  # numbers start at 0: h=2 is the second
    assert result.exit_code == 0, result.output
    text = result.output
    assert "FAILED" in text and "h=2" in text and "reason: ValueError: bad lr" in text
    stdout_part = text.split("--- stdout")[1].split("--- stderr")[0]
    assert "starting with h 2" in stdout_part
    stderr_part = text.split("--- stderr")[1]
    assert stderr_part.strip().splitlines()[-1] == "ValueError: bad lr"  # --lines 1: the last line only
    assert "warning about memory" not in stderr_part
    missing = cli("show", mixed, "zzz")
    assert missing.exit_code == 1 and "no trial matching 'zzz'" in missing.output
    assert "Traceback" not in missing.output


def test_viewer_table_shows_the_reason_and_its_search_finds_it(mixed, home):
    client = create_app(Home(home).store_path, {"TESTING": True}).test_client()
    base = f"/api/experiments/{mixed}/trials"
    rows = client.get(base).get_json()
    assert "reason" in rows["columns"]
    assert {r["reason"] for r in rows["trials"]} == {"MemoryError", "ValueError: bad lr", None}
    found = client.get(base + "?q=memory").get_json()
    # Only the trial whose reason is MemoryError: a succeeded trial's stderr is not searched.
    assert [r["reason"] for r in found["trials"]] == ["MemoryError"]


def test_a_run_in_which_no_trial_succeeded_exits_3_with_the_reason(tmp_path, cli):
    script = write(tmp_path / "fails.py", ALWAYS_FAILS)
    result = cli("run", script, "--tuner", "grid", "--plain")
    assert result.exit_code == 3, result.output
    assert "error: no trial succeeded; trial #0" in result.output
    assert "RuntimeError: cannot use h=1" in result.output


def test_an_experiment_that_cannot_start_is_not_kept(tmp_path, cli):
    pytest.importorskip("distributed", reason="the Dask extra is not installed")
    script = write(tmp_path / "train.py", MIXED)
    result = cli("run", script, "--backend", "dask", "--scheduler", "tcp://127.0.0.1:9")
    assert result.exit_code == 1 and "cannot reach the Dask scheduler" in result.output, result.output
    assert "was not kept: no trial had started" in result.output and "Traceback" not in result.output
    assert json.loads(cli("list", "--json").stdout)["experiments"] == []


def test_show_json_and_the_viewer_api_give_the_same_trial_values(mixed, cli, home):
    client = create_app(Home(home).store_path, {"TESTING": True}).test_client()
    for trial in json.loads(cli("show", mixed, "--json").stdout)["trials"]:
        served = client.get(f"/api/experiments/{mixed}/trials/{trial['id']}").get_json()
        shared = trial.keys() & served.keys()
        assert {"reason", "message", "status", "params", "final", "duration", "dir"} <= shared
        assert {k: trial[k] for k in shared} == {k: served[k] for k in shared}
