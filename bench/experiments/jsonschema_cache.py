"""Experiment: validate action server responses with a validator built once.

Rasa 3.6 checks every custom action's response with ``jsonschema.validate(result, schema)``
(``RemoteAction._validate_action_result``). ``validate`` first checks the *schema* against
the draft 2020-12 meta-schema, every call: about 50 ms of CPU per call here, two calls per
triage turn. This keeps the same check of the response but checks the constant schema only
once per schema. Proposed fix: the same in ``components/rasa_entry.py`` (patch
``RemoteAction._validate_action_result`` to use a module-level validator).
"""

import json

from sitecustomize import when_imported

_validators = {}


def _patch(jsonschema):
    original = jsonschema.validate

    def validate(instance, schema, cls=None, *args, **kwargs):
        if cls is not None or args or kwargs:
            return original(instance, schema, cls, *args, **kwargs)
        key = json.dumps(schema, sort_keys=True)
        validator = _validators.get(key)
        if validator is None:
            cls = jsonschema.validators.validator_for(schema)
            cls.check_schema(schema)
            validator = _validators[key] = cls(schema)
        error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
        if error is not None:
            raise error

    jsonschema.validate = validate


when_imported("jsonschema", _patch)
