"""Finding and importing a custom algorithm class: ``path/to/file.py:Class`` or ``module:Class``.

A file path is absolute once a configuration has been read (relative ones resolve against the config file's
folder, or the current directory on the command line). A module is imported from the trial script's folder
(``code_dir``). While the file is imported, and while the class is called later, its folder is on
``sys.path`` and, when the real NNI is not installed, nni-annot's shim is importable as ``nni``; between
calls both are taken away again, so nothing else in the process sees them. A real ``nni`` always wins.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from nniannot.errors import CustomAlgorithmError
from nniannot.runner.shim import SHIM_DIR, installed_nni

SEPARATOR = ":"


def is_custom(name: str | None) -> bool:
    """Whether an algorithm name refers to a class (``source:Class``) rather than a built-in."""
    return bool(name) and SEPARATOR in str(name)


@dataclass(frozen=True)
class Reference:
    """``source`` is a ``.py`` file or a dotted module name; ``class_name`` the class in it."""

    source: str
    class_name: str

    @property
    def is_file(self) -> bool:
        return self.source.endswith(".py")

    def __str__(self) -> str:
        return f"{self.source}{SEPARATOR}{self.class_name}"


def parse_reference(text: str, kind: str) -> Reference:
    """``source:Class``; CustomAlgorithmError if either part is missing or the class is not a name."""
    source, _, class_name = str(text).rpartition(SEPARATOR)
    if not source or not class_name.isidentifier():
        raise CustomAlgorithmError(
            f"custom {kind} {text!r}: give it as path/to/file.py:ClassName or module:ClassName"
        )
    return Reference(source, class_name)


def absolute_reference(text: str, base: str) -> str:
    """``text`` with a relative ``.py`` path made absolute against ``base``; module names stay as they are."""
    source, sep, class_name = str(text).rpartition(SEPARATOR)
    if sep and source.endswith(".py") and not os.path.isabs(source):
        source = os.path.normpath(os.path.join(base, os.path.expanduser(source)))
    return f"{source}{sep}{class_name}" if sep else text


@dataclass
class Scope:
    """Folders and modules that exist on ``sys.path``/``sys.modules`` only while the class is used."""

    paths: list[str] = field(default_factory=list)
    modules: dict[str, ModuleType] = field(default_factory=dict)

    @contextmanager
    def active(self) -> Iterator[None]:
        """Within the block the folders and modules are there; modules imported from the folders within it
        (at load time, or later by a method) join the scope on the way out."""
        added = [p for p in self.paths if p not in sys.path]
        sys.path[:0] = added
        shadowed = {name: sys.modules[name] for name in self.modules if name in sys.modules}
        sys.modules.update(self.modules)
        before = set(sys.modules)
        try:
            yield
        finally:
            self.capture(before)
            for p in added:
                if p in sys.path:
                    sys.path.remove(p)
            for name, module in self.modules.items():
                if sys.modules.get(name) is module:
                    del sys.modules[name]
            sys.modules.update(shadowed)

    def capture(self, before: set[str]) -> None:
        """Move the modules imported since ``before`` from this scope's folders into the scope."""
        roots = tuple(os.path.join(os.path.realpath(p), "") for p in self.paths)
        for name in [n for n in sys.modules if n not in before]:
            module = sys.modules[name]
            origin = getattr(module, "__file__", None) or next(
                iter(getattr(module, "__path__", []) or []), ""
            )
            if name.split(".")[0] != "nniannot" and origin and os.path.realpath(origin).startswith(roots):
                self.modules[name] = module
                del sys.modules[name]


@dataclass
class LoadedClass:
    """A custom class, where it is defined, and the scope its calls run in."""

    cls: type
    reference: Reference
    kind: str
    scope: Scope
    place: str  # file:line of the class, or its reference when the source cannot be found

    @property
    def where(self) -> str:
        """``Class (file:line)``."""
        return f"{self.cls.__name__} ({self.place})"

    def error(self, method: str, what: str) -> CustomAlgorithmError:
        return CustomAlgorithmError(
            f"custom {self.kind} {self.where}: {f'{method} ' if method else ''}{what}"
        )


def load_class(text: str, kind: str, code_dir: str | None) -> LoadedClass:
    """Import the class ``text`` names (see the module's docstring). Every failure is one
    CustomAlgorithmError saying where: a missing file or module, a syntax error (file:line), an error
    raised while importing (file:line), a missing class."""
    ref = parse_reference(text, kind)
    scope = Scope()
    if installed_nni() is None:
        scope.paths.append(SHIM_DIR)
    if ref.is_file:
        if not os.path.isfile(ref.source):
            raise CustomAlgorithmError(f"custom {kind} {ref}: no such file {ref.source}")
        scope.paths.insert(0, os.path.dirname(os.path.abspath(ref.source)))
    else:
        scope.paths.insert(0, os.path.abspath(code_dir or os.getcwd()))
    with scope.active():
        module = _import(ref, kind, scope.paths[0])
        cls = getattr(module, ref.class_name, None)
        place = _place(cls) if isinstance(cls, type) else None
    if not isinstance(cls, type):
        defined = sorted(
            n for n, v in vars(module).items() if isinstance(v, type) and v.__module__ == module.__name__
        )
        has = f"; it defines {', '.join(defined)}" if defined else "; it defines no class"
        raise CustomAlgorithmError(
            f"custom {kind} {ref}: {getattr(module, '__file__', ref.source)} has no class {ref.class_name!r}{has}"
        )
    return LoadedClass(cls, ref, kind, scope, place or str(ref))


def _place(cls: type) -> str | None:
    try:
        path = inspect.getsourcefile(cls)
        line = inspect.getsourcelines(cls)[1]
    except (OSError, TypeError):
        return None
    return f"{path}:{line}" if path else None


def _import(ref: Reference, kind: str, folder: str) -> ModuleType:
    try:
        if ref.is_file:
            name = f"nniannot_custom_{kind}_{os.path.splitext(os.path.basename(ref.source))[0]}"
            spec = importlib.util.spec_from_file_location(name, ref.source)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
            return module
        return importlib.import_module(ref.source)
    except SyntaxError as exc:
        where = f"{exc.filename}:{exc.lineno}:{exc.offset or 1}"
        raise CustomAlgorithmError(f"{where}: syntax error in custom {kind} {ref}: {exc.msg}") from None
    except ModuleNotFoundError as exc:
        if not ref.is_file and exc.name is not None and ref.source.startswith(exc.name):
            raise CustomAlgorithmError(
                f"custom {kind} {ref}: no module {exc.name!r} in {folder} (the script's folder)"
            ) from None
        raise CustomAlgorithmError(f"{_raised_at(exc)}importing custom {kind} {ref} failed: {exc}") from None
    except Exception as exc:
        raise CustomAlgorithmError(
            f"{_raised_at(exc)}importing custom {kind} {ref} failed: {type(exc).__name__}: {exc}"
        ) from None


def _user_frame(exc: BaseException) -> traceback.FrameSummary | None:
    """The innermost frame of ``exc`` outside nni-annot and the import machinery."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not _internal(f.filename)]
    return frames[-1] if frames else None


def _raised_at(exc: BaseException) -> str:
    frame = _user_frame(exc)
    return f"{frame.filename}:{frame.lineno}: " if frame else ""


_OURS = tuple(
    os.path.join(os.path.realpath(p), "")
    for p in (os.path.dirname(os.path.dirname(os.path.abspath(__file__))), os.path.dirname(SHIM_DIR))
)


def _internal(path: str) -> bool:
    return path.startswith("<") or os.path.realpath(path).startswith(_OURS)


def raised_at(exc: BaseException) -> str:
    """Where in the user's code ``exc`` was raised (``" (at file:line, in function)"``), or nothing."""
    frame = _user_frame(exc)
    return f" (at {frame.filename}:{frame.lineno}, in {frame.name})" if frame else ""


def signature_problem(
    cls: type, args: dict[str, Any], reserved: tuple[str, ...], positional: int = 0
) -> str | None:
    """Why ``cls(<positional>, **reserved..., **args)`` cannot be called, or None (``**kwargs`` takes anything)."""
    try:
        params = dict(inspect.signature(cls.__init__).parameters)  # type: ignore[misc]
    except (TypeError, ValueError):
        return None
    params.pop("self", None)
    for name in list(params)[:positional]:
        del params[name]
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return None
    unknown = [k for k in args if k not in params]
    if unknown:
        known = [k for k in params if k not in ("self", *reserved)]
        return f"does not take {', '.join(map(repr, unknown))}; it takes {', '.join(known) or 'no arguments'}"
    required = [n for n, p in params.items() if n != "self" and p.default is inspect.Parameter.empty
                and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and n not in args and n not in reserved]  # fmt: skip
    if required:
        return f"needs {', '.join(map(repr, required))} in its class arguments"
    return None
