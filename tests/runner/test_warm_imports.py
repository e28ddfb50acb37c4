"""Trials started from a spare that imported their packages ahead look exactly like cold starts."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time

import pytest

from nniannot.runner.backends.base import FINISHED, METRIC, TrialSpec
from nniannot.runner.backends.local import LocalBackend
from nniannot.runner.backends.preload import heavy_imports, top_level_imports

PROBE = """
import json, os, sys
import heavypkg
print(json.dumps({"name": __name__, "argv": sys.argv, "cwd": os.getcwd(), "path0": sys.path[0],
                  "trial": os.environ["NNI_TRIAL_JOB_ID"], "gpus": os.environ.get("CUDA_VISIBLE_DEVICES"),
                  "file": __file__, "same_process": heavypkg.PID == os.getpid()}))
sys.stderr.write("to stderr\\n")
if sys.argv[1] == "wait":
    import nniannot, time
    nniannot.report_intermediate_result(1)
    time.sleep(600)
raise SystemExit(int(sys.argv[1]))
"""
HEAVY = (
    "import os, sys\nPID = os.getpid()\nprint('heavypkg imported')\nsys.stderr.write('heavypkg note\\n')\n"
)


def _project(tmp_path, heavy=HEAVY):
    site = tmp_path / "lib" / "site-packages"  # looks installed: a site-packages folder on sys.path
    (site / "heavypkg").mkdir(parents=True)
    (site / "heavypkg" / "__init__.py").write_text(heavy)
    code = tmp_path / "code"
    code.mkdir()
    (code / "probe.py").write_text(PROBE)
    return site, code


def _command(tmp_path, code, args):
    from nniannot.runner.config import ExperimentConfig
    from nniannot.runner.prepare import prepare_launch

    cfg = ExperimentConfig(
        script=str(code / "probe.py"), args=args, code_dir=str(code), workdir=str(tmp_path)
    )
    return prepare_launch(cfg, require_space=False, snapshots=str(tmp_path / "snapshots")).command


def _run(tmp_path, command, env, name, warm=True, preload_env=None, cancel=False):
    """Run one trial; (its stdout as JSON, its stdout's first line, stderr, exit code, stderr tail)."""
    with LocalBackend(warm_start=warm, preload=(command, preload_env or env), gpu_ids=["3"]) as backend:
        spec = TrialSpec("EXP", "t1", 0, command, str(tmp_path), str(tmp_path / name), {}, env, 1)
        backend.submit(spec)
        events, deadline = [], time.monotonic() + 120
        while not any(e.kind == FINISHED for e in events):
            assert time.monotonic() < deadline, events
            events += backend.events(0.1)
            if cancel and any(e.kind == METRIC for e in events):
                backend.cancel("t1")
                cancel = False
    end = events[-1]
    out = (tmp_path / name / "stdout").read_text().splitlines()
    return (
        json.loads(out[-1]) if out else None,
        out[:1],
        (tmp_path / name / "stderr").read_text(),
        end.exit_code,
    )


@pytest.fixture
def notes(caplog):
    caplog.set_level(logging.INFO, logger="nniannot.runner.warm")
    return caplog


def test_a_pre_imported_trial_sees_what_a_cold_one_sees(tmp_path, notes, monkeypatch):
    site, code = _project(tmp_path)
    monkeypatch.syspath_prepend(str(site))
    command = _command(tmp_path, code, ["7"])
    env = {"PYTHONPATH": str(site)}
    warm = _run(tmp_path, command, env, "warm")
    assert "warm start (pre-imported heavypkg)" in notes.text
    cold = _run(tmp_path, command, env, "cold", warm=False)
    assert "cold start (cold starts were asked for)" in notes.text
    assert warm == cold
    seen, first, err, code_ = warm
    assert (seen["name"], seen["argv"], seen["cwd"]) == (
        "__main__",
        [str(code / "probe.py"), "7"],
        str(tmp_path),
    )
    assert (seen["path0"], seen["trial"], seen["gpus"], seen["same_process"]) == (str(code), "t1", "3", True)
    assert first == ["heavypkg imported"]  # what the import printed is the trial's, as in a cold start
    assert (err, code_) == ("heavypkg note\nto stderr\n", 7)


def test_a_pre_imported_trial_is_stopped_like_a_cold_one(tmp_path, monkeypatch):
    site, code = _project(tmp_path)
    monkeypatch.syspath_prepend(str(site))
    command = _command(tmp_path, code, ["wait"])
    env = {"PYTHONPATH": str(site)}
    warm = _run(tmp_path, command, env, "warm", cancel=True)
    cold = _run(tmp_path, command, env, "cold", warm=False, cancel=True)
    assert warm[1:] == cold[1:] and warm[3] == -15


def test_an_import_failing_only_ahead_falls_back_to_a_fresh_interpreter(tmp_path, notes, monkeypatch):
    heavy = "import os\nif os.getcwd() == '/':\n    raise ImportError('not from /')\n" + HEAVY
    site, code = _project(tmp_path, heavy)
    monkeypatch.syspath_prepend(str(site))
    command = _command(tmp_path, code, ["0"])
    env = {"PYTHONPATH": str(site)}
    warm = _run(tmp_path, command, env, "warm")
    assert "warm start (fresh importing heavypkg failed: ImportError: not from /)" in notes.text
    assert warm == _run(tmp_path, command, env, "cold", warm=False)
    assert warm[3] == 0 and warm[0]["same_process"]


def test_a_broken_import_is_reported_by_the_trial_itself(tmp_path, monkeypatch):
    site, code = _project(tmp_path, "raise RuntimeError('heavypkg is broken')\n")
    monkeypatch.syspath_prepend(str(site))
    command = _command(tmp_path, code, ["0"])
    env = {"PYTHONPATH": str(site)}
    warm = _run(tmp_path, command, env, "warm")
    cold = _run(tmp_path, command, env, "cold", warm=False)
    assert warm == cold and warm[3] == 1
    assert warm[2].rstrip().endswith("RuntimeError: heavypkg is broken")
    assert "probe.py" in warm[2]


def test_another_environment_than_the_spares_gets_no_pre_imports(tmp_path, notes, monkeypatch):
    site, code = _project(tmp_path)
    monkeypatch.syspath_prepend(str(site))
    command = _command(tmp_path, code, ["0"])
    env = {"PYTHONPATH": str(site), "NNIANNOT_TEST_ONLY_HERE": "1"}  # a library may read it when imported
    _run(tmp_path, command, env, "warm", preload_env={"PYTHONPATH": str(site)})
    assert "warm start (fresh interpreter)" in notes.text and "pre-imported" not in notes.text


def test_a_startup_variable_means_a_cold_start(tmp_path, notes, monkeypatch):
    site, code = _project(tmp_path)
    monkeypatch.syspath_prepend(str(site))
    command = _command(tmp_path, code, ["0"])
    _run(tmp_path, command, {"PYTHONPATH": str(site), "PYTHONHASHSEED": "123"}, "t")
    assert "cold start (it sets PYTHONHASHSEED, which Python reads only at start-up)" in notes.text


def test_only_unconditional_top_level_imports_count():
    source = (
        b"import a.b as ab, c\nfrom d.e import f\nfrom . import g\nfrom .h import i\n"
        b"try:\n    import j\nexcept ImportError:\n    pass\nif True:\n    import k\ndef l():\n    import m\n"
    )
    assert top_level_imports(source) == ["a.b", "c", "d.e"]
    assert top_level_imports(b"def broken(:\n") == []


def test_the_snapshot_records_what_the_spares_import(tmp_path, monkeypatch):
    from nniannot.launch import parse_argv
    from nniannot.snapshot import MANIFEST, Snapshot

    site, code = _project(tmp_path)
    monkeypatch.syspath_prepend(str(site))
    command = _command(tmp_path, code, ["0"])
    folder = parse_argv(command).snapshot
    assert Snapshot.load(folder).files["probe.py"].imports == ["json", "os", "sys", "heavypkg"]
    assert heavy_imports(command) == ("heavypkg",)
    # a snapshot recorded without them (an older one): the file is parsed instead, with the same answer
    manifest = os.path.join(folder, MANIFEST)
    with open(manifest) as f:
        data = json.load(f)
    for entry in data["files"]:
        del entry["imports"]
    with open(manifest, "w") as f:
        json.dump(data, f)
    assert Snapshot.load(folder).files["probe.py"].imports is None
    assert heavy_imports(command) == ("heavypkg",)


def test_cold_start_option_and_verbose_notes(tmp_path):
    script = tmp_path / "train.py"
    script.write_text("import yaml\n'''@nni.variable(nni.choice(1, 2), name=x)'''\nx = 1\n"
                      "'''@nni.report_final_result(x)'''\n")  # fmt: skip
    base = [sys.executable, "-m", "nniannot", "run", str(script), "--max-trials", "1", "--plain", "--verbose",
            "--home", str(tmp_path / "home")]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    warm = subprocess.run(base, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    cold = subprocess.run([*base, "--cold-start"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert warm.returncode == cold.returncode == 0, (warm.stderr, cold.stderr)
    assert "warm start (pre-imported yaml)" in warm.stdout + warm.stderr
    assert "cold start (cold starts were asked for)" in cold.stdout + cold.stderr


def test_cold_start_yaml_key(tmp_path):
    from nniannot.errors import ConfigError
    from nniannot.runner.config import load_config_file

    (tmp_path / "train.py").write_text("x = 1\n")
    config = tmp_path / "config.yml"
    config.write_text("script: train.py\ncold_start: true\n")
    assert load_config_file(str(config))[0].cold_start is True
    config.write_text("script: train.py\ncold_start: 3\n")
    with pytest.raises(ConfigError, match="cold_start"):
        load_config_file(str(config))


def _children():
    found = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid() and fields[0] != "Z":
            found.add(int(pid))
    return found


def test_new_code_gets_new_spares_and_none_is_left_behind(tmp_path, notes, monkeypatch):
    site, code = _project(tmp_path)
    (site / "otherpkg").mkdir()
    (site / "otherpkg" / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(site))
    old = _command(tmp_path, code, ["0"])
    (code / "probe.py").write_text("import otherpkg\n" + PROBE)  # a new revision of the code
    new = _command(tmp_path, code, ["0"])
    env = {"PYTHONPATH": str(site)}
    before = _children()
    with LocalBackend(preload=(old, env)) as backend:
        for i in range(2):
            backend.submit(TrialSpec("EXP", f"n{i}", i, new, str(tmp_path), str(tmp_path / f"n{i}"), {}, env))
            events, deadline = [], time.monotonic() + 120
            while not any(e.kind == FINISHED for e in events):
                assert time.monotonic() < deadline, events
                events += backend.events(0.1)
            assert events[-1].exit_code == 0
    assert "trial n1: warm start (pre-imported otherpkg heavypkg)" in notes.text
    assert _children() <= before
