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
