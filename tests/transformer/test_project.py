"""collect: which files make a trial, the merged space, the errors of every file, the fingerprint."""

from __future__ import annotations

from pathlib import Path

import pytest

from nniannot.errors import AnnotationError
from nniannot.transformer import collect


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
    prepared = collect(entry)
    names = [p.relative_to(tmp_path).as_posix() for p in prepared.files]
    assert names == ["train.py", "models/__init__.py", "models/mlp.py", "models/layers.py"]
    assert list(prepared.search_space) == [
        "train/lr/choice",
        "models.mlp/width/choice",
        "models.layers/p/uniform",
    ]
    [warning] = prepared.diagnostics
    assert warning.severity == "warning" and "models.gone" in warning.message and warning.line == 4


def test_errors_of_every_file_are_raised_together(tmp_path: Path) -> None:
    entry = make_project(tmp_path)
    (tmp_path / "models" / "layers.py").write_text("'''@nni.variable(nni.uniform(1, 0), name=p)'''\np = 1\n")
    entry.write_text(entry.read_text() + "'''@nni.variablex()'''\n")
    with pytest.raises(AnnotationError) as info:
        collect(entry)
    paths = sorted(Path(d.path).name for d in info.value.diagnostics)
    assert paths == ["layers.py", "train.py"]


def test_fingerprint_ignores_comments_and_follows_code_and_space(tmp_path: Path) -> None:
    entry = make_project(tmp_path)
    first = collect(entry).fingerprint
    entry.write_text("# a new comment\n" + entry.read_text().replace("lr = 0.1", "lr = 0.1  # why"))
    assert collect(entry).fingerprint == first
    entry.write_text(entry.read_text().replace("0.2)", "0.3)"))
    second = collect(entry).fingerprint
    assert second != first
    layers = tmp_path / "models" / "layers.py"
    layers.write_text(layers.read_text() + "q = 2\n")
    assert collect(entry).fingerprint != second


def test_a_script_run_as_written_keeps_its_errors_as_diagnostics(tmp_path: Path) -> None:
    entry = make_project(tmp_path)
    entry.write_text(entry.read_text() + "'''@nni.variablex()'''\n")
    project = collect(entry, strict=False)
    assert [Path(d.path).name for d in project.diagnostics if d.is_error] == ["train.py"]
    assert project.files[0] == entry
