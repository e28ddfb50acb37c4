"""``nni-annot watch SCRIPT [run options]``: rerun on every change of the trial's code.

The command takes every option of ``run`` (they are copied from it, so the two never drift apart) plus the
watch's own. ``nni-annot run SCRIPT --watch`` comes here too, with the watch's defaults.
"""

from __future__ import annotations

import re
import signal
import sys
from typing import Any

import click

from nniannot.cli.common import RUN_PARAMS, build_config, examples, home_of

ON_CHANGE = ("restart", "queue", "ignore-running")
_DEBOUNCE = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(ms|s)?\s*$")


class Debounce(click.ParamType):
    """``200`` or ``200ms`` (milliseconds), ``0.5s`` (seconds)."""

    name = "TIME"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        if isinstance(value, float):
            return value
        match = _DEBOUNCE.match(str(value))
        if not match:
            self.fail(
                f"expected milliseconds like 200 or 200ms, or seconds like 0.5s, got {value!r}", param, ctx
            )
        number = float(match.group(1))
        return number if match.group(2) == "s" else number / 1000.0


WATCH_OPTIONS = [
    click.Option(["--debounce"], type=Debounce(), default="200ms", show_default=True,
                 help="Quiet time after the last write before acting (200, 200ms, 0.5s)."),
    click.Option(["--poll"], is_flag=True, help="Poll the files (network file systems) instead of OS events."),
    click.Option(["--on-change"], type=click.Choice(ON_CHANGE), default="restart", show_default=True,
                 help="What happens to running trials of the previous revision."),
    click.Option(["--clear"], is_flag=True, help="Clear the screen before each revision."),
    click.Option(["--once-per-change", "once_per_change"], type=click.IntRange(min=1), metavar="N",
                 help="Trials per revision (default: --max-trials)."),
]  # fmt: skip


def start_watch(
    script: str | None,
    script_args: tuple[str, ...],
    config_file: str | None,
    home: str | None,
    options: dict[str, Any],
    *,
    debounce: float = 0.2,
    poll: bool = False,
    on_change: str = "restart",
    clear: bool = False,
    once_per_change: int | None = None,
) -> None:
    """Watch until Ctrl-C (or SIGTERM); ``options`` are ``run``'s options. Used by ``watch`` and ``run --watch``."""
    import os

    from nniannot.runner.watch import WatchConsole, WatchOptions, WatchSession

    def make_config() -> Any:
        cfg = build_config(script, script_args, config_file, dict(options))
        if once_per_change is not None:
            cfg.max_trials = once_per_change
        return cfg

    make_config()  # a usage mistake (no script, bad option value) fails now, not after the first save
    console = WatchConsole(sys.stdout, click.clear if clear else None)
    extra = [os.path.abspath(config_file)] if config_file else []
    session = WatchSession(
        make_config, home_of(home), WatchOptions(debounce, poll, on_change), console, extra
    )
    _run_until_signal(session)


def _run_until_signal(session: Any) -> None:
    previous: dict[signal.Signals, Any] = {}
    asked: list[int] = []

    def handler(signum: int, frame: Any) -> None:
        if asked and signum == signal.SIGINT:
            raise KeyboardInterrupt  # a second Ctrl-C: stop waiting for trials to end
        asked.append(signum)
        session.stop()

    for sig in (signal.SIGINT, signal.SIGTERM):
        previous[sig] = signal.signal(sig, handler)
    try:
        click.echo("watching for changes; Ctrl-C to stop", err=True)
        session.run()
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
    click.echo("watch stopped", err=True)


def _watch(script: str | None, script_args: tuple[str, ...], config_file: str | None, home: str | None,
           plain: bool, debounce: float, poll: bool, on_change: str, clear: bool, once_per_change: int | None,
           **options: Any) -> None:  # fmt: skip
    options.pop("watch_mode", None)
    start_watch(script, script_args, config_file, home, options, debounce=debounce, poll=poll,
                on_change=on_change, clear=clear, once_per_change=once_per_change)  # fmt: skip


watch = click.Command(
    "watch",
    callback=_watch,
    params=[*(p for p in RUN_PARAMS if p.name != "watch_mode"), *WATCH_OPTIONS],
    help="Run SCRIPT as `run` does, and again as a new revision whenever its code changes. "
    "Takes every option of `run`, and Ctrl-C stops it.",
    short_help="Rerun SCRIPT on every change of its code.",
    epilog=examples(
        "nni-annot watch train.py --max-trials 5            # 5 trials per saved change",
        "nni-annot watch train.py --on-change queue --clear  # let running trials finish first",
    ),
)


def register(group: click.Group) -> None:
    group.add_command(watch)
