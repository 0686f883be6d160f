"""Small, measured corrections to Rasa 3.6, applied by ``bot.rasa_entry`` at start-up.

``RemoteAction._validate_action_result`` calls ``jsonschema.validate`` for every action
server response; ``validate`` checks the (constant) schema against its meta-schema on every
call first. That was half of Rasa's CPU per triage turn here (97 → 38 ms per turn without it;
bench/experiments/jsonschema_cache.py, BENCHMARKS.md). The replacement checks the schema once
and validates each response exactly as before, with Rasa's own error message.
"""

from __future__ import annotations

from typing import Any


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
