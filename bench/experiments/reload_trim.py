"""Experiment: give memory back after a model reload.

Rasa's ``PUT /model`` builds a new Agent (``rasa.server._load_agent``) and only then drops the
old one, whose TensorFlow objects sit in reference cycles; glibc keeps the freed pages in its
arenas. This schedules, two seconds after each load (the old agent is gone by then), a full
garbage collection and ``malloc_trim(0)``. Proposed fix: the same wrapper around
``rasa.server._load_agent`` in ``components/rasa_entry.py``.
"""

import asyncio
import contextlib
import ctypes
import gc

from sitecustomize import when_imported


def _trim() -> None:
    gc.collect()
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _patch(server):
    original = server._load_agent

    async def _load_agent(*args, **kwargs):
        agent = await original(*args, **kwargs)
        asyncio.get_running_loop().call_later(2.0, _trim)
        return agent

    server._load_agent = _load_agent


when_imported("rasa.server", _patch)
