"""The dashboard pages' login, CSRF and admin checks as dependencies.

The pages answer a missing session with a redirect to the login page and a refused check with
the 403 page, not with the JSON API's 401/403: the dependencies raise ``PageRefused`` and
``install`` (called by the app factory) turns it into that response.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.clinician.deps import current_session
from bot.settings import PROJECT_ROOT
from clinician import auth
from clinician.auth import Session
from clinician.transcripts import LEVELS

TEMPLATES_DIR = PROJECT_ROOT / "api" / "templates" / "clinician"
LOGIN_PATH = "/clinician/login"


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
#: The dashboard's templates (base.html, the ``utc`` filter); the care team's pages use them.
templates = Jinja2Templates(env=_env)


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    """A dashboard template, with the triage levels every page's legend uses."""
    return templates.TemplateResponse(
        request, name, {"levels": LEVELS, **context}, status_code=status_code
    )


class PageRefused(Exception):
    """A page request refused by a check; ``response`` is what the browser gets."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def login_redirect(request: Request) -> RedirectResponse:
    """To the login page, coming back to this page afterwards."""
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    return RedirectResponse(f"{LOGIN_PATH}?" + urlencode({"next": target}), status_code=303)


def forbidden(request: Request, session: Session, csrf: bool = False) -> HTMLResponse:
    """The 403 page (``csrf``: the form's token was missing or wrong)."""
    context: dict[str, Any] = {"session": session, "csrf": True} if csrf else {"session": session}
    return render(request, "forbidden.html", context, status_code=403)


def page_session(request: Request) -> Session:
    """The login session, or a redirect to the login page and back."""
    session = current_session(request)
    if session is None:
        raise PageRefused(login_redirect(request))
    return session


def form_session(request: Request) -> Session:
    """The login session for a form post, or a plain redirect to the login page (a post
    cannot be repeated after logging in).
    """
    session = current_session(request)
    if session is None:
        raise PageRefused(RedirectResponse(LOGIN_PATH, status_code=303))
    return session


def _csrf_checked(request: Request, session: Session, token: str) -> Session:
    if not auth.csrf_matches(session.csrf_token, token):
        raise PageRefused(forbidden(request, session, csrf=True))
    return session


def page_csrf(
    request: Request,
    session: Annotated[Session, Depends(page_session)],
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Session:
    """The login session of a form carrying its CSRF token (else the login page or 403)."""
    return _csrf_checked(request, session, csrf_token)


def form_csrf(
    request: Request,
    session: Annotated[Session, Depends(form_session)],
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Session:
    """As ``page_csrf``, with the plain redirect to the login page."""
    return _csrf_checked(request, session, csrf_token)


def page_admin(request: Request, session: Annotated[Session, Depends(page_session)]) -> Session:
    """The login session of an admin, or the 403 page."""
    if not session.account.is_admin:
        raise PageRefused(forbidden(request, session))
    return session


PageSessionDep = Annotated[Session, Depends(page_session)]
PageCsrfDep = Annotated[Session, Depends(page_csrf)]
FormCsrfDep = Annotated[Session, Depends(form_csrf)]
PageAdminDep = Annotated[Session, Depends(page_admin)]


def install(app: FastAPI) -> None:
    """Answer ``PageRefused`` with its response."""

    async def refused(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, PageRefused)
        return exc.response

    app.add_exception_handler(PageRefused, refused)
