"""Runs the gateway (uvicorn's command line) with the logging of ``bot.logs``.

uvicorn applies its own logging configuration unless given another; here it gets one that
leaves ``bot.logs`` in charge, so ``LOG_LEVEL`` and ``LOG_FORMAT`` apply as in Rasa and the
action server, and the known third-party warnings are ignored before anything is imported.

Usage: ``python -m api.entry --factory api.main:create_app ...`` (uvicorn's arguments).
"""

from __future__ import annotations

import logging
import sys

#: Given to uvicorn as its logging configuration: change nothing (``bot.logs`` has set it up).
KEEP_LOGGING = {"version": 1, "incremental": True}


def main() -> None:
    """Run the gateway under uvicorn (the ``bot serve`` gateway process)."""
    from bot import logs

    logs.quiet_third_party()
    logs.configure("gateway")
    import importlib

    # The module, not the `uvicorn.main` name, which the package binds to the CLI command.
    cli = importlib.import_module("uvicorn.main")
    # uvicorn's CLI falls back to this module-level default when --log-config is absent.
    cli.LOGGING_CONFIG = KEEP_LOGGING
    level = logging.getLevelName(logs.level_from_env()).lower()
    cli.main(args=[*sys.argv[1:], "--log-level", level], prog_name="uvicorn")


if __name__ == "__main__":
    main()
