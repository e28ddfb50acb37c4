"""A trial script whose behaviour comes from its parameters (see nniannot.runner.backends.inprocess.behaviour_script).

``behaviour``: intermediates (list), final (a value, "nan", "inf", or "$params" for a dict metric holding
the trial's parameters), exit_code, stderr (text), sleep (seconds or "forever"), garbage (bool).
"""

import math
import os
import sys
import time

import nniannot

params = nniannot.get_next_parameter()
b = params.get("behaviour", {})
if b.get("garbage"):
    path = os.path.join(os.environ["NNI_SYS_DIR"], ".nni", "metrics")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "ab") as f:
        f.write(b"garbage")
for value in b.get("intermediates", []):
    nniannot.report_intermediate_result(value)
if b.get("sleep") == "forever":
    while True:
        time.sleep(0.05)
time.sleep(float(b.get("sleep", 0)))
final = b.get("final")
if final == "$params":
    final = {"default": float(b.get("value", 0.0)), "params": params}
elif final in ("nan", "inf"):
    final = math.nan if final == "nan" else math.inf
if "final" in b:
    nniannot.report_final_result(final)
sys.stderr.write(b.get("stderr", ""))
sys.exit(int(b.get("exit_code", 0)))
