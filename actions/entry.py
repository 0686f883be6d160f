"""Runs the action server (``python -m rasa_sdk``) with the logging of ``bot.logs``.

rasa_sdk logs at INFO unless told otherwise and installs coloredlogs; here ``LOG_LEVEL`` and
``LOG_FORMAT`` apply as in Rasa and the gateway, and the known third-party warnings are ignored.

Usage: ``python -m actions.entry --actions actions --port 5055`` (rasa_sdk's arguments).
"""

from __future__ import annotations


def main() -> None:
    """Start the action server with the project's logging; arguments as rasa_sdk's."""
    from bot import logs

    logs.quiet_third_party(preload=logs.FILTER_RESETTING_IMPORTS)
    import rasa_sdk.__main__ as sdk_main
    from rasa_sdk import utils
    from rasa_sdk.endpoint import create_argument_parser

    args = create_argument_parser().parse_args()
    args.loglevel = logs.level_from_env()
    utils.configure_colored_logging = lambda level: logs.configure("actions", level)
    # rasa_sdk gives Sanic's loggers their own level and no propagation; ours apply.
    utils.update_sanic_log_level = lambda: logs.configure("actions", args.loglevel)
    sdk_main.main_from_args(args)


if __name__ == "__main__":
    main()
