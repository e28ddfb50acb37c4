"""What a watch ignores: editor artifacts, tool folders, the experiment home, and .gitignore rules (checked
against git itself)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from nniannot.runner.watch.files import PathFilter, is_editor_artifact


@pytest.mark.parametrize(
    "name",
    [".train.py.swp", ".train.py.swx", "train.py~", ".#train.py", "#train.py#", "4913", "train.py.bak",
     "train.py.orig", "train.py___jb_tmp___", ".goutputstream-ABC123", "train.py.tmp"],
)  # fmt: skip
def test_editor_artifacts(name):
    assert is_editor_artifact(name)


@pytest.mark.parametrize("name", ["train.py", "model_2.py", "config.yml", "search_space.json", ".gitignore"])
def test_real_files_are_not_artifacts(name):
    assert not is_editor_artifact(name)


def test_tool_folders_and_the_home_are_ignored(tmp_path):
    home = tmp_path / "exp-home"
    rules = PathFilter(str(tmp_path), [str(home)])
    assert rules.ignored(str(tmp_path / ".git" / "index"))
    assert rules.ignored(str(tmp_path / "pkg" / "__pycache__" / "mod.cpython-311.pyc"))
    assert rules.ignored(str(home / "experiments" / "abc" / "trials" / "x" / "stdout"))
    assert not rules.ignored(str(tmp_path / "pkg" / "mod.py"))
    assert not rules.ignored(str(tmp_path / "exp-home-2" / "mod.py"))


GITIGNORE = """
# build output
build/
*.log
!keep.log
/only_top.py
docs/**/generated_*.py
data?.py
[ab]_gen.py
sub/inner/
"""
PATHS = [
    "train.py", "build/x.py", "src/build/y.py", "run.log", "keep.log", "logs/keep.log", "only_top.py",
    "pkg/only_top.py", "docs/generated_a.py", "docs/api/deep/generated_b.py", "docs/other.py", "data1.py",
    "data12.py", "a_gen.py", "c_gen.py", "sub/inner/z.py", "inner/z.py", "sub/nested/ignored.py",
]  # fmt: skip


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_gitignore_rules_agree_with_git(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text(GITIGNORE)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / ".gitignore").write_text("nested/\n")
    for rel in PATHS:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("")
    out = subprocess.run(["git", "check-ignore", *PATHS], cwd=tmp_path, capture_output=True, text=True)
    by_git = set(out.stdout.split())
    rules = PathFilter(str(tmp_path))
    ours = {rel for rel in PATHS if rules.ignored(str(tmp_path / rel))}
    assert ours == by_git
    assert "keep.log" not in ours and "train.py" not in ours  # sanity: the sample has both outcomes


def test_gitignore_of_the_repository_above_the_code_dir_counts(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("scratch_*.py\n")
    code = tmp_path / "project"
    code.mkdir()
    rules = PathFilter(str(code))
    assert rules.ignored(str(code / "scratch_1.py"))
    assert not rules.ignored(str(code / "train.py"))


def test_reload_sees_a_changed_gitignore(tmp_path):
    (tmp_path / ".git").mkdir()
    rules = PathFilter(str(tmp_path))
    assert not rules.ignored(str(tmp_path / "gen.py"))
    (tmp_path / ".gitignore").write_text("gen.py\n")
    rules.reload()
    assert rules.ignored(str(tmp_path / "gen.py"))
