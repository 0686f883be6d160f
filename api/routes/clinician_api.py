"""The clinicians' JSON API under /api/v1/clinician (fixed paths), and the login plumbing the
dashboard pages share with it.

Authentication is a server-side session behind an HttpOnly, SameSite=Strict cookie (Secure
behind HTTPS). Requests that change anything also need the session's CSRF token: in the
``X-CSRF-Token`` header for this API (a header no other site can set without a CORS grant this
API never gives), in a hidden form field for the pages. ``POST /login`` takes JSON only and
refuses a foreign ``Origin``, so no other site can log a browser in either.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field

from api.schemas import ApiModel
from bot.triage.models import LEVEL_NAMES
from bot.vocabulary import ALL_INTENTS
from clinician import annotations, audit, auth, summary
from clinician.accounts import Account, authenticate
from clinician.auth import Session
from clinician.service import ClinicianService
from clinician.summary import FilterError, Filters
from clinician.transcripts import read_events, transcript_turns

logger = logging.getLogger(__name__)

COOKIE_NAME = "clinician_session"
CSRF_HEADER = "X-CSRF-Token"
SESSION_ID_PATH = Path(..., min_length=1, max_length=255, description="The chat session id.")

router = APIRouter(prefix="/api/v1/clinician", tags=["clinician"])


# ---------------------------------------------------------------- shared with the pages
def service(request: Request) -> ClinicianService:
    return request.app.state.clinician


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def current_session(request: Request) -> Session | None:
    svc = service(request)
    return auth.load_session(svc.engine, request.cookies.get(COOKIE_NAME), svc.policy)


def cookie_secure(request: Request) -> bool:
    configured = service(request).settings.clinician_cookie_secure
    return request.url.scheme == "https" if configured is None else configured


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    svc = service(request)
    response.set_cookie(
        COOKIE_NAME,
        token,
        max_age=int(svc.policy.max_seconds),
        path="/",
        httponly=True,
        samesite="strict",
        secure=cookie_secure(request),
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        COOKIE_NAME, path="/", httponly=True, samesite="strict", secure=cookie_secure(request)
    )


@dataclass
class LoginOutcome:
    ok: bool
    status: int
    retry_after: int = 0
    session: Account | None = None
    token: str | None = None
    csrf_token: str | None = None


def attempt_login(request: Request, username: str, password: str) -> LoginOutcome:
    """Throttle, verify, audit, and start a session on success."""
    svc = service(request)
    client = client_address(request)
    username = (username or "").strip()[:64]
    wait = auth.throttled_for(svc.engine, username, client, svc.policy)
    if wait > 0:
        audit.record(svc.engine, "login_throttled", actor=username, client=client)
        return LoginOutcome(ok=False, status=429, retry_after=int(wait) + 1)
    account = authenticate(svc.engine, username, password or "")
    auth.record_attempt(svc.engine, username, client, success=account is not None)
    if account is None:
        audit.record(svc.engine, "login_failure", actor=username, client=client)
        return LoginOutcome(ok=False, status=401)
    token, csrf = auth.start_session(svc.engine, account)
    audit.record(
        svc.engine, "login_success", actor=account.username, role=account.role, client=client
    )
    return LoginOutcome(ok=True, status=200, session=account, token=token, csrf_token=csrf)


def record(request: Request, session: Session, action: str, **kw: Any) -> None:
    audit.record(
        service(request).engine,
        action,
        actor=session.account.username,
        role=session.account.role,
        client=client_address(request),
        **kw,
    )


def transcript(svc: ClinicianService, session_id: str) -> dict[str, Any] | None:
    """The whole record of one conversation, or None when there is none."""
    svc.refresh()
    head = summary.get_summary(svc.engine, session_id)
    if head is None and not summary.has_events_table(svc.engine):
        return None  # Rasa has not stored anything yet
    with svc.engine.connect() as conn:
        rows = read_events(conn, session_id)
    if head is None and not rows:
        return None
    turns = transcript_turns(rows)
    notes_and_flags = annotations.for_conversation(svc.engine, session_id)
    flagged: dict[int, dict] = {}
    for f in notes_and_flags["flags"]:
        flagged[f["event_id"]] = f  # latest flag of each message
    for turn in turns:
        if turn["kind"] == "user":
            turn["flag"] = flagged.get(turn["event_id"])
    head = head or {"session_id": session_id, "level": None, "symptoms": [], "attention": False}
    return {
        **head,
        "turns": turns,
        "dispositions": [t for t in turns if t["kind"] == "disposition"],
        "questions": [q for t in turns if t["kind"] == "disposition" for q in t["questions"]],
        "flags": notes_and_flags["flags"],
        "notes": notes_and_flags["notes"],
    }


# ---------------------------------------------------------------- dependencies
def require_session(request: Request) -> Session:
    session = current_session(request)
    if session is None:
        raise HTTPException(status_code=401, detail="login required")
    return session


def require_csrf(
    request: Request, session: Annotated[Session, Depends(require_session)]
) -> Session:
    if not auth.csrf_matches(session.csrf_token, request.headers.get(CSRF_HEADER)):
        raise HTTPException(status_code=403, detail=f"missing or wrong {CSRF_HEADER} header")
    return session


def require_admin(session: Annotated[Session, Depends(require_session)]) -> Session:
    if not session.account.is_admin:
        raise HTTPException(status_code=403, detail="admins only")
    return session


SessionDep = Annotated[Session, Depends(require_session)]
CsrfSessionDep = Annotated[Session, Depends(require_csrf)]
AdminDep = Annotated[Session, Depends(require_admin)]


def filters_dep(
    level: Annotated[
        list[str] | None,
        Query(description="emergency, urgent, soon, routine or none; repeat or comma-separate."),
    ] = None,
    symptom: Annotated[str | None, Query(max_length=64)] = None,
    since: Annotated[str | None, Query(description="YYYY-MM-DD or ISO 8601 (UTC)")] = None,
    until: Annotated[str | None, Query(description="YYYY-MM-DD (inclusive) or ISO 8601")] = None,
    flagged: Annotated[
        bool | None, Query(description="Marked for clinician attention by the bot.")
    ] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in users' messages.")] = None,
) -> Filters:
    try:
        return Filters.parse(level, symptom, since, until, flagged, q)
    except FilterError as err:
        raise HTTPException(status_code=422, detail=str(err)) from None


FiltersDep = Annotated[Filters, Depends(filters_dep)]

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
        if not path.startswith(router.prefix):
            continue
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                known = FILTER_PARAMETER_SCHEMAS.get(parameter["name"])
                if parameter["in"] == "query" and known is not None:
                    parameter["schema"] = {**known, "title": parameter["schema"].get("title")}


# ---------------------------------------------------------------- models
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
            # The check itself stays in clinician.annotations (422 with its message).
            schema["properties"]["correct_intent"]["enum"] = list(ALL_INTENTS)


class NoteRequest(BaseModel):
    body: str = Field(..., min_length=1, max_length=annotations.MAX_NOTE_CHARS)


class Detail(BaseModel):
    detail: Any


AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": Detail, "description": "No session: log in first."}
}
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
CSRF_RESPONSES = {
    **AUTH_RESPONSES,
    403: {"model": Detail, "description": f"Missing or wrong {CSRF_HEADER} header."},
}


# ---------------------------------------------------------------- routes
@router.post(
    "/login",
    response_model=SessionInfo,
    responses={
        401: {"model": Detail, "description": "Wrong username or password."},
        403: {"model": Detail, "description": "Cross-site request."},
        415: {"model": Detail, "description": "Not JSON."},
        429: {"model": Detail, "description": "Too many failed logins; see Retry-After."},
    },
    summary="Log in; sets the session cookie",
)
def login(body: LoginRequest, request: Request, response: Response) -> Any:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise HTTPException(status_code=415, detail="send JSON")
    origin = request.headers.get("origin")
    if origin and origin.rstrip("/") != str(request.base_url).rstrip("/"):
        raise HTTPException(status_code=403, detail="cross-site login refused")
    outcome = attempt_login(request, body.username, body.password)
    if outcome.status == 429:
        return JSONResponse(
            status_code=429,
            headers={"Retry-After": str(outcome.retry_after)},
            content={"detail": "too many failed logins; try again later"},
        )
    if not outcome.ok:
        return JSONResponse(status_code=401, content={"detail": "wrong username or password"})
    set_session_cookie(request, response, outcome.token or "")
    return SessionInfo(
        username=outcome.session.username,
        role=outcome.session.role,
        csrf_token=outcome.csrf_token or "",
    )


@router.post("/logout", status_code=204, responses=CSRF_RESPONSES, summary="End the session")
def logout(request: Request, session: CsrfSessionDep) -> Response:
    auth.end_session(service(request).engine, request.cookies.get(COOKIE_NAME, ""))
    record(request, session, "logout")
    response = Response(status_code=204)
    clear_session_cookie(request, response)
    return response


@router.get(
    "/session",
    response_model=SessionInfo,
    responses=AUTH_RESPONSES,
    summary="Who is logged in, and the CSRF token",
)
def whoami(session: SessionDep) -> SessionInfo:
    return SessionInfo(
        username=session.account.username,
        role=session.account.role,
        csrf_token=session.csrf_token,
    )


@router.get(
    "/conversations",
    response_model=ConversationPage,
    responses={**AUTH_RESPONSES, 422: {"model": Detail, "description": "Invalid filter."}},
    summary="Conversations, newest first, filtered and paged",
)
def list_conversations(
    request: Request,
    session: SessionDep,
    filters: FiltersDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int | None, Query(ge=1, le=500)] = None,
) -> ConversationPage:
    svc = service(request)
    size = page_size or svc.settings.clinician_page_size
    svc.refresh()
    total, items = summary.list_page(svc.engine, filters, page, size)
    record(request, session, "view_list", detail={"filters": filters.describe(), "page": page})
    return ConversationPage(
        total=total,
        page=page,
        page_size=size,
        pages=max(1, -(-total // size)),
        items=[ConversationItem(**i) for i in items],
    )


@router.get(
    "/stats/weekly",
    responses={**AUTH_RESPONSES, 422: {"model": Detail, "description": "Invalid filter."}},
    summary="Conversations per triage level per week (the dashboard's chart)",
)
def weekly(request: Request, session: SessionDep, filters: FiltersDep) -> dict[str, Any]:
    svc = service(request)
    svc.refresh()
    return {"weeks": summary.weekly_counts(svc.engine, filters)}


@router.get(
    "/conversations/{session_id}",
    responses={**AUTH_RESPONSES, 404: {"model": Detail, "description": "No such conversation."}},
    summary="One conversation's transcript: messages, intents, questions, dispositions, rules",
)
def get_transcript(
    request: Request, session: SessionDep, session_id: str = SESSION_ID_PATH
) -> dict[str, Any]:
    data = transcript(service(request), session_id)
    if data is None:
        raise HTTPException(status_code=404, detail="no such conversation")
    record(request, session, "view_transcript", target=session_id)
    return data


@router.get(
    "/conversations/{session_id}/export",
    response_class=Response,
    responses={
        **DOWNLOAD_200,
        **AUTH_RESPONSES,
        404: {"model": Detail, "description": "No such conversation."},
    },
    summary="One transcript as a CSV or JSON download",
)
def export_transcript(
    request: Request,
    session: SessionDep,
    session_id: str = SESSION_ID_PATH,
    format: Annotated[Literal["csv", "json"], Query()] = "csv",
) -> Response:
    data = transcript(service(request), session_id)
    if data is None:
        raise HTTPException(status_code=404, detail="no such conversation")
    record(
        request,
        session,
        "export",
        target=session_id,
        detail={"format": format, "kind": "transcript"},
    )
    name = f"transcript-{_safe_name(session_id)}.{format}"
    if format == "json":
        return _download(json.dumps(data, indent=2, default=str), "application/json", name)
    rows = (
        [
            t["event_id"],
            iso(t["timestamp"]),
            t["kind"],
            t.get("text") or t.get("advice") or "",
            t.get("intent") or t.get("level") or "",
            "" if t.get("confidence") is None else f"{t['confidence']:.3f}",
            (t.get("flag") or {}).get("correct_intent", ""),
        ]
        for t in data["turns"]
    )
    header = [
        "event_id",
        "time_utc",
        "kind",
        "text",
        "intent_or_level",
        "confidence",
        "flagged_correct_intent",
    ]
    return _download(_csv([header], rows), "text/csv; charset=utf-8", name)


ANNOTATION_RESPONSES = {**CSRF_RESPONSES, 404: {"model": Detail}, 422: {"model": Detail}}


@contextmanager
def annotation_errors() -> Iterator[None]:
    """A refused annotation answers 422 (invalid) or 404 (no such message), with the reason."""
    try:
        yield
    except annotations.AnnotationError as err:
        raise HTTPException(status_code=422, detail=str(err)) from None
    except annotations.NotFound as err:
        raise HTTPException(status_code=404, detail=str(err)) from None


@router.post(
    "/conversations/{session_id}/flags",
    status_code=201,
    responses=ANNOTATION_RESPONSES,
    summary="Flag a user message as misunderstood, with the right intent",
)
def flag_message(
    body: FlagRequest, request: Request, session: CsrfSessionDep, session_id: str = SESSION_ID_PATH
) -> dict[str, Any]:
    """Flag one user message of a conversation with the intent it should have had."""
    with annotation_errors():
        flag = annotations.add_flag(
            service(request).engine,
            session_id,
            body.event_id,
            body.correct_intent,
            session.account.username,
        )
    record(
        request,
        session,
        "flag_message",
        target=session_id,
        detail={"event_id": body.event_id, "correct_intent": body.correct_intent},
    )
    return flag


@router.post(
    "/conversations/{session_id}/notes",
    status_code=201,
    responses=ANNOTATION_RESPONSES,
    summary="Leave a note on a conversation",
)
def add_note(
    body: NoteRequest, request: Request, session: CsrfSessionDep, session_id: str = SESSION_ID_PATH
) -> dict[str, Any]:
    """Leave a clinician's note on a conversation."""
    svc = service(request)
    if transcript_exists(svc, session_id) is False:
        raise HTTPException(status_code=404, detail="no such conversation")
    with annotation_errors():
        note = annotations.add_note(svc.engine, session_id, body.body, session.account.username)
    record(request, session, "add_note", target=session_id, detail={"note_id": note["id"]})
    return note


def transcript_exists(svc: ClinicianService, session_id: str) -> bool:
    svc.refresh()
    return summary.get_summary(svc.engine, session_id) is not None


@router.get(
    "/export",
    response_class=Response,
    responses={
        **LIST_DOWNLOAD_200,
        **AUTH_RESPONSES,
        422: {"model": Detail, "description": "Invalid filter."},
    },
    summary="The filtered conversation list as a CSV or JSON download",
)
def export_list(
    request: Request,
    session: SessionDep,
    filters: FiltersDep,
    format: Annotated[
        Literal["csv", "json", "ndjson"],
        Query(description="ndjson: one HL7 FHIR R4 Bundle per conversation and line."),
    ] = "csv",
) -> Response:
    svc = service(request)
    svc.refresh()
    total, _ = summary.list_page(svc.engine, filters, 1, 1)
    record(
        request,
        session,
        "export",
        detail={"format": format, "kind": "list", "filters": filters.describe(), "rows": total},
    )
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M")
    name = f"conversations-{stamp}.{format}"
    items = summary.iter_all(svc.engine, filters)
    if format == "ndjson":
        from api.routes.care_team_fhir import fhir, ndjson_bundles

        body = ndjson_bundles(svc.engine, items)
        headers = _attachment(name)
        return StreamingResponse(body, media_type=fhir.NDJSON_MEDIA_TYPE, headers=headers)
    if format == "json":
        body = _json_array(items)
        return StreamingResponse(body, media_type="application/json", headers=_attachment(name))
    header = [
        "session_id",
        "started_utc",
        "last_utc",
        "level",
        "symptoms",
        "clinician_attention",
        "user_messages",
    ]
    rows = (
        [
            i["session_id"],
            iso(i["started_at"]),
            iso(i["last_at"]),
            i["level"] or "",
            "; ".join(i["symptoms"]),
            "yes" if i["attention"] else "no",
            i["user_messages"],
        ]
        for i in items
    )
    return StreamingResponse(
        _csv_stream([header], rows), media_type="text/csv; charset=utf-8", headers=_attachment(name)
    )


@router.get(
    "/audit",
    responses={**AUTH_RESPONSES, 403: {"model": Detail, "description": "Admins only."}},
    summary="The audit log, newest first (admins)",
)
def audit_log(
    request: Request,
    session: AdminDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=1000)] = 100,
    action: Annotated[str | None, Query(max_length=32)] = None,
    actor: Annotated[str | None, Query(max_length=64)] = None,
) -> dict[str, Any]:
    svc = service(request)
    record(request, session, "view_audit", detail={"page": page})
    total, entries = audit.entries(
        svc.engine, page=page, page_size=page_size, action=action, actor=actor
    )
    return {"total": total, "page": page, "page_size": page_size, "entries": entries}


# ---------------------------------------------------------------- helpers
def iso(ts: float | None) -> str:
    if not ts:
        return ""
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _safe_name(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in text)[:64]


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


def _download(body: str, media_type: str, name: str) -> Response:
    return Response(content=body, media_type=media_type, headers=_attachment(name))


def csv_cell(value: Any) -> Any:
    """Spreadsheets run cells that start with = + - @ as formulas: quote them."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv(*groups: Iterable[list]) -> str:
    return "".join(_csv_stream(*groups))


def _csv_stream(*groups: Iterable[list]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for rows in groups:
        for row in rows:
            writer.writerow([csv_cell(v) for v in row])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()


def _json_array(items: Iterable[dict]) -> Iterator[str]:
    yield "["
    for n, item in enumerate(items):
        yield ("," if n else "") + json.dumps(item)
    yield "]"
