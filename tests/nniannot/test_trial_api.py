from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from nniannot import protocol

SCRIPT = textwrap.dedent(
    """
    import numpy as np
    import nniannot
    params = nniannot.get_next_parameter()
    print(json.dumps(params))
    for i in range(3):
        nniannot.report_intermediate_result(np.float32(i / 10))
    nniannot.report_final_result({"default": np.float64(params.get("lr", 0.5)), "epochs": 3})
    print(nniannot.get_trial_id(), nniannot.get_experiment_id(), nniannot.get_sequence_id())
    """
).replace("import numpy", "import json\nimport numpy")


def _run(script: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NNI_")}
    return subprocess.run(
        [sys.executable, str(script)],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def test_standalone_has_no_parameters_and_logs_reports(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    out = _run(script, {})
    assert json.loads(out.stdout.splitlines()[0]) == {}
    assert "STANDALONE STANDALONE 0" in out.stdout
    assert "[nni-annot] final result: {'default': 0.5, 'epochs': 3}" in out.stderr
    assert "intermediate result #2" in out.stderr


def test_inside_a_trial_parameters_in_metrics_out(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    sys_dir = tmp_path / "trial"
    sys_dir.mkdir()
    protocol.write_parameter_file(str(sys_dir), {"lr": 0.01}, parameter_id=4)
    out = _run(script, protocol.trial_environment("exp1", "T1", str(sys_dir), 9))
    assert json.loads(out.stdout.splitlines()[0]) == {"lr": 0.01}
    assert "T1 exp1 9" in out.stdout
    records, problems = protocol.MetricReader(str(sys_dir / ".nni" / "metrics")).poll()
    assert problems == []
    assert [(r.kind, r.sequence) for r in records] == [
        ("PERIODICAL", 0),
        ("PERIODICAL", 1),
        ("PERIODICAL", 2),
        ("FINAL", 0),
    ]
    assert records[1].value == 0.1 or abs(records[1].value - 0.1) < 1e-6
    assert records[-1].value == {"default": 0.01, "epochs": 3}
    assert all(r.parameter_id == 4 for r in records)


REFUSED = textwrap.dedent(
    """
    import decimal, math, sys
    import numpy as np
    sys.path.insert(0, sys.argv[1])  # the nni shim
    import nni
    import nniannot
    from nniannot import annotation
    from nniannot.errors import MetricError

    calls = [
        (nniannot.report_final_result, ...),
        (nniannot.report_intermediate_result, "0.5"),
        (annotation.report_final_result, None),
        (annotation.report_intermediate_result, [0.1]),
        (nni.report_final_result, {"loss": 1}),
        (nni.report_intermediate_result, np.array([1.0, 2.0])),
        (nniannot.report_final_result, 10 ** 400),
        (nniannot.report_final_result, {"default": True}),
    ]
    for report, value in calls:
        try:
            report(value)
        except MetricError as exc:
            print(exc)
        else:
            print("accepted", repr(value))
    nniannot.report_intermediate_result(math.nan)
    nniannot.report_intermediate_result(decimal.Decimal("0.5"))
    nniannot.report_final_result({"default": np.float32(0.25), "curve": (1, np.int64(2))})
    """
)


def _refused(tmp_path: Path, env: dict[str, str]) -> list[str]:
    script = tmp_path / "refused.py"
    script.write_text(REFUSED)
    shim = os.path.join(os.path.dirname(protocol.__file__), "shim")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NNI_")}
    out = subprocess.run(
        [sys.executable, str(script), shim], env={**clean, **env}, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.splitlines()


EXPECTED_REFUSALS = [
    "report_final_result(): a metric must be a number, or a dict with a numeric 'default' entry, "
    "but got ellipsis (Ellipsis)",
    "report_intermediate_result(): a metric must be a number, or a dict with a numeric 'default' entry, "
    "but got str ('0.5')",
    "report_final_result(): a metric must be a number, or a dict with a numeric 'default' entry, but got None",
    "report_intermediate_result(): a metric must be a number, or a dict with a numeric 'default' entry, "
    "but got list ([0.1])",
    "report_final_result(): a dict metric needs a numeric 'default' entry (trials are ranked by it), "
    "but got a dict with keys 'loss'",
    "report_intermediate_result(): a metric must be a number, or a dict with a numeric 'default' entry, "
    "but got ndarray (array([1., 2.]))",
    "report_final_result(): a metric must be a number, or a dict with a numeric 'default' entry that fits in "
    "a float (up to about 1.8e308), but got an int of 401 digits",
    "report_final_result(): the 'default' entry of a dict metric must be a number, but got bool (True)",
]


def test_a_trial_is_told_at_the_call_when_a_value_is_not_a_metric(tmp_path: Path) -> None:
    sys_dir = tmp_path / "trial"
    sys_dir.mkdir()
    protocol.write_parameter_file(str(sys_dir), {})
    assert _refused(tmp_path, protocol.trial_environment("exp1", "T1", str(sys_dir), 0)) == EXPECTED_REFUSALS
    records, problems = protocol.MetricReader(str(sys_dir / ".nni" / "metrics")).finish()
    assert problems == []
    assert [(r.kind, r.sequence) for r in records] == [("PERIODICAL", 0), ("PERIODICAL", 1), ("FINAL", 0)]
    assert math.isnan(records[0].value)  # recorded as reported; the runner counts it as no usable result
    assert records[1].value == 0.5
    assert records[2].value == {"default": 0.25, "curve": [1, 2]}


def test_standalone_refuses_the_same_values(tmp_path: Path) -> None:
    """All but a dict without 'default': standalone, the script cannot know whether its experiment declares
    objectives (whose keys then rank it instead)."""
    without_default = [
        "accepted {'loss': 1}" if "needs a numeric 'default' entry" in r else r for r in EXPECTED_REFUSALS
    ]
    assert _refused(tmp_path, {}) == without_default


def test_a_trial_of_an_experiment_with_objectives_may_leave_out_default(tmp_path: Path) -> None:
    sys_dir = tmp_path / "trial"
    sys_dir.mkdir()
    protocol.write_parameter_file(str(sys_dir), {})
    env = {**protocol.trial_environment("exp1", "T1", str(sys_dir), 0), protocol.ENV_OBJECTIVES: "loss"}
    without_default = [
        "accepted {'loss': 1}" if "needs a numeric 'default' entry" in r else r for r in EXPECTED_REFUSALS
    ]
    assert _refused(tmp_path, env) == without_default
