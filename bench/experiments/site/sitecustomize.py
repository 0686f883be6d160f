"""Loads the candidate fixes named in BENCH_EXPERIMENTS (comma-separated) at start-up.

``bench.support.experiment_env`` puts this folder on PYTHONPATH, so every Python process of
the stack imports it before its own code; each named fix is ``bench/experiments/NAME.py``.
A fix patches a library through ``when_imported(module, function)``, so processes that never
import that library (the gateway does not import Rasa) are left as they are.
"""

import importlib.abc
import importlib.util
import os
import sys
from pathlib import Path

_HOOKS = {}


def when_imported(module, function):
    """Calls ``function(module)`` once ``module`` has been imported (now, if it already is)."""
    if module in sys.modules:
        function(sys.modules[module])
    else:
        _HOOKS.setdefault(module, []).append(function)


class _AfterImport(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name not in _HOOKS:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        original = loader.exec_module

        def exec_module(module):
            original(module)
            for function in _HOOKS.pop(name, []):
                function(module)

        loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, _AfterImport())

_HERE = Path(__file__).resolve().parent.parent
for _name in filter(None, os.environ.get("BENCH_EXPERIMENTS", "").split(",")):
    _spec = importlib.util.spec_from_file_location(
        f"bench_experiment_{_name}", _HERE / f"{_name}.py"
    )
    _module = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_module)
