"""Commands that read and manage stored experiments: list, show, export, import, stop, delete.

The ``--json`` outputs are documented in docs/cli.md.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from nniannot.cli.common import examples, home_of, home_option, resolve_exp

if TYPE_CHECKING:
    from nniannot.runner.store import StoreReader


@click.command(
    name="list",
    epilog=examples(
        "nni-annot list",
        "nni-annot list --json",
    ),
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (see docs/cli.md).")
@home_option
def list_(as_json: bool, home: str | None) -> None:
    """List every experiment, newest first."""
    from nniannot.runner.manage import list_table
    from nniannot.runner.reports import list_document
    from nniannot.runner.store import open_reader

    with open_reader(home_of(home).store_path) as reader:
        if as_json:
            click.echo(json.dumps(list_document(reader), indent=2))
        else:
            click.echo(list_table(reader.list_experiments(), reader))


@click.command(
    epilog=examples(
        "nni-annot show latest",
        "nni-annot show latest --best-code > best.py   # the script with the best values",
        "nni-annot show latest 3 --lines 50            # trial #3: its reason and the ends of its logs",
        "nni-annot show latest --best-code -o best/    # a multi-file project as a runnable tree",
        "nni-annot show latest --pareto                # several objectives: the Pareto set",
        "nni-annot show latest --best-code --trial ID  # the code of one member of it",
    )
)
@click.argument("exp")
@click.argument("trial_ref", metavar="[TRIAL]", required=False)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (see docs/cli.md).")
@click.option(
    "--best-code", is_flag=True, help="Print the script with the best trial's values and layers in place."
)
@click.option("--trial", "code_trial", metavar="ID", help="--best-code: this trial instead of the best.")
@click.option(
    "-o", "--output", "out_dir", type=click.Path(file_okay=False), help="--best-code: write the files to DIR."
)
@click.option("--pareto", is_flag=True, help="The Pareto set: its trials with their objectives' values.")
@click.option("--lines", type=click.IntRange(min=0), default=20, show_default=True, help="TRIAL: log lines.")
@home_option
def show(exp: str, trial_ref: str | None, as_json: bool, best_code: bool, code_trial: str | None,
         out_dir: str | None, pareto: bool, lines: int, home: str | None) -> None:  # fmt: skip
    """Show an experiment: status, best trial and every trial; or one TRIAL (id, prefix or number)."""
    from nniannot.runner.store import open_reader

    if (code_trial or out_dir) and not best_code:
        raise click.UsageError("--trial and -o/--output go with --best-code")
    with open_reader(home_of(home).store_path) as reader:
        exp_id = resolve_exp(reader, exp)
        if best_code:
            _best_code(reader, exp_id, code_trial or trial_ref, out_dir)
        elif pareto:
            _pareto(reader, exp_id, as_json)
        elif trial_ref is not None:
            _one_trial(reader, exp_id, trial_ref, lines, as_json)
        elif as_json:
            from nniannot.runner.reports import show_document

            click.echo(json.dumps(show_document(reader, exp_id), indent=2))
        else:
            from nniannot.runner.manage import show_text

            click.echo(show_text(reader, exp_id, home_of(home).trials_dir(exp_id), home))


def _pareto(reader: StoreReader, exp_id: str, as_json: bool) -> None:
    from nniannot.runner.manage import pareto_text
    from nniannot.runner.reports import pareto_document

    if as_json:
        click.echo(json.dumps(pareto_document(reader, exp_id), indent=2))
    else:
        click.echo(pareto_text(reader, exp_id))


def _best_code(reader: StoreReader, exp_id: str, trial_ref: str | None, out_dir: str | None) -> None:
    from nniannot.runner.bestcode import best_code_text, write_best_code

    trial_id = _trial_id(reader, exp_id, trial_ref)
    if out_dir is None:
        click.echo(best_code_text(reader, exp_id, trial_id=trial_id), nl=False)
        return
    for path in write_best_code(reader, exp_id, out_dir, trial_id=trial_id):
        click.echo(f"wrote {path}", err=True)


def _trial_id(reader: StoreReader, exp_id: str, trial_ref: str | None) -> str | None:
    from nniannot.runner.trialreport import find_trial

    return None if trial_ref is None else find_trial(reader, exp_id, trial_ref).id


def _one_trial(reader: StoreReader, exp_id: str, trial_ref: str, lines: int, as_json: bool) -> None:
    from nniannot.runner.reports import trial_json
    from nniannot.runner.trialreport import find_trial, trial_text

    trial = find_trial(reader, exp_id, trial_ref)
    if as_json:
        click.echo(json.dumps(trial_json(trial), indent=2))
    else:
        click.echo(trial_text(reader, exp_id, trial, lines))


@click.command(
    epilog=examples(
        "nni-annot export latest --format csv -o results.csv",
    )
)
@click.argument("exp")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--intermediate", is_flag=True, help="Include every trial's intermediate results.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to a file instead of stdout.")
@home_option
def export(exp: str, fmt: str, intermediate: bool, output: str | None, home: str | None) -> None:
    """Export an experiment's trials as CSV or JSON."""
    from nniannot.runner.reports import export_csv, show_document
    from nniannot.runner.store import open_reader

    with open_reader(home_of(home).store_path) as reader:
        exp_id = resolve_exp(reader, exp)
        if fmt == "csv":
            text = export_csv(reader, exp_id, intermediate)
        else:
            text = json.dumps(show_document(reader, exp_id, intermediate), indent=2) + "\n"
    if output:
        with open(output, "w", encoding="utf-8") as f:
            f.write(text)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


@click.command(
    name="import",
    epilog=examples(
        "nni-annot import latest nni_export.json",
    ),
)
@click.argument("exp")
@click.argument("data", type=click.Path(exists=True, dir_okay=False))
@home_option
def import_(exp: str, data: str, home: str | None) -> None:
    """Add finished results (NNI's export format or ours) to an experiment; the tuner learns them on resume."""
    from nniannot.runner.reports import import_trials, parse_import
    from nniannot.runner.store import open_store

    with open(data, encoding="utf-8") as f:
        pairs = parse_import(f.read(), data)
    store = open_store(home_of(home).store_path)
    try:
        exp_id = resolve_exp(store, exp)
        count = import_trials(store, exp_id, pairs, data)
    finally:
        store.close()
    click.echo(f"imported {count} trial(s) into {exp_id}")


@click.command(
    epilog=examples(
        "nni-annot stop latest",
    )
)
@click.argument("exp")
@click.option("--wait", "wait_s", type=float, default=30.0, show_default=True, help="Seconds to wait for it.")
@home_option
def stop(exp: str, wait_s: float, home: str | None) -> None:
    """Stop a running experiment; its running trials re-run on resume."""
    from nniannot.runner.manage import stop_experiment
    from nniannot.runner.store import open_reader

    with open_reader(home_of(home).store_path) as reader:
        exp_id = resolve_exp(reader, exp)
    click.echo(stop_experiment(home_of(home), exp_id, wait_s))


@click.command(
    epilog=examples(
        "nni-annot delete latest --yes",
    )
)
@click.argument("exp")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@home_option
def delete(exp: str, yes: bool, home: str | None) -> None:
    """Delete an experiment: its records and its trial directories."""
    from nniannot.runner.manage import delete_experiment
    from nniannot.runner.store import open_reader

    with open_reader(home_of(home).store_path) as reader:
        exp_id = resolve_exp(reader, exp)
    if not yes:
        click.confirm(f"delete experiment {exp_id} and its trial directories?", abort=True)
    click.echo(delete_experiment(home_of(home), exp_id))


def register(group: click.Group) -> None:
    for command in (list_, show, export, import_, stop, delete):
        group.add_command(command)
