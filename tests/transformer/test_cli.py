"""`nni-annot ss_gen` / `ss-gen` / `expand` through click's runner, on real files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from nniannot.cli import main
from nniannot.cli.transform import space_text

SCRIPT = "'''@nni.variable(nni.choice(1, 2), name=a)'''\na = 1\n'''@nni.report_final_result(a)'''\n"
BAD = "x = 0\n'''@nni.variable(nni.choice(1, 2), name=b)'''\na = 1\n'''@nni.variable(nni.uniform(2, 1), name=c)'''\nc = 1\n"


def snapshot(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.mark.parametrize("command", ["ss_gen", "ss-gen"])
def test_ss_gen_prints_the_space(tmp_path: Path, runner: CliRunner, command: str) -> None:
    (tmp_path / "train.py").write_text(SCRIPT)
    result = runner.invoke(main, [command, str(tmp_path / "train.py")])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"train/a/choice": {"_type": "choice", "_value": [1, 2]}}
    assert result.stdout.startswith('{\n  "train/a/choice"')


def test_ss_gen_writes_the_file_with_dash_o(tmp_path: Path, runner: CliRunner) -> None:
    (tmp_path / "train.py").write_text(SCRIPT)
    out = tmp_path / "space.json"
    result = runner.invoke(main, ["ss_gen", str(tmp_path / "train.py"), "-o", str(out)])
    assert result.exit_code == 0
    assert json.loads(out.read_text()) == {"train/a/choice": {"_type": "choice", "_value": [1, 2]}}


def test_ss_gen_refuses_to_overwrite_the_script(tmp_path: Path, runner: CliRunner) -> None:
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    result = runner.invoke(main, ["ss_gen", str(script), "-o", str(script)])
    assert result.exit_code != 0 and script.read_text() == SCRIPT


def test_ss_gen_reports_every_error_compiler_style_and_writes_nothing(
    tmp_path: Path, runner: CliRunner
) -> None:
    (tmp_path / "train.py").write_text(BAD)
    before = snapshot(tmp_path)
    result = runner.invoke(main, ["ss_gen", str(tmp_path / "train.py"), "-o", str(tmp_path / "s.json")])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert [line.split(":")[1:3] for line in lines] == [["2", "5"], ["4", "18"]]
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("text", ["def f(): ...\n", "42\n...\n", "x = 1  # no annotations\n"])
def test_ss_gen_without_annotations_says_so_and_writes_nothing(
    tmp_path: Path, runner: CliRunner, text: str
) -> None:
    (tmp_path / "train.py").write_text(text)
    before = snapshot(tmp_path)
    result = runner.invoke(main, ["ss_gen", str(tmp_path / "train.py"), "-o", str(tmp_path / "s.json")])
    assert result.exit_code != 0
    assert "no annotations found" in result.stderr
    assert snapshot(tmp_path) == before


def test_ss_gen_help_shows_an_example(runner: CliRunner) -> None:
    result = runner.invoke(main, ["ss_gen", "--help"])
    assert result.exit_code == 0 and "nni-annot ss_gen train.py -o search_space.json" in result.output


def test_expand_prints_runnable_trial_code(tmp_path: Path, runner: CliRunner) -> None:
    (tmp_path / "train.py").write_text(SCRIPT)
    result = runner.invoke(main, ["expand", str(tmp_path / "train.py"), "--module", "m"])
    assert result.exit_code == 0
    assert "_nni_annot.choice('m/a/choice', 1)" in result.stdout
    out = tmp_path / "expanded.py"
    out.write_text(result.stdout)
    done = subprocess.run([sys.executable, str(out)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "final result: 1" in done.stderr


def test_expand_dash_o_writes_the_trial_files_elsewhere(tmp_path: Path, runner: CliRunner) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "helper.py").write_text("'''@nni.variable(nni.choice(3, 4), name=h)'''\nh = 3\n")
    (project / "train.py").write_text("import helper\n" + SCRIPT)
    before = snapshot(project)
    result = runner.invoke(main, ["expand", str(project / "train.py"), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["helper.py", "train.py"]
    assert "_nni_annot" in (tmp_path / "out" / "helper.py").read_text()
    assert snapshot(project) == before
    refused = runner.invoke(main, ["expand", str(project / "train.py"), "-o", str(project)])
    assert refused.exit_code != 0 and snapshot(project) == before


def test_expand_reports_errors_with_exit_1(tmp_path: Path, runner: CliRunner) -> None:
    (tmp_path / "train.py").write_text(BAD)
    result = runner.invoke(main, ["expand", str(tmp_path / "train.py")])
    assert result.exit_code == 1 and result.stderr.count(": error: ") == 2


def test_the_console_script_runs_as_a_process(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(SCRIPT)
    done = subprocess.run(
        [sys.executable, "-m", "nniannot", "ss_gen", "train.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and json.loads(done.stdout)


_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**20), 10**20), st.floats(allow_nan=True), st.text(max_size=8)
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.text(max_size=10),
        st.one_of(_JSON, st.sampled_from([{"_type": "choice", "_value": [1, 2]}])),
        max_size=8,
    )
)
def test_the_space_file_is_exactly_what_json_writes_with_indent_2(space: dict) -> None:
    assert space_text(space) == json.dumps(space, indent=2) + "\n"
