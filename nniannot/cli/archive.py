"""Moving an experiment between homes or machines: save, load (NNI's ``nnictl experiment save/load``)."""

from __future__ import annotations

import click

from nniannot.cli.common import examples, home_of, home_option


@click.command(
    epilog=examples(
        "nni-annot save latest                        # writes <id>.nniannot.tar.gz here",
        "nni-annot save latest -o run.tar.gz --no-checkpoints",
    )
)
@click.argument("exp")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="The archive (default <id>.nniannot.tar.gz)."
)
@click.option("--no-logs", is_flag=True, help="Leave out the trials' stdout, stderr and *.log files.")
@click.option(
    "--no-checkpoints", is_flag=True, help="Leave out the other files trials wrote in their directories."
)
@home_option
def save(exp: str, output: str | None, no_logs: bool, no_checkpoints: bool, home: str | None) -> None:
    """Save an experiment (records, trial directories, code snapshot) to one archive file."""
    from nniannot.runner.archive import save_archive

    result = save_archive(home_of(home), exp, output, logs=not no_logs, checkpoints=not no_checkpoints)
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    left = f", {result.left_out} file(s) left out" if result.left_out else ""
    click.echo(
        f"saved experiment {result.exp_id} ({result.trials} trial(s), {result.files} file(s), "
        f"{result.snapshots} code snapshot(s){left}) to {result.path}"
    )


@click.command(
    epilog=examples(
        "nni-annot load AbCd1234.nniannot.tar.gz --home ~/other-home",
        "nni-annot load AbCd1234.nniannot.tar.gz --as AbCd1234b   # its id is taken here",
    )
)
@click.argument("archive", type=click.Path(dir_okay=False))
@click.option("--as", "as_id", metavar="NEW_ID", help="Load the experiment under this id instead of its own.")
@home_option
def load(archive: str, as_id: str | None, home: str | None) -> None:
    """Add an experiment saved with `nni-annot save` to this home."""
    from nniannot.runner.archive import load_archive

    result = load_archive(home_of(home), archive, as_id)
    renamed = f" (saved as {result.saved_id})" if result.exp_id != result.saved_id else ""
    click.echo(
        f"loaded experiment {result.exp_id}{renamed}: {result.trials} trial(s), {result.files} file(s), "
        f"{result.status}"
    )


def register(group: click.Group) -> None:
    for command in (save, load):
        group.add_command(command)
