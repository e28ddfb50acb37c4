"""Name-based construction shared by the tuner and assessor registries."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Mapping
from typing import Any

from nniannot.errors import TunerError

# canonical name -> (module, class, NNI-style aliases); names compare case- and separator-insensitively
Registry = Mapping[str, tuple[str, str, tuple[str, ...]]]


def fold_name(name: str) -> str:
    """``name`` as the registries compare it: lower case, without ``_`` and ``-``."""
    return name.lower().replace("_", "").replace("-", "")


def resolve(registry: Registry, name: str, kind: str) -> type:
    """The class registered under ``name`` or one of its aliases; TunerError listing the known names."""
    wanted = fold_name(name)
    for canonical, (module_name, cls_name, aliases) in registry.items():
        if wanted == fold_name(canonical) or wanted in (fold_name(a) for a in aliases):
            return getattr(importlib.import_module(module_name), cls_name)
    known = [
        f"{canonical} ({', '.join(aliases)})" if aliases else canonical
        for canonical, (_, _, aliases) in sorted(registry.items())
    ]
    raise TunerError(
        f"unknown {kind} {name!r}; known {kind}s: {', '.join(known) or 'none'} "
        "(other spellings in brackets; case, '_' and '-' do not matter)"
        " (or a class of your own: path/to/file.py:ClassName, module:ClassName)"
    )


def check_class_args(
    cls: type, name: str, kind: str, class_args: Mapping[str, Any], reserved: tuple[str, ...]
) -> None:
    """Raise TunerError if ``cls`` does not accept every key of ``class_args``, listing what it takes."""
    accepted = inspect.signature(cls.__init__).parameters  # type: ignore[misc]
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in accepted.values()):
        return
    unknown = [k for k in class_args if k not in accepted]
    if unknown:
        known = [k for k in accepted if k not in ("self", *reserved)]
        raise TunerError(
            f"{kind} {name!r} does not take {', '.join(map(repr, unknown))}; "
            f"it takes {', '.join(known) or 'no other arguments'}"
        )
