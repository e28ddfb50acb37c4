"""check_metric and the trial's report functions against values that are not metrics, or barely are."""

from __future__ import annotations

import json
import math
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from nniannot import protocol
from nniannot.cli import main
from nniannot.errors import MetricError, ProtocolError
from nniannot.runner.home import Home
from nniannot.runner.store import FAILED, SUCCEEDED, open_reader

HUGE = 10**400


def _deep(levels: int) -> object:
    value: object = 1
    for _ in range(levels):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("bad", "says"),
    [
        (HUGE, "fits in a float (up to about 1.8e308), but got an int of 401 digits"),
        (-(10**5000), "int of 5001 digits"),
        (math.nan, "must be finite to rank a trial by it, but got nan"),
        (-math.inf, "but got -inf"),
        (True, "but got bool (True)"),
        (None, "but got None"),
        ("0.5", "but got str ('0.5')"),
        ([0.5], "but got list ([0.5])"),
        (..., "but got ellipsis (Ellipsis)"),
        ({}, "needs a numeric 'default' entry (trials are ranked by it), but got a dict with keys (none)"),
        ({"loss": 1, "acc": 2}, "but got a dict with keys 'loss', 'acc'"),
        ({"default": HUGE}, "'default' entry of a dict metric must be a number that fits in a float"),
        ({"default": "x"}, "'default' entry of a dict metric must be a number, but got str ('x')"),
        ({"default": False}, "but got bool (False)"),
        ({"default": math.nan, "x": 1}, "must be finite"),
        ({"default": 1, "x": HUGE}, "the numbers in a dict metric must fit in a float"),
        ({"default": 1, "x": {"y": [HUGE]}}, "int of 401 digits"),
        ({"default": 1, "x": _deep(100_000)}, "may nest at most 16 levels deep"),
        ({"default": 1, **{f"k{i}": i for i in range(1000)}}, "at most 1000 entries, but got 1001"),
        ({"default": 1, "x": list(range(20_000))}, "at most 10000 values in all"),
        ({"default": 1, 2: 3}, "keys of a dict metric must be strings, but got int (2)"),
        ({"default": 1, "x": {1, 2}}, "only JSON data"),
    ],
    ids=lambda v: v if isinstance(v, str) else type(v).__name__,  # str() refuses ints this long
)
def test_check_metric_names_the_rule_and_the_value(bad: object, says: str) -> None:
    with pytest.raises(ProtocolError) as caught:
        protocol.check_metric(bad)
    assert isinstance(caught.value, MetricError)
    assert says in str(caught.value)


@pytest.mark.parametrize(
    ("good", "default"),
    [
        (10**300, 1e300),
        (-3, -3.0),
        ({"default": 0.5, "loss": math.nan, "per_class": [0.1, 0.2], "note": "ok", "flag": None}, 0.5),
        ({"default": 2, "nested": _deep(14)}, 2.0),
    ],
    ids=["big-int", "int", "dict", "nested"],
)
def test_what_ranks_a_trial_may_be_reported_and_is_kept_as_reported(good: object, default: float) -> None:
    protocol.check_reportable(good)
    metric = protocol.check_metric(good)
    assert metric.default == default and metric.whole is good


def test_a_non_finite_metric_may_be_reported_but_ranks_nothing() -> None:
    protocol.check_reportable(math.nan)  # a trial whose training diverged is not stopped for saying so
    protocol.check_reportable({"default": math.inf})
    with pytest.raises(MetricError, match="no usable result"):
        protocol.check_metric(math.nan)


_json = st.recursive(
    st.none()
    | st.booleans()
    | st.floats()
    | st.integers()
    | st.integers(min_value=10**300, max_value=10**1000)
    | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(["default", "a", "b"]), inner)
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(_json)
def test_any_json_value_gives_a_metric_or_a_protocol_error(value: object) -> None:
    try:
        metric = protocol.check_metric(value)
    except ProtocolError:
        return
    assert isinstance(metric.default, float) and math.isfinite(metric.default)
    json.dumps(metric.whole)  # what the store writes


BARE = """
    import json, os
    sys_dir = os.environ["NNI_SYS_DIR"]
    record = {{"parameter_id": 0, "trial_job_id": "t", "type": "FINAL", "sequence": 0, "value": {value!r}}}
    payload = (json.dumps(record) + "\\n").encode()
    os.makedirs(os.path.join(sys_dir, ".nni"), exist_ok=True)
    with open(os.path.join(sys_dir, ".nni", "metrics"), "ab") as f:
        f.write(b"ME%06d" % len(payload) + payload)
"""


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("1" + "0" * 400, "fits in a float"),
        ('{"default": 1, "x": ' + "9" * 400 + "}", "the numbers in a dict metric must fit in a float"),
        ("[1, 2]", "but got list"),
        ('{"default": true}', "but got bool"),
    ],
    ids=["huge-int", "huge-entry", "list", "bool-default"],
)
def test_a_hostile_final_result_fails_its_trial_not_the_experiment(
    tmp_path: Path, value: str, says: str
) -> None:
    script = tmp_path / "bare.py"
    script.write_text(textwrap.dedent(BARE.format(value=value)))
    space = tmp_path / "ss.json"
    space.write_text(json.dumps({"x": {"_type": "choice", "_value": [1, 2]}}))
    home = str(tmp_path / "home")
    args = ["run", "--home", home, str(script), "--search-space", str(space), "--tuner", "grid"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 3, result.output  # the run went on to the end; no trial succeeded
    with open_reader(Home(home).store_path) as store:
        (experiment,) = store.list_experiments()
        trials = store.list_trials(experiment.id)
        assert experiment.status == "DONE"
    assert [t.status for t in trials] == [FAILED, FAILED]
    assert all(says in (t.message or "") for t in trials), [t.message for t in trials]
    assert SUCCEEDED not in {t.status for t in trials}
