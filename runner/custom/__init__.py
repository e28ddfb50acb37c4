"""Custom tuners, assessors and advisors: a class named ``path/to/file.py:Class`` or ``module:Class``.

The class may be written against NNI's API (``nni.tuner.Tuner``, ``nni.assessor.Assessor``, an advisor
deriving from ``nni.runtime.msg_dispatcher_base.MsgDispatcherBase``; see :mod:`.nni_tuner`,
:mod:`.nni_assessor`, :mod:`.nni_advisor`), or against nni-annot's own ask/tell interfaces
(:class:`~nniannot.runner.tuners.base.Tuner`, :class:`~nniannot.runner.assessors.base.Assessor`). Which one
is told by what the class derives from or defines. Loading problems and failed calls are
:class:`~nniannot.errors.CustomAlgorithmError`, each naming the class's file:line and the method.
"""

from __future__ import annotations

from typing import Any

from nniannot.runner.assessors.base import Assessor
from nniannot.runner.custom.calls import DEFAULT_TIMEOUT, Caller
from nniannot.runner.custom.loading import absolute_reference, is_custom, load_class
from nniannot.runner.custom.nni_advisor import NniAdvisor
from nniannot.runner.custom.nni_assessor import NniAssessor
from nniannot.runner.custom.nni_tuner import NniTuner
from nniannot.runner.custom.own import GuardedAssessor, GuardedTuner
from nniannot.runner.tuners.base import Tuner
from nniannot.searchspace import SearchSpace

__all__ = [
    "DEFAULT_TIMEOUT",
    "absolute_reference",
    "check_custom_assessor",
    "check_custom_tuner",
    "is_custom",
    "make_custom_assessor",
    "make_custom_tuner",
]


def make_custom_tuner(
    name: str,
    space: SearchSpace,
    *,
    optimize_mode: str = "maximize",
    seed: int | None = None,
    class_args: dict[str, Any] | None = None,
    code_dir: str | None = None,
    timeout: float | None = None,
    concurrency: int = 1,
) -> Tuner:
    """The tuner (or advisor) class ``name`` built with ``class_args`` and ready to suggest."""
    caller, api = _tuner_class(name, code_dir, timeout)
    args = dict(class_args or {})
    if api == "own":
        instance = caller.construct(args, (space,), {"optimize_mode": optimize_mode, "seed": seed})
        return GuardedTuner(caller, instance)
    adapter = NniAdvisor if api == "advisor" else NniTuner
    return adapter(caller, caller.construct(args), space, _mode(args, optimize_mode), concurrency)


def check_custom_tuner(name: str, class_args: dict[str, Any], code_dir: str | None) -> None:
    """Load the class ``name`` and check its class arguments, without building it (CustomAlgorithmError)."""
    caller, api = _tuner_class(name, code_dir, None)
    if api == "own":
        caller.check_args(class_args, 1, ("optimize_mode", "seed"))
    else:
        caller.check_args(class_args)


def _tuner_class(name: str, code_dir: str | None, timeout: float | None) -> tuple[Caller, str]:
    loaded = load_class(name, "tuner", code_dir)
    caller = Caller(loaded, timeout)
    if issubclass(loaded.cls, Tuner):
        return caller, "own"
    if hasattr(loaded.cls, "handle_request_trial_jobs"):
        loaded.kind = "advisor"
        return caller, "advisor"
    if hasattr(loaded.cls, "generate_parameters") or hasattr(loaded.cls, "generate_multiple_parameters"):
        return caller, "nni"
    raise caller.error(
        "", "is not a tuner: derive it from nniannot.runner.tuners.Tuner (suggest/observe), from NNI's "
        "nni.tuner.Tuner (generate_parameters/receive_trial_result) or, for an advisor, from "
        "nni.runtime.msg_dispatcher_base.MsgDispatcherBase",
    )  # fmt: skip


def make_custom_assessor(
    name: str,
    *,
    optimize_mode: str = "maximize",
    class_args: dict[str, Any] | None = None,
    code_dir: str | None = None,
    timeout: float | None = None,
) -> Assessor:
    """The assessor class ``name`` built with ``class_args``."""
    caller, api = _assessor_class(name, code_dir, timeout)
    args = dict(class_args or {})
    if api == "own":
        return GuardedAssessor(caller, caller.construct(args, (), {"optimize_mode": optimize_mode}))
    return NniAssessor(caller, caller.construct(args), _mode(args, optimize_mode))


def check_custom_assessor(name: str, class_args: dict[str, Any], code_dir: str | None) -> None:
    """Load the class ``name`` and check its class arguments, without building it (CustomAlgorithmError)."""
    caller, api = _assessor_class(name, code_dir, None)
    caller.check_args(class_args, 0, ("optimize_mode",) if api == "own" else ())


def _assessor_class(name: str, code_dir: str | None, timeout: float | None) -> tuple[Caller, str]:
    loaded = load_class(name, "assessor", code_dir)
    caller = Caller(loaded, timeout)
    if issubclass(loaded.cls, Assessor):
        return caller, "own"
    if hasattr(loaded.cls, "assess_trial"):
        return caller, "nni"
    raise caller.error(
        "", "is not an assessor: derive it from nniannot.runner.assessors.Assessor (assess) or from NNI's "
        "nni.assessor.Assessor (assess_trial)",
    )  # fmt: skip


def _mode(args: dict[str, Any], default: str) -> str:
    mode = str(args.get("optimize_mode", default)).lower()
    return mode if mode in ("maximize", "minimize") else default
