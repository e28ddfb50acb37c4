"""Start a trial: ``python -m nniannot.launch [--code-dir D] [--cache C] script.py [args...]``.

Runs ``script.py`` as ``__main__`` the way ``python script.py`` would (``sys.argv``, ``sys.path[0]``,
``__file__``), but with an import hook that serves the rewritten code of the project's annotated modules
(those under the code directory whose source contains ``@nni.``). Rewritten code comes from the cache,
keyed by a hash of the module name and the source bytes; on a miss the transformer is imported lazily and
the result cached. Code is compiled with the original path as its file name, so tracebacks, ``__file__``
and relative paths are the user's. Nothing is copied and no file of the project is written (not even
``__pycache__``). Standard library only.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import types
from collections.abc import Sequence
from typing import Any

CACHE_FORMAT = "nni-annot-rewrite-1"
_MARK = b"@nni."


def cache_key(module: str, source: bytes) -> str:
    """The cache entry name of a module's rewritten code (changes with the module name or the source)."""
    import hashlib  # only annotated modules are hashed

    digest = hashlib.sha256(f"{CACHE_FORMAT}\0{module}\0".encode())
    digest.update(source)
    return digest.hexdigest()


def default_cache_dir() -> str:
    """``$NNIANNOT_HOME/cache``, else ``$XDG_CACHE_HOME/nni-annot``, else ``~/.cache/nni-annot``."""
    home = os.environ.get("NNIANNOT_HOME")
    if home:
        return os.path.join(home, "cache")
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "nni-annot")


def module_name(path: str, code_dir: str) -> str:
    """Dotted name of ``path`` relative to ``code_dir`` without ``.py`` (``models.mlp``)."""
    rel = os.path.relpath(os.path.abspath(path), os.path.abspath(code_dir))
    if rel.startswith(".."):
        rel = os.path.basename(path)
    parts = rel[:-3].split(os.sep) if rel.endswith(".py") else rel.split(os.sep)
    if len(parts) > 1 and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


class Rewriter:
    """Rewritten code of annotated project files, from the cache or (on a miss) from the transformer."""

    def __init__(self, code_dir: str, cache_dir: str) -> None:
        self.code_dir = os.path.abspath(code_dir)
        self.cache_dir = cache_dir

    def owns(self, path: str) -> bool:
        path = os.path.abspath(path)
        if not path.startswith(self.code_dir + os.sep):
            return False
        return "site-packages" not in path and "dist-packages" not in path

    def code(self, path: str, data: bytes) -> str | None:
        """The rewritten source of the file, or None if it has no annotations."""
        if _MARK not in data:
            return None
        module = module_name(path, self.code_dir)
        entry = os.path.join(self.cache_dir, cache_key(module, data) + ".py")
        try:
            with open(entry, encoding="utf-8") as f:
                return f.read()
        except OSError:
            pass
        return self._transform(path, module, data, entry)

    def _transform(self, path: str, module: str, data: bytes, entry: str) -> str | None:
        from nniannot.transformer.cache import store  # only on a cache miss
        from nniannot.transformer.core import transform

        result = transform(importlib.util.decode_source(data), module, path)
        if not result.ok:
            sys.stderr.write("\n".join(d.format() for d in result.diagnostics) + "\n")
            raise SystemExit(1)
        if not result.has_annotations:
            return None
        store(entry, result.code)
        return result.code


class _Loader(importlib.machinery.SourceFileLoader):
    """Loads a module from its rewritten source; no bytecode is read or written."""

    def __init__(self, fullname: str, path: str, source: str) -> None:
        super().__init__(fullname, path)
        self._rewritten = source

    def get_code(self, fullname: str) -> types.CodeType:
        return compile(self._rewritten, self.path, "exec", dont_inherit=True)


class Finder(importlib.abc.MetaPathFinder):
    """Serves rewritten code for the annotated modules under the code directory."""

    def __init__(self, rewriter: Rewriter) -> None:
        self.rewriter = rewriter

    def find_spec(self, fullname: str, path: Sequence[str] | None = None, target: Any = None) -> Any:
        search = [p for p in (path if path is not None else sys.path) if self._inside(p)]
        if not search:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, search)
        if spec is None or not isinstance(spec.loader, importlib.machinery.SourceFileLoader):
            return None
        origin = spec.origin or ""
        if not self.rewriter.owns(origin):
            return None
        with open(origin, "rb") as f:
            source = self.rewriter.code(origin, f.read())
        if source is None:
            return None  # nothing to rewrite: let the normal machinery load it
        spec.loader = _Loader(fullname, origin, source)
        return spec

    def _inside(self, entry: str) -> bool:
        if not isinstance(entry, str):
            return False
        full = os.path.abspath(entry or os.getcwd())
        return full == self.rewriter.code_dir or full.startswith(self.rewriter.code_dir + os.sep)


def run_script(
    script: str, args: Sequence[str], code_dir: str | None = None, cache_dir: str | None = None
) -> None:
    """Install the hook and run ``script`` as ``__main__``; returns when the script does."""
    path = os.path.abspath(script)
    rewriter = Rewriter(code_dir or os.path.dirname(path), cache_dir or default_cache_dir())
    sys.meta_path.insert(0, Finder(rewriter))
    sys.argv = [script, *args]
    sys.path[0] = os.path.dirname(path)
    with open(path, "rb") as f:
        data = f.read()
    source = rewriter.code(path, data) if rewriter.owns(path) else None
    code = compile(source if source is not None else data, path, "exec", dont_inherit=True)
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
    """Print the traceback as ``python script.py`` would, without this launcher's own frames."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    exc.__traceback__ = tb  # the default hook prints the exception's own traceback
    sys.excepthook(type(exc), exc, tb)


_USAGE = "usage: python -m nniannot.launch [--code-dir DIR] [--cache DIR] script.py [args ...]\n"


def main(argv: Sequence[str] | None = None) -> None:
    """Parse ``[--code-dir D] [--cache C] script [args...]``; options end at the script's path."""
    argv = list(sys.argv[1:] if argv is None else argv)
    options: dict[str, str] = {}
    while argv and argv[0].startswith("-"):
        flag = argv.pop(0)
        if flag in ("-h", "--help"):
            sys.stdout.write(_USAGE)
            return
        name, eq, value = flag.partition("=")
        if name not in ("--code-dir", "--cache") or (not eq and not argv):
            sys.stderr.write(f"{_USAGE}error: unknown or incomplete option {flag!r}\n")
            raise SystemExit(2)
        options[name] = value if eq else argv.pop(0)
    if not argv:
        sys.stderr.write(f"{_USAGE}error: the script to run is missing\n")
        raise SystemExit(2)
    if not os.path.isfile(argv[0]):
        sys.stderr.write(f"error: no such script: {argv[0]}\n")
        raise SystemExit(2)
    run_script(argv[0], argv[1:], options.get("--code-dir"), options.get("--cache"))


if __name__ == "__main__":
    main()
