"""docs/cli-reference.md is generated from the click commands and must match them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
from click.testing import CliRunner

from nniannot.cli import main
from nniannot.cli.docs import reference

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "cli-reference.md"


def test_committed_reference_matches_the_commands():
    assert REFERENCE.read_text(encoding="utf-8") == reference(), (
        "docs/cli-reference.md is out of date: python -m nniannot.cli.docs > docs/cli-reference.md"
    )


def test_generator_runs_as_a_module():
    done = subprocess.run(
        [sys.executable, "-m", "nniannot.cli.docs"], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == reference()


def test_reference_names_every_command_and_option():
    text = reference()
    for name, command in main.commands.items():
        assert f"`nni-annot {name}`" in text
        for param in command.params:
            if isinstance(param, click.Option):
                for opt in param.opts:
                    assert f"`{opt}`" in text, (name, opt)


def test_generator_is_not_a_user_command():
    assert "docs" not in main.commands
    assert "docs" not in CliRunner().invoke(main, ["--help"]).output.split("Commands:")[1]
