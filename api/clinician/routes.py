"""The clinicians' JSON API under /api/v1/clinician (fixed paths): login, the conversation
list, transcripts, flags and notes, the audit log.

``POST /login`` takes JSON only and refuses a foreign ``Origin``, so no other site can log a
browser in. The list shows the summaries as last refreshed: the gateway refreshes them after
every chat turn and on a schedule, never while answering a read.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse

from api.clinician.deps import (
    COOKIE_NAME,
    PREFIX,
    SESSION_ID_PATH,
    AdminDep,
    AnnotatorDep,
    CsrfSessionDep,
    FiltersDep,
    ServiceDep,
    SessionDep,
    record,
)
from api.clinician.login import attempt_login, clear_session_cookie, set_session_cookie
from api.clinician.schemas import (
    ANNOTATION_RESPONSES,
    AUTH_RESPONSES,
    CSRF_RESPONSES,
    ConversationItem,
    ConversationPage,
    Detail,
    FlagRequest,
    LoginRequest,
    NoteRequest,
    SessionInfo,
)
from api.routing import ApiRoute
from clinician import annotations, audit, auth, summary

router = APIRouter(prefix=PREFIX, tags=["clinician"], route_class=ApiRoute)


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
    """Log in with a username and password: the session cookie and the CSRF token."""
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
def logout(request: Request, session: CsrfSessionDep, svc: ServiceDep) -> Response:
    """End the session and drop its cookie."""
    auth.end_session(svc.engine, request.cookies.get(COOKIE_NAME, ""))
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
    """Who is logged in, and the session's CSRF token."""
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
    svc: ServiceDep,
    filters: FiltersDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int | None, Query(ge=1, le=500)] = None,
) -> ConversationPage:
    """One page of the filtered conversation list, newest first."""
    size = page_size or svc.settings.clinician_page_size
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
def weekly(session: SessionDep, svc: ServiceDep, filters: FiltersDep) -> dict[str, Any]:
    """Conversations per triage level per week, for the chart."""
    return {"weeks": summary.weekly_counts(svc.engine, filters)}


@router.get(
    "/conversations/{session_id}",
    responses={**AUTH_RESPONSES, 404: {"model": Detail, "description": "No such conversation."}},
    summary="One conversation's transcript: messages, intents, questions, dispositions, rules",
)
def get_transcript(
    request: Request, session: SessionDep, svc: ServiceDep, session_id: str = SESSION_ID_PATH
) -> dict[str, Any]:
    """One conversation's transcript, or 404."""
    data = svc.transcript(session_id)
    if data is None:
        raise HTTPException(status_code=404, detail="no such conversation")
    record(request, session, "view_transcript", target=session_id)
    return data


@contextmanager
def annotation_errors() -> Iterator[None]:
    """A refused annotation answers 422 (invalid) or 404 (no such message), with the reason."""
    try:
        yield
    except annotations.AnnotationError as err:
        raise HTTPException(status_code=422, detail=str(err)) from None
    except annotations.NotFound as err:
        raise HTTPException(status_code=404, detail=str(err)) from None


#: The two annotation routes create a record and answer alike.
ANNOTATION_ROUTE: dict[str, Any] = {"status_code": 201, "responses": ANNOTATION_RESPONSES}


@router.post(
    "/conversations/{session_id}/flags",
    **ANNOTATION_ROUTE,
    summary="Flag a user message as misunderstood, with the right intent",
    description="Flag one user message of a conversation with the intent it should have had.",
)
def flag_message(
    body: FlagRequest, by: AnnotatorDep, session_id: str = SESSION_ID_PATH
) -> dict[str, Any]:
    """Flag one user message of a conversation with the intent it should have had."""
    with annotation_errors():
        flag = annotations.add_flag(
            by.svc.engine, session_id, body.event_id, body.correct_intent, by.username
        )
    detail = {"event_id": body.event_id, "correct_intent": body.correct_intent}
    by.record("flag_message", target=session_id, detail=detail)
    return flag


@router.post(
    "/conversations/{session_id}/notes",
    **ANNOTATION_ROUTE,
    summary="Leave a note on a conversation",
    description="Leave a clinician's note on a conversation.",
)
def add_note(
    body: NoteRequest, by: AnnotatorDep, session_id: str = SESSION_ID_PATH
) -> dict[str, Any]:
    """Leave a clinician's note on a conversation."""
    if not by.svc.conversation_exists(session_id):
        raise HTTPException(status_code=404, detail="no such conversation")
    with annotation_errors():
        note = annotations.add_note(by.svc.engine, session_id, body.body, by.username)
    by.record("add_note", target=session_id, detail={"note_id": note["id"]})
    return note


@router.get(
    "/audit",
    responses={**AUTH_RESPONSES, 403: {"model": Detail, "description": "Admins only."}},
    summary="The audit log, newest first (admins)",
)
def audit_log(
    request: Request,
    session: AdminDep,
    svc: ServiceDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=1000)] = 100,
    action: Annotated[str | None, Query(max_length=32)] = None,
    actor: Annotated[str | None, Query(max_length=64)] = None,
) -> dict[str, Any]:
    """One page of the audit log, newest first (admins only)."""
    record(request, session, "view_audit", detail={"page": page})
    total, entries = audit.entries(
        svc.engine, page=page, page_size=page_size, action=action, actor=actor
    )
    return {"total": total, "page": page, "page_size": page_size, "entries": entries}
