"""Runs Rasa's own command line with its telemetry and crash reporting switched off.

Rasa 3.6 sends uncaught exceptions to Sentry whenever its package ships a write key, whatever
the telemetry setting (``rasa/__main__.py`` calls ``initialize_error_reporting()``
unconditionally). Conversations here are health data, so nothing may leave the machine:
this entry point disables telemetry through its environment variable and replaces the crash
reporter with a no-op before handing over to ``rasa.__main__.main``. It also applies the
measured fixes in ``components.rasa_patches``, and sends Rasa's logs through ``bot.logs`` (the
known third-party warnings ignored, ``LOG_LEVEL`` and ``LOG_FORMAT`` as in the other processes).

Usage: ``python -m components.rasa_entry run ...`` (same arguments as ``rasa``).
"""

from __future__ import annotations

import os


def main() -> None:
    """Run Rasa's command line without telemetry, with the project's patches and logging."""
    from bot import logs

    os.environ["RASA_TELEMETRY_ENABLED"] = "false"
    logs.quiet_third_party(preload=logs.FILTER_RESETTING_IMPORTS)
    import rasa.telemetry

    rasa.telemetry.initialize_error_reporting = lambda: None  # type: ignore[assignment]
    from bot.settings import get_settings
    from components.rasa_patches import (
        bound_actions_per_turn,
        load_models_off_the_event_loop,
        payloads_only_when_offered,
        record_failed_custom_actions,
        return_memory_after_reloads,
        validate_action_results_with_one_validator,
    )

    validate_action_results_with_one_validator()
    load_models_off_the_event_loop()
    return_memory_after_reloads()
    record_failed_custom_actions(get_settings().action_timeout_seconds)
    bound_actions_per_turn()
    payloads_only_when_offered()
    from components.training_progress import install_progress_hook

    install_progress_hook()
    _log_through_bot_logs()
    from rasa.__main__ import main as rasa_main

    rasa_main()


def _log_through_bot_logs() -> None:
    """Rasa's main sets up logging three times (levels and warning filters, coloredlogs,
    structlog); each step hands over to ``bot.logs`` instead. Rasa's warning filters put
    "once" for every UserWarning first, so ours are put back in front of them.
    """
    import rasa.__main__ as rasa_main
    import rasa.utils.io

    from bot import logs

    configure_levels = rasa_main.configure_logging_and_warnings

    def levels_then_ours(log_level: int | None = None, *args: object, **kwargs: object) -> None:
        configure_levels(log_level, *args, **kwargs)  # type: ignore[arg-type]
        logs.quiet_third_party()
        logs.configure("rasa", log_level)

    rasa_main.configure_logging_and_warnings = levels_then_ours  # type: ignore[assignment]
    rasa.utils.io.configure_colored_logging = lambda *_: None  # type: ignore[assignment]
    rasa_main.configure_structlog = lambda log_level=None: logs.configure(  # type: ignore[assignment]
        "rasa", log_level
    )


if __name__ == "__main__":
    main()
