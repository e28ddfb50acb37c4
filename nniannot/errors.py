"""The exception tree and located diagnostics shared by every part of nni-annot.

Every error a user can cause derives from :class:`NniAnnotError`. The CLI turns these into a message and an
exit code; it never shows a traceback for them. Problems found in source files are :class:`Diagnostic`
values (file, line, column, message, the source line) printed compiler-style, so an editor can jump to them.
"""

from __future__ import annotations

from collections import namedtuple

TYPE_CHECKING = False  # a trial imports this module: `typing` and `dataclasses` would add ~15 ms
if TYPE_CHECKING:
    from collections.abc import Iterable

_DiagnosticFields = namedtuple(
    "_DiagnosticFields",
    ["path", "line", "col", "message", "severity", "source_line"],
    defaults=("error", None),
)


class Diagnostic(_DiagnosticFields):
    """A problem found at a place in a source file (immutable; compares and hashes by value).

    Fields: ``path``, ``line`` and ``col`` (1-based; ``col`` 0 means the whole line), ``message``,
    ``severity`` (``"error"`` or ``"warning"``, default error) and ``source_line``, the text of that line
    without its newline, so that the caret can be drawn without reading the file again.
    """

    __slots__ = ()
    path: str
    line: int
    col: int
    message: str
    severity: str
    source_line: str | None

    def format(self) -> str:
        """Render as ``path:line:col: severity: message``, then the line and a caret under the column."""
        head = f"{self.path}:{self.line}:{max(self.col, 1)}: {self.severity}: {self.message}"
        if self.source_line is None:
            return head
        text = self.source_line.rstrip("\n")
        caret = " " * (max(self.col, 1) - 1) + "^"
        return f"{head}\n    {text}\n    {caret}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def format_diagnostics(diagnostics: Iterable[Diagnostic]) -> str:
    """Render several diagnostics, one block each, sorted by place."""
    ordered = sorted(diagnostics, key=lambda d: (d.path, d.line, d.col))
    return "\n".join(d.format() for d in ordered)


class NniAnnotError(Exception):
    """Root of every error nni-annot raises for a user's input or environment."""

    exit_code = 1


class AnnotationError(NniAnnotError):
    """One or more annotations are wrong. Carries every diagnostic found, not only the first."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = list(diagnostics)
        super().__init__(format_diagnostics(self.diagnostics))


class SearchSpaceError(NniAnnotError):
    """A search space (NNI JSON or built from annotations) breaks a rule; the message names the key."""


class ConfigError(NniAnnotError):
    """An experiment configuration (CLI options or YAML) is wrong."""


class TunerError(NniAnnotError):
    """A tuner or assessor was named or configured wrongly."""


class CustomAlgorithmError(TunerError):
    """A custom tuner, assessor or advisor class cannot be loaded, or one of its calls failed, hung or
    returned something unusable; the message names the class (file:line) and the method."""


class StoreError(NniAnnotError):
    """The experiment store cannot be read or written (locked, full disk, corrupt, missing)."""


class ExperimentNotFound(StoreError):
    """No experiment matches the id, prefix or alias given."""


class BackendError(NniAnnotError):
    """Trials cannot be started where the configuration says (scheduler unreachable, missing extra)."""


class ProtocolError(NniAnnotError):
    """A trial's parameter or metric file is malformed."""


class NasError(NniAnnotError):
    """A mutable layer cannot run in the one-shot architecture-search mode asked for; located at its line."""


class MetricError(ProtocolError):
    """A value reported as a metric is not one: a metric is a number, or a dict with a numeric ``default``."""


class RunnerStillRunning(NniAnnotError):
    """A runner asked to stop had not stopped when the wait ran out (it may still be stopping its trials)."""


class ConfigFileError(ConfigError):
    """A config file breaks rules: carries every problem found in it, each located at file:line:col."""

    def __init__(self, path: str, diagnostics: Iterable[Diagnostic]) -> None:
        self.path = path
        self.diagnostics = list(diagnostics)
        count = len(self.diagnostics)
        heading = f"{path}: {count} problem{'' if count == 1 else 's'}"
        super().__init__(f"{heading}\n{format_diagnostics(self.diagnostics)}")


class TrialNotFound(StoreError):
    """No trial of the experiment matches the id, prefix or number given."""


class ArchiveError(NniAnnotError):
    """An experiment archive cannot be written or loaded (newer format, unsafe member, corrupt, id taken)."""


class MigrationError(NniAnnotError):
    """A script given to ``nni-annot migrate`` cannot be read as Python (the message is located)."""
