"""Candidate fixes measured by the benchmarks before they go into the application.

Each sub-folder holds a ``sitecustomize.py``; ``bench.support.stack(experiment=NAME)`` puts
that folder on the stack's PYTHONPATH, so Python imports it at start-up in each process.
"""
