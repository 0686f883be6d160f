"""The clinician dashboard: server-rendered pages under /clinician (fixed paths).

Jinja2 autoescapes everything the templates print, so a message containing markup shows as
text. Every form carries a CSRF token; the pages send no script at all (the gateway's CSP
allows only our own files), and the chart is SVG drawn here.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from api.clinician.deps import COOKIE_NAME, ServiceDep, current_session, record, service
from api.clinician.login import attempt_login, clear_session_cookie, set_session_cookie
from api.clinician.page_deps import (
    FormCsrfDep,
    PageAdminDep,
    PageCsrfDep,
    PageSessionDep,
    render,
)
from bot.settings import PROJECT_ROOT
from bot.vocabulary import ALL_INTENTS
from clinician import annotations, audit, auth, summary
from clinician.summary import FilterError, Filters
from clinician.transcripts import LEVELS

STATIC_DIR = PROJECT_ROOT / "api" / "static" / "clinician"
STATIC_FILES = {"clinician.css": "text/css"}
LOGIN_NONCE_COOKIE = "clinician_login_nonce"

router = APIRouter(prefix="/clinician", tags=["clinician pages"], include_in_schema=False)


def _safe_next(value: str | None) -> str:
    """Only our own dashboard pages: never an open redirect."""
    if value and value.startswith("/clinician") and "//" not in value and "\\" not in value:
        return value
    return "/clinician"


# ---------------------------------------------------------------- static
@router.get("/static/{name}")
def static_file(name: str) -> Response:
    """The dashboard's stylesheet (only the files listed)."""
    if name not in STATIC_FILES:
        return Response(status_code=404)
    return FileResponse(STATIC_DIR / name, media_type=STATIC_FILES[name])


# ---------------------------------------------------------------- login and logout
def _login_page(
    request: Request, error: str | None = None, status_code: int = 200, next_url: str = ""
) -> HTMLResponse:
    nonce = auth.new_login_nonce()
    response = render(
        request,
        "login.html",
        {
            "csrf_token": auth.sign_login_nonce(service(request).secret, nonce),
            "error": error,
            "next": _safe_next(next_url),
        },
        status_code=status_code,
    )
    response.set_cookie(
        LOGIN_NONCE_COOKIE,
        nonce,
        max_age=3600,
        path="/clinician",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https"
        if service(request).settings.clinician_cookie_secure is None
        else bool(service(request).settings.clinician_cookie_secure),
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: Annotated[str | None, Query()] = None) -> Response:
    """The login form, or on to the page asked for when already logged in."""
    if current_session(request):
        return RedirectResponse(_safe_next(next), status_code=303)
    return _login_page(request, next_url=next or "")


@router.post("/login", response_class=HTMLResponse)
def login_submit(
    request: Request,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form(max_length=128)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Log in from the form (its signed nonce stands in for a session's CSRF token)."""
    svc = service(request)
    nonce = request.cookies.get(LOGIN_NONCE_COOKIE)
    if not auth.login_token_valid(svc.secret, nonce, csrf_token):
        return _login_page(request, "The form expired. Please try again.", 403, next)
    outcome = attempt_login(request, username, password)
    if outcome.status == 429:
        page = _login_page(
            request,
            "Too many failed logins. Wait a few minutes, then try again.",
            429,
            next,
        )
        page.headers["Retry-After"] = str(outcome.retry_after)
        return page
    if not outcome.ok:
        return _login_page(request, "Wrong username or password.", 401, next)
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_session_cookie(request, response, outcome.token or "")
    response.delete_cookie(LOGIN_NONCE_COOKIE, path="/clinician")
    return response


@router.post("/logout")
def logout_submit(request: Request, session: FormCsrfDep, svc: ServiceDep) -> Response:
    """End the session and go to the login page."""
    response = RedirectResponse("/clinician/login", status_code=303)
    auth.end_session(svc.engine, request.cookies.get(COOKIE_NAME, ""))
    record(request, session, "logout")
    clear_session_cookie(request, response)
    return response


# ---------------------------------------------------------------- dashboard
LEVEL_COLOURS_ORDER = (*reversed(LEVELS), "none")  # bottom to top


def chart(weeks: list[dict[str, Any]], width: int = 640, height: int = 180) -> dict[str, Any]:
    """Stacked bars, one per week, ready for the template's SVG."""
    if not weeks:
        return {"bars": [], "width": width, "height": height, "max": 0}
    top = max(sum(w["counts"].values()) for w in weeks) or 1
    plot_h = height - 30
    slot = width / len(weeks)
    bars = []
    for n, week in enumerate(weeks):
        y = plot_h
        segments = []
        for level in LEVEL_COLOURS_ORDER:
            count = week["counts"].get(level, 0)
            if not count:
                continue
            h = max(1.0, count / top * (plot_h - 10))
            y -= h
            segments.append({"level": level, "count": count, "y": round(y, 1), "h": round(h, 1)})
        bars.append(
            {
                "x": round(n * slot + slot * 0.15, 1),
                "w": round(slot * 0.7, 1),
                "label": week["week_start"][5:],
                "week_start": week["week_start"],
                "total": sum(week["counts"].values()),
                "segments": segments,
            }
        )
    return {"bars": bars, "width": width, "height": height, "max": top, "base": plot_h}


def _query_without(params: dict[str, Any], **change: Any) -> str:
    merged = {k: v for k, v in {**params, **change}.items() if v not in (None, "", [])}
    return urlencode(merged, doseq=True)


@router.get("", response_class=HTMLResponse)
def dashboard(
    request: Request,
    session: PageSessionDep,
    svc: ServiceDep,
    level: Annotated[list[str] | None, Query()] = None,
    symptom: Annotated[str | None, Query(max_length=64)] = None,
    since: Annotated[str | None, Query(max_length=40)] = None,
    until: Annotated[str | None, Query(max_length=40)] = None,
    flagged: Annotated[str | None, Query(max_length=5)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    page: Annotated[str | None, Query(max_length=8)] = None,
) -> Response:
    """The conversation list with its filters, the weekly chart and paging."""
    params = {
        "level": [v for v in (level or []) if v],
        "symptom": symptom or "",
        "since": since or "",
        "until": until or "",
        "flagged": flagged if flagged in ("true", "false") else "",
        "q": q or "",
    }
    page_no = int(page) if page and page.isdigit() and 0 < int(page) < 100_000 else 1
    error = None
    try:
        filters = Filters.parse(
            params["level"],
            symptom,
            since,
            until,
            {"true": True, "false": False}.get(params["flagged"]),
            q,
        )
    except FilterError as err:
        error, filters = str(err), Filters()
    size = svc.settings.clinician_page_size
    total, items = summary.list_page(svc.engine, filters, page_no, size)
    weeks = summary.weekly_counts(svc.engine, filters)
    record(
        request,
        session,
        "view_list",
        detail={"filters": filters.describe(), "page": page_no, "page_view": True},
    )
    pages = max(1, -(-total // size))
    return render(
        request,
        "dashboard.html",
        {
            "session": session,
            "items": items,
            "total": total,
            "page": page_no,
            "pages": pages,
            "params": params,
            "error": error,
            "symptoms": summary.known_symptoms(svc.engine),
            "chart": chart(weeks),
            "prev_query": _query_without(params, page=page_no - 1) if page_no > 1 else None,
            "next_query": _query_without(params, page=page_no + 1) if page_no < pages else None,
            "export_query": _query_without(params),
        },
        status_code=400 if error else 200,
    )


@router.get("/conversations/{session_id}", response_class=HTMLResponse)
def transcript_page(
    request: Request, session: PageSessionDep, svc: ServiceDep, session_id: str
) -> Response:
    """One conversation's transcript with the flag and note forms."""
    data = svc.transcript(session_id[:255])
    if data is None:
        return render(request, "not_found.html", {"session": session}, status_code=404)
    record(request, session, "view_transcript", target=session_id, detail={"page_view": True})
    return render(
        request,
        "transcript.html",
        {"session": session, "c": data, "intents": ALL_INTENTS},
    )


def _back(session_id: str, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(
        f"/clinician/conversations/{quote(session_id, safe='')}{anchor}", status_code=303
    )


@router.post("/conversations/{session_id}/flags")
def flag_submit(
    request: Request,
    session: PageCsrfDep,
    svc: ServiceDep,
    session_id: str,
    event_id: Annotated[int, Form(ge=1, le=annotations.MAX_EVENT_ID)],
    correct_intent: Annotated[str, Form(max_length=64)],
) -> Response:
    """Flag a user message from the transcript page, then back to it."""
    try:
        annotations.add_flag(
            svc.engine,
            session_id,
            event_id,
            correct_intent,
            session.account.username,
        )
    except (annotations.AnnotationError, annotations.NotFound) as err:
        return render(request, "not_found.html", {"session": session, "error": str(err)}, 422)
    record(
        request,
        session,
        "flag_message",
        target=session_id,
        detail={"event_id": event_id, "correct_intent": correct_intent},
    )
    return _back(session_id, f"#event-{event_id}")


@router.post("/conversations/{session_id}/notes")
def note_submit(
    request: Request,
    session: PageCsrfDep,
    svc: ServiceDep,
    session_id: str,
    body: Annotated[str, Form(max_length=annotations.MAX_NOTE_CHARS)] = "",
) -> Response:
    """Leave a note from the transcript page, then back to its notes."""
    if not svc.conversation_exists(session_id):
        return render(request, "not_found.html", {"session": session}, status_code=404)
    try:
        note = annotations.add_note(svc.engine, session_id, body, session.account.username)
    except annotations.AnnotationError as err:
        return render(request, "not_found.html", {"session": session, "error": str(err)}, 422)
    record(request, session, "add_note", target=session_id, detail={"note_id": note["id"]})
    return _back(session_id, "#notes")


# ---------------------------------------------------------------- admin
@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    session: PageAdminDep,
    svc: ServiceDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """The audit log page (admins only)."""
    record(request, session, "view_audit", detail={"page": page, "page_view": True})
    total, entries = audit.entries(svc.engine, page=page, page_size=100)
    return render(
        request,
        "audit.html",
        {
            "session": session,
            "entries": entries,
            "total": total,
            "page": page,
            "pages": max(1, -(-total // 100)),
        },
    )
