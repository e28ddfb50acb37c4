"""What the CLI's command modules share: ``--home``, help examples, EXP resolution and run's options.

Every experiment command takes ``--home`` (default ``$NNIANNOT_HOME`` or ``~/.nni-annot``). EXP is an
experiment id, a unique prefix of one, its name, or ``latest``. ``run`` and ``watch`` take the same options
(:data:`RUN_PARAMS`) and build their configuration with :func:`build_config`, so the two never drift apart.
This module imports click only; runner code is imported inside the functions.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from nniannot.runner.home import Home


def examples(*lines: str) -> str:
    """The "Examples:" section of a command's help (``\\b`` keeps click from re-wrapping the lines)."""
    return "\b\nExamples:\n" + "\n".join(f"    {line}" for line in lines)


home_option = click.option(
    "--home",
    metavar="DIR",
    default=None,
    help="Where experiments live (default $NNIANNOT_HOME or ~/.nni-annot).",
)


def home_of(home: str | None) -> Home:
    """The :class:`~nniannot.runner.home.Home` that ``--home`` (or the environment, or the default) names."""
    from nniannot.runner.home import Home

    return Home.resolve(home)


def resolve_exp(reader: Any, ref: str) -> str:
    """The id EXP names; for ``latest`` of another project, a note on stderr names its script and folder.

    ``latest`` is the newest experiment of the whole home, so a README step run in one project could
    otherwise show another project's results without a word.
    """
    exp_id: str = reader.resolve(ref)
    if ref == "latest":
        note = latest_note(reader.get_experiment(exp_id), os.getcwd())
        if note:
            click.echo(note, err=True)
    return exp_id


def latest_note(exp: Any, cwd: str) -> str | None:
    """A note when ``exp``'s code directory is neither ``cwd`` nor inside it; None when it is."""
    code_dir = exp.code_dir
    if not code_dir:
        return None
    here, there = os.path.realpath(cwd), os.path.realpath(code_dir)
    if there == here or there.startswith(here.rstrip(os.sep) + os.sep):
        return None
    script = next((t for t in exp.command if t.endswith(".py")), exp.name)
    return (
        f"note: latest is experiment {exp.id} ({os.path.basename(script)} in {code_dir}), "
        "not one of this folder"
    )


def parse_kv(pairs: tuple[str, ...], what: str) -> dict[str, Any]:
    """``NAME=VALUE`` pairs as a dict; a value is read as JSON when it parses, else kept as text."""
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


def _opt(*decls: str, **attrs: Any) -> click.Option:
    return click.Option(list(decls), **attrs)


# click checks the lower bounds; build_config checks the upper ones with runner/bounds.py, so a number too
# large for the store gets the same message as from a config file, never a traceback.
RUN_PARAMS: list[click.Parameter] = [
    click.Argument(["script"], required=False, type=click.Path(dir_okay=False)),
    click.Argument(["script_args"], nargs=-1, type=click.UNPROCESSED),
    _opt("--config", "config_file", type=click.Path(dir_okay=False), help="nni-annot, NNI v1 or NNI v2 YAML."),
    _opt("--search-space", type=click.Path(dir_okay=False), help="NNI search-space JSON (plain-API scripts)."),
    _opt("--tuner", help="random, grid, batch, tpe, ... (default: gp), or a class: file.py:Class, module:Class."),
    _opt("--tuner-arg", multiple=True, metavar="NAME=VALUE", help="A tuner class argument (repeatable)."),
    _opt("--assessor", help="e.g. medianstop, or a class: file.py:Class, module:Class."),
    _opt("--assessor-arg", multiple=True, metavar="NAME=VALUE", help="An assessor class argument."),
    _opt("--max-trials", type=click.IntRange(min=1), help="Number of trials (default 20)."),
    _opt("--max-duration", metavar="TIME", help="Stop after 30s, 10m, 1h, 2d ..."),
    _opt("--concurrency", type=click.IntRange(min=1), help="Trials at once (default 1)."),
    _opt("--max-start-failures", type=click.IntRange(min=0), metavar="N",
         help="End the run when the first N trials all fail to start (default 3, 0 = off)."),
    _opt("--optimize", type=click.Choice(["maximize", "minimize"]), help="Default: maximize."),
    _opt("--objective", "objective", multiple=True, metavar="KEY:max|min",
         help="An objective: a key of the final result (repeatable; see docs/objectives.md)."),
    _opt("--constraint", "constraint", multiple=True, metavar="EXPR",
         help='A constraint on a reported key, e.g. "latency_ms <= 20" (repeatable).'),
    _opt("--reference-point", metavar="V1,V2,...",
         help="Hypervolume reference point, one value per objective (default: derived)."),
    _opt("--seed", type=int, help="Seed for the tuner."),
    _opt("--algorithm-timeout", metavar="TIME", help="Longest call of a custom tuner/assessor (default 60s)."),
    _opt("--gpus-per-trial", type=click.IntRange(min=0), help="GPUs per trial (CUDA_VISIBLE_DEVICES)."),
    _opt("--name", help="A name for the experiment."),
    _opt("--backend", type=click.Choice(["local", "dask"]), help="Where trials run (default: local)."),
    _opt("--scheduler", metavar="ADDRESS", help="Dask scheduler, e.g. tcp://10.0.0.5:8786."),
    _opt("--local-workers", type=click.IntRange(min=1), metavar="N", help="Dask: a local cluster of N."),
    _opt("--upload", multiple=True, metavar="PATH", help="Dask: also ship this file, folder or glob."),
    _opt("--shared-fs", is_flag=True, default=None, help="Dask: workers share files; ship none."),
    _opt("--retry-lost", is_flag=True, default=None, help="Dask: rerun once if its worker dies."),
    _opt("--nas-mode", metavar="MODE",
         help="classic (default: a trial per architecture), or one-shot: darts, enas, oneshot."),
    _opt("--retrain", type=click.IntRange(min=1), metavar="N",
         help="One-shot: then retrain the derived architecture in N classic trials (seeds 1..N)."),
    _opt("--cold-start", is_flag=True, default=None,
         help="Start every trial as a new Python process: no spare interpreter, nothing imported ahead."),
    _opt("--verbose", is_flag=True, help="Also say how each trial started (warm or cold, and why)."),
    _opt("--plain", is_flag=True, help="Plain log lines even on a terminal."),
    _opt("--watch", "watch_mode", is_flag=True, help="Rerun on every change (`nni-annot watch`)."),
    _opt("--view", "with_viewer", is_flag=True, help="Serve the viewer on 127.0.0.1 while the run lasts."),
    click.Option(["--home"], metavar="DIR", default=None,
                 help="Where experiments live (default $NNIANNOT_HOME or ~/.nni-annot)."),
]  # fmt: skip

_SIMPLE = {"tuner": "tuner", "assessor": "assessor", "optimize": "optimize_mode", "seed": "seed",
           "name": "name", "nas_mode": "nas_mode", "retrain": "retrain"}  # fmt: skip
_CHECKED = {
    "max_trials": "--max-trials",
    "concurrency": "--concurrency",
    "gpus_per_trial": "--gpus-per-trial",
}
_BACKEND = ("backend", "scheduler", "local_workers", "shared_fs", "retry_lost", "cold_start")


def build_config(
    script: str | None, script_args: tuple[str, ...], config_file: str | None, options: dict[str, Any]
) -> Any:
    """The :class:`~nniannot.runner.config.ExperimentConfig` of ``run``'s arguments and options.

    Raises:
        click.UsageError: neither a script nor a config file was given.
        ConfigError: a number is out of its range (runner/bounds.py), or the config file is wrong.
    """
    if options.get("verbose"):
        verbose_logging()
    cfg = _base_config(script, script_args, config_file)
    if options["search_space"]:
        from nniannot.runner.config import load_search_space_file

        cfg.search_space_file = os.path.abspath(options["search_space"])
        cfg.search_space = load_search_space_file(cfg.search_space_file)
    _drop_replaced_algorithm_args(cfg, options)
    _apply_options(cfg, options)
    cfg.upload += [os.path.abspath(p) for p in options.get("upload", ())]
    cfg.tuner_args.update(parse_kv(options["tuner_arg"], "--tuner-arg"))
    cfg.assessor_args.update(parse_kv(options["assessor_arg"], "--assessor-arg"))
    _apply_objectives(cfg, options)
    return cfg


def _apply_objectives(cfg: Any, options: dict[str, Any]) -> None:
    """``--objective``, ``--constraint`` and ``--reference-point`` replace the config file's lists."""
    from nniannot.errors import ConfigError

    if options.get("objective"):
        cfg.objectives = list(options["objective"])
    if options.get("constraint"):
        cfg.constraints = list(options["constraint"])
    text = options.get("reference_point")
    if text is not None:
        try:
            cfg.reference_point = [float(part) for part in text.split(",")]
        except ValueError:
            raise ConfigError(
                f"--reference-point must be numbers separated by commas (one per objective), but got {text!r}"
            ) from None


def verbose_logging() -> None:
    """``--verbose``: the runner's notes on how trials start go to stderr."""
    import logging

    logger = logging.getLogger("nniannot.runner.warm")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def _base_config(script: str | None, script_args: tuple[str, ...], config_file: str | None) -> Any:
    from nniannot.runner.config import ExperimentConfig, load_config_file

    if config_file:
        cfg, warnings = load_config_file(config_file)
        for warning in warnings:
            click.echo(f"warning: {warning}", err=True)
        if script:
            cfg.script, cfg.args, cfg.command = os.path.abspath(script), list(script_args), []
        return cfg
    if not script:
        raise click.UsageError("give a SCRIPT to tune or --config FILE")
    cfg = ExperimentConfig(script=os.path.abspath(script), args=list(script_args), workdir=os.getcwd())
    cfg.code_dir = os.path.dirname(os.path.abspath(script))
    return cfg


def _drop_replaced_algorithm_args(cfg: Any, options: dict[str, Any]) -> None:
    for kind in ("tuner", "assessor"):  # another algorithm than the config's: its class args do not apply
        name = options[kind]
        if name is not None and getattr(cfg, kind) and str(getattr(cfg, kind)).lower() != name.lower():
            dropped = getattr(cfg, f"{kind}_args")
            if dropped:
                click.echo(f"note: --{kind} {name} replaces the config's {getattr(cfg, kind)}; its arguments "
                           f"{', '.join(sorted(dropped))} are not used", err=True)  # fmt: skip
            setattr(cfg, f"{kind}_args", {})


def _apply_options(cfg: Any, options: dict[str, Any]) -> None:
    from nniannot.runner.bounds import check_int, check_seconds
    from nniannot.runner.config import parse_duration

    for option, attr in _SIMPLE.items():
        if options[option] is not None:
            setattr(cfg, attr, options[option])
    for option, flag in _CHECKED.items():
        if options[option] is not None:
            setattr(cfg, option, check_int(option, options[option], flag))
    for kind in ("tuner", "assessor"):  # a custom class's file.py is relative to the current directory
        name = getattr(cfg, kind)
        if options[kind] is not None and name and ":" in name:
            from nniannot.runner.custom.loading import absolute_reference

            setattr(cfg, kind, absolute_reference(name, os.getcwd()))
    if options.get("algorithm_timeout") is not None:
        seconds = parse_duration(options["algorithm_timeout"], "--algorithm-timeout")
        cfg.algorithm_timeout = check_seconds("algorithm_timeout", seconds, "--algorithm-timeout")
    if options["max_duration"] is not None:
        seconds = parse_duration(options["max_duration"], "--max-duration")
        cfg.max_duration = check_seconds("max_duration", seconds, "--max-duration")
    if options.get("max_start_failures") is not None:
        # ExperimentConfig.max_start_failures: 0 turns the check off; the loop enforces it.
        cfg.max_start_failures = check_start_failures(options["max_start_failures"])
    for option in _BACKEND:
        if options.get(option) is not None:
            setattr(cfg, option, options[option])


MAX_START_FAILURES = 10_000


def check_start_failures(value: int) -> int:
    """``--max-start-failures`` if it is in [0, MAX_START_FAILURES]; else ConfigError."""
    from nniannot.errors import ConfigError

    if value > MAX_START_FAILURES:
        raise ConfigError(
            f"--max-start-failures must be between 0 and {MAX_START_FAILURES:,} (0 = off), but got {value}"
        )
    return value
