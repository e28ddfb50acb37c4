"""Commands that run trials: run, trial, resume, rerun-failed.

How a run is driven from the terminal, and its exit codes, is :mod:`nniannot.cli.session`'s.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from nniannot.cli.common import RUN_PARAMS, build_config, examples, home_of, home_option, resolve_exp
from nniannot.cli.session import run_session, viewer_beside


def _run(script: str | None, script_args: tuple[str, ...], config_file: str | None, home: str | None, plain: bool,
         **options: Any) -> None:  # fmt: skip
    from nniannot.runner.run import create_experiment

    with_viewer = options.pop("with_viewer", False)
    if options.pop("watch_mode", False):
        from nniannot.cli.watch import start_watch

        with viewer_beside(home_of(home).store_path, with_viewer):
            start_watch(script, script_args, config_file, home, options)
        return
    cfg = build_config(script, script_args, config_file, options)
    if cfg.nas_mode not in ("classic", "classic_mode") and options["max_trials"] is None and not config_file:
        cfg.max_trials = 1  # one-shot: one trial trains the super-network
    session = create_experiment(cfg, home_of(home))
    click.echo(f"experiment {session.exp_id}")
    for note in session.launch.notes:
        click.echo(note)
    with viewer_beside(session.home.store_path, with_viewer, session.exp_id):
        run_session(session, home, plain)
        if cfg.retrain:
            _retrain(session, home, plain)


def _retrain(session: Any, home: str | None, plain: bool) -> None:
    from nniannot.runner.nas_retrain import retrain_config
    from nniannot.runner.run import create_experiment

    cfg, note = retrain_config(session.config, session.store, session.exp_id)
    click.echo(note)
    if cfg is None:
        sys.exit(1)
    retrain = create_experiment(cfg, session.home)
    click.echo(f"experiment {retrain.exp_id}")
    run_session(retrain, home, plain)


run = click.Command(
    "run",
    callback=_run,
    params=RUN_PARAMS,
    help="Tune SCRIPT (args after -- go to the script), or run the experiment a --config describes.",
    epilog=examples(
        "nni-annot run train.py --max-trials 50 --concurrency 2      # GP by default",
        "nni-annot run train.py --tuner random --assessor medianstop -- --epochs 5",
        "nni-annot run --config config.yml                           # nni-annot's, or an NNI v1/v2 config",
    ),
)


# trial -----------------------------------------------------------------------------------------------


@click.command(
    epilog=examples(
        "nni-annot trial train.py --param lr=0.01 --param hidden=64 -- --epochs 1",
        "nni-annot trial train.py --keep-dir             # keep the trial's directory afterwards",
        "nni-annot trial train.py --defaults             # the script's own values, reports only logged",
    )
)
@click.argument("script", type=click.Path(exists=True, dir_okay=False))
@click.argument("script_args", nargs=-1, type=click.UNPROCESSED)
@click.option("--params", "params_json", metavar="JSON", help="Parameter values as a JSON object.")
@click.option("--param", "pairs", multiple=True, metavar="NAME=VALUE", help="One value; short names work.")
@click.option(
    "--search-space", type=click.Path(dir_okay=False), help="NNI search-space JSON (plain-API scripts)."
)
@click.option("--seed", type=int, help="Seed for the values not given.")
@click.option("--dir", "trial_dir", type=click.Path(file_okay=False), help="The trial's directory (kept).")
@click.option("--keep-dir", is_flag=True, help="Keep the temporary trial directory (removed by default).")
@click.option(
    "--defaults", is_flag=True, help="Every annotation keeps the script's own value; no trial files."
)
@home_option
def trial(script: str, script_args: tuple[str, ...], params_json: str | None, pairs: tuple[str, ...],
          search_space: str | None, seed: int | None, trial_dir: str | None, keep_dir: bool, defaults: bool,
          home: str | None) -> None:  # fmt: skip
    """Run one trial of SCRIPT with the given parameters; its output goes to the terminal."""
    from nniannot.runner.single import fill_missing, parse_params, run_single

    launch = _single_launch(script, script_args, search_space, home)
    if defaults:
        _run_defaults(launch, params_json or pairs or seed is not None or trial_dir or keep_dir)
    params = parse_params(params_json, pairs, launch.search_space)
    sampled = fill_missing(params, launch.search_space, seed)
    click.echo(launch.notes[0], err=True)
    if sampled:
        click.echo(f"sampled (not given): {', '.join(sampled)}", err=True)
    click.echo(f"parameters: {json.dumps(params)}", err=True)
    result = run_single(launch, params, trial_dir=trial_dir, keep=keep_dir or trial_dir is not None)
    for problem in result.problems:
        click.echo(f"warning: {problem}", err=True)
    click.echo(
        f"intermediate results: {len(result.intermediates)}; final result: {json.dumps(result.final)}",
        err=True,
    )
    if result.kept:
        click.echo(f"trial directory: {result.trial_dir}", err=True)
    if result.exit_code:
        sys.exit(result.exit_code if result.exit_code > 0 else 1)


def _run_defaults(launch: Any, conflicting: object) -> None:
    from nniannot.runner.single import run_standalone

    if conflicting:
        raise click.UsageError("--defaults runs the script's own values: it takes no --params, --param, "
                               "--seed, --dir or --keep-dir")  # fmt: skip
    code = run_standalone(launch)
    sys.exit(code if code >= 0 else 1)


def _single_launch(
    script: str, script_args: tuple[str, ...], search_space: str | None, home: str | None
) -> Any:
    import os

    from nniannot.runner.config import ExperimentConfig, load_search_space_file
    from nniannot.runner.prepare import prepare_launch

    path = os.path.abspath(script)
    cfg = ExperimentConfig(
        script=path, args=list(script_args), workdir=os.getcwd(), code_dir=os.path.dirname(path)
    )
    if search_space:
        cfg.search_space = load_search_space_file(search_space)
    return prepare_launch(cfg, require_space=False, snapshots=home_of(home).snapshots_dir)


# resume, rerun-failed --------------------------------------------------------------------------------


@click.command(
    epilog=examples(
        "nni-annot resume latest",
        "nni-annot resume latest --max-trials 50     # a finished experiment: 50 trials in all",
    )
)
@click.argument("exp")
@click.option("--max-trials", type=click.IntRange(min=1), help="New number of trials in all.")
@click.option("--max-duration", metavar="TIME", help="New time limit: 30s, 10m, 1h, 2d ...")
@click.option("--plain", is_flag=True, help="Plain log lines even on a terminal.")
@home_option
def resume(exp: str, max_trials: int | None, max_duration: str | None, plain: bool, home: str | None) -> None:
    """Continue an experiment: finished trials are kept and fed to the tuner, interrupted ones re-run."""
    from nniannot.runner.manage import post_if_running
    from nniannot.runner.run import reopen_experiment

    limits = _new_limits(max_trials, max_duration)
    exp_id = _resolved(exp, home)
    posted = post_if_running(home_of(home), exp_id, "update_limits", limits) if limits else None
    if posted:  # its own runner takes the new limits; a second runner would be refused
        click.echo(posted)
        return
    session = reopen_experiment(exp_id, home_of(home))
    if limits:
        _extend(session, limits)
    click.echo(f"experiment {session.exp_id}")
    for note in session.launch.notes:
        click.echo(note)
    run_session(session, home, plain)


def _new_limits(max_trials: int | None, max_duration: str | None) -> dict[str, Any]:
    from nniannot.runner.bounds import check_int, check_seconds
    from nniannot.runner.config import parse_duration

    limits: dict[str, Any] = {}
    if max_trials is not None:
        limits["max_trials"] = check_int("max_trials", max_trials, "--max-trials")
    if max_duration is not None:
        seconds = parse_duration(max_duration, "--max-duration")
        limits["max_duration"] = check_seconds("max_duration", seconds, "--max-duration")
    return limits


def _extend(session: Any, limits: dict[str, Any]) -> None:
    """Write the new limits to the store and to the session, so the loop runs up to them."""
    session.store.update_experiment(session.exp_id, **limits)
    for key, value in limits.items():
        setattr(session.config, key, value)
    session.experiment = session.store.get_experiment(session.exp_id)


def _resolved(ref: str, home: str | None) -> str:
    from nniannot.runner.store import open_reader

    with open_reader(home_of(home).store_path) as reader:
        return resolve_exp(reader, ref)


@click.command(
    name="rerun-failed",
    epilog=examples(
        "nni-annot rerun-failed latest",
    ),
)
@click.argument("exp")
@click.option("--plain", is_flag=True, help="Plain log lines even on a terminal.")
@home_option
def rerun_failed(exp: str, plain: bool, home: str | None) -> None:
    """Run the failed trials of an experiment again, with the same parameters."""
    from nniannot.runner.manage import post_if_running
    from nniannot.runner.run import reopen_experiment
    from nniannot.runner.store import FAILED

    exp_id = _resolved(exp, home)
    posted = post_if_running(home_of(home), exp_id, "rerun_failed")
    if posted:
        click.echo(posted)
        return
    session = reopen_experiment(exp_id, home_of(home))
    failed = session.store.list_trials(session.exp_id, status=FAILED, revision=session.experiment.revision)
    if not failed:
        click.echo(f"experiment {session.exp_id} has no failed trials")
        return
    click.echo(f"experiment {session.exp_id}: running {len(failed)} failed trial(s) again")
    # Only the reruns: the loop proposes no new trials.
    run_session(session, home, plain, on_loop=lambda loop: loop.rerun_failed(exclusive=True))


def register(group: click.Group) -> None:
    for command in (run, trial, resume, rerun_failed):
        group.add_command(command)
