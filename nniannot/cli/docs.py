"""Generate the command-line reference (Markdown) from the click commands themselves.

``python -m nniannot.cli.docs > docs/cli-reference.md`` writes it; a test checks that the committed file
equals what this prints, so the reference cannot drift from the commands. Not a user command.
"""

from __future__ import annotations

import sys

import click

TITLE = "# Command-line reference"
INTRO = (
    "Generated from the commands themselves by `python -m nniannot.cli.docs > docs/cli-reference.md`; "
    "do not edit by hand.\nHow the experiment commands behave and what their `--json` output holds: "
    "[cli.md](cli.md)."
)


def reference(group: click.Group | None = None) -> str:
    """The Markdown reference of every command of ``group`` (default: ``nni-annot``), sorted by name."""
    if group is None:
        from nniannot.cli import main

        group = main
    settings = {**group.context_settings, "terminal_width": 100, "max_content_width": 100}
    root = click.Context(group, info_name="nni-annot", **settings)
    parts = [TITLE, INTRO, _command_section(group, root, "nni-annot", [])]
    aliases = _aliases(group)
    for name in sorted(group.commands):
        command = group.commands[name]
        if name in aliases.get(command.name or "", []):
            continue  # shown under the command's own name
        ctx = click.Context(command, info_name=name, parent=root, **{**settings, **command.context_settings})
        parts.append(_command_section(command, ctx, f"nni-annot {name}", aliases.get(name, [])))
    return "\n\n".join(parts) + "\n"


def _aliases(group: click.Group) -> dict[str, list[str]]:
    """Command name -> the other names the same command object is registered under."""
    out: dict[str, list[str]] = {}
    for name, command in sorted(group.commands.items()):
        own = command.name
        if own is not None and own != name and own in group.commands:
            out.setdefault(own, []).append(name)
    return out


def _command_section(command: click.Command, ctx: click.Context, title: str, aliases: list[str]) -> str:
    lines = [f"## `{title}`", ""]
    if aliases:
        lines += [f"Also: {', '.join(f'`nni-annot {a}`' for a in aliases)}.", ""]
    lines += ["```", ctx.command_path + " " + " ".join(command.collect_usage_pieces(ctx)), "```", ""]
    if command.help:
        lines += [_plain(command.help), ""]
    rows = [_option_row(p, ctx) for p in command.get_params(ctx) if isinstance(p, click.Option)]
    if rows:
        lines += ["| option | meaning |", "|---|---|", *rows, ""]
    if command.epilog:
        lines += ["```", _plain(command.epilog).strip("\n"), "```", ""]
    return "\n".join(lines).rstrip("\n")


def _option_row(option: click.Option, ctx: click.Context) -> str:
    ordered = sorted([*option.opts, *option.secondary_opts], key=lambda n: (n.startswith("--"), n))
    names = ", ".join(f"`{n}`" for n in ordered)
    if not option.is_flag and not option.count:
        names += f" `{option.make_metavar(ctx)}`" if _metavar_takes_ctx() else f" `{option.make_metavar()}`"  # type: ignore[call-arg]
    text = option.help or ""
    if option.show_default and option.default is not None and not option.is_flag:
        text += f" (default: {option.default})"
    if option.multiple:
        text += " (repeatable)"
    return f"| {_cell(names)} | {_cell(text)} |"


def _metavar_takes_ctx() -> bool:
    import inspect

    return "ctx" in inspect.signature(click.Option.make_metavar).parameters


def _plain(text: str) -> str:
    """Help text without click's ``\\b`` no-rewrap markers, dedented."""
    import inspect

    return "\n".join(line for line in inspect.cleandoc(text).splitlines() if line.strip() != "\b")


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


if __name__ == "__main__":  # pragma: no cover
    sys.stdout.write(reference())
