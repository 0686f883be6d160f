"""Request and response models of the public chat API (fixed by the design)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, constr, validator

SESSION_ID_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"
SessionId = constr(regex=SESSION_ID_PATTERN, strict=True)


class ChatRequest(BaseModel):
    session_id: SessionId | None = Field(  # type: ignore[valid-type]
        None, description="8-64 characters of A-Z, a-z, 0-9, _ and -; made by the server if absent."
    )
    message: str = Field(..., description="What the person typed, or a button's payload.")

    class Config:
        extra = "forbid"

    @validator("message", pre=True)
    def _message_is_text(cls, value: object) -> object:
        if not isinstance(value, str):
            raise TypeError("message must be a string")
        return value

    @validator("message")
    def _message_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("message must not be empty")
        if "\x00" in value:
            raise ValueError("message must be text")
        return value


class Button(BaseModel):
    title: str
    payload: str


class Reply(BaseModel):
    text: str
    buttons: list[Button] = []


class Triage(BaseModel):
    level: Literal["emergency", "urgent", "soon", "routine"]
    symptoms: list[str]
    advice: str


class ChatResponse(BaseModel):
    session_id: str
    replies: list[Reply]
    triage: Triage | None = None


class ErrorResponse(BaseModel):
    detail: str | list[dict]


class UnavailableResponse(BaseModel):
    detail: str
    emergency: str = Field(..., description="What to do in an emergency, always present.")
