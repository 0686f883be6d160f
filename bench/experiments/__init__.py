"""Candidate fixes measured by the benchmarks before they go into the application.

Each ``NAME.py`` here patches a library at import time; ``--experiment NAME[,NAME2]`` of the
benchmarks starts the stack with ``site/`` on PYTHONPATH, whose sitecustomize.py loads the
named files in every process of the stack.
"""
