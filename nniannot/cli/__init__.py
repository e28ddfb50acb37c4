"""The ``nni-annot`` command line.

One click group; each part of nni-annot contributes its commands from a module of this package
(``transform``: ss_gen, expand; ``runs``: run, trial, resume, rerun-failed; ``manage``: list, show, export,
import, stop, delete; ``archive``: save, load; ``view``; ``watch``); ``common`` holds what they share. Command modules import click
only; they import transformer/runner/viewer inside the command functions so that ``--help`` and every
command start fast. Errors derived from :class:`~nniannot.errors.NniAnnotError` become a message on
stderr and an exit code, never a traceback.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from nniannot import __version__
from nniannot.errors import AnnotationError, NniAnnotError

COMMAND_MODULES = ("transform", "runs", "manage", "archive", "view", "watch")


class ErrorReportingGroup(click.Group):
    """A group that reports nni-annot's errors as ``error: ...`` with the error's exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except NniAnnotError as exc:
            # Located diagnostics already read `file:line:col: error: ...`; other errors get the prefix.
            click.echo(str(exc) if isinstance(exc, AnnotationError) else f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)


@click.group(cls=ErrorReportingGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="nni-annot")
def main() -> None:
    """Annotation-driven hyper-parameter and architecture search.

    Put NNI-style annotations into a training script you already have, then:

    \b
        nni-annot ss_gen train.py        # print the search space (NNI JSON)
        nni-annot run train.py           # tune it
        nni-annot view                   # look at the results in the browser
    """


def _register() -> None:
    for name in COMMAND_MODULES:
        qualified = f"{__name__}.{name}"
        try:
            module = importlib.import_module(qualified)
        except ModuleNotFoundError as exc:
            if exc.name == qualified:
                continue  # that part is not built yet
            raise
        module.register(main)


_register()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
