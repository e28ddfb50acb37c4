"""``nni-annot ss_gen`` (alias ``ss-gen``), ``nni-annot expand`` and ``nni-annot migrate``."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import click

from nniannot.errors import NniAnnotError


class NoAnnotations(NniAnnotError):
    """The script and the project modules it imports hold no annotation."""


def _echo_warnings(diagnostics: list) -> None:  # type: ignore[type-arg]
    for d in diagnostics:
        if not d.is_error:
            click.echo(d.format(), err=True)


def _write_text(path: str, text: str, protected: list[Path]) -> None:
    """Write ``text`` to ``path`` atomically, refusing to overwrite any of the user's source files."""
    target = Path(path)
    for source in protected:
        if target.exists() and target.resolve() == source.resolve():
            raise click.ClickException(f"refusing to overwrite the source file {path}")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".nni-annot.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, target)


def space_text(space: dict[str, Any]) -> str:
    """``json.dumps(space, indent=2)`` and a newline, the same text made faster.

    With ``indent`` the json module encodes in Python, not C, which is slow for 60,000 keys. Here
    each key and the compact form of each value are encoded in C; a value is indented (by json itself)
    only the first time its compact form is met, which spaces repeat a lot (``choice(1, 2, 3)``).
    """
    if not space or not all(type(key) is str for key in space):
        return json.dumps(space, indent=2) + "\n"
    indented: dict[str, str] = {}
    parts = []
    for key, value in space.items():
        compact = json.dumps(value)
        text = indented.get(compact)
        if text is None:
            # Every newline of indented JSON is between tokens (a string's newline is written `\n`).
            text = indented[compact] = json.dumps(value, indent=2).replace("\n", "\n  ")
        parts.append(f"  {json.dumps(key)}: {text}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


@click.command(
    "ss_gen",
    epilog="""\b
Examples:
    nni-annot ss_gen train.py                       # print the search space
    nni-annot ss_gen train.py -o search_space.json  # write it
    nni-annot ss_gen --trial-command "python3 mnist.py"  # classic NAS: the space the model declares
""",
)
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="Write the JSON here instead of stdout."
)
@click.option(
    "-t",
    "--trial-command",
    "--trial_command",
    "trial_command",
    help="Run this command once in a dry mode (NNI_GEN_SEARCH_SPACE set) and write the space its "
    "classic-NAS model declares (default file: nni_auto_gen_search_space.json in the trial dir).",
)
@click.option(
    "-d",
    "--trial-dir",
    "--trial_dir",
    "trial_dir",
    default=".",
    show_default=True,
    type=click.Path(exists=True, file_okay=False),
    help="Where --trial-command runs.",
)
@click.option(
    "--timeout", default=600.0, show_default=True, type=float, help="Seconds --trial-command may take."
)
@click.option(
    "--code-dir",
    type=click.Path(exists=True, file_okay=False),
    help="Project root for imports and module names (default: the script's folder).",
)
def ss_gen(
    file: str | None,
    output: str | None,
    code_dir: str | None,
    trial_command: str | None,
    trial_dir: str,
    timeout: float,
) -> None:
    """Generate the NNI search space of FILE and the project modules it imports.

    Keys are `<module>/<name>/<sampler>`, in source order; errors are reported compiler-style, all of
    them, and nothing is written. With --trial-command, the space comes from running the command once
    as NNI's `nnictl ss_gen` does.
    """
    if trial_command is not None:
        if file is not None:
            raise click.UsageError("give either FILE or --trial-command, not both")
        from nniannot.cli.trial_space import generate_from_command

        target = output or os.path.join(trial_dir, "nni_auto_gen_search_space.json")
        space = generate_from_command(trial_command, trial_dir, timeout)
        _write_text(target, space_text(space), [])
        click.echo(f"wrote {len(space)} parameter(s) to {target}", err=True)
        return
    if file is None:
        raise click.UsageError("give a FILE or --trial-command")
    from nniannot.transformer.project import collect

    project = collect(file, code_dir)
    _echo_warnings(project.diagnostics)
    if not project.search_space:
        others = len(project.files) - 1
        scope = f" (nor in the {others} project module(s) it imports)" if others else ""
        what = "no annotations found" if not project.has_annotations else "no search-space annotations found"
        raise NoAnnotations(f"{what} in {file}{scope}; nothing written")
    text = space_text(project.search_space)
    if output is None:
        click.echo(text, nl=False)
        return
    _write_text(output, text, project.files)
    click.echo(f"wrote {len(project.search_space)} parameter(s) to {output}", err=True)


@click.command(
    "expand",
    epilog="""\b
Examples:
    nni-annot expand train.py                  # print the trial code of train.py
    nni-annot expand train.py -o /tmp/trial    # write the trial's rewritten files there
""",
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--module", help="Module name used in the keys (default: FILE's path relative to the code dir)."
)
@click.option(
    "--code-dir",
    type=click.Path(exists=True, file_okay=False),
    help="Project root for imports and module names (default: the script's folder).",
)
@click.option(
    "-o",
    "--output-dir",
    type=click.Path(file_okay=False),
    help="Write the rewritten files of the whole trial (script + imported modules) into this folder.",
)
def expand(file: str, module: str | None, code_dir: str | None, output_dir: str | None) -> None:
    """Print the trial code FILE is rewritten into (same lines; runs standalone as the original)."""
    if output_dir is not None:
        _expand_all(file, code_dir, output_dir)
        return
    from nniannot.errors import AnnotationError
    from nniannot.snapshot import module_name
    from nniannot.transformer.core import transform
    from nniannot.transformer.project import display_path

    path = Path(file).absolute()
    root = Path(code_dir).absolute() if code_dir else path.parent
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise click.ClickException(f"cannot read {file}: {exc.strerror or exc}") from None
    # Bytes, not text: transform decodes them as Python does and locates a byte that does not decode.
    result = transform(data, module or module_name(str(path), str(root)), display_path(path))
    if not result.ok:
        raise AnnotationError(result.diagnostics)
    _echo_warnings(result.diagnostics)
    if not result.has_annotations:
        click.echo(f"note: no annotations in {file}; the trial code is the script itself", err=True)
    click.echo(result.code, nl=False)


def _expand_all(file: str, code_dir: str | None, output_dir: str) -> None:
    from nniannot.transformer.project import collect

    project = collect(file, code_dir)
    _echo_warnings(project.diagnostics)
    out = Path(output_dir).absolute()
    if out.resolve() == project.code_dir.resolve():
        raise click.ClickException("the output folder is the code folder; choose another one")
    for path in project.files:
        target = out / path.relative_to(project.code_dir)
        _write_text(str(target), project.results[path].code, project.files)
    click.echo(f"wrote {len(project.files)} file(s) to {output_dir}", err=True)


@click.command(
    "migrate",
    epilog="""\b
Examples:
    nni-annot migrate train.py --search-space search_space.json               # print the annotated script
    nni-annot migrate train.py --search-space search_space.json -o annotated.py
""",
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--search-space",
    "space_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="The NNI search-space JSON the script was tuned with.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the annotated script here.")
def migrate(file: str, space_file: str, output: str | None) -> None:
    """Turn an NNI plain-API script into an annotated one (what it cannot convert is listed)."""
    from nniannot.errors import SearchSpaceError
    from nniannot.transformer.codemods.migrate import migrate_source

    text = _read_text(file)
    try:
        space = json.loads(_read_text(space_file))
    except ValueError as exc:
        raise SearchSpaceError(f"{space_file}: not valid JSON ({exc}); nothing written") from None
    if not isinstance(space, dict) or not space:
        raise SearchSpaceError(f"{space_file}: a search space is a non-empty JSON object; nothing written")
    result = migrate_source(text, space, file)
    for line in result.skipped:
        click.echo(f"{line}", err=True)
    renamed = {k: v for k, v in result.names.items() if k != v}
    for key, var in renamed.items():
        click.echo(f"note: search-space key {key!r} is the variable {var}", err=True)
    if output is None:
        click.echo(result.code, nl=False)
        return
    _write_text(output, result.code, [Path(file), Path(space_file)])
    click.echo(
        f"wrote {output} ({len(result.names)} parameter(s), {len(result.skipped)} left as they were)",
        err=True,
    )


def _read_text(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None


def register(group: click.Group) -> None:
    group.add_command(ss_gen)
    alias = copy.copy(ss_gen)  # `ss-gen` works, but only `ss_gen` is listed in --help
    alias.hidden = True
    group.add_command(alias, name="ss-gen")
    group.add_command(expand)
    group.add_command(migrate)
