"""prepare_trial: which files make a trial, the merged space, the cache, the fingerprint."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from nniannot.errors import AnnotationError
from nniannot.transformer import prepare_trial


def make_project(root: Path) -> Path:
    (root / "models").mkdir()
    (root / "models" / "__init__.py").write_text("")
    (root / "models" / "mlp.py").write_text(
        "from . import layers\n'''@nni.variable(nni.choice(8, 16), name=width)'''\nwidth = 8\n"
    )
    (root / "models" / "layers.py").write_text("'''@nni.variable(nni.uniform(0, 1), name=p)'''\np = 0.5\n")
    (root / "other.py").write_text("'''@nni.variable(nni.choice(1, 2), name=unrelated)'''\nunrelated = 1\n")
    entry = root / "train.py"
    entry.write_text(
        "import os\nimport numpy\nfrom models import mlp\nimport models.gone\n"
        "'''@nni.variable(nni.choice(0.1, 0.2), name=lr)'''\nlr = 0.1\n"
        "'''@nni.report_final_result(lr * mlp.width)'''\n"
    )
    return entry


def test_the_entry_and_the_project_modules_it_imports_make_the_trial(tmp_path: Path) -> None:
    entry = make_project(tmp_path)
    prepared = prepare_trial(entry, cache_dir=tmp_path / "cache")
    names = [p.relative_to(tmp_path).as_posix() for p in prepared.files]
    assert names == ["train.py", "models/__init__.py", "models/mlp.py", "models/layers.py"]
    assert list(prepared.search_space) == [
        "train/lr/choice",
        "models.mlp/width/choice",
        "models.layers/p/uniform",
    ]
    [warning] = prepared.diagnostics
    assert warning.severity == "warning" and "models.gone" in warning.message and warning.line == 4
    assert prepared.command[:3] == [sys.executable, "-m", "nniannot.launch"]
    assert prepared.command[-1] == str(entry)
    assert len(list((tmp_path / "cache").glob("*.py"))) == 3


def test_errors_of_every_file_are_raised_together(tmp_path: Path) -> None:
    entry = make_project(tmp_path)
    (tmp_path / "models" / "layers.py").write_text("'''@nni.variable(nni.uniform(1, 0), name=p)'''\np = 1\n")
    entry.write_text(entry.read_text() + "'''@nni.variablex()'''\n")
    with pytest.raises(AnnotationError) as info:
        prepare_trial(entry, cache_dir=tmp_path / "cache")
    paths = sorted(Path(d.path).name for d in info.value.diagnostics)
    assert paths == ["layers.py", "train.py"]


def test_fingerprint_ignores_comments_and_follows_code_and_space(tmp_path: Path) -> None:
    entry = make_project(tmp_path)
    first = prepare_trial(entry, cache_dir=tmp_path / "c").fingerprint
    entry.write_text("# a new comment\n" + entry.read_text().replace("lr = 0.1", "lr = 0.1  # why"))
    assert prepare_trial(entry, cache_dir=tmp_path / "c").fingerprint == first
    entry.write_text(entry.read_text().replace("0.2)", "0.3)"))
    second = prepare_trial(entry, cache_dir=tmp_path / "c").fingerprint
    assert second != first
    layers = tmp_path / "models" / "layers.py"
    layers.write_text(layers.read_text() + "q = 2\n")
    assert prepare_trial(entry, cache_dir=tmp_path / "c").fingerprint != second


def test_the_command_runs_the_trial_standalone_without_touching_the_project(tmp_path: Path) -> None:
    entry = make_project(tmp_path)
    entry.write_text(entry.read_text().replace("import models.gone\n", ""))
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    prepared = prepare_trial(entry, cache_dir=tmp_path / "cache")
    done = subprocess.run(prepared.command, capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "final result: 0.8" in done.stderr
    after = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and "cache" not in p.parts}
    assert after == before
    assert not list(tmp_path.rglob("__pycache__"))
