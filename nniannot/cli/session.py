"""Driving a run from the terminal: console, signals, the viewer beside it, the summary and the exit code.

Exit codes (docs/cli.md): 0 when at least one trial succeeded; 1 for an error (of the experiment or a user
mistake); 2 for a usage mistake (click's); 3 when the run ended and no trial succeeded (the first failed
trial's reason is printed); 130 when Ctrl-C stopped it (143 for SIGTERM).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import Any

import click

NO_SUCCESS_EXIT = 3


@contextlib.contextmanager
def viewer_beside(store_path: str, wanted: bool, exp_id: str | None = None) -> Iterator[None]:
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


def run_session(
    session: Any, home: str | None, plain: bool, on_loop: Callable[[Any], None] | None = None
) -> None:
    """Run ``session`` with a console and signal handlers, print the summary, and exit with the run's code.

    The first Ctrl-C (or SIGTERM) stops the trials cleanly; a second Ctrl-C stops waiting for them.
    """
    from nniannot.runner.console import LiveConsole, PlainConsole

    live = not plain and sys.stdout.isatty()
    console = (LiveConsole if live else PlainConsole)(sys.stdout, session.launch.search_space)
    signals: list[int] = []
    with _signal_handlers(signals, on_loop) as install:
        _run_or_drop(session, console, install)
    _finish(session, home, signals)


def _run_or_drop(session: Any, console: Any, install: Callable[[Any], None]) -> None:
    """Run; an experiment that failed before any trial was created is removed, so `list` holds no husk."""
    from nniannot.errors import NniAnnotError
    from nniannot.runner.manage import drop_if_unstarted
    from nniannot.runner.run import run_experiment

    try:
        run_experiment(session, console, on_loop=install)
    except NniAnnotError:
        if drop_if_unstarted(session.home, session.store, session.exp_id):
            click.echo(f"experiment {session.exp_id} was not kept: no trial had started", err=True)
        raise


@contextlib.contextmanager
def _signal_handlers(
    signals: list[int], on_loop: Callable[[Any], None] | None
) -> Iterator[Callable[[Any], None]]:
    import signal

    previous: dict[int, Any] = {}

    def install(loop: Any) -> None:
        if on_loop is not None:
            on_loop(loop)

        def handler(signum: int, frame: Any) -> None:
            if loop.stopping and signum == signal.SIGINT:
                raise KeyboardInterrupt  # a second Ctrl-C: stop waiting for trials to end
            signals.append(signum)
            click.echo(
                "\nstopping: trials are being stopped (they run again on `nni-annot resume`)", err=True
            )
            loop.request_stop()

        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, handler)

    try:
        yield install
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _finish(session: Any, home: str | None, signals: list[int]) -> None:
    from nniannot.runner.console import summary
    from nniannot.runner.manage import no_success_reason
    from nniannot.runner.paretoset import experiment_pareto, summary_lines

    exp = session.store.get_experiment(session.exp_id)
    pareto = experiment_pareto(exp, session.store)
    outcome = summary_lines(pareto) if pareto is not None else None
    click.echo(summary(exp, session.home.trials_dir(exp.id), home, outcome))
    if signals:
        sys.exit(128 + signals[0])  # the shell's convention: 130 for Ctrl-C, 143 for SIGTERM
    reason = no_success_reason(session.store, exp.id)
    if reason is not None:  # also when the loop gave up after failed starts (an ERROR experiment)
        click.echo(f"error: {reason}", err=True)
        sys.exit(NO_SUCCESS_EXIT)
    if exp.status == "ERROR":
        sys.exit(1)
