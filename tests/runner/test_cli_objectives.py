"""Several objectives and constraints through the CLI and YAML: start-up errors, per-trial failures, and
what show, show --pareto, --best-code, list and export print."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.runner.conftest import write

# Four grid trials: (acc, size) = (0.9, 8), (0.8, 2), (0.7, 4), (0.95, 16); the last is too slow.
TWO_OBJECTIVES = """
    '''@nni.variable(nni.choice(0, 1, 2, 3), name=k)'''
    k = 0
    acc, size, lat = [(0.9, 8.0, 5.0), (0.8, 2.0, 5.0), (0.7, 4.0, 5.0), (0.95, 16.0, 30.0)][k]
    '''@nni.report_final_result({"acc": acc, "size_mb": size, "latency_ms": lat})'''
"""

# k=1 leaves out size_mb, k=2 reports a string for it: those two fail, the others succeed.
FAULTY = """
    '''@nni.variable(nni.choice(0, 1, 2, 3), name=k)'''
    k = 0
    result = {"acc": 0.5 + k / 10, "size_mb": 10.0 - k}
    if k == 1:
        del result["size_mb"]
    if k == 2:
        result["size_mb"] = "big"
    '''@nni.report_final_result(result)'''
"""

OBJECTIVES = ("--objective", "acc:max", "--objective", "size_mb:min")


def _k(trial):
    (value,) = trial["params"].values()
    return value


def _run(cli, script, *options):
    result = cli("run", script, "--tuner", "grid", "--plain", *options)
    assert result.exit_code == 0, result.output
    return result, result.output.splitlines()[0].split()[1]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--objective", "acc:up"), "unknown direction 'up' for 'acc': use max or min"),
        (("--objective", "acc:max", "--objective", "acc:min"), "objective 'acc' is declared twice"),
        (
            (
                "--objective",
                "acc",
            ),
            "'acc' needs a direction: write KEY:max or KEY:min",
        ),
        ((*OBJECTIVES, "--constraint", "latency_ms =< 20"), "does not parse: write KEY <= NUMBER"),
        ((*OBJECTIVES, "--reference-point", "0"), "the reference point has 1 value(s), but there are 2"),
        ((*OBJECTIVES, "--reference-point", "0,x"), "--reference-point must be numbers separated by commas"),
    ],
)
def test_a_wrong_declaration_is_a_clean_error_at_start(tmp_path, cli, options, message):
    script = write(tmp_path / "train.py", TWO_OBJECTIVES)
    result = cli("run", script, "--plain", *options)
    assert result.exit_code == 1
    assert message in result.stderr and result.stderr.startswith("error: ")
    assert "Traceback" not in result.output
    assert "no experiments yet" in cli("list").output  # nothing was recorded


def test_yaml_declaration_errors_are_located_in_the_file(tmp_path, cli):
    write(tmp_path / "train.py", TWO_OBJECTIVES)
    config = write(tmp_path / "config.yml", """
        script: train.py
        objectives:
          - acc: max
          - acc: upward
        constraints:
          - latency_ms << 20
    """)  # fmt: skip
    result = cli("run", "--config", config, "--plain")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "config.yml:4:5: error: objective 2: unknown direction" in result.stderr
    assert "unknown direction 'upward'" in result.stderr
    assert "config.yml:6:" in result.stderr and "'latency_ms << 20' does not parse" in result.stderr


def test_the_pareto_set_replaces_the_best_trial(tmp_path, cli):
    script = write(tmp_path / "train.py", TWO_OBJECTIVES)
    run, exp_id = _run(cli, script, *OBJECTIVES, "--constraint", "latency_ms <= 20")
    # (0.9, 8) and (0.8, 2) are the front; (0.7, 4) is dominated by (0.8, 2); (0.95, 16) is infeasible.
    assert "Pareto set: 2 trial(s) of 3 feasible, 1 infeasible" in run.output
    assert "infeasible: latency_ms <= 20 broken by 10 (latency_ms = 30)" in run.output
    shown = cli("show", exp_id).output
    assert "objectives: acc (max), size_mb (min); constraints: latency_ms <= 20" in shown
    assert "best maximum" not in shown
    # The derived reference point: 10% of the range beyond the worst feasible value (acc 0.7, size 8).
    assert "reference point acc=0.68, size_mb=8.6, derived" in shown
    pareto = cli("show", exp_id, "--pareto").output.splitlines()
    members = [line for line in pareto if line.startswith("  #")]
    assert len(members) == 2
    assert "acc=0.8  size_mb=2  k=1" in members[0] and "acc=0.9  size_mb=8  k=0" in members[1]
    # Hypervolume of {(0.9, 8), (0.8, 2)} against (0.68, 8.6): 0.12 * 6.6 + 0.1 * 0.6.
    volume = float(pareto[-1].split()[1])
    assert volume == pytest.approx(0.12 * 6.6 + 0.1 * 0.6)
    assert f"front 2, hv {volume:.4g}" in cli("list").output


def test_export_has_feasibility_and_dominance_rank(tmp_path, cli):
    script = write(tmp_path / "train.py", TWO_OBJECTIVES)
    _, exp_id = _run(cli, script, *OBJECTIVES, "--constraint", "latency_ms <= 20")
    rows = list(csv.DictReader(io.StringIO(cli("export", exp_id).stdout)))
    cells = {float(r["metric.acc"]): (r["feasible"], r["rank"], r["pareto"]) for r in rows}
    assert cells == {0.9: ("1", "0", "1"), 0.8: ("1", "0", "1"), 0.7: ("1", "1", "0"), 0.95: ("0", "2", "0")}
    doc = json.loads(cli("export", exp_id, "--format", "json").stdout)
    assert doc["objectives"] == [
        {"key": "acc", "direction": "maximize"},
        {"key": "size_mb", "direction": "minimize"},
    ]
    assert doc["pareto"]["reference_point_derived"] is True and len(doc["pareto"]["trial_ids"]) == 2
    standing = {t["final"]["acc"]: t["objectives"] for t in doc["trials"]}
    assert standing[0.95] == {"values": {"acc": 0.95, "size_mb": 16.0}, "feasible": False, "violation": 10.0,
                              "rank": 2, "pareto": False}  # fmt: skip


def test_best_code_needs_a_member_of_the_pareto_set(tmp_path, cli):
    script = write(tmp_path / "train.py", TWO_OBJECTIVES)
    _, exp_id = _run(cli, script, *OBJECTIVES)
    refused = cli("show", exp_id, "--best-code")
    assert refused.exit_code == 1 and "has no single best trial: its Pareto set has 3" in refused.stderr
    assert "--best-code --trial ID" in refused.stderr
    member = json.loads(cli("show", exp_id, "--pareto", "--json").stdout)["members"][0]
    code = cli("show", exp_id, "--best-code", "--trial", member["id"])
    assert code.exit_code == 0 and f"k = {_k(member)}" in code.stdout


def test_a_missing_or_non_numeric_objective_fails_that_trial_only(tmp_path, cli):
    script = write(tmp_path / "train.py", FAULTY)
    result, exp_id = _run(cli, script, *OBJECTIVES)
    doc = json.loads(cli("show", exp_id, "--json").stdout)
    by_k = {_k(t): t for t in doc["trials"]}
    assert [by_k[k]["status"] for k in range(4)] == ["SUCCEEDED", "FAILED", "FAILED", "SUCCEEDED"]
    assert "has no 'size_mb' entry for the objective (it has 'acc')" in by_k[1]["message"]
    assert "the objective needs a number in 'size_mb', but the final result has 'big'" in by_k[2]["message"]
    assert by_k[0]["final_default"] == 0.5  # ranked by the first objective
    assert "Pareto set: 1 trial(s) of 2 feasible" in result.output


def test_one_objective_ranks_by_its_key_as_before(tmp_path, cli):
    script = write(tmp_path / "train.py", TWO_OBJECTIVES)
    run, exp_id = _run(cli, script, "--objective", "size_mb:min")
    assert "best minimum: 2 (trial" in run.output and "Pareto" not in run.output
    assert "Pareto" not in cli("show", exp_id).output
    assert "front" not in cli("list").output
    refused = cli("show", exp_id, "--pareto")
    assert refused.exit_code == 1 and "its result is one best trial, not a Pareto set" in refused.stderr


def test_yaml_objectives_and_a_given_reference_point(tmp_path, cli):
    write(tmp_path / "train.py", TWO_OBJECTIVES)
    config = write(tmp_path / "config.yml", """
        script: train.py
        tuner: grid
        objectives:
          - acc: max
          - {key: size_mb, direction: min}
        reference_point: [0.5, 20]
    """)  # fmt: skip
    result = cli("run", "--config", config, "--plain")
    assert result.exit_code == 0, result.output
    assert "reference point acc=0.5, size_mb=20, given" in result.output
    exp = json.loads(cli("show", "latest", "--json").stdout)
    assert exp["reference_point"] == [0.5, 20.0] and exp["pareto"]["reference_point_derived"] is False
    # Front (0.95, 16), (0.9, 8), (0.8, 2) against (0.5, 20): 0.45*4 + 0.4*8 + 0.3*6.
    assert exp["pareto"]["hypervolume"] == pytest.approx(0.45 * 4 + 0.4 * 8 + 0.3 * 6)


def test_several_objectives_and_no_tuner_named_use_the_multi_objective_default(tmp_path, cli):
    from nniannot.runner.tuners import DEFAULT_MULTI_OBJECTIVE_TUNER

    script = write(tmp_path / "train.py", TWO_OBJECTIVES)
    result = cli("run", script, "--plain", "--max-trials", "2", "--seed", "1", *OBJECTIVES)
    assert result.exit_code == 0, result.output
    assert json.loads(cli("show", "latest", "--json").stdout)["tuner"] == DEFAULT_MULTI_OBJECTIVE_TUNER


def test_a_constraint_alone_keeps_one_best_trial_among_the_feasible(tmp_path, cli):
    script = write(tmp_path / "train.py", TWO_OBJECTIVES.replace('"acc": acc', '"default": acc'))
    _, exp_id = _run(cli, script, "--constraint", "latency_ms <= 20")
    shown = cli("show", exp_id).output
    assert "objectives: default (max); constraints: latency_ms <= 20" in shown
    assert "Pareto set: 1 trial(s) of 3 feasible, 1 infeasible" in shown  # 0.9: 0.95 is infeasible
    code = cli("show", exp_id, "--best-code")
    assert code.exit_code == 0 and "k = 0" in code.stdout


def test_import_checks_results_against_the_objectives(tmp_path, cli):
    script = write(tmp_path / "train.py", TWO_OBJECTIVES)
    _, exp_id = _run(cli, script, *OBJECTIVES, "--max-trials", "1")
    (key,) = json.loads(cli("show", exp_id, "--json").stdout)["search_space"]
    missing = tmp_path / "missing.json"
    missing.write_text(json.dumps([{"parameter": {key: 2}, "value": {"acc": 0.5}}]))
    refused = cli("import", exp_id, str(missing))
    assert refused.exit_code == 1 and "item 0: the final result has no 'size_mb' entry" in refused.stderr
    whole = tmp_path / "whole.json"
    whole.write_text(json.dumps([{"parameter": {key: 2}, "value": {"acc": 0.99, "size_mb": 0.5}}]))
    assert "imported 1 trial(s)" in cli("import", exp_id, str(whole)).output
    assert "Pareto set: 1 trial(s) of 2 feasible" in cli("show", exp_id).output  # (0.99, 0.5) beats (0.9, 8)
