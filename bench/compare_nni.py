"""Compare nni-annot's search spaces with NNI 2.10.1's on a handful of annotated scripts.

Run by hand: ``python bench/compare_nni.py [--nni-python /tmp/nni-venv/bin/python]``. NNI lives in its own
virtualenv (``python -m venv /tmp/nni-venv && /tmp/nni-venv/bin/pip install nni==2.10.1``); it is called as
``generate_search_space(expand_annotations(src, out))`` on a copy of each script. Prints one row per
script: equal, or both spaces where they differ.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from pathlib import Path

from nniannot.transformer import transform

SCRIPTS = {
    "choices": (
        "'''@nni.variable(nni.choice(0.1, 0.01, 'adam', True, None, 5*6, [1,2], -1, f(x)), name=lr)'''\n"
        "lr = 0.1\n"
    ),
    "numeric samplers": "".join(
        f"'''@nni.variable(nni.{s}, name=v{i})'''\nv{i} = 1\n"
        for i, s in enumerate(
            [
                "randint(16, 129)",
                "uniform(0, 1)",
                "quniform(1, 9, 2)",
                "loguniform(1e-4, 0.1)",
                "qloguniform(1, 100, 1)",
                "normal(-1, 0.5)",
                "qnormal(0, 1, 0.5)",
                "lognormal(0, 1)",
                "qlognormal(0, 1, 1)",
            ]
        )
    ),
    "attribute name": (
        "class Net:\n    def __init__(self):\n"
        "        '''@nni.variable(nni.randint(16, 129), name=self.hidden)'''\n        self.hidden = 32\n"
    ),
    "function choice": (
        "def f(x):\n    '''@nni.function_choice(relu(x), tanh(x), max(x, 0), name=act)'''\n    return relu(x)\n"
    ),
    "mutable layers": (
        "def f(x0, x1, x2):\n"
        "    '''@nni.mutable_layers(\n"
        "        {layer_choice: [conv(k=3), pool()], fixed_inputs: [x0], optional_inputs: [x1, x2],\n"
        "         optional_input_size: [0, 1], layer_output: out},\n"
        "        {layer_choice: [ident()], layer_output: out2})'''\n"
        "    return out2\n"
    ),
    "shared key": (
        "'''@nni.variable(nni.choice(1, 2), name=n)'''\nn = 1\ndef g():\n"
        "    '''@nni.variable(nni.choice(1, 2), name=n)'''\n    n = 2\n    return n\n"
    ),
    "nested sampler": "x = 0\n'''@nni.variable(nni.choice(nni.uniform(0, 1), 2), name=v)'''\nv = 2\n",
    "reports only": "acc = 1\n'''@nni.report_intermediate_result(acc)'''\n'''@nni.report_final_result(acc)'''\n",
}

NNI_CALL = """
import json, sys
from nni.tools.annotation import expand_annotations, generate_search_space
out = expand_annotations(sys.argv[1], sys.argv[2])
print(json.dumps(generate_search_space(out)))
"""


def nni_space(python: str, source: str) -> dict | str:  # type: ignore[type-arg]
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "src", Path(tmp) / "out"
        src.mkdir()
        (src / "train.py").write_text(source)
        done = subprocess.run([python, "-c", NNI_CALL, str(src), str(out)], capture_output=True, text=True)
        if done.returncode != 0:
            return "NNI failed: " + done.stderr.strip().splitlines()[-1]
        return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nni-python", default="/tmp/nni-venv/bin/python")
    args = parser.parse_args()
    print(f"{'script':<20} result")
    for name, source in SCRIPTS.items():
        ours = transform(source).search_space
        theirs = nni_space(args.nni_python, source)
        if ours == theirs:
            print(f"{name:<20} equal ({len(ours)} keys)")
        else:
            print(
                f"{name:<20} DIFFERENT\n    nni-annot: {json.dumps(ours)}\n    NNI:       {json.dumps(theirs)}"
            )


if __name__ == "__main__":
    main()
