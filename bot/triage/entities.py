"""NLU entities as the domain reads them: Rasa-style dicts, with a role for negated mentions.

The NLU pipeline (components/symptom_entities.py) marks a mention the person denies ("no
headache") with ``role: negated``; every reader of entities asks ``is_negated`` rather than
comparing the role itself, so the marker is named once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, TypeAlias

Entity: TypeAlias = Mapping[str, Any]

#: The entity role of a mention the message denies ("no headache", "my back is fine").
NEGATED_ROLE: Final = "negated"


def is_negated(entity: Entity) -> bool:
    """Whether the entity is a negated mention (its role is ``NEGATED_ROLE``)."""
    return str(entity.get("role") or "").lower() == NEGATED_ROLE
