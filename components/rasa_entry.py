"""Runs Rasa's own command line with its telemetry and crash reporting switched off.

Rasa 3.6 sends uncaught exceptions to Sentry whenever its package ships a write key, whatever
the telemetry setting (``rasa/__main__.py`` calls ``initialize_error_reporting()``
unconditionally). Conversations here are health data, so nothing may leave the machine:
this entry point disables telemetry through its environment variable and replaces the crash
reporter with a no-op before handing over to ``rasa.__main__.main``. It also applies the
measured fixes in ``components.rasa_patches``.

Usage: ``python -m components.rasa_entry run ...`` (same arguments as ``rasa``).
"""

from __future__ import annotations

import os


def main() -> None:
    os.environ["RASA_TELEMETRY_ENABLED"] = "false"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
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
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
