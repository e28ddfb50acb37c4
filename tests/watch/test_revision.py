"""Revisions: what counts as a change to the trial, the one-line-per-key diff, the files to watch, and the
chain of experiments a watch records."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nniannot.errors import AnnotationError
from nniannot.runner.config import ExperimentConfig
from nniannot.runner.home import Home
from nniannot.runner.store import open_reader, open_store, revisions
from nniannot.runner.watch import prepare, space_diff
from nniannot.runner.watch.revision import record
from tests.watch.conftest import write

TRAIN = """
    import helper

    '''@nni.variable(nni.choice(1, 2, 3), name=h)'''
    h = 2
    '''@nni.report_final_result(helper.score(h))'''
"""
HELPER = """
    def score(h):
        return h * 2
"""


def _home(project) -> Home:
    return Home(str(project.parent / f"{project.name}-home"))


def _config(tmp_path):
    def make() -> ExperimentConfig:
        script = str(tmp_path / "train.py")
        return ExperimentConfig(script=script, code_dir=str(tmp_path), workdir=str(tmp_path), tuner="random")

    return make


@pytest.fixture
def project(tmp_path):
    write(tmp_path / "train.py", TRAIN)
    write(tmp_path / "helper.py", HELPER)
    return tmp_path


def test_the_trial_files_are_the_script_and_its_project_modules(project):
    candidate = prepare(_config(project), _home(project), [str(project / "config.yml")])
    assert candidate.files == [
        str(project / "train.py"),
        str(project / "helper.py"),
        str(project / "config.yml"),
    ]
    assert candidate.launch.files == [str(project / "train.py"), str(project / "helper.py")]


def test_comments_and_layout_keep_the_key(project):
    before = prepare(_config(project), _home(project)).key
    write(project / "train.py", TRAIN.replace("h = 2", "h = 2   # default"))
    (project / "train.py").write_text("# tuned\n\n" + (project / "train.py").read_text())
    write(project / "helper.py", HELPER + "\n\n# more later\n")
    assert prepare(_config(project), _home(project)).key == before


@pytest.mark.parametrize(
    ("path", "old", "new"),
    [
        ("train.py", "choice(1, 2, 3)", "choice(1, 2)"),
        ("helper.py", "h * 2", "h * 3"),
        ("train.py", "h = 2", "h = 3"),
    ],
)
def test_code_or_space_changes_change_the_key(project, path, old, new):
    before = prepare(_config(project), _home(project)).key
    text = (project / path).read_text()
    (project / path).write_text(text.replace(old, new))
    assert prepare(_config(project), _home(project)).key != before


def test_a_config_change_changes_the_key(project):
    make = _config(project)
    before = prepare(make, _home(project)).key

    def more_trials() -> ExperimentConfig:
        cfg = make()
        cfg.concurrency = 2
        return cfg

    assert prepare(more_trials, _home(project)).key != before


def test_an_annotation_error_is_raised_with_its_place(project):
    write(project / "train.py", TRAIN.replace("name=h)", "name=h"))
    with pytest.raises(AnnotationError) as info:
        prepare(_config(project), _home(project))
    (diag,) = info.value.diagnostics
    assert (diag.path.endswith("train.py"), diag.line) == (True, 3)


def test_diff_one_line_per_changed_key():
    old = {"a": {"_type": "choice", "_value": [1, 2]}, "b": {"_type": "uniform", "_value": [0, 1]},
           "c": {"_type": "randint", "_value": [1, 5]}}  # fmt: skip
    new = {"a": {"_type": "choice", "_value": [1, 2, 3]}, "b": {"_type": "uniform", "_value": [0, 1]},
           "d": {"_type": "loguniform", "_value": [0.001, 0.1]}}  # fmt: skip
    assert space_diff(old, new) == [
        "~ a: choice(1, 2) -> choice(1, 2, 3)",
        "+ d: loguniform(0.001, 0.1)",
        "- c: randint(1, 5)",
    ]
    assert space_diff(new, new) == []


specs = st.fixed_dictionaries(
    {"_type": st.sampled_from(["choice", "uniform"]), "_value": st.lists(st.integers(), max_size=3)}
)


@given(
    st.dictionaries(st.text(min_size=1), specs, max_size=5),
    st.dictionaries(st.text(min_size=1), specs, max_size=5),
)
def test_diff_names_exactly_the_changed_keys(old, new):
    lines = space_diff(old, new)
    changed = {k for k in old.keys() | new.keys() if old.get(k) != new.get(k)}
    assert len(lines) == len(changed)
    assert all(line[0] in "+-~" for line in lines)


def test_revisions_are_linked_experiments_of_one_chain(project, tmp_path):
    home = Home(str(tmp_path / "home"))
    make = _config(project)
    first = record(prepare(make, _home(project)), home, 1, None)
    second = record(prepare(make, _home(project)), home, 2, first.exp_id)
    third = record(prepare(make, _home(project)), home, 3, second.exp_id)
    other = open_store(home.store_path).create_experiment(name="train.py")  # a plain run: a chain of its own
    with open_reader(home.store_path) as reader:
        chain = revisions(reader, second.exp_id)
        assert [(e.id, e.revision, e.parent_id) for e in chain] == [
            (first.exp_id, 1, None), (second.exp_id, 2, first.exp_id), (third.exp_id, 3, second.exp_id)]  # fmt: skip
        assert [e.id for e in revisions(reader, third.exp_id)] == [e.id for e in chain]
        assert [e.id for e in revisions(reader, other.id)] == [other.id]
    store = open_store(home.store_path)
    store.delete_experiment(first.exp_id)  # a deleted first revision: the chain starts at the next one
    with open_reader(home.store_path) as reader:
        assert [e.revision for e in revisions(reader, third.exp_id)] == [2, 3]
    store.close()
    for session in (first, second, third):
        session.store.close()
