"""Small, measured corrections to Rasa 3.6, applied by ``bot.rasa_entry`` at start-up.

``RemoteAction._validate_action_result`` calls ``jsonschema.validate`` for every action
server response; ``validate`` checks the (constant) schema against its meta-schema on every
call first. That was half of Rasa's CPU per triage turn here (97 → 38 ms per turn without it;
bench/experiments/jsonschema_cache.py, BENCHMARKS.md). The replacement checks the schema once
and validates each response exactly as before, with Rasa's own error message.

Rasa's ``PUT /model`` builds the new agent (``rasa.server._load_agent``) before dropping the
old one, whose TensorFlow objects sit in reference cycles, and glibc keeps freed pages in its
arenas: resident memory grew 28% over ten reloads. ``return_memory_after_reloads`` runs a full
collection and ``malloc_trim`` shortly after each load (bench/experiments/reload_trim.py;
BENCHMARKS.md has the figures).

A custom action that fails (action server down, hung or erroring) is logged by Rasa's
processor, which then goes on without the action's events and replies and answers 200.
``record_failed_custom_actions`` records the failure for the conversation
(``components.turn_failures``), so the turn is not saved and the REST channel answers 503;
further custom actions of that turn fail at once. It also bounds Rasa's wait for the action
server (300 s in Rasa) so that a hung action server gets the person that answer before the
gateway stops waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
from typing import Any

# Seconds after a model load before memory is given back: by then the request that loaded
# it has swapped agents and the old one is unreferenced.
TRIM_DELAY_SECONDS = 2.0


def validate_action_results_with_one_validator() -> None:
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)

    def validate(self: RemoteAction, result: dict[str, Any]) -> bool:
        error = best_match(validator.iter_errors(result))
        if error is not None:
            error.message += (
                ". Failed to validate Action server response from API, make sure your "
                "response from the Action endpoint is valid. For more information about the "
                f"format visit {DOCS_BASE_URL}/custom-actions"
            )
            raise error
        return True

    RemoteAction._validate_action_result = validate  # type: ignore[method-assign]


def give_back_memory() -> None:
    """Collect reference cycles, then return free heap pages to the system (glibc only)."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def return_memory_after_reloads() -> None:
    import rasa.server

    load_agent = rasa.server._load_agent

    async def _load_agent(*args: Any, **kwargs: Any) -> Any:
        agent = await load_agent(*args, **kwargs)
        asyncio.get_running_loop().call_later(TRIM_DELAY_SECONDS, give_back_memory)
        return agent

    rasa.server._load_agent = _load_agent


def record_failed_custom_actions(timeout_seconds: float) -> None:
    from rasa.core.actions import action

    from components.turn_failures import ACTION, FAILURES

    # ``RemoteAction.run`` passes this module global as the request timeout on every call.
    action.DEFAULT_REQUEST_TIMEOUT = timeout_seconds  # type: ignore[attr-defined]
    run = action.RemoteAction.run

    async def run_recording_failures(
        self: Any, output_channel: Any, nlg: Any, tracker: Any, domain: Any
    ) -> Any:
        if FAILURES.peek(tracker.sender_id) == ACTION:
            # The turn is lost already (it answers 503); Rasa predicts on after a failed
            # action, and each further call could wait for the same hung server.
            raise RuntimeError("an earlier custom action of this turn failed")
        try:
            return await run(self, output_channel, nlg, tracker, domain)
        except action.ActionExecutionRejection:
            raise  # a form rejecting a slot value: part of the conversation, not a failure
        except Exception:
            FAILURES.record(tracker.sender_id, ACTION)
            raise

    action.RemoteAction.run = run_recording_failures  # type: ignore[method-assign]
