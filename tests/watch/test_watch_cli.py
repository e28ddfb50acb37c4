"""End to end: `nni-annot watch` on real scripts in tmp_path, edited while it runs, real trial processes.

Trials wait while a file named ``hold`` exists, so a test decides when they may finish and never depends
on how fast anything runs.
"""

from __future__ import annotations

import pytest

from nniannot.runner.store import DONE, STOPPED, SUCCEEDED, SYS_CANCELED, WAITING
from tests.watch.conftest import wait_for, write

TRAIN = """
    import os
    import time

    '''@nni.variable(nni.uniform(0, 1), name=x)'''
    x = 0.5
    while os.path.exists("hold"):
        time.sleep(0.02)
    '''@nni.report_final_result(x)'''
"""
RANGE = "nni.uniform(0, 1)"


def _edit(path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def _running(watch, exp_id: str) -> int:
    return sum(t.status == "RUNNING" for t in watch.trials(exp_id))


def test_edit_error_fix_and_comment(tmp_path, start_watch):
    (tmp_path / "hold").touch()
    train = tmp_path / "train.py"
    write(train, TRAIN)
    watch = start_watch("watch", "train.py", "--tuner", "random", "--max-trials", "2", "--plain")
    first = wait_for(
        lambda: (e := watch.experiments()) and _running(watch, e[0].id) and e[0], what="revision 1"
    )
    assert (first.revision, first.parent_id) == (1, None)

    # a new value range: revision 2, linked to 1; the running trial of revision 1 is stopped (restart)
    _edit(train, RANGE, "nni.uniform(0, 2)")
    watch.wait_line("revision 2:")
    second = wait_for(lambda: len(e := watch.experiments()) == 2 and e[1], what="revision 2 recorded")
    assert (second.revision, second.parent_id, second.name) == (2, first.id, first.name)
    assert second.search_space == {"train/x/uniform": {"_type": "uniform", "_value": [0, 2]}}
    assert "  ~ train/x/uniform: uniform(0, 1) -> uniform(0, 2)" in watch.lines
    watch.wait_line("revision 1 (")
    old = watch.experiments()[0]
    assert (old.status, old.message) == (STOPPED, "superseded by revision 2")
    assert [t.status for t in watch.trials(first.id)] == [SYS_CANCELED]

    # a syntax error in an annotation: reported with its place, no revision
    _edit(train, "nni.uniform(0, 2), name=x)", "nni.uniform(0, 3, name=x)")
    watch.wait_line("train.py:4:")
    error_at = next(i for i, line in enumerate(watch.lines) if line.startswith("train.py:4:"))
    assert "error:" in watch.lines[error_at] and "^" in watch.lines[error_at + 2]
    assert watch.lines[error_at + 1].strip() == "'''@nni.variable(nni.uniform(0, 3, name=x)'''"
    assert len(watch.experiments()) == 2
    assert watch.experiments()[1].status not in (STOPPED, DONE)  # the last good revision is untouched

    # the fix: revision 3
    _edit(train, "nni.uniform(0, 3, name=x)", "nni.uniform(0, 3), name=x)")
    watch.wait_line("revision 3:")
    assert "  ~ train/x/uniform: uniform(0, 2) -> uniform(0, 3)" in watch.lines

    # an unrelated module, then comments and layout only: nothing starts
    write(tmp_path / "unrelated.py", "# a comment\nVALUE = 1\n")
    _edit(train, "x = 0.5\n", "x = 0.5  # the default\n\n")
    watch.wait_line("no change to the trial")
    assert len(watch.experiments()) == 3

    (tmp_path / "hold").unlink()
    third = wait_for(lambda: (e := watch.experiments()[2]).status == DONE and e, what="revision 3 done")
    assert [t.status for t in watch.trials(third.id)] == [SUCCEEDED, SUCCEEDED]
    assert watch.interrupt() == 0
    assert "watch stopped" in watch.output
    assert [e.revision for e in watch.experiments()] == [1, 2, 3]


def test_ctrl_c_stops_running_trials_and_marks_the_experiment_stopped(tmp_path, start_watch):
    (tmp_path / "hold").touch()
    write(tmp_path / "train.py", TRAIN)
    watch = start_watch("run", "train.py", "--watch", "--tuner", "random", "--max-trials", "3")
    exp = wait_for(lambda: (e := watch.experiments()) and _running(watch, e[0].id) and e[0], what="a trial")
    assert watch.interrupt() == 0
    stopped = watch.experiments()[0]
    assert stopped.id == exp.id and stopped.status == STOPPED
    assert [t.status for t in watch.trials(exp.id)] == [WAITING]  # resumable, as after `run` and Ctrl-C


def test_queue_lets_running_trials_finish_first(tmp_path, start_watch):
    (tmp_path / "hold").touch()
    train = tmp_path / "train.py"
    write(train, TRAIN)
    watch = start_watch(
        "watch", "train.py", "--on-change", "queue", "--once-per-change", "2", "--tuner", "random"
    )
    first = wait_for(lambda: (e := watch.experiments()) and _running(watch, e[0].id) and e[0], what="a trial")
    _edit(train, RANGE, "nni.uniform(0, 2)")
    watch.wait_line("revision 2 queued")
    queued = watch.experiments()[1]
    assert (queued.status, queued.revision, watch.trials(queued.id)) == ("CREATED", 2, [])
    _edit(train, "nni.uniform(0, 2)", "nni.uniform(0, 3)")  # a second save while one is queued replaces it
    watch.wait_line("revision 3 queued")
    replaced = watch.experiments()[1]
    assert (replaced.status, replaced.message) == (STOPPED, "replaced by revision 3 before it started")
    (tmp_path / "hold").unlink()
    third = wait_for(lambda: (e := watch.experiments()) and len(e) == 3 and e[2].status == DONE and e[2])
    assert (third.revision, third.parent_id, third.counts[SUCCEEDED]) == (3, replaced.id, 2)
    old = watch.experiments()[0]
    assert (old.status, old.message) == (DONE, "superseded by revision 3")
    old_trials = watch.trials(first.id)
    assert [t.status for t in old_trials] == [SUCCEEDED]  # finished, and no new one started after the change
    assert third.started_at >= old_trials[0].ended_at  # recorded at the change, started after the old trial
    assert watch.interrupt() == 0


def test_ignore_running_starts_the_new_revision_beside_the_old(tmp_path, start_watch):
    (tmp_path / "hold").touch()
    train = tmp_path / "train.py"
    write(train, TRAIN)
    watch = start_watch("watch", "train.py", "--on-change", "ignore-running", "--once-per-change", "1",
                        "--concurrency", "2", "--tuner", "random")  # fmt: skip
    first = wait_for(lambda: (e := watch.experiments()) and _running(watch, e[0].id) and e[0], what="a trial")
    _edit(train, RANGE, "nni.uniform(0, 2)")
    second = wait_for(lambda: len(e := watch.experiments()) == 2 and _running(watch, e[1].id) and e[1])
    assert _running(watch, first.id) == 1  # both revisions run a trial at once
    (tmp_path / "hold").unlink()
    wait_for(lambda: all(e.status == DONE for e in watch.experiments()), what="both done")
    assert [t.status for t in watch.trials(first.id)] == [SUCCEEDED]
    assert [t.status for t in watch.trials(second.id)] == [SUCCEEDED]
    assert watch.interrupt() == 0


HELPER_MAIN = """
    import helper

    '''@nni.report_final_result(helper.value())'''
"""
HELPER = """
    def value():
        '''@nni.variable(nni.choice(1, 2), name=v)'''
        v = 1
        return v
"""


@pytest.mark.parametrize("poll", [False, True])
def test_a_change_in_an_imported_module_starts_a_revision(tmp_path, start_watch, poll):
    write(tmp_path / "main.py", HELPER_MAIN)
    helper = tmp_path / "helper.py"
    write(helper, HELPER)
    args = ["watch", "main.py", "--tuner", "random", "--max-trials", "1", *(["--poll"] if poll else [])]
    watch = start_watch(*args)
    watch.wait_line("watching 2 file(s): main.py, helper.py")
    wait_for(lambda: (e := watch.experiments()) and e[0].status == DONE, what="revision 1 done")
    _edit(helper, "nni.choice(1, 2)", "nni.choice(1, 2, 3)")
    second = wait_for(lambda: len(e := watch.experiments()) == 2 and e[1].status == DONE and e[1])
    assert second.search_space == {"helper/v/choice": {"_type": "choice", "_value": [1, 2, 3]}}
    assert watch.interrupt() == 0


def test_starts_waiting_when_the_script_is_broken_at_first(tmp_path, start_watch):
    train = tmp_path / "train.py"
    write(train, TRAIN.replace("name=x)", "name=)"))
    watch = start_watch("watch", "train.py", "--tuner", "random", "--max-trials", "1")
    watch.wait_line("train.py:4:")
    assert watch.experiments() == []
    write(train, TRAIN)
    wait_for(lambda: (e := watch.experiments()) and e[0].status == DONE, what="revision 1 done")
    assert watch.interrupt() == 0


PLAIN = """
    import nni

    params = nni.get_next_parameter()
    nni.report_final_result(params["x"])
"""


def test_a_changed_search_space_file_starts_a_revision(tmp_path, start_watch):
    write(tmp_path / "plain.py", PLAIN)
    space = tmp_path / "space.json"
    space.write_text('{"x": {"_type": "uniform", "_value": [0, 1]}}')
    watch = start_watch("watch", "plain.py", "--search-space", "space.json", "--max-trials", "1",
                        "--tuner", "random")  # fmt: skip
    watch.wait_line("watching 2 file(s): plain.py, space.json")
    wait_for(lambda: (e := watch.experiments()) and e[0].status == DONE, what="revision 1 done")
    space.write_text('{"x": {"_type": "uniform", "_value": [5, 6]}}')
    watch.wait_line("revision 2:")
    assert "  ~ x: uniform(0, 1) -> uniform(5, 6)" in watch.lines
    second = wait_for(lambda: (e := watch.experiments()[1]).status == DONE and e, what="revision 2 done")
    assert 5 <= watch.trials(second.id)[0].final_default <= 6
    assert watch.interrupt() == 0


def test_a_broken_save_leaves_the_last_good_revision_running_the_code_it_started_with(tmp_path, start_watch):
    (tmp_path / "hold").touch()
    train = tmp_path / "train.py"
    write(train, TRAIN)
    watch = start_watch("watch", "train.py", "--tuner", "random", "--max-trials", "2", "--plain")
    first = wait_for(
        lambda: (e := watch.experiments()) and _running(watch, e[0].id) and e[0], what="revision 1"
    )
    _edit(train, "nni.uniform(0, 1), name=x)", "nni.uniform(0, 1, name=x)")
    watch.wait_line("train.py:4:")
    (tmp_path / "hold").unlink()  # revision 1's trials finish, and its second one starts after the save
    done = wait_for(lambda: (e := watch.experiments()[0]).status == DONE and e, what="revision 1 done")
    assert done.id == first.id and len(watch.experiments()) == 1
    assert [t.status for t in watch.trials(first.id)] == [SUCCEEDED, SUCCEEDED]
