"""The examples at the end of a command's help are command lines that the command accepts."""

from __future__ import annotations

import shlex

import pytest

from nniannot.cli import main


def _examples() -> list[tuple[str, list[str]]]:
    out = []
    for name, command in sorted(main.commands.items()):
        if command.hidden:  # an alias: its help is its command's
            continue
        for line in (command.epilog or "").splitlines():
            line = line.split("#")[0].split(">")[0].strip()
            if line.startswith("nni-annot "):
                out.append((name, shlex.split(line)[1:]))
    return out


EXAMPLES = _examples()


def test_every_listed_command_shows_examples():
    shown = {name for name, _ in EXAMPLES}
    assert shown == {name for name, command in main.commands.items() if not command.hidden}


@pytest.mark.parametrize(("name", "argv"), EXAMPLES, ids=[" ".join(a) for _, a in EXAMPLES])
def test_help_example_parses(name, argv, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for arg in argv:  # the files an example names exist where a user would run it
        if arg.endswith((".py", ".yml", ".json")):
            (tmp_path / arg).write_text("")
    command = main.commands[argv[0]]
    assert command is main.commands[name]
    with command.make_context(argv[0], argv[1:]) as ctx:
        assert ctx.command is command
