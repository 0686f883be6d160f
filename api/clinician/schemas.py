"""The clinician API's request and response models, its documented error responses, and the
filter parameters' schemas for the OpenAPI document.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from api.clinician.deps import CSRF_HEADER, PREFIX
from api.schemas import ApiModel
from bot.triage.models import LEVEL_NAMES
from bot.vocabulary import ALL_INTENTS
from clinician import annotations


class LoginRequest(BaseModel):
    username: str = Field(..., max_length=64)
    password: str = Field(..., max_length=1024)

    class Config:
        extra = "forbid"


class SessionInfo(BaseModel):
    username: str
    role: Literal["clinician", "admin"]
    csrf_token: str = Field(..., description=f"Send back in the {CSRF_HEADER} header on POSTs.")


class ConversationItem(ApiModel):
    """One conversation in the list; ``level`` is null until a disposition was given."""

    session_id: str
    started_at: float
    last_at: float
    level: str | None
    symptoms: list[str]
    attention: bool = Field(..., description="Marked for clinician attention.")
    user_messages: int


class ConversationPage(BaseModel):
    total: int
    page: int
    page_size: int
    pages: int
    items: list[ConversationItem]


class FlagRequest(BaseModel):
    event_id: int = Field(
        ...,
        ge=1,
        le=annotations.MAX_EVENT_ID,
        description="The user message's event id (from the transcript).",
    )
    correct_intent: str = Field(..., description="One of: " + ", ".join(ALL_INTENTS))

    class Config:
        @staticmethod
        def schema_extra(schema: dict[str, Any], model: type) -> None:
            """List the intents a flag may name."""
            # The check itself stays in clinician.annotations (422 with its message).
            schema["properties"]["correct_intent"]["enum"] = list(ALL_INTENTS)


class NoteRequest(BaseModel):
    body: str = Field(..., min_length=1, max_length=annotations.MAX_NOTE_CHARS)


class Detail(BaseModel):
    detail: Any


AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": Detail, "description": "No session: log in first."}
}
CSRF_RESPONSES = {
    **AUTH_RESPONSES,
    403: {"model": Detail, "description": f"Missing or wrong {CSRF_HEADER} header."},
}
ANNOTATION_RESPONSES = {**CSRF_RESPONSES, 404: {"model": Detail}, 422: {"model": Detail}}
#: The downloads: CSV (the default) or JSON, as ``format`` asks.
DOWNLOAD_200: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "An attachment: CSV by default, JSON with format=json.",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/json": {"schema": {"anyOf": [{"type": "object"}, {"type": "array"}]}},
        },
    }
}
#: The bulk export also gives one FHIR Bundle per line (format=ndjson).
LIST_DOWNLOAD_200: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "An attachment: CSV by default, JSON with format=json, FHIR R4 "
        "Bundles as NDJSON with format=ndjson.",
        "content": {
            **DOWNLOAD_200[200]["content"],
            "application/fhir+ndjson": {"schema": {"type": "string"}},
        },
    }
}

_LEVEL = "(" + "|".join((*LEVEL_NAMES, "none")) + ")"
_DATE_OR_TIME = {
    "anyOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}]
}
#: What ``Filters.parse`` accepts, for the OpenAPI document (FastAPI cannot say it with
#: pydantic 1): a level list, comma-separated or repeated, and a date or an ISO 8601 time.
FILTER_PARAMETER_SCHEMAS: dict[str, dict[str, Any]] = {
    "level": {
        "anyOf": [
            {
                "type": "array",
                "items": {
                    "type": "string",
                    "pattern": rf"^\s*{_LEVEL}?(\s*,\s*{_LEVEL}?)*\s*$",
                },
            },
            {"type": "null"},
        ]
    },
    "since": _DATE_OR_TIME,
    "until": _DATE_OR_TIME,
}


def document_filters(schema: dict[str, Any]) -> None:
    """Puts FILTER_PARAMETER_SCHEMAS into every clinician operation that takes the filters."""
    for path, operations in schema.get("paths", {}).items():
        if not path.startswith(PREFIX):
            continue
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                known = FILTER_PARAMETER_SCHEMAS.get(parameter["name"])
                if parameter["in"] == "query" and known is not None:
                    parameter["schema"] = {**known, "title": parameter["schema"].get("title")}
