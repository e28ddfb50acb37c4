"""The trial launcher: runs a script like `python script.py`, from the experiment's code snapshot."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from nniannot import protocol
from nniannot.runner.config import ExperimentConfig
from nniannot.runner.prepare import prepare_launch

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


def snapshot_command(root: Path) -> list[str]:
    """The trial command of ``root/p/train.py``, its snapshot taken now (under ``root/home``)."""
    cfg = ExperimentConfig(script=str(root / "p" / "train.py"))
    return prepare_launch(cfg, require_space=False, snapshots=str(root / "home" / "snapshots")).command


def launch(root: Path, *args: str, env: dict[str, str] | None = None, command: list[str] | None = None):
    command = command or snapshot_command(root)
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


def test_the_snapshot_runs_whatever_happens_to_the_files_later(tmp_path: Path) -> None:
    project(tmp_path)
    command = snapshot_command(tmp_path)
    (tmp_path / "p" / "train.py").write_text("raise SystemExit('the edited file ran')\n")
    (tmp_path / "p" / "helper.py").unlink()
    done = launch(tmp_path, "--fail", command=command)
    assert done.returncode == 1
    assert json.loads(done.stdout.splitlines()[0])["h"] == 3
    # the traceback quotes the line as it was in the snapshot, not the file's new text
    assert 'raise RuntimeError("boom")' in done.stderr and "edited" not in done.stderr


def test_nothing_is_written_into_the_project(tmp_path: Path) -> None:
    project(tmp_path)
    before = {p: p.read_bytes() for p in (tmp_path / "p").rglob("*")}
    assert launch(tmp_path).returncode == 0
    assert {p: p.read_bytes() for p in (tmp_path / "p").rglob("*")} == before


def test_an_annotated_module_outside_the_snapshot_stops_the_trial(tmp_path: Path) -> None:
    project(tmp_path)
    (tmp_path / "p" / "dyn.py").write_text("'''@nni.variable(nni.choice(1, 2), name=d)'''\nd = 1\n")
    train = tmp_path / "p" / "train.py"
    train.write_text("import importlib\nimportlib.import_module('dyn')\n" + train.read_text())
    done = launch(tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "dyn.py has @nni annotations but is not part of this experiment's code snapshot" in done.stderr


def test_a_plain_module_outside_the_snapshot_loads_as_usual(tmp_path: Path) -> None:
    project(tmp_path)
    (tmp_path / "p" / "dyn.py").write_text("# mentions @nni.variable in a comment only\nd = 5\n")
    train = tmp_path / "p" / "train.py"
    train.write_text("import importlib\nassert importlib.import_module('dyn').d == 5\n" + train.read_text())
    assert launch(tmp_path).returncode == 0


def test_an_altered_snapshot_is_refused(tmp_path: Path) -> None:
    project(tmp_path)
    command = snapshot_command(tmp_path)
    folder = Path(command[command.index("--snapshot") + 1])
    for obj in (folder / "objects").iterdir():
        obj.write_bytes(obj.read_bytes() + b"\nprint('tampered')\n")
    done = launch(tmp_path, command=command)
    assert done.returncode != 0 and "altered" in done.stderr and "tampered" not in done.stdout


def test_usage_errors(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "nniannot.launch"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2 and "usage:" in done.stderr
    project(tmp_path)
    command = snapshot_command(tmp_path)
    command[-1] = str(tmp_path / "p" / "helper.py")
    other = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert other.returncode == 2 and "is not the script of the code snapshot" in other.stderr
    no_snapshot = subprocess.run(
        [sys.executable, "-m", "nniannot.launch", command[-1]], capture_output=True, text=True, timeout=60
    )
    assert no_snapshot.returncode == 2 and "--snapshot DIR is missing" in no_snapshot.stderr
