"""What a one-shot trial writes is checked before it becomes the trial's params; nothing it writes crashes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nniannot.runner.nas_record import derived_params
from nniannot.searchspace import SearchSpace

BLOCK = "t/mutable_block_3"
SPACE = SearchSpace.from_json(
    {
        "t/lr/choice": {"_type": "choice", "_value": [0.1, 0.01]},
        BLOCK: {
            "_type": "mutable_layer",
            "_value": {
                "mutable_layer_0": {
                    "layer_choice": ["a()", "b()"],
                    "optional_inputs": ["x"],
                    "optional_input_size": [0, 1],
                }
            },
        },
    }
)
TUNED = {"t/lr/choice": 0.1, BLOCK: {"mutable_layer_0": {"chosen_layer": "a()", "chosen_inputs": []}}}
DERIVED = {BLOCK: {"mutable_layer_0": {"chosen_layer": "b()", "chosen_inputs": ["x"]}}}


def test_the_derived_architecture_replaces_only_the_mutable_block(tmp_path: Path) -> None:
    (tmp_path / "architecture.json").write_text(json.dumps({"params": DERIVED}))
    merged, note = derived_params(str(tmp_path), TUNED, SPACE)
    assert (merged, note) == ({**TUNED, **DERIVED}, None)


@pytest.mark.parametrize(
    "content",
    [
        None,
        "{not json",
        "[1, 2]",
        json.dumps({"params": {}}),
        json.dumps({"params": {"t/lr/choice": 5}}),
        json.dumps({"params": {BLOCK: {"mutable_layer_0": {"chosen_layer": "c()", "chosen_inputs": []}}}}),
        json.dumps(
            {"params": {BLOCK: {"mutable_layer_0": {"chosen_layer": "a()", "chosen_inputs": ["x", "x"]}}}}
        ),
        "[" * 100_000,
    ],
)
def test_a_file_that_cannot_be_used_changes_nothing_and_says_why(tmp_path: Path, content: str | None) -> None:
    if content is not None:
        (tmp_path / "architecture.json").write_text(content)
    merged, note = derived_params(str(tmp_path), TUNED, SPACE)
    assert merged is None and note and "the tuner's" in note
