"""Loads the candidate fixes named in BENCH_EXPERIMENTS (comma-separated) at start-up.

``bench.support.experiment_env`` puts this folder on PYTHONPATH, so every Python process of
the stack imports it before its own code; each named fix is ``bench/experiments/NAME.py``.
"""

import importlib.util
import os
from pathlib import Path

_HERE = Path(__file__).resolve().parent.parent
for _name in filter(None, os.environ.get("BENCH_EXPERIMENTS", "").split(",")):
    _spec = importlib.util.spec_from_file_location(
        f"bench_experiment_{_name}", _HERE / f"{_name}.py"
    )
    _module = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_module)
