"""The clinician dashboard: server-rendered pages under /clinician (fixed paths).

Jinja2 autoescapes everything the templates print, so a message containing markup shows as
text. Every form carries a CSRF token; the pages send no script at all (the gateway's CSP
allows only our own files), and the chart is SVG drawn here.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.routes.clinician_api import (
    attempt_login,
    clear_session_cookie,
    current_session,
    record,
    service,
    set_session_cookie,
    transcript,
)
from bot.settings import PROJECT_ROOT
from bot.vocabulary import ALL_INTENTS
from clinician import annotations, audit, auth, summary
from clinician.auth import Session
from clinician.summary import FilterError, Filters
from clinician.transcripts import LEVELS

TEMPLATES_DIR = PROJECT_ROOT / "api" / "templates" / "clinician"
STATIC_DIR = PROJECT_ROOT / "api" / "static" / "clinician"
STATIC_FILES = {"clinician.css": "text/css"}
LOGIN_NONCE_COOKIE = "clinician_login_nonce"

router = APIRouter(prefix="/clinician", tags=["clinician pages"], include_in_schema=False)


def _utc(ts: float | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if not ts:
        return ""
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime(fmt)


_env = Environment(
    loader=FileSystemLoader(str(TEMPLATES_DIR)),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["utc"] = _utc
templates = Jinja2Templates(env=_env)


def _render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    return templates.TemplateResponse(
        request, name, {"levels": LEVELS, **context}, status_code=status_code
    )


def _to_login(request: Request) -> RedirectResponse:
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    return RedirectResponse("/clinician/login?" + urlencode({"next": target}), status_code=303)


def _safe_next(value: str | None) -> str:
    """Only our own dashboard pages: never an open redirect."""
    if value and value.startswith("/clinician") and "//" not in value and "\\" not in value:
        return value
    return "/clinician"


def _forbidden(request: Request, session: Session) -> HTMLResponse:
    return _render(request, "forbidden.html", {"session": session}, status_code=403)


# ---------------------------------------------------------------- static
@router.get("/static/{name}")
def static_file(name: str) -> Response:
    if name not in STATIC_FILES:
        return Response(status_code=404)
    return FileResponse(STATIC_DIR / name, media_type=STATIC_FILES[name])


# ---------------------------------------------------------------- login and logout
def _login_page(
    request: Request, error: str | None = None, status_code: int = 200, next_url: str = ""
) -> HTMLResponse:
    nonce = auth.new_login_nonce()
    response = _render(
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
def logout_submit(
    request: Request, csrf_token: Annotated[str, Form(max_length=128)] = ""
) -> Response:
    session = current_session(request)
    response = RedirectResponse("/clinician/login", status_code=303)
    if session is None:
        return response
    if not auth.csrf_matches(session.csrf_token, csrf_token):
        return _render(request, "forbidden.html", {"session": session, "csrf": True}, 403)
    auth.end_session(service(request).engine, request.cookies.get("clinician_session", ""))
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
    level: Annotated[list[str] | None, Query()] = None,
    symptom: Annotated[str | None, Query(max_length=64)] = None,
    since: Annotated[str | None, Query(max_length=40)] = None,
    until: Annotated[str | None, Query(max_length=40)] = None,
    flagged: Annotated[str | None, Query(max_length=5)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    page: Annotated[str | None, Query(max_length=8)] = None,
) -> Response:
    session = current_session(request)
    if session is None:
        return _to_login(request)
    svc = service(request)
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
    svc.refresh()
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
    return _render(
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
def transcript_page(request: Request, session_id: str) -> Response:
    session = current_session(request)
    if session is None:
        return _to_login(request)
    data = transcript(service(request), session_id[:255])
    if data is None:
        return _render(request, "not_found.html", {"session": session}, status_code=404)
    record(request, session, "view_transcript", target=session_id, detail={"page_view": True})
    return _render(
        request,
        "transcript.html",
        {"session": session, "c": data, "intents": ALL_INTENTS},
    )


def _back(session_id: str, anchor: str = "") -> RedirectResponse:
    from urllib.parse import quote

    return RedirectResponse(
        f"/clinician/conversations/{quote(session_id, safe='')}{anchor}", status_code=303
    )


@router.post("/conversations/{session_id}/flags")
def flag_submit(
    request: Request,
    session_id: str,
    event_id: Annotated[int, Form(ge=1, le=annotations.MAX_EVENT_ID)],
    correct_intent: Annotated[str, Form(max_length=64)],
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    session = current_session(request)
    if session is None:
        return _to_login(request)
    if not auth.csrf_matches(session.csrf_token, csrf_token):
        return _render(request, "forbidden.html", {"session": session, "csrf": True}, 403)
    try:
        annotations.add_flag(
            service(request).engine,
            session_id,
            event_id,
            correct_intent,
            session.account.username,
        )
    except (annotations.AnnotationError, annotations.NotFound) as err:
        return _render(request, "not_found.html", {"session": session, "error": str(err)}, 422)
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
    session_id: str,
    body: Annotated[str, Form(max_length=annotations.MAX_NOTE_CHARS)] = "",
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    session = current_session(request)
    if session is None:
        return _to_login(request)
    if not auth.csrf_matches(session.csrf_token, csrf_token):
        return _render(request, "forbidden.html", {"session": session, "csrf": True}, 403)
    svc = service(request)
    svc.refresh()
    if summary.get_summary(svc.engine, session_id) is None:
        return _render(request, "not_found.html", {"session": session}, status_code=404)
    try:
        note = annotations.add_note(svc.engine, session_id, body, session.account.username)
    except annotations.AnnotationError as err:
        return _render(request, "not_found.html", {"session": session, "error": str(err)}, 422)
    record(request, session, "add_note", target=session_id, detail={"note_id": note["id"]})
    return _back(session_id, "#notes")


# ---------------------------------------------------------------- admin
@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> Response:
    session = current_session(request)
    if session is None:
        return _to_login(request)
    if not session.account.is_admin:
        return _forbidden(request, session)
    record(request, session, "view_audit", detail={"page": page, "page_view": True})
    total, entries = audit.entries(service(request).engine, page=page, page_size=100)
    return _render(
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
