"""Custom tuners, assessors and advisors: NNI's classes from v1/v2 configs, ours by file.py:Class or
module:Class, and every way one can be broken, run end to end with `nni-annot run` on real trials."""

from __future__ import annotations

import itertools
import json
import os
import sys

import pytest

from nniannot.runner.home import Home
from nniannot.runner.store import EARLY_STOPPED, ERROR, SUCCEEDED, WAITING, open_reader
from tests.runner.conftest import spawn, write, write_json

SPACE = {"x": {"_type": "uniform", "_value": [0, 1]}, "h": {"_type": "choice", "_value": [1, 2, 4]}}

# A plain-API trial: three intermediate results x*h*step, then a dict with "default".
TRIAL = """
    import nni

    p = nni.get_next_parameter()
    for step in range(1, 4):
        nni.report_intermediate_result(p["x"] * p["h"] * step)
    nni.report_final_result({"default": p["x"] * p["h"], "h": p["h"]})
"""

# The kind of random tuner NNI's examples had, written against NNI's API only. It logs every call.
NNI_RANDOM = """
    import json
    import random

    import nni
    from nni.tuner import Tuner
    from nni.utils import OptimizeMode, extract_scalar_reward


    class RandomTuner(Tuner):
        def __init__(self, optimize_mode="maximize", seed=0, budget=4, log="calls.jsonl"):
            self.mode = OptimizeMode(optimize_mode)
            self.rng = random.Random(seed)
            self.budget = budget
            self.log = log

        def _note(self, *entry):
            with open(self.log, "a") as f:
                f.write(json.dumps(entry) + "\\n")

        def update_search_space(self, search_space):
            self.space = search_space
            self._note("space", search_space)

        def generate_parameters(self, parameter_id, **kwargs):
            if self.budget == 0:
                raise nni.NoMoreTrialError("budget spent")
            self.budget -= 1
            x = self.rng.uniform(*self.space["x"]["_value"])
            return {"x": x, "h": self.rng.choice(self.space["h"]["_value"])}

        def receive_trial_result(self, parameter_id, parameters, value, **kwargs):
            self._note("result", parameter_id, parameters, value, extract_scalar_reward(value), self.mode.value)

        def trial_end(self, parameter_id, success, **kwargs):
            self._note("end", parameter_id, success)
"""

# A tuner that hands out configurations in batches, as NNI's batch-minded tuners did.
NNI_BATCH = """
    import json

    from nni.tuner import Tuner


    class GridBatch(Tuner):
        def __init__(self, log):
            self.log = log
            self.next = 0

        def update_search_space(self, search_space):
            self.points = [{"x": x / 10, "h": h} for x in range(1, 4) for h in (1, 4)]

        def generate_multiple_parameters(self, parameter_id_list, **kwargs):
            with open(self.log, "a") as f:
                f.write(json.dumps(["batch", parameter_id_list]) + "\\n")
            out = self.points[self.next : self.next + len(parameter_id_list)]
            self.next += len(out)
            return out

        def receive_trial_result(self, parameter_id, parameters, value, **kwargs):
            pass
"""

# An assessor against NNI's API: stops a trial whose second result passes 2.
NNI_ASSESSOR = """
    import json

    from nni.assessor import Assessor, AssessResult


    class Threshold(Assessor):
        def __init__(self, limit, log, optimize_mode="maximize"):
            self.limit, self.log = limit, log

        def assess_trial(self, trial_job_id, trial_history):
            with open(self.log, "a") as f:
                f.write(json.dumps(["assess", trial_job_id, trial_history]) + "\\n")
            if len(trial_history) >= 2 and trial_history[-1] > self.limit:
                return AssessResult.Bad
            return AssessResult.Good

        def trial_end(self, trial_job_id, success):
            with open(self.log, "a") as f:
                f.write(json.dumps(["end", trial_job_id, success]) + "\\n")
"""

# An advisor as NNI's were: a MsgDispatcherBase that answers requests with NewTrialJob, kills through
# KillTrialJob, and says NoMoreTrialJobs when its budget is spent.
NNI_ADVISOR = """
    import json

    import nni
    from nni.runtime.msg_dispatcher_base import MsgDispatcherBase
    from nni.runtime.tuner_command_channel import CommandType
    from nni.utils import MetricType, extract_scalar_reward


    class Sweep(MsgDispatcherBase):
        def __init__(self, total, log, optimize_mode="maximize"):
            super().__init__()
            self.total, self.log, self.sent = total, log, 0

        def _note(self, *entry):
            with open(self.log, "a") as f:
                f.write(json.dumps(entry) + "\\n")

        def handle_initialize(self, data):
            self.space = data
            self.send(CommandType.Initialized, "")

        def handle_request_trial_jobs(self, data):
            self._note("request", data)
            for _ in range(data):
                if self.sent == self.total:
                    self.send(CommandType.NoMoreTrialJobs, nni.dump({"parameter_id": None}))
                    return
                params = {"x": (self.sent + 1) / 10, "h": 4 if self.sent % 2 else 1}
                self.send(CommandType.NewTrialJob, nni.dump({"parameter_id": f"p{self.sent}", "parameters": params}))
                self.sent += 1

        def handle_update_search_space(self, data):
            self.space = data

        def handle_report_metric_data(self, data):
            value = nni.load(data["value"])
            self._note("metric", data["type"], data["parameter_id"], data["sequence"], value)
            if data["type"] == MetricType.PERIODICAL and data["sequence"] == 1 and value > 1:
                self.send(CommandType.KillTrialJob, nni.dump(data["trial_job_id"]))
            if data["type"] == MetricType.FINAL:
                self._note("final", data["parameter_id"], extract_scalar_reward(value))

        def handle_trial_end(self, data):
            self._note("end", data["event"], nni.load(data["hyper_params"])["parameter_id"])
"""

# Ours: a tuner with nni-annot's ask/tell interface, in a module beside the script.
OWN_TUNER = """
    from nniannot.runner.tuners.base import Tuner


    class Ladder(Tuner):
        def __init__(self, search_space, optimize_mode="maximize", seed=None, steps=3):
            super().__init__(search_space, optimize_mode, seed)
            self.steps, self.seen = steps, []

        def suggest(self, trial_id):
            if len(self.seen) == self.steps:
                return None
            self.seen.append(trial_id)
            from ladder_steps import STEP  # a module beside it, imported only now

            return {"x": round(len(self.seen) * STEP, 6), "h": 2}

        def observe(self, trial_id, params, value):
            pass
"""

OWN_ASSESSOR = """
    from nniannot.runner.assessors.base import Assessor


    class StopAbove(Assessor):
        def assess(self, trial_id, history):
            return history[0] > 0.3
"""


def _project(tmp_path, **files: str) -> None:
    write(tmp_path / "train.py", TRIAL)
    write_json(tmp_path / "space.json", SPACE)
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        write(tmp_path / name, text)


def _v1(tmp_path, section: str, concurrency: int = 1, max_trials: int = 10, extra: str = "") -> str:
    return write(tmp_path / "config.yml", f"""
        authorName: someone
        experimentName: custom
        trialConcurrency: {concurrency}
        maxTrialNum: {max_trials}
        trainingServicePlatform: local
        searchSpacePath: space.json
        useAnnotation: false
        {section}
        trial:
          command: {sys.executable} train.py
          codeDir: .
        {extra}
    """)  # fmt: skip


def _log(path) -> list[list]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _experiment(home):
    with open_reader(Home(home).store_path) as store:
        exp = store.get_experiment(store.resolve("latest"))
        return exp, store.list_trials(exp.id)


def _exp_id(output: str) -> str:
    first = output.splitlines()[0]
    assert first.startswith("experiment "), output
    return first.split()[1]


# NNI's classes from NNI configs ----------------------------------------------------------------------


def test_v1_custom_tuner_gets_nni_ids_and_reported_values_and_ends_on_no_more_trial_error(
    tmp_path, cli, home
):
    _project(tmp_path, **{"algos/random_tuner.py": NNI_RANDOM})
    log = tmp_path / "calls.jsonl"
    section = f"""tuner:
          codeDir: algos
          classFileName: random_tuner.py
          className: RandomTuner
          classArgs: {{optimize_mode: minimize, seed: 7, budget: 4, log: "{log}"}}"""
    result = cli("run", "--config", _v1(tmp_path, section, concurrency=2), "--plain")
    assert result.exit_code == 0, result.output
    exp, trials = _experiment(home)
    assert exp.status == "DONE" and exp.message == "the tuner has no more configurations"
    assert exp.optimize_mode == "minimize"
    assert len(trials) == 4 and all(t.status == SUCCEEDED for t in trials)
    calls = _log(log)
    assert calls[0] == ["space", SPACE]  # update_search_space first, with the space's JSON
    assert [c[0] for c in calls].count("space") == 1  # built once: the check before the run only loads it
    results = {c[1]: c for c in calls if c[0] == "result"}
    ends = {c[1]: c[2] for c in calls if c[0] == "end"}
    assert sorted(results) == sorted(ends) == [0, 1, 2, 3]  # NNI's integer parameter ids
    assert all(ends.values())
    by_params = {json.dumps(t.params, sort_keys=True): t for t in trials}
    for _, _, params, value, scalar, mode in results.values():
        trial = by_params[json.dumps(params, sort_keys=True)]
        assert value == trial.final == {"default": trial.final_default, "h": params["h"]}  # as reported
        assert scalar == trial.final_default and mode == "minimize"
    # the run leaves neither the shim nor the tuner's folder importable in this process
    assert "nni" not in sys.modules and str(tmp_path / "algos") not in sys.path


def test_v2_custom_tuner_with_generate_multiple_parameters_and_custom_assessor(tmp_path, cli, home):
    _project(tmp_path, **{"grid_batch.py": NNI_BATCH, "pkg/threshold.py": NNI_ASSESSOR})
    tlog, alog = tmp_path / "tuner.jsonl", tmp_path / "assessor.jsonl"
    config = write(tmp_path / "config.yml", f"""
        experimentName: custom-v2
        searchSpaceFile: space.json
        trialCommand: {sys.executable} train.py
        trialConcurrency: 2
        maxTrialNumber: 20
        tuner:
          codeDirectory: .
          className: grid_batch.GridBatch
          classArgs: {{log: "{tlog}"}}
        assessor:
          codeDirectory: .
          className: pkg.threshold.Threshold
          classArgs: {{limit: 2, log: "{alog}"}}
        trainingService:
          platform: local
    """)  # fmt: skip
    result = cli("run", "--config", config, "--plain")
    assert result.exit_code == 0, result.output
    exp, trials = _experiment(home)
    assert exp.status == "DONE" and len(trials) == 6
    batches = [c[1] for c in _log(tlog)]
    assert batches[0] == [0, 1] and all(len(b) == 1 for b in batches[1:])  # as many as run at once, then one
    ids = [i for b in batches for i in b]
    assert ids == list(range(len(ids)))  # fresh integer ids, in order
    stopped = {t.id for t in trials if t.status == EARLY_STOPPED}
    # stopped once a result from the second on passes 2: x=0.3,h=4 at the second, x=0.2,h=4 at the third
    expected = {t.id for t in trials if t.params["x"] * t.params["h"] * 3 > 2}
    assert stopped == expected and len(stopped) == 2
    assessed = [c for c in _log(alog) if c[0] == "assess"]
    for _, trial_id, history in assessed:
        trial = next(t for t in trials if t.id == trial_id)
        assert history == [trial.params["x"] * trial.params["h"] * s for s in range(1, len(history) + 1)]
    assert {c[1] for c in _log(alog) if c[0] == "end"} == {t.id for t in trials}


def test_v1_custom_advisor_drives_trials_and_kills(tmp_path, cli, home):
    _project(tmp_path, **{"sweep.py": NNI_ADVISOR})
    log = tmp_path / "advisor.jsonl"
    section = f"""advisor:
          codeDir: .
          classFileName: sweep.py
          className: Sweep
          classArgs: {{total: 5, log: "{log}"}}"""
    result = cli("run", "--config", _v1(tmp_path, section, concurrency=2), "--plain")
    assert result.exit_code == 0, result.output
    exp, trials = _experiment(home)
    assert exp.status == "DONE" and len(trials) == 5
    calls = _log(log)
    assert calls[0] == ["request", 2]  # as many as run at once, then one per ended trial
    assert all(c == ["request", 1] for c in calls[1:] if c[0] == "request")
    xs = sorted(t.params["x"] for t in trials)
    assert xs == [0.1, 0.2, 0.3, 0.4, 0.5]
    # h=4 trials (the 2nd and 4th) pass 1 at their second result: the advisor kills them
    for t in trials:
        killed = t.params["h"] == 4 and t.params["x"] * 4 * 2 > 1
        assert t.status == (EARLY_STOPPED if killed else SUCCEEDED), t
    finals = {c[1]: c[2] for c in calls if c[0] == "final"}
    # every final result reached it (a killed trial may have reported one before it was stopped)
    assert {t.final_default for t in trials if t.status == SUCCEEDED} <= set(finals.values())
    assert set(finals.values()) <= {t.params["x"] * t.params["h"] for t in trials}
    ends = [c for c in calls if c[0] == "end"]
    assert sorted(c[2] for c in ends) == [f"p{i}" for i in range(5)]
    assert {c[1] for c in ends} == {"SUCCEEDED", "EARLY_STOPPED"}


# ours: module:Class and file.py:Class ----------------------------------------------------------------


def test_own_tuner_as_module_and_own_assessor_as_file(tmp_path, cli, home, monkeypatch):
    _project(
        tmp_path, **{"ladder.py": OWN_TUNER, "ladder_steps.py": "STEP = 0.1\n", "more/stop.py": OWN_ASSESSOR}
    )
    monkeypatch.chdir(tmp_path)
    result = cli("run", str(tmp_path / "train.py"), "--search-space", "space.json", "--tuner", "ladder:Ladder",
                 "--tuner-arg", "steps=3", "--assessor", "more/stop.py:StopAbove", "--plain")  # fmt: skip
    assert result.exit_code == 0, result.output
    exp, trials = _experiment(home)
    assert exp.tuner == "ladder:Ladder" and exp.assessor == str(tmp_path / "more" / "stop.py") + ":StopAbove"
    assert sorted(t.params["x"] for t in trials) == [0.1, 0.2, 0.3]
    assert [t.status for t in sorted(trials, key=lambda t: t.params["x"])] == [
        SUCCEEDED,
        EARLY_STOPPED,
        EARLY_STOPPED,
    ]
    assert "ladder" not in sys.modules and "ladder_steps" not in sys.modules


def test_own_yaml_names_a_custom_class_relative_to_the_config(tmp_path, cli, home):
    _project(tmp_path, **{"algos/ladder.py": OWN_TUNER, "algos/ladder_steps.py": "STEP = 0.1\n"})
    config = write(tmp_path / "config.yml", """
        script: train.py
        search_space: space.json
        tuner: {name: "algos/ladder.py:Ladder", args: {steps: 2}}
        algorithm_timeout: 30s
    """)  # fmt: skip
    result = cli("run", "--config", config, "--plain")
    assert result.exit_code == 0, result.output
    exp, trials = _experiment(home)
    assert exp.tuner == f"{tmp_path / 'algos' / 'ladder.py'}:Ladder" and len(trials) == 2
    assert exp.config["algorithm_timeout"] == 30


# a broken class, before any trial ----------------------------------------------------------------------


def _tuner_section(file_name: str, class_name: str = "RandomTuner", args: str = "{}") -> str:
    return f"""tuner:
          codeDir: algos
          classFileName: {file_name}
          className: {class_name}
          classArgs: {args}"""


@pytest.mark.parametrize(
    ("files", "section", "expected"),
    [
        ({}, _tuner_section("missing.py"), ["config.yml:", "`tuner.classFileName`", "no such file", "missing.py"]),
        ({"algos/t.py": "class RandomTuner:\n    def broken(:\n"}, _tuner_section("t.py"),
         ["t.py:2:", "syntax error in custom tuner"]),
        ({"algos/t.py": "import json\nraise RuntimeError('no GPU')\n"}, _tuner_section("t.py"),
         ["t.py:2: importing custom tuner", "RuntimeError: no GPU"]),
        ({"algos/t.py": NNI_RANDOM}, _tuner_section("t.py", "Nope"), ["has no class 'Nope'", "it defines RandomTuner"]),
        ({"algos/t.py": NNI_RANDOM}, _tuner_section("t.py", args="{bogus: 1}"),
         ["RandomTuner (", "t.py:9)", "__init__", "does not take 'bogus'", "optimize_mode, seed, budget, log"]),
        ({"algos/t.py": "class RandomTuner:\n    pass\n"}, _tuner_section("t.py"), ["is not a tuner"]),
        ({"algos/t.py": NNI_RANDOM.replace("self.mode = ", "raise OSError('no licence'); self.mode = ")},
         _tuner_section("t.py"), ["RandomTuner (", "t.py:9): __init__ raised OSError: no licence (at ", "t.py:11, in __init__)"]),
        ({"algos/t.py": NNI_RANDOM}, _tuner_section("t.py") + "\n          builtinTunerName: TPE",
         ["`tuner.builtinTunerName`: give either a built-in tuner or a custom class"]),
        ({}, "tuner:\n          codeDir: nowhere\n          classFileName: t.py\n          className: T",
         ["`tuner.codeDir`: no such folder", "nowhere"]),
    ],
    ids=["missing-file", "syntax-error", "import-error", "missing-class", "wrong-class-args", "not-a-tuner",
         "init-raises", "builtin-and-custom", "missing-folder"],
)  # fmt: skip
def test_a_class_that_cannot_be_loaded_fails_before_any_trial(tmp_path, cli, home, files, section, expected):
    _project(tmp_path, **files)
    (tmp_path / "algos").mkdir(exist_ok=True)
    result = cli("run", "--config", _v1(tmp_path, section), "--plain")
    assert result.exit_code != 0
    for text in expected:
        assert text in result.output, result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "home" / "experiments").exists() or not list(
        (tmp_path / "home" / "experiments").iterdir()
    )


def test_v2_class_name_needs_its_module(tmp_path, cli):
    _project(tmp_path, **{"grid_batch.py": NNI_BATCH})
    config = write(tmp_path / "config.yml", f"""
        searchSpaceFile: space.json
        trialCommand: {sys.executable} train.py
        tuner:
          codeDirectory: .
          className: GridBatch
    """)  # fmt: skip
    result = cli("run", "--config", config, "--plain")
    assert result.exit_code != 0
    assert "config.yml:5:" in result.output and "must be module.ClassName" in result.output, result.output


def test_module_not_found_names_the_scripts_folder(tmp_path, cli):
    _project(tmp_path)
    result = cli("run", str(tmp_path / "train.py"), "--search-space", str(tmp_path / "space.json"),
                 "--tuner", "nowhere:Thing", "--plain")  # fmt: skip
    assert result.exit_code != 0
    assert f"no module 'nowhere' in {tmp_path}" in result.output, result.output


# a broken class while it runs --------------------------------------------------------------------------

FAILING = """
    import time

    from nni.tuner import Tuner


    class Flaky(Tuner):
        def __init__(self, mode, good=2):
            self.mode, self.good, self.n = mode, good, 0

        def update_search_space(self, search_space):
            pass

        def generate_parameters(self, parameter_id, **kwargs):
            self.n += 1
            if self.n <= self.good:
                return {"x": 0.5, "h": 2}
            if self.mode == "raise":
                raise ValueError("lost my state")
            if self.mode == "outside":
                return {"x": 5.0, "h": 2}
            if self.mode == "missing":
                return {"x": 0.5}
            if self.mode == "unknown":
                return {"x": 0.5, "h": 2, "depth": 3}
            if self.mode == "hang":
                time.sleep(3600)
            return {"x": 0.5, "h": 2}

        def receive_trial_result(self, parameter_id, parameters, value, **kwargs):
            pass
"""


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("raise", "generate_multiple_parameters raised ValueError: lost my state (at "),
        ("outside", "outside the search space: parameter 'x': 5.0 is outside its uniform [0, 1]"),
        ("missing", "outside the search space: parameter 'h' is missing"),
        ("unknown", "outside the search space: unknown parameter 'depth'; the search space has x, h"),
    ],
)
def test_a_failing_call_ends_the_experiment_with_a_located_message_and_keeps_results(
    tmp_path, cli, home, mode, expected
):
    _project(tmp_path, **{"algos/flaky.py": FAILING})
    section = _tuner_section("flaky.py", "Flaky", f"{{mode: {mode}}}")
    result = cli("run", "--config", _v1(tmp_path, section), "--plain")
    assert result.exit_code != 0
    exp, trials = _experiment(home)
    assert exp.status == ERROR
    assert exp.message.startswith(f"custom tuner Flaky ({tmp_path / 'algos' / 'flaky.py'}:6): "), exp.message
    assert expected in exp.message and expected in result.output
    assert [t.status for t in trials] == [SUCCEEDED, SUCCEEDED]  # the trials before it keep their results


def test_a_hanging_call_times_out_and_the_experiment_resumes_once_fixed(tmp_path, home):
    _project(tmp_path, **{"algos/flaky.py": FAILING})
    config = _v1(tmp_path, _tuner_section("flaky.py", "Flaky", "{mode: hang}"), max_trials=4)
    run = spawn(home, "run", "--config", config, "--plain", "--algorithm-timeout", "1s", cwd=str(tmp_path))
    out, err = run.communicate(timeout=120)
    assert run.returncode != 0
    exp, trials = _experiment(home)
    assert exp.status == ERROR
    assert "generate_multiple_parameters did not return within 1 s" in exp.message, exp.message
    assert "did not return within 1 s" in out + err
    assert [t.status for t in trials] == [SUCCEEDED, SUCCEEDED]
    # the class is fixed (no more hanging): resume runs the remaining trials with the kept ones
    (tmp_path / "algos" / "flaky.py").write_text((tmp_path / "algos" / "flaky.py").read_text().replace(
        "time.sleep(3600)", "pass"))  # fmt: skip
    again = spawn(home, "resume", exp.id, "--plain", cwd=str(tmp_path))
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, out + err
    exp, trials = _experiment(home)
    assert exp.status == "DONE" and len(trials) == 4
    assert all(t.status == SUCCEEDED for t in trials)


def test_an_assessor_returning_no_verdict_fails_the_experiment(tmp_path, cli, home):
    bad = NNI_ASSESSOR.replace("return AssessResult.Good", 'return "fine"')
    _project(tmp_path, **{"algos/random_tuner.py": NNI_RANDOM, "algos/threshold.py": bad})
    section = f"""{_tuner_section("random_tuner.py", args=f'{{log: "{tmp_path / "t.jsonl"}"}}')}
        assessor:
          codeDir: algos
          classFileName: threshold.py
          className: Threshold
          classArgs: {{limit: 100, log: "{tmp_path / "a.jsonl"}"}}"""
    result = cli("run", "--config", _v1(tmp_path, section), "--plain")
    assert result.exit_code != 0
    exp, trials = _experiment(home)
    assert exp.status == ERROR
    assert "custom assessor Threshold (" in exp.message
    assert "assess_trial returned 'fine', not AssessResult.Good or AssessResult.Bad" in exp.message
    assert all(t.status in (WAITING, SUCCEEDED) for t in trials)


def test_an_installed_nni_wins_over_the_shim(tmp_path, home, monkeypatch):
    fake = tmp_path / "site" / "nni"
    fake.mkdir(parents=True)
    write(fake / "__init__.py", """
        class NoMoreTrialError(Exception):
            pass
    """)  # fmt: skip
    write(fake / "tuner.py", """
        class Tuner:
            def generate_multiple_parameters(self, ids, **kwargs):
                return [self.generate_parameters(i, **kwargs) for i in ids]

            def trial_end(self, parameter_id, success, **kwargs):
                pass
    """)  # fmt: skip
    write(tmp_path / "which.py", """
        import nni
        from nni.tuner import Tuner


        class Which(Tuner):
            def __init__(self, log):
                self.log, self.left = log, 2

            def update_search_space(self, search_space):
                with open(self.log, "w") as f:
                    f.write(nni.__file__)

            def generate_parameters(self, parameter_id, **kwargs):
                if not self.left:
                    raise nni.NoMoreTrialError()
                self.left -= 1
                return {"x": 0.5, "h": 1}

            def receive_trial_result(self, parameter_id, parameters, value, **kwargs):
                pass
    """)  # fmt: skip
    write(tmp_path / "train.py", """
        import nniannot

        nniannot.report_final_result(nniannot.get_next_parameter()["x"])
    """)  # fmt: skip
    write_json(tmp_path / "space.json", SPACE)
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([str(tmp_path / "site"), os.environ.get("PYTHONPATH", "")])
    )
    run = spawn(home, "run", "train.py", "--search-space", "space.json", "--tuner", "which.py:Which",
                "--tuner-arg", f"log={tmp_path / 'which.txt'}", "--plain", cwd=str(tmp_path))  # fmt: skip
    out, err = run.communicate(timeout=120)
    assert run.returncode == 0, out + err
    assert "trials use the installed nni" in out
    assert (tmp_path / "which.txt").read_text() == str(fake / "__init__.py")
    exp, trials = _experiment(home)
    assert exp.status == "DONE" and [t.status for t in trials] == [SUCCEEDED, SUCCEEDED]


def test_an_unknown_name_says_how_to_name_a_class(tmp_path, cli):
    _project(tmp_path)
    result = cli("run", str(tmp_path / "train.py"), "--search-space", str(tmp_path / "space.json"),
                 "--tuner", "MyTuner", "--plain")  # fmt: skip
    assert result.exit_code != 0
    assert "unknown tuner 'MyTuner'; known tuners: " in result.output
    assert "(or a class of your own: path/to/file.py:ClassName, module:ClassName)" in result.output


SEQUENTIAL = """
    import nni
    from nni.tuner import Tuner


    class OneAtATime(Tuner):
        def __init__(self, total=3):
            self.total, self.issued, self.pending = total, 0, set()

        def update_search_space(self, search_space):
            pass

        def generate_parameters(self, parameter_id, **kwargs):
            if self.pending or self.issued == self.total:
                raise nni.NoMoreTrialError("not now")
            self.issued += 1
            self.pending.add(parameter_id)
            return {"x": self.issued / 10, "h": 1}

        def receive_trial_result(self, parameter_id, parameters, value, **kwargs):
            pass

        def trial_end(self, parameter_id, success, **kwargs):
            self.pending.discard(parameter_id)
"""


def test_no_more_trial_error_while_trials_run_means_not_now(tmp_path, cli, home):
    _project(tmp_path, **{"algos/one.py": SEQUENTIAL})
    result = cli(
        "run", "--config", _v1(tmp_path, _tuner_section("one.py", "OneAtATime"), concurrency=3), "--plain"
    )
    assert result.exit_code == 0, result.output
    exp, trials = _experiment(home)
    assert exp.status == "DONE" and exp.message == "the tuner has no more configurations"
    assert sorted(t.params["x"] for t in trials) == [0.1, 0.2, 0.3]  # asked again after each end
    spans = sorted((t.started_at, t.ended_at) for t in trials)
    assert all(end <= next_start for (_, end), (next_start, _) in itertools.pairwise(spans))  # one at a time
