"""Calling a custom class: each call with a deadline, each failure a located CustomAlgorithmError.

A call runs on a worker thread while the runner waits up to ``timeout`` seconds for it. One that raises,
or does not return in time, becomes a CustomAlgorithmError naming the class (file:line), the method and
what went wrong; the experiment then ends with that message, and what its trials recorded is kept. A
call that hangs keeps its (daemon) thread; the runner does not wait for it when it exits.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable, Mapping
from typing import Any

from nniannot.errors import CustomAlgorithmError, SearchSpaceError
from nniannot.runner.custom.loading import LoadedClass, raised_at, signature_problem
from nniannot.searchspace import SearchSpace

DEFAULT_TIMEOUT = 60.0
# Keys a tuner may add beside the space's: the budget multi-fidelity algorithms hand to trials.
EXTRA_KEYS = ("TRIAL_BUDGET",)
# The exceptions by which NNI's tuners say "nothing more now", whichever `nni` defined them.
NO_MORE = ("NoMoreTrialError",)


class NoMoreTrials(Exception):
    """The class raised NNI's NoMoreTrialError."""


class Caller:
    """Calls the methods of one loaded custom class (or its instance) under its scope and deadline."""

    def __init__(self, loaded: LoadedClass, timeout: float | None = None) -> None:
        self.loaded = loaded
        self.timeout = DEFAULT_TIMEOUT if timeout is None else float(timeout)

    def error(self, method: str, what: str) -> CustomAlgorithmError:
        return self.loaded.error(method, what)

    def call(
        self, method: str, fn: Callable[..., Any], *args: Any, no_more: bool = False, **kwargs: Any
    ) -> Any:
        """``fn(*args, **kwargs)``. CustomAlgorithmError if it raised or took longer than the deadline;
        with ``no_more``, NoMoreTrials if what it raised was NNI's NoMoreTrialError."""
        outcome: dict[str, Any] = {}

        def run() -> None:
            try:
                outcome["value"] = fn(*args, **kwargs)
            except BaseException as exc:
                outcome["error"] = exc

        worker = threading.Thread(target=run, name=f"nniannot-{self.loaded.kind}-{method}", daemon=True)
        with self.loaded.scope.active():
            worker.start()
            worker.join(self.timeout)
        if worker.is_alive():
            raise self.error(
                method,
                f"did not return within {self.timeout:g} s (raise `algorithm_timeout` if it needs longer)",
            )
        exc = outcome.get("error")
        if exc is None:
            return outcome.get("value")
        if no_more and any(c.__name__ in NO_MORE for c in type(exc).__mro__):
            raise NoMoreTrials(str(exc))
        if isinstance(exc, CustomAlgorithmError):
            raise exc
        raise self.error(method, f"raised {type(exc).__name__}: {exc}{raised_at(exc)}")

    def construct(
        self,
        args: dict[str, Any],
        positional: tuple[Any, ...] = (),
        reserved: Mapping[str, Any] | None = None,
    ) -> Any:
        """An instance built with ``positional`` and ``reserved`` (our own arguments), then the class
        arguments ``args``; a class argument the class does not take is an error before the call."""
        reserved = dict(reserved or {})
        self.check_args(args, len(positional), tuple(reserved))
        return self.call("__init__", self.loaded.cls, *positional, **reserved, **args)

    def check_args(self, args: dict[str, Any], positional: int = 0, reserved: tuple[str, ...] = ()) -> None:
        """CustomAlgorithmError if the class cannot be built with ``positional`` arguments, the keywords
        ``reserved`` and the class arguments ``args``."""
        problem = signature_problem(self.loaded.cls, args, reserved, positional)
        if problem is not None:
            raise self.error("__init__", f"(classArgs {args!r}) {problem}")

    def parameters(
        self, method: str, value: Any, space: SearchSpace, extra: tuple[str, ...] = EXTRA_KEYS
    ) -> dict[str, Any]:
        """``value`` checked as one configuration of ``space`` (plain JSON values; ``extra`` keys allowed)."""
        if not isinstance(value, Mapping):
            raise self.error(method, f"returned {_short(value)}, not a dict of parameters")
        try:
            plain = json.loads(json.dumps(dict(value), default=_json_default, allow_nan=True))
        except (TypeError, ValueError) as exc:
            raise self.error(
                method, f"returned parameters that are not JSON values ({exc}): {_short(value)}"
            ) from None
        inside = {k: v for k, v in plain.items() if k not in extra}
        try:
            space.check(inside)
            bad = next((k for k, v in inside.items() if isinstance(v, float) and not math.isfinite(v)), None)
            if bad is not None:
                raise SearchSpaceError(f"parameter {bad!r} is {inside[bad]}")
        except SearchSpaceError as exc:
            raise self.error(
                method, f"returned parameters outside the search space: {exc}; it returned {_short(plain)}"
            ) from None
        return plain


def _json_default(value: Any) -> Any:
    tolist = getattr(value, "tolist", None)  # numpy scalars and arrays
    if callable(tolist):
        return tolist()
    raise TypeError(f"{type(value).__name__} is not a JSON value")


def _short(value: Any, limit: int = 300) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
