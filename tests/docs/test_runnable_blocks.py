"""Every code block in README.md and docs/*.md that is marked runnable runs, in order, page by page.

Each page runs in its own folder under tmp_path holding a copy of examples/ (so pages can use the examples
as they are in a clone), with NNIANNOT_HOME in that folder and `nni-annot` on the PATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.docs.blocks import runnable_blocks

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
TIMEOUT = 240  # a safety net only


def _environment(folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NNI_")}
    env["NNIANNOT_HOME"] = str(folder / "home")
    # The interpreter's own scripts first: `nni-annot` of this installation, and `python` is this Python.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def _run(block, folder: Path, env: dict[str, str]) -> None:
    if block.write_to is not None:
        target = folder / block.write_to
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(block.text, encoding="utf-8")
        return
    argv = (
        [sys.executable, "-c", block.text]
        if block.lang == "python"
        else ["bash", "-euo", "pipefail", "-c", block.text]
    )
    done = subprocess.run(argv, cwd=folder, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    if done.returncode != 0:
        pytest.fail(
            f"{block.where} exited {done.returncode}:\n{block.text}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
        )


@pytest.mark.parametrize("page", [p for p in PAGES if runnable_blocks(p)], ids=lambda p: p.name)
def test_runnable_blocks_of_page_run(page: Path, tmp_path: Path) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples", ignore=shutil.ignore_patterns("__pycache__"))
    env = _environment(tmp_path)
    for block in runnable_blocks(page):
        _run(block, tmp_path, env)


def test_marked_blocks_are_found(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "text\n<!-- runnable -->\n```bash\necho hi\n```\n\n```bash\nnot marked\n```\n"
        "<!-- runnable: write a/train.py -->\n```python\nx = 1\n```\n",
        encoding="utf-8",
    )
    blocks = runnable_blocks(page)
    assert [(b.line, b.lang, b.text, b.write_to) for b in blocks] == [
        (3, "bash", "echo hi\n", None),
        (11, "python", "x = 1\n", "a/train.py"),
    ]


def test_a_marker_without_a_block_is_reported(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("<!-- runnable -->\nno block here\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"page\.md:1"):
        runnable_blocks(page)


def test_step_by_step_pages_have_runnable_blocks() -> None:
    # The pages a new user follows step by step must stay runnable.
    for name in ("README.md", "getting-started.md", "migrating-from-nni.md", "trial-protocol.md"):
        page = ROOT / name if name == "README.md" else ROOT / "docs" / name
        assert runnable_blocks(page), f"{name} has no runnable block"
