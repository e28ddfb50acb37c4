from __future__ import annotations

import json
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
