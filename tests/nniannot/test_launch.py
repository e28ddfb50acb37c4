"""The trial launcher: runs a script like `python script.py`, with rewritten annotated modules."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from nniannot import protocol

TRAIN = """\
import sys
import helper
'''@nni.variable(nni.choice(1, 2), name=a)'''
a = 1
print(json.dumps({"a": a, "h": helper.h, "argv": sys.argv[1:], "file": __file__, "name": __name__}))

def fail():
    raise RuntimeError("boom")
if "--fail" in sys.argv:
    fail()
"""


def launch(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-m",
        "nniannot.launch",
        "--cache",
        str(root / "cache"),
        str(root / "p" / "train.py"),
    ]
    return subprocess.run([*command, *args], capture_output=True, text=True, env=env, cwd=root, timeout=120)


def project(root: Path) -> None:
    (root / "p").mkdir()
    (root / "p" / "train.py").write_text("import json\n" + TRAIN)
    (root / "p" / "helper.py").write_text("'''@nni.variable(nni.randint(1, 9), name=h)'''\nh = 3\n")


def test_standalone_runs_like_python_script(tmp_path: Path) -> None:
    project(tmp_path)
    done = launch(tmp_path, "x", "--flag")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out == {
        "a": 1,
        "h": 3,
        "argv": ["x", "--flag"],
        "file": str(tmp_path / "p" / "train.py"),
        "name": "__main__",
    }


def test_inside_a_trial_every_module_reads_its_parameters(tmp_path: Path) -> None:
    project(tmp_path)
    sys_dir = tmp_path / "trial"
    sys_dir.mkdir()
    protocol.write_parameter_file(str(sys_dir), {"train/a/choice": 2, "helper/h/randint": 8})
    env = {**os.environ, **protocol.trial_environment("E", "T", str(sys_dir), 0)}
    done = launch(tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["a"] == 2 and json.loads(done.stdout)["h"] == 8


def test_a_traceback_shows_the_original_file_and_line(tmp_path: Path) -> None:
    project(tmp_path)
    done = launch(tmp_path, "--fail")
    assert done.returncode == 1
    script = str(tmp_path / "p" / "train.py")
    assert f'File "{script}", line 9, in fail' in done.stderr
    assert 'raise RuntimeError("boom")' in done.stderr
    assert "nniannot/launch.py" not in done.stderr


def test_the_cache_is_used_and_the_project_is_not_written(tmp_path: Path) -> None:
    project(tmp_path)
    launch(tmp_path)
    entries = sorted((tmp_path / "cache").glob("*.py"))
    assert len(entries) == 2
    # A poisoned cache entry proves the launcher serves cached code without parsing again.
    for entry in entries:
        entry.write_text(entry.read_text().replace("h = 3 if", "h = 4 if"))
    done = launch(tmp_path)
    assert json.loads(done.stdout)["h"] == 4
    assert sorted(p.name for p in (tmp_path / "p").iterdir()) == ["helper.py", "train.py"]


def test_annotation_errors_at_launch_are_reported_without_traceback(tmp_path: Path) -> None:
    project(tmp_path)
    (tmp_path / "p" / "helper.py").write_text("'''@nni.variable(nni.randint(9, 1), name=h)'''\nh = 3\n")
    done = launch(tmp_path)
    assert done.returncode == 1
    assert "helper.py:1:18: error:" in done.stderr and "Traceback" not in done.stderr


def test_usage_errors(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "nniannot.launch"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2 and "usage:" in done.stderr
    missing = subprocess.run(
        [sys.executable, "-m", "nniannot.launch", str(tmp_path / "nope.py")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode == 2 and "no such script" in missing.stderr
