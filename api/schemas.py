"""Request and response models of the public chat API (fixed by the design)."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, Field, constr, validator

from bot.triage.models import LEVEL_NAMES

SESSION_ID_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"
SessionId = constr(regex=SESSION_ID_PATTERN, strict=True)
#: The fixed level names, from the triage enum (bot/triage/models.py), highest first.
TriageLevel = Literal[LEVEL_NAMES]  # type: ignore[valid-type]


def mark_nullable(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """OpenAPI 3.1 for fields that may be null: pydantic 1 documents ``X | None`` as plain
    ``X``, and clients generated from the document then reject the nulls the API sends.
    """
    for field in model.__fields__.values():
        prop = schema.get("properties", {}).get(field.alias)
        if not field.allow_none or prop is None or ("anyOf" in prop and _has_null(prop)):
            continue
        meta = {k: prop.pop(k) for k in ("title", "description", "default") if k in prop}
        if list(prop) == ["allOf"] and len(prop["allOf"]) == 1:
            prop = prop["allOf"][0]  # pydantic's wrapper of a $ref that has a description
        schema["properties"][field.alias] = {"anyOf": [prop, {"type": "null"}], **meta}


def _has_null(prop: dict[str, Any]) -> bool:
    return any(option.get("type") == "null" for option in prop.get("anyOf", []))


class ApiModel(BaseModel):
    """Models of the API's documents: fields that may be null say so in the schema."""

    class Config:
        schema_extra = staticmethod(mark_nullable)


# Some visible character, and no NUL. The blank class is spelled out because Python's and
# JavaScript's (JSON Schema's) ``\s`` differ: it is both sets plus invisible format characters.
# Linear-time on any input: only the leading blank run can backtrack, one step per character.
_BLANK = (
    r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u180e\u2000-\u200d\u2028\u2029\u202f"
    r"\u205f\u2060\u3000\ufeff"
)
MESSAGE_PATTERN = rf"^[{_BLANK}]*[^{_BLANK}\x00][^\x00]*$"
_MESSAGE_RE = re.compile(MESSAGE_PATTERN)


class ChatRequest(ApiModel):
    session_id: SessionId | None = Field(  # type: ignore[valid-type]
        None, description="8-64 characters of A-Z, a-z, 0-9, _ and -; made by the server if absent."
    )
    message: str = Field(
        ...,
        description="What the person typed, or a button's payload: not blank; longer than "
        "MAX_MESSAGE_CHARS gets 413.",
        min_length=1,
    )

    class Config:
        extra = "forbid"

        @staticmethod
        def schema_extra(schema: dict, model: type[BaseModel]) -> None:
            """Document nullable fields and the message pattern."""
            mark_nullable(schema, model)
            schema["properties"]["message"]["pattern"] = MESSAGE_PATTERN
            schema["example"] = {"session_id": "a1b2c3d4e5f6", "message": "my back hurts"}

    @validator("message", pre=True)
    def _message_is_text(cls, value: object) -> object:
        if not isinstance(value, str):
            raise TypeError("message must be a string")
        return value

    @validator("message")
    def _message_not_blank(cls, value: str) -> str:
        if "\x00" in value:
            raise ValueError("message must be text")
        if not _MESSAGE_RE.match(value):
            raise ValueError("message must not be empty")
        return value


class Button(BaseModel):
    """A button on a bot reply: its title, and the payload to send back as the message."""

    title: str
    payload: str


class Reply(BaseModel):
    text: str
    buttons: list[Button] = []


class Triage(ApiModel):
    level: TriageLevel
    symptoms: list[str]
    advice: str
    summary_url: str | None = Field(
        None,
        description="The person's printable summary of this assessment for their appointment "
        "(an unguessable link; it expires with RETENTION_DAYS).",
    )


class ChatResponse(ApiModel):
    """The bot's turn: its replies, and the disposition when it gives one."""

    session_id: str
    replies: list[Reply]
    triage: Triage | None = Field(
        ...,
        description="The disposition, in the turn in which the bot gives it; else null "
        "(always present).",
    )


class ValidationIssue(BaseModel):
    loc: list[str | int] = Field(..., description="Where in the request, e.g. [body, message].")
    msg: str
    type: str


class ErrorResponse(BaseModel):
    """Every 4xx answer: a ``detail`` a person or a developer can act on."""

    detail: str = Field(..., description="What was wrong with the request.")


class ValidationErrorResponse(BaseModel):
    detail: list[ValidationIssue] = Field(
        ..., description="One entry per problem; the submitted values are never echoed."
    )


class ReadinessDetails(BaseModel):
    restarts: dict[str, int] = Field(
        ..., description="Restarts of each supervised process since `bot run` started."
    )
    hung_restarts: dict[str, int] = Field(
        ..., description="Of those, restarts after the process stopped answering (watchdog)."
    )
    rasa_replicas_answering: dict[str, bool] = Field(
        ..., description="Each Rasa replica (URL): answering the gateway's probes or not."
    )


class Readiness(BaseModel):
    status: Literal["ready", "not ready"]
    checks: dict[Literal["rasa", "actions", "tracker_store"], bool] = Field(
        ..., description="Each dependency: reachable or not."
    )
    details: ReadinessDetails


class UnavailableResponse(BaseModel):
    detail: str = Field(..., description="Says the assistant can't answer, and what to do.")
    emergency: str = Field(..., description="What to do in an emergency, always present.")
    session_id: str = Field(..., description="The session to continue with once it is back.")
