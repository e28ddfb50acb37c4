"""Experiment commands: run, trial, list, show, export, import, stop, resume, rerun-failed, delete.

Every command takes ``--home`` (default ``$NNIANNOT_HOME`` or ``~/.nni-annot``). EXP is an experiment id,
a unique prefix of one, its name, or ``latest``. The ``--json`` outputs are documented in docs/cli.md.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from typing import Any

import click


def examples(*lines: str) -> str:
    """The "Examples:" section of a command's help (``\\b`` keeps click from re-wrapping the lines)."""
    return "\b\nExamples:\n" + "\n".join(f"    {line}" for line in lines)


home_option = click.option(
    "--home",
    metavar="DIR",
    default=None,
    help="Where experiments live (default $NNIANNOT_HOME or ~/.nni-annot).",
)


def _home(home: str | None) -> Any:
    from nniannot.runner.home import Home

    return Home.resolve(home)


def _kv(pairs: tuple[str, ...], what: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"expected NAME=VALUE, got {pair!r}", param_hint=what)
        try:
            out[key] = json.loads(text)
        except ValueError:
            out[key] = text
    return out


# run -------------------------------------------------------------------------------------------------


@click.command(
    context_settings={"ignore_unknown_options": False},
    epilog=examples(
        "nni-annot run train.py --max-trials 50 --concurrency 2      # TPE by default",
        "nni-annot run train.py --tuner random --assessor medianstop -- --epochs 5",
        "nni-annot run --config config.yml                           # nni-annot's, or an NNI v1/v2 config",
    ),
)
@click.argument("script", required=False, type=click.Path(dir_okay=False))
@click.argument("script_args", nargs=-1, type=click.UNPROCESSED)
@click.option(
    "--config", "config_file", type=click.Path(dir_okay=False), help="nni-annot, NNI v1 or NNI v2 YAML."
)
@click.option(
    "--search-space", type=click.Path(dir_okay=False), help="NNI search-space JSON (plain-API scripts)."
)
@click.option("--tuner", help="random, grid, batch, tpe, ... (default: tpe).")
@click.option("--tuner-arg", multiple=True, metavar="NAME=VALUE", help="A tuner class argument (repeatable).")
@click.option("--assessor", help="e.g. medianstop.")
@click.option("--assessor-arg", multiple=True, metavar="NAME=VALUE", help="An assessor class argument.")
@click.option("--max-trials", type=click.IntRange(min=1), help="Number of trials (default 20).")
@click.option("--max-duration", metavar="TIME", help="Stop after 30s, 10m, 1h, 2d ...")
@click.option("--concurrency", type=click.IntRange(min=1), help="Trials at once (default 1).")
@click.option("--optimize", type=click.Choice(["maximize", "minimize"]), help="Default: maximize.")
@click.option("--seed", type=int, help="Seed for the tuner.")
@click.option("--gpus-per-trial", type=click.IntRange(min=0), help="GPUs per trial (CUDA_VISIBLE_DEVICES).")
@click.option("--name", help="A name for the experiment.")
@click.option("--backend", type=click.Choice(["local", "dask"]), help="Where trials run (default: local).")
@click.option("--scheduler", metavar="ADDRESS", help="Dask scheduler, e.g. tcp://10.0.0.5:8786.")
@click.option("--local-workers", type=click.IntRange(min=1), metavar="N", help="Dask: a local cluster of N.")
@click.option("--upload", multiple=True, metavar="PATH", help="Dask: also ship this file, folder or glob.")
@click.option("--shared-fs", is_flag=True, default=None, help="Dask: workers share files; ship none.")
@click.option("--retry-lost", is_flag=True, default=None, help="Dask: rerun once if its worker dies.")
@click.option("--plain", is_flag=True, help="Plain log lines even on a terminal.")
@click.option("--watch", "watch_mode", is_flag=True, help="Rerun on every change (`nni-annot watch`).")
@click.option(
    "--view", "with_viewer", is_flag=True, help="Serve the viewer on 127.0.0.1 while the run lasts."
)
@home_option
def run(script: str | None, script_args: tuple[str, ...], config_file: str | None, home: str | None, plain: bool,
        **options: Any) -> None:  # fmt: skip
    """Tune SCRIPT (args after -- go to the script), or run the experiment a --config describes."""
    from nniannot.runner.run import create_experiment

    with_viewer = options.pop("with_viewer", False)
    if options.pop("watch_mode", False):
        from nniannot.cli.watch import start_watch

        with _viewer_beside(_home(home).store_path, with_viewer):
            start_watch(script, script_args, config_file, home, options)
        return
    cfg = _build_config(script, script_args, config_file, options)
    session = create_experiment(cfg, _home(home))
    click.echo(f"experiment {session.exp_id}")
    for note in session.launch.notes:
        click.echo(note)
    with _viewer_beside(session.home.store_path, with_viewer, session.exp_id):
        _run_session(session, home, plain)


@contextlib.contextmanager
def _viewer_beside(store_path: str, wanted: bool, exp_id: str | None = None) -> Iterator[None]:
    """Serve the viewer on 127.0.0.1 (port 8080, or any free port if taken) while the block runs."""
    if not wanted:
        yield
        return
    from nniannot.viewer.server import start_server

    try:
        viewer = start_server(store_path, "127.0.0.1", 8080)
    except OSError:
        viewer = start_server(store_path, "127.0.0.1", 0)
    click.echo(f"viewer: {viewer.url}" + (f"experiments/{exp_id}" if exp_id else ""))
    try:
        yield
    finally:
        viewer.shutdown()


def _build_config(
    script: str | None, script_args: tuple[str, ...], config_file: str | None, options: dict
) -> Any:
    import os

    from nniannot.runner.config import (
        ExperimentConfig,
        load_config_file,
        load_search_space_file,
        parse_duration,
    )

    if config_file:
        cfg, warnings = load_config_file(config_file)
        for warning in warnings:
            click.echo(f"warning: {warning}", err=True)
        if script:
            cfg.script, cfg.args, cfg.command = os.path.abspath(script), list(script_args), []
    else:
        if not script:
            raise click.UsageError("give a SCRIPT to tune or --config FILE")
        cfg = ExperimentConfig(script=os.path.abspath(script), args=list(script_args), workdir=os.getcwd())
        cfg.code_dir = os.path.dirname(os.path.abspath(script))
    if options["search_space"]:
        cfg.search_space_file = os.path.abspath(options["search_space"])
        cfg.search_space = load_search_space_file(cfg.search_space_file)
    simple = {"tuner": "tuner", "assessor": "assessor", "max_trials": "max_trials", "concurrency": "concurrency",
              "optimize": "optimize_mode", "seed": "seed", "gpus_per_trial": "gpus_per_trial", "name": "name"}  # fmt: skip
    for kind in ("tuner", "assessor"):  # another algorithm than the config's: its class args do not apply
        name = options[kind]
        if name is not None and getattr(cfg, kind) and str(getattr(cfg, kind)).lower() != name.lower():
            dropped = getattr(cfg, f"{kind}_args")
            if dropped:
                click.echo(f"note: --{kind} {name} replaces the config's {getattr(cfg, kind)}; its arguments "
                           f"{', '.join(sorted(dropped))} are not used", err=True)  # fmt: skip
            setattr(cfg, f"{kind}_args", {})
    for option, attr in simple.items():
        if options[option] is not None:
            setattr(cfg, attr, options[option])
    if options["max_duration"] is not None:
        cfg.max_duration = parse_duration(options["max_duration"], "--max-duration")
    for option in ("backend", "scheduler", "local_workers", "shared_fs", "retry_lost"):
        if options.get(option) is not None:
            setattr(cfg, option, options[option])
    cfg.upload += [os.path.abspath(p) for p in options.get("upload", ())]
    cfg.tuner_args.update(_kv(options["tuner_arg"], "--tuner-arg"))
    cfg.assessor_args.update(_kv(options["assessor_arg"], "--assessor-arg"))
    return cfg


def _run_session(session: Any, home: str | None, plain: bool, on_loop: Any = None) -> None:
    import signal

    from nniannot.runner.console import LiveConsole, PlainConsole, summary

    stream = sys.stdout
    live = not plain and stream.isatty()
    console = (LiveConsole if live else PlainConsole)(stream, session.launch.search_space)
    previous: dict[int, Any] = {}

    def install(loop: Any) -> None:
        if on_loop is not None:
            on_loop(loop)

        def handler(signum: int, frame: Any) -> None:
            if loop._stop_reason is not None and signum == signal.SIGINT:
                raise KeyboardInterrupt  # a second Ctrl-C: stop waiting for trials to end
            click.echo(
                "\nstopping: trials are being stopped (they run again on `nni-annot resume`)", err=True
            )
            loop.request_stop()

        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, handler)

    from nniannot.runner.run import run_experiment

    try:
        run_experiment(session, console, on_loop=install)
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
    exp = session.store.get_experiment(session.exp_id)
    click.echo(summary(exp, session.home.trials_dir(exp.id), home))
    if exp.status == "ERROR":
        sys.exit(1)


# trial -----------------------------------------------------------------------------------------------


@click.command(
    epilog=examples(
        "nni-annot trial train.py --param lr=0.01 --param hidden=64 -- --epochs 1",
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
@home_option
def trial(script: str, script_args: tuple[str, ...], params_json: str | None, pairs: tuple[str, ...],
          search_space: str | None, seed: int | None, home: str | None) -> None:  # fmt: skip
    """Run one trial of SCRIPT with the given parameters; its output goes to the terminal."""
    import os

    from nniannot.runner.config import ExperimentConfig, load_search_space_file
    from nniannot.runner.prepare import prepare_launch
    from nniannot.runner.single import fill_missing, parse_params, run_single

    path = os.path.abspath(script)
    cfg = ExperimentConfig(
        script=path, args=list(script_args), workdir=os.getcwd(), code_dir=os.path.dirname(path)
    )
    if search_space:
        cfg.search_space = load_search_space_file(search_space)
    launch = prepare_launch(cfg, require_space=False)
    params = parse_params(params_json, pairs, launch.search_space)
    sampled = fill_missing(params, launch.search_space, seed)
    click.echo(launch.notes[0], err=True)
    if sampled:
        click.echo(f"sampled (not given): {', '.join(sampled)}", err=True)
    click.echo(f"parameters: {json.dumps(params)}", err=True)
    result = run_single(launch, params)
    for problem in result.problems:
        click.echo(f"warning: {problem}", err=True)
    click.echo(
        f"intermediate results: {len(result.intermediates)}; final result: {json.dumps(result.final)}",
        err=True,
    )
    click.echo(f"trial directory: {result.trial_dir}", err=True)
    if result.exit_code:
        sys.exit(result.exit_code if result.exit_code > 0 else 1)


# reading ---------------------------------------------------------------------------------------------


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

    with open_reader(_home(home).store_path) as reader:
        if as_json:
            click.echo(json.dumps(list_document(reader), indent=2))
        else:
            click.echo(list_table(reader.list_experiments()))


@click.command(
    epilog=examples(
        "nni-annot show latest",
        "nni-annot show latest --best-code > best.py   # the script with the best values",
    )
)
@click.argument("exp")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (see docs/cli.md).")
@click.option(
    "--best-code", is_flag=True, help="Print the script with the best trial's values and layers in place."
)
@home_option
def show(exp: str, as_json: bool, best_code: bool, home: str | None) -> None:
    """Show an experiment: status, best trial and every trial."""
    from nniannot.runner.manage import show_text
    from nniannot.runner.reports import show_document
    from nniannot.runner.store import open_reader

    with open_reader(_home(home).store_path) as reader:
        exp_id = reader.resolve(exp)
        if best_code:
            from nniannot.runner.bestcode import best_code_text

            click.echo(best_code_text(reader, exp_id), nl=False)
        elif as_json:
            click.echo(json.dumps(show_document(reader, exp_id), indent=2))
        else:
            click.echo(show_text(reader, exp_id, _home(home).trials_dir(exp_id), home))


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

    with open_reader(_home(home).store_path) as reader:
        exp_id = reader.resolve(exp)
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
    store = open_store(_home(home).store_path)
    try:
        exp_id = store.resolve(exp)
        count = import_trials(store, exp_id, pairs, data)
    finally:
        store.close()
    click.echo(f"imported {count} trial(s) into {exp_id}")


# controlling -----------------------------------------------------------------------------------------


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

    click.echo(stop_experiment(_home(home), exp, wait_s))


@click.command(
    epilog=examples(
        "nni-annot resume latest",
    )
)
@click.argument("exp")
@click.option("--plain", is_flag=True, help="Plain log lines even on a terminal.")
@home_option
def resume(exp: str, plain: bool, home: str | None) -> None:
    """Continue an experiment: finished trials are kept and fed to the tuner, interrupted ones re-run."""
    from nniannot.runner.run import reopen_experiment

    session = reopen_experiment(exp, _home(home))
    click.echo(f"experiment {session.exp_id}")
    for note in session.launch.notes:
        click.echo(note)
    _run_session(session, home, plain)


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

    posted = post_if_running(_home(home), exp, "rerun_failed")
    if posted:
        click.echo(posted)
        return
    session = reopen_experiment(exp, _home(home))
    failed = session.store.list_trials(session.exp_id, status=FAILED, revision=session.experiment.revision)
    if not failed:
        click.echo(f"experiment {session.exp_id} has no failed trials")
        return
    click.echo(f"experiment {session.exp_id}: running {len(failed)} failed trial(s) again")

    def queue_reruns(loop: Any) -> None:
        loop.extra.extend(dict(t.params) for t in failed)
        loop.exhausted = True  # only the reruns: no new suggestions

    _run_session(session, home, plain, on_loop=queue_reruns)


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

    with open_reader(_home(home).store_path) as reader:
        exp_id = reader.resolve(exp)
    if not yes:
        click.confirm(f"delete experiment {exp_id} and its trial directories?", abort=True)
    click.echo(delete_experiment(_home(home), exp_id))


def register(group: click.Group) -> None:
    for command in (run, trial, list_, show, export, import_, stop, resume, rerun_failed, delete):
        group.add_command(command)
