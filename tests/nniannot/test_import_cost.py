"""`import nniannot` (and what a trial imports) stays standard-library only."""

from __future__ import annotations

import json
import subprocess
import sys

CHECK = """
import sys, json
before = set(sys.modules)
import nniannot, nniannot.annotation, nniannot.launch
new = sorted(set(sys.modules) - before)
print(json.dumps(new))
"""


def test_import_nniannot_pulls_in_no_third_party_module() -> None:
    done = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    modules = json.loads(done.stdout)
    third_party = [
        m for m in modules if m.split(".")[0] not in sys.stdlib_module_names and m.split(".")[0] != "nniannot"
    ]
    assert third_party == []
    assert "transformer" not in modules and "click" not in modules
