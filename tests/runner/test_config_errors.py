"""Config files with mistakes: every error of a file at once, each at file:line:col, never a traceback."""

from __future__ import annotations

import json
import textwrap

import pytest

from nniannot.errors import ConfigError, ConfigFileError
from nniannot.runner.config import load_config_file


def _write(tmp_path, text, name="config.yml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip())
    return str(path)


def _errors(path):
    """The first lines (`path:line:col: error: message`) of every error the file gives."""
    with pytest.raises(ConfigFileError) as caught:
        load_config_file(path)
    return [
        f"{d.line}:{d.col}: {d.message}"
        for d in sorted(caught.value.diagnostics, key=lambda d: (d.line, d.col))
    ]


def test_misspelt_own_keys_are_errors_naming_the_right_key_all_at_once(tmp_path):
    path = _write(tmp_path, """
        script: train.py
        max_trails: 3
        concurency: 2
        tuner: {name: tpe, argz: {}}
        """)  # fmt: skip
    assert _errors(path) == [
        "2:1: unknown key `max_trails`; did you mean `max_trials`?",
        "3:1: unknown key `concurency`; did you mean `concurrency`?",
        "4:20: unknown key `tuner.argz`; did you mean `args`?",
    ]


def test_the_error_shows_the_line_and_a_caret(tmp_path):
    path = _write(tmp_path, "script: train.py\nmax_trails: 3\n")
    with pytest.raises(ConfigError) as caught:
        load_config_file(path)
    assert str(caught.value) == (
        f"{path}: 1 problem\n"
        f"{path}:2:1: error: unknown key `max_trails`; did you mean `max_trials`?\n"
        "    max_trails: 3\n"
        "    ^"
    )


def test_misspelt_nni_v2_keys_and_nested_sections(tmp_path):
    path = _write(tmp_path, """
        trialCommand: python train.py
        maxTrialNumbr: 3
        trialConcurrency: 0
        tuner:
          name: TPE
          clasArgs: {optimize_mode: minimize}
        trainingService:
          platform: dask
          localWorker: 2
        """)  # fmt: skip
    assert _errors(path) == [
        "2:1: unknown key `maxTrialNumbr`; did you mean `maxTrialNumber`?",
        "3:19: `trialConcurrency` must be between 1 and 10,000, but got 0",
        "6:3: unknown key `tuner.clasArgs`; did you mean `classArgs`?",
        "9:3: unknown key `trainingService.localWorker`; did you mean `localWorkers`?",
    ]


def test_misspelt_nni_v1_keys_and_nested_sections(tmp_path):
    path = _write(tmp_path, """
        authorName: me
        maxTrialNum: 5
        trialConcurency: 2
        tuner:
          builtinTunerNam: TPE
        trial:
          command: python train.py
          codeDri: .
        """)  # fmt: skip
    assert _errors(path) == [
        "3:1: unknown key `trialConcurency`; did you mean `trialConcurrency`?",
        "5:3: unknown key `tuner.builtinTunerNam`; did you mean `builtinTunerName`?",
        "5:3: `tuner` needs `builtinTunerName`",
        "8:3: unknown key `trial.codeDri`; did you mean `codeDir`?",
    ]


def test_nni_keys_without_an_effect_here_warn_and_say_what_happens_instead(tmp_path):
    path = _write(tmp_path, """
        authorName: me
        maxTrialNum: 5
        multiPhase: true
        logDir: /var/nni
        trial: {command: python train.py, image: "msranni/nni"}
        localConfig: {gpuIndices: "0,1", useActiveGpu: true}
        """)  # fmt: skip
    cfg, warnings = load_config_file(path)
    assert cfg.max_trials == 5
    assert warnings == [
        f"{path}:3:1: ignored: `multiPhase` (each trial receives one set of parameters)",
        f"{path}:4:1: ignored: `logDir` (results and logs go to nni-annot's home: --home, $NNIANNOT_HOME or"
        " ~/.nni-annot)",
        f"{path}:5:35: ignored: `trial.image` (a cluster platform's setting; trials run here)",
        f"{path}:6:15: ignored: `localConfig.gpuIndices` (trials may use every visible GPU; set"
        " CUDA_VISIBLE_DEVICES to choose them)",
    ]


def test_duplicate_keys_name_both_lines(tmp_path):
    path = _write(tmp_path, """
        script: train.py
        max_trials: 3
        tuner: tpe
        max_trials: 30
        """)  # fmt: skip
    assert _errors(path) == [
        "4:1: duplicate key `max_trials`: on line 2 and again on line 4 (a key may appear once in a mapping)"
    ]


def test_binary_and_date_values_are_located_errors(tmp_path):
    path = _write(tmp_path, """
        script: train.py
        name: 2024-01-01
        args: !!binary aGVsbG8=
        """)  # fmt: skip
    assert _errors(path) == [
        '2:7: `2024-01-01` reads as a date, which no setting takes: quote it ("2024-01-01") for text',
        "3:7: `!!binary` values are not settings: write the value as text",
    ]


def test_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "config.yml"
    path.write_bytes(b"script: train.py\nname: caf\xe9\n")
    with pytest.raises(ConfigError, match=r"config.yml:2:10: a config must be UTF-8 text, but byte 0xe9"):
        load_config_file(str(path))


@pytest.mark.parametrize(
    "text",
    ["script: t.py\nargs: " + "[" * 5000 + "]" * 5000 + "\n", "".join(" " * i + "k:\n" for i in range(5000))],
    ids=["flow", "block"],
)
def test_a_5000_deep_yaml_is_a_located_error(tmp_path, text):
    path = _write(tmp_path, text)
    assert _errors(path)[0].endswith("a config may nest at most 100 levels, but this one nests deeper")


def test_a_100000_deep_search_space_is_a_located_error(tmp_path):
    (tmp_path / "space.json").write_text("[" * 100_000 + "]" * 100_000)
    path = _write(tmp_path, "script: train.py\nsearch_space: space.json\n")
    assert _errors(path) == [
        f"2:15: {tmp_path / 'space.json'}:1:101: a search space may nest at most 100 levels, but this one"
        " nests deeper"
    ]


def test_search_space_json_errors_are_located(tmp_path):
    (tmp_path / "space.json").write_text(json.dumps({"lr": 1}, indent=1).replace("1\n}", "1,\n}"))
    path = _write(tmp_path, "trialCommand: python t.py\nsearchSpaceFile: space.json\n")
    assert _errors(path) == [
        f"2:18: {tmp_path / 'space.json'}:3:1: not valid JSON: Expecting property name enclosed in double quotes"
    ]


@pytest.mark.parametrize(
    "text, error",
    [
        ("trialConcurrency: 99999999999999999999\n", "1:19: `trialConcurrency` must be between 1 and 10,000"),
        (f"maxTrialNumber: {10**19}\n", "1:17: `maxTrialNumber` must be between 1 and 1,000,000,000"),
        (
            "maxExperimentDuration: 99999999999999999999d\n",
            "1:24: `maxExperimentDuration` must be more than 0",
        ),
        ("maxTrialDuration: -5\n", "1:19: `maxTrialDuration` must be more than 0 and at most"),
        ("maxTrialDuration: .inf\n", "1:19: `maxTrialDuration` must be more than 0 and at most"),
        ("useAnnotation: maybe\n", "1:16: `useAnnotation` must be true or false, but got 'maybe'"),
    ],
)
def test_nni_numbers_go_through_the_bounds(tmp_path, text, error):
    path = _write(tmp_path, text + "trialCommand: python t.py\n")
    assert _errors(path)[0].startswith(error)


@pytest.mark.parametrize(
    "text, error",
    [
        ("kill_grace: -1\n", "2:13: `kill_grace` must be at least 0 and at most 3,600 seconds, but got -1"),
        ("concurrency: 0\n", "2:14: `concurrency` must be between 1 and 10,000, but got 0"),
        ("max_trial_duration: 0s\n", "2:21: `max_trial_duration` must be more than 0"),
        (
            "max_start_failures: -1\n",
            "2:21: `max_start_failures` must be between 0 and 1,000,000,000, but got -1",
        ),
        ("max_trials: 1.5\n", "2:13: `max_trials` must be a whole number, but got 1.5"),
        ("args: 'a \"b'\n", "2:7: `args` must split like a shell command line"),
    ],
)
def test_own_numbers_go_through_the_bounds(tmp_path, text, error):
    path = _write(tmp_path, "script: train.py\n" + text)
    assert _errors(path)[0].startswith(error)
