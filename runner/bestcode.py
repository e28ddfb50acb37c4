"""``nni-annot show EXP --best-code``: the best trial's code, specialised to its parameters.

The experiment's script (and the project modules it imports) are read as they are now and every tuned
annotation is replaced by the best trial's value (:mod:`nniannot.transformer.specialise`). If the code changed since
the experiment ran, the text says so.
"""

from __future__ import annotations

from typing import Any

from nniannot.errors import ConfigError
from nniannot.runner.store import StoreReader


def best_code_text(reader: StoreReader, exp_id: str) -> str:
    """The commented, specialised source of the best trial of ``exp_id``.

    Raises:
        ConfigError: the experiment has no finished trial with a result, or did not tune an annotated script.
        AnnotationError: the script's annotations have errors now.
    """
    from nniannot.transformer.specialise import specialise_project

    exp = reader.get_experiment(exp_id)
    best = reader.best_trial(exp_id)
    if best is None:
        raise ConfigError(f"experiment {exp_id} has no trial with a final result yet")
    script = exp.config.get("script")
    annotated = exp.config.get("launch", {}).get("annotated")
    if not script or annotated is False:
        raise ConfigError(
            f"experiment {exp_id} did not tune an annotated script, so there is no code to specialise; "
            f"its best parameters are {best.params}"
        )
    files = specialise_project(script, exp.code_dir or exp.config.get("code_dir"), best.params)
    header = [
        f"# best trial {best.id} of experiment {exp_id}: {_metric(best.final)}",
        "# the annotated code with the best trial's values in place of its annotations",
    ]
    if exp.search_space and _space_of(script, exp) != exp.search_space:
        header.append("# note: the code's search space changed since this experiment ran")
    parts = ["\n".join(header) + "\n"]
    for shown, result in files:
        notes = [f"# note: {n}\n" for n in result.notes]
        title = f"# ---- {shown} ----\n" if len(files) > 1 else ""
        parts.append(title + "".join(notes) + result.code)
    return "\n".join(parts)


def _metric(final: Any) -> str:
    if isinstance(final, dict):
        return ", ".join(f"{k} = {v}" for k, v in final.items())
    return f"default = {final}"


def _space_of(script: str, exp: Any) -> dict[str, Any]:
    from nniannot.transformer.project import collect

    return collect(script, exp.code_dir or exp.config.get("code_dir")).search_space
