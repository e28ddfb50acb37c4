"""The rules of the search space's numeric arguments, stated once.

Search-space files (:mod:`nniannot.searchspace`) and annotations (the transformer, which adds the place in
the file) both ask these functions, so the two can never disagree. A module of its own because the
transformer's hot path (``ss_gen``, ``expand``) needs only these rules, not the typed specs.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

NUMERIC_ARGUMENTS: dict[str, tuple[str, ...]] = {
    "randint": ("lower", "upper"),
    "uniform": ("low", "high"),
    "quniform": ("low", "high", "q"),
    "loguniform": ("low", "high"),
    "qloguniform": ("low", "high", "q"),
    "normal": ("mu", "sigma"),
    "qnormal": ("mu", "sigma", "q"),
    "lognormal": ("mu", "sigma"),
    "qlognormal": ("mu", "sigma", "q"),
}
"""The arguments of every numeric type, in order: the ``_value`` list of NNI JSON, the sampler's arity."""


def bounds_problem(type_: str, numbers: Sequence[float]) -> str | None:
    """The rule that a numeric type's arguments break, stated with the values; None if they are fine.

    The one statement of these rules: search-space files (:func:`nniannot.searchspace.parse_param`) and annotations (the
    transformer, which adds the place in the file) both ask it. ``numbers`` has the arity of
    :data:`NUMERIC_ARGUMENTS` for ``type_``.
    """
    first, second = numbers[0], numbers[1]
    if type_ == "randint":
        for name, x in (("lower", first), ("upper", second)):
            if not float(x).is_integer():
                return f"`{name}` must be an integer, but got {name}={x}"
        if first >= second:
            return f"`lower < upper` must hold, but got lower={first}, upper={second} (upper is exclusive)"
    elif "normal" in type_:
        if second <= 0:
            return f"`sigma > 0` must hold, but got sigma={second}"
    else:
        if first >= second:
            return f"`low < high` must hold, but got low={first}, high={second}"
        if "log" in type_ and first <= 0:
            return f"`0 < low` must hold, but got low={first} (a log scale needs positive bounds)"
    if len(numbers) == 3 and numbers[2] <= 0:
        return f"`q > 0` must hold, but got q={numbers[2]}"
    return None


def layer_size_problem(size: int | tuple[int, int], optional_count: int) -> str | None:
    """The rule a mutable layer's ``optional_input_size`` breaks, with the values; None if it is fine."""
    low, high = (size, size) if isinstance(size, int) else size
    if 0 <= low <= high <= optional_count:
        return None
    shown = size if isinstance(size, int) else list(size)
    return (
        "`0 <= min <= max <= len(optional_inputs)` must hold for `optional_input_size`, but got "
        f"optional_input_size={shown} with {optional_count} optional input(s)"
    )
