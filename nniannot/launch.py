"""Start a trial: ``python -m nniannot.launch --snapshot S [--code-dir D] script.py [args...]``.

Runs ``script.py`` as ``__main__`` the way ``python script.py`` would (``sys.argv``, ``sys.path[0]``,
``__file__``), but every project file recorded in the experiment's code snapshot (:mod:`nniannot.snapshot`)
is loaded from the snapshot: its rewritten code if it is annotated, else its original, as it was when the
experiment started. Code is compiled with the original path as its file name and tracebacks show the
snapshot's lines, so ``__file__``, relative paths and error messages are the user's. Modules outside the
snapshot (the standard library, installed packages, files the static import scan did not see) load as
usual; such a file under the code directory that holds annotations stops the trial with a message, because
its annotations are not part of the experiment's search space. Nothing is written to the project (not even
``__pycache__``). Standard library only: a trial never needs the transformer.

:func:`launch_command` builds the launcher's argv and :func:`parse_argv` reads it; nothing else knows its form.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys
import types

from nniannot.errors import NasError
from nniannot.snapshot import Snapshot, SnapshotError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

MODULE = "nniannot.launch"
_MARK = b"@nni."


class LaunchArgs:
    """The parsed launcher argv: snapshot folder, code directory (None: the snapshot's), script, its args."""

    __slots__ = ("args", "code_dir", "script", "snapshot")

    def __init__(self, snapshot: str, code_dir: str | None, script: str, args: list[str]) -> None:
        self.snapshot, self.code_dir, self.script, self.args = snapshot, code_dir, script, args


def launch_command(
    python: str, snapshot: str, code_dir: str, script: str, args: Sequence[str] = ()
) -> list[str]:
    """The argv that runs ``script`` (an absolute path inside ``code_dir``) from ``snapshot``."""
    return [python, "-m", MODULE, "--snapshot", snapshot, "--code-dir", code_dir, script, *args]


def parse_argv(command: Sequence[str]) -> LaunchArgs | None:
    """The launcher's arguments in a whole trial command (``python -m nniannot.launch ...``), else None."""
    command = list(command)
    if MODULE not in command or command[command.index(MODULE) - 1] != "-m":
        return None
    try:
        return _parse_options(command[command.index(MODULE) + 1 :])
    except ValueError:
        return None


def _parse_options(argv: list[str]) -> LaunchArgs:
    """``--snapshot S [--code-dir D] script [args...]``; options end at the script. ValueError if malformed."""
    options: dict[str, str] = {}
    while argv and argv[0].startswith("-"):
        flag = argv.pop(0)
        name, eq, value = flag.partition("=")
        if name not in ("--snapshot", "--code-dir") or (not eq and not argv):
            raise ValueError(f"unknown or incomplete option {flag!r}")
        options[name] = value if eq else argv.pop(0)
    if "--snapshot" not in options:
        raise ValueError("--snapshot DIR is missing")
    if not argv:
        raise ValueError("the script to run is missing")
    return LaunchArgs(options["--snapshot"], options.get("--code-dir"), argv[0], argv[1:])


class Served:
    """The snapshot as a trial sees it: which absolute paths it serves, and their code."""

    def __init__(self, snapshot: Snapshot, code_dir: str) -> None:
        self.snapshot = snapshot
        self.code_dir = os.path.abspath(code_dir)

    def rel(self, path: str) -> str | None:
        """The manifest key of an absolute path, if the snapshot has that file."""
        path = os.path.abspath(path)
        if not path.startswith(self.code_dir + os.sep):
            return None
        rel = path[len(self.code_dir) + 1 :].replace(os.sep, "/")
        return rel if rel in self.snapshot.files else None

    def source(self, path: str) -> bytes:
        """The code to run for ``path`` (served by the snapshot); its original lines go to linecache."""
        rel = self.rel(path)
        if rel is None:
            raise KeyError(path)
        original = self.snapshot.original(rel)
        _remember_lines(path, original)
        return self.snapshot.code(rel)

    def inside(self, entry: object) -> bool:
        if not isinstance(entry, str):
            return False
        full = os.path.abspath(entry or os.getcwd())
        return full == self.code_dir or full.startswith(self.code_dir + os.sep)


def _remember_lines(path: str, data: bytes) -> None:
    """Make tracebacks show the snapshot's lines for ``path``, even if the file has changed since."""
    import linecache

    text = importlib.util.decode_source(data)
    linecache.cache[path] = (len(text), None, text.splitlines(keepends=True), path)


class _Loader(importlib.machinery.SourceFileLoader):
    """Loads a module from the snapshot; no bytecode is read or written."""

    def __init__(self, fullname: str, path: str, served: Served) -> None:
        super().__init__(fullname, path)
        self._served = served

    def get_data(self, path: str) -> bytes:
        if self._served.rel(path) is not None:
            return self._served.source(path)
        return super().get_data(path)

    def get_code(self, fullname: str) -> types.CodeType:
        return compile(self.get_data(self.path), self.path, "exec", dont_inherit=True)


class Finder:
    """Serves the snapshot's modules; refuses an annotated project module the snapshot does not have.

    A meta path finder by protocol (``find_spec``): subclassing ``importlib.abc.MetaPathFinder`` would
    import ``importlib.resources`` and ``typing``, about 13 ms of every trial's start.
    """

    def __init__(self, served: Served) -> None:
        self.served = served

    def find_spec(self, fullname: str, path: Sequence[str] | None = None, target: Any = None) -> Any:
        search = [p for p in (path if path is not None else sys.path) if self.served.inside(p)]
        if not search:
            return None
        tail = fullname.rpartition(".")[2]
        for folder in search:
            base = os.path.join(os.path.abspath(folder or os.getcwd()), tail)
            for candidate, package in ((os.path.join(base, "__init__.py"), True), (base + ".py", False)):
                if self.served.rel(candidate) is not None:
                    loader = _Loader(fullname, candidate, self.served)
                    return importlib.util.spec_from_file_location(
                        fullname, candidate, loader=loader,
                        submodule_search_locations=[os.path.dirname(candidate)] if package else None,
                    )  # fmt: skip
        spec = importlib.machinery.PathFinder.find_spec(fullname, search)
        if spec is not None and spec.origin and spec.origin.endswith(".py"):
            _refuse_if_annotated(spec.origin)
        return None  # not part of the snapshot: the normal machinery loads it


def _refuse_if_annotated(path: str) -> None:
    """Stop the trial if a project file outside the snapshot holds annotations (they would be ignored)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return
    if _MARK not in data or not _has_annotation(data):
        return
    sys.stderr.write(
        f"error: {path} has @nni annotations but is not part of this experiment's code snapshot.\n"
        "nni-annot finds a trial's modules by following its import statements, and this module is imported "
        "another way (importlib, __import__, a path computed at run time), so its annotations are not in the "
        "search space. Import it with a plain `import` statement from the script or one of its modules, then "
        "start the experiment again.\n"
    )
    raise SystemExit(1)


def _has_annotation(data: bytes) -> bool:
    import ast

    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            value = node.value.value
            if isinstance(value, str) and value.lstrip().startswith("@nni."):
                return True
    return False


def run_script(script: str, args: Sequence[str], snapshot_dir: str, code_dir: str | None = None) -> None:
    """Install the snapshot's finder and run ``script`` as ``__main__``; returns when the script does."""
    path = os.path.abspath(script)
    snapshot = Snapshot.load(snapshot_dir)
    served = Served(snapshot, code_dir or snapshot.code_dir)
    if served.rel(path) != snapshot.entry:
        raise SnapshotError(
            f"{script} is not the script of the code snapshot {snapshot_dir} (that is {snapshot.entry})"
        )
    sys.meta_path.insert(0, Finder(served))
    sys.argv = [script, *args]
    sys.path[0] = os.path.dirname(path)
    code = compile(served.source(path), path, "exec", dont_inherit=True)
    main = types.ModuleType("__main__")
    main.__dict__.update(__file__=path, __builtins__=__builtins__, __cached__=None, __loader__=None)
    sys.modules["__main__"] = main
    try:
        exec(code, main.__dict__)
    except (SystemExit, KeyboardInterrupt):
        raise
    except BaseException as exc:
        _report_uncaught(exc)
        raise SystemExit(1) from None


def _report_uncaught(exc: BaseException) -> None:
    """Print the traceback as ``python script.py`` would, without this launcher's own frames.

    A :class:`~nniannot.errors.NasError` is the user's mistake, already located: its message alone."""
    if isinstance(exc, NasError):
        sys.stderr.write(f"{exc}\n")
        return
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    exc.__traceback__ = tb  # the default hook prints the exception's own traceback
    if sys.excepthook is not sys.__excepthook__:  # the script installed its own hook: let it print
        sys.excepthook(type(exc), exc, tb)
        return
    import traceback  # unlike the built-in hook, it quotes lines through linecache: the snapshot's lines

    traceback.print_exception(type(exc), exc, tb)


_USAGE = (
    "usage: python -m nniannot.launch --snapshot DIR [--code-dir DIR] script.py [args ...]\n"
    "(trials are started by `nni-annot run`; to run an annotated script once, use `nni-annot trial script.py`)\n"
)


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the launcher's options and run the script from the snapshot."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] in (["-h"], ["--help"]):
        sys.stdout.write(_USAGE)
        return
    try:
        parsed = _parse_options(argv)
    except ValueError as exc:
        sys.stderr.write(f"{_USAGE}error: {exc}\n")
        raise SystemExit(2) from None
    try:
        run_script(parsed.script, parsed.args, parsed.snapshot, parsed.code_dir)
    except SnapshotError as exc:
        sys.stderr.write(f"error: {exc}\n")
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
